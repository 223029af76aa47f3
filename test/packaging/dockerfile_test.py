"""Checks packaging/Dockerfile.example without a Docker daemon (CI has none, and no registry):
two stages (debian:bookworm builds with install-deps.sh --static and build-static.sh;
debian:bookworm-slim runs Chromium and supervisord); the runtime stage copies exactly the
binaries (faultline-tail too) from where build-static.sh puts them (<builddir>/dist); every file copied from
the build context exists in the repository and survives Dockerfile.example.dockerignore, and
so does everything build-static.sh needs; the directories and the user the supervisord
config expects are created; the image runs supervisord with the copied config.

Usage: dockerfile_test.py SOURCE_ROOT SUPERVISORD_SHIM
(A missing faultline-shim.conf is only a note while the built shim has no --hub, i.e. in a
tree older than the shim's hub delivery; otherwise it is a failure.) Exit codes: 0 pass, 1 fail."""
import os
import re
import shlex
import subprocess
import sys

PROGRAMS = ("kmsgmon", "supervisord-shim", "cdp-proxy", "faultline-tail")


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def instructions(path):
    """Returns [(INSTRUCTION, argument text)] with continuation lines joined, comments dropped."""
    out, cur = [], ""
    for line in open(path):
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if s.startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        word, _, rest = cur.partition(" ")
        out.append((word.upper(), rest.strip()))
        cur = ""
    return out


def glob_regex(pattern):
    """Returns a regex for a .dockerignore pattern (Go filepath.Match plus **)."""
    rx, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            rx, i = rx + ".*", i + 2
        elif pattern[i] == "*":
            rx, i = rx + "[^/]*", i + 1
        elif pattern[i] == "?":
            rx, i = rx + "[^/]", i + 1
        else:
            rx, i = rx + re.escape(pattern[i]), i + 1
    return re.compile(rx + r"\Z")


def ignored(path, patterns):
    """Returns True when .dockerignore excludes path (a pattern matching a parent counts; the
    last matching pattern wins; ! re-includes)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    result = False
    for pat in patterns:
        neg = pat.startswith("!")
        rx = glob_regex(pat[1:] if neg else pat)
        if any(rx.match(p) for p in prefixes):
            result = not neg
    return result


def main():
    root, shim = sys.argv[1], sys.argv[2]
    dockerfile = os.path.join(root, "packaging/Dockerfile.example")
    patterns = [l.strip() for l in open(dockerfile + ".dockerignore")
                if l.strip() and not l.startswith("#")]
    stages, cur, args = [], None, {}
    for ins, arg in instructions(dockerfile):
        if ins == "ARG" and cur is None:  # a base image's build argument, with its default
            name, _, default = arg.partition("=")
            args[name.strip()] = default.strip()
        elif ins == "FROM":
            words = arg.split()
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), words[0])
            cur = {"image": image, "name": words[2] if len(words) > 2 else None, "ins": []}
            stages.append(cur)
        elif cur is None:
            fail(f"{ins} before FROM")
        else:
            cur["ins"].append((ins, arg))
    if [s["image"] for s in stages] != ["debian:bookworm", "debian:bookworm-slim"]:
        fail(f"stages are {[s['image'] for s in stages]}")
    build, run = stages
    build_runs = " ".join(a for i, a in build["ins"] if i == "RUN")
    m = re.search(r"packaging/build-static\.sh --builddir (\S+)", build_runs)
    if "packaging/install-deps.sh --static" not in build_runs or not m:
        fail("the build stage must run install-deps.sh --static and build-static.sh --builddir")
    dist = m.group(1).rstrip("/") + "/dist"

    # Build context: what the build stage needs must not be ignored; local trees must be.
    needed = ["packaging/build-static.sh", "packaging/install-deps.sh", "meson.build",
              "meson_options.txt", "core/faultline/event.hpp", "kmsgmon/main.cpp",
              "cdp-proxy/tools/faultline_tail.cpp",
              "packaging/static-probe/loopback_probe.cpp", "packaging/static-nats/meson.build",
              "packaging/static-nats/nats/meson.build"]
    needed += [f"subprojects/{f}" for f in os.listdir(f"{root}/subprojects") if f.endswith(".wrap")]
    for d, _, files in os.walk(f"{root}/subprojects/packagefiles"):
        needed += [os.path.relpath(os.path.join(d, f), root) for f in files]
    for p in needed:
        if ignored(p, patterns):
            fail(f"the build context drops {p} (Dockerfile.example.dockerignore)")
    for p in (".git", "build/build.ninja", "build-static/dist/kmsgmon",
              "subprojects/fmt-9.1.0/meson.build", "subprojects/nats.c-3.4.1/CMakeLists.txt"):
        if not ignored(p, patterns):
            fail(f"the build context would include local {p}")
    print(f"ok: build stage builds with build-static.sh into {dist}; context filter keeps its inputs")

    shim_done = "--hub" in subprocess.run([shim, "--help"], capture_output=True, text=True).stdout
    from_build, conf_target = [], None
    for ins, arg in run["ins"]:
        if ins != "COPY":
            continue
        words = shlex.split(arg)
        if words[0].startswith("--from="):
            if words[0] != f"--from={build['name']}":
                fail(f"COPY {words[0]} does not name the build stage")
            from_build += words[1:-1]
            continue
        for src in words[:-1]:
            if not os.path.exists(os.path.join(root, src)):
                if src.endswith("faultline-shim.conf") and not shim_done:
                    print(f"note: {src} is missing; the built shim has no --hub yet")
                    continue
                fail(f"COPY source {src} is not in the repository")
            if ignored(src, patterns):
                fail(f"COPY source {src} is excluded by the .dockerignore")
        if words[0].endswith("supervisord.conf.example"):
            conf_target = words[-1]
    if sorted(from_build) != sorted(f"{dist}/{p}" for p in PROGRAMS):
        fail(f"the runtime stage copies {from_build} from the build stage, not the binaries {PROGRAMS} in {dist}")
    run_text = " ".join(a for i, a in run["ins"] if i == "RUN")
    for want in ("chromium", "supervisor", "useradd", "/var/log/faultline",
                 "/var/lib/faultline/chromium", "chown chromium:chromium"):
        if want not in run_text:
            fail(f"the runtime stage does not set up {want}")
    cmd = [a for i, a in run["ins"] if i == "CMD"]
    if not conf_target or not cmd or conf_target not in cmd[-1] or "supervisord" not in cmd[-1]:
        fail(f"CMD {cmd} does not run supervisord with the copied config {conf_target}")
    print("ok: runtime stage: three static binaries, supervisord config and entries, Chromium")


main()
