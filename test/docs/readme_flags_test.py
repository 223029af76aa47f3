"""The README says what the binaries do: every flag it names exists in that program's --help,
with the default the README states and the FAULTLINE_* variable the README's rule implies
(`--data-dir` <-> `FAULTLINE_DATA_DIR`), and every FAULTLINE_* / OTEL_* variable it names is
one that some --help lists.

A flag belongs to the program its code span starts with (`faultline-tail --nats ...`), else to
a program named in the same sentence or to the program of the README section it is in
(## kmsgmon, ## supervisord-shim, ## cdp-proxy and the hub, ## The first five minutes =
packaging/run-local.sh). A default is what follows the flag in parentheses when that starts
with a number or a `value`: "`--outbox` (4096)", "`--max-body` (1 MiB, ...)".
Flags of the packaging scripts (build-static.sh, install-deps.sh, ...) only need to appear in
the script. Fails listing every mismatch.

Usage: readme_flags_test.py SOURCE_ROOT NAME=BINARY...  (kmsgmon=..., cdp-proxy=..., ...)
Exit codes: 0 pass, 1 mismatch."""
import re
import subprocess
import sys

root = sys.argv[1]
binaries = dict(a.split("=", 1) for a in sys.argv[2:])
binaries["run-local.sh"] = f"{root}/packaging/run-local.sh"
# Scripts whose flags the README names: a flag only has to appear in the script's text.
SCRIPTS = {"build-static.sh": "packaging/build-static.sh", "build-deb.sh": "packaging/build-deb.sh",
           "install-deps.sh": "packaging/install-deps.sh", "test/run.sh": "test/run.sh"}
SECTIONS = {"kmsgmon": "kmsgmon", "supervisord-shim": "supervisord-shim",
            "cdp-proxy and the hub": "cdp-proxy", "The first five minutes": "run-local.sh"}
# How a program is named in the README (the first word of a code span, or in prose).
NAMES = [("packaging/run-local.sh", "run-local.sh"), ("run-local.sh", "run-local.sh"),
         ("build-local/cdp-proxy/faultline-tail", "faultline-tail"),
         ("build/cdp-proxy/faultline-tail", "faultline-tail"), ("faultline-tail", "faultline-tail"),
         ("supervisord-shim", "supervisord-shim"), ("kmsgmon", "kmsgmon"),
         ("cdp-proxy", "cdp-proxy")] + [(k, k) for k in SCRIPTS] + [
         ("packaging/" + k, k) for k in SCRIPTS if not k.startswith("test/")]

problems = []


def help_text(name):
    r = subprocess.run([binaries[name], "--help"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        problems.append(f"{name} --help exited {r.returncode}: {r.stderr[:200]}")
    return r.stdout


def parse_cpp_help(text):
    """{flag: (env, default)} from the C++ FlagSet help: '  --flag ARG' then '      env X, default Y'."""
    flags, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"  (--[a-z0-9-]+)(?:,| [A-Z'{<]|$)", line)
        if m and m.group(1) not in flags:  # the Options list; later sections only mention flags
            cur = m.group(1)
            flags[cur] = (None, None)
            continue
        m = re.match(r"      env ([A-Z0-9_]+)(?:, default (.*))?$", line)
        if m and cur:
            flags[cur] = (m.group(1), m.group(2))
        elif not line.startswith("      "):
            cur = None
    return flags


def parse_script_help(text):
    """run-local.sh: '  --flag ARG   text ... default N ...   (FAULTLINE_X[=1])', wrapped."""
    flags, blocks, cur = {}, {}, None
    for line in text.splitlines():
        m = re.match(r"  (--[a-z0-9-]+)", line)
        if m:
            cur = m.group(1)
            blocks[cur] = line
        elif cur and line.startswith("     "):
            blocks[cur] += " " + line.strip()
        else:
            cur = None
    for flag, b in blocks.items():
        env = re.search(r"\((FAULTLINE_[A-Z0-9_]+)[=,)]", b)
        default = re.search(r"default (\d+)", b)
        flags[flag] = (env and env.group(1), default and default.group(1))
    return flags


helps = {}
for name in binaries:
    text = help_text(name)
    helps[name] = (parse_script_help if name.endswith(".sh") else parse_cpp_help)(text), text
script_texts = {k: open(f"{root}/{v}").read() for k, v in SCRIPTS.items()}

UNITS = {"KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}


def readme_default(after):
    """The default stated right after a flag ('(4096)', '(1 MiB, ...', '(`FAULTLINE`)'), or None."""
    m = re.match(r" \((\d[\d,.]*)\s*(KiB|MiB|GiB|ms|s|%)?(?=[\s,:;)])", after)
    if m:
        n = float(m.group(1).replace(",", "")) * UNITS.get(m.group(2), 1)
        return ("number", n)
    m = re.match(r" \(`([^`-][^`]*)`\)", after)
    if m:
        return ("text", m.group(1))
    return None


def same_default(stated, actual):
    if actual is None:
        return False
    kind, v = stated
    if kind == "text":
        return v == actual
    try:
        return float(actual) == v
    except ValueError:
        return False


def check_flag(flag, owners, after, where):
    """flag must be in one owner's help (or script); its env and stated default must match."""
    flag = flag.split("=")[0]
    for owner in owners:
        if owner in SCRIPTS:
            if re.search(re.escape(flag) + r"\b", script_texts[owner]):
                return
            continue
        flags, _ = helps[owner]
        if flag not in flags:
            continue
        env, default = flags[flag]
        if flag in ("--help", "--version"):
            return
        want = "FAULTLINE_" + flag[2:].upper().replace("-", "_")
        if env != want:
            problems.append(f"{where}: {owner} {flag}: --help gives env {env}, README's rule says {want}")
        stated = readme_default(after)
        if stated and not same_default(stated, default):
            problems.append(f"{where}: {owner} {flag}: README says default {stated[1]}, "
                            f"--help says {default}")
        return
    problems.append(f"{where}: {flag} is in no --help of {', '.join(owners) or '(no program)'}")


def program_at(text):
    for word, prog in NAMES:
        if text == word or text.startswith(word + " "):
            return prog
    return None


def programs_named(sentence):
    found = []
    for word, prog in NAMES:
        if re.search(r"(?<![\w/-])" + re.escape(word) + r"(?![\w-])", sentence) and prog not in found:
            found.append(prog)
    return found


readme = open(f"{root}/README.md").read()
section = None
in_code = False
code_owner = None
for lineno, line in enumerate(readme.splitlines(), 1):
    if line.startswith("## "):
        section = SECTIONS.get(line[3:].strip())
    if line.startswith("```"):
        in_code, code_owner = not in_code, None
        continue
    where = f"README.md:{lineno}"
    if in_code:
        # A command line: its program owns the flags (a continued line keeps the owner).
        cmd = re.sub(r"^[A-Z0-9_]+=\S+\s+", "", line.strip())
        owner = program_at(cmd) or (code_owner if cmd.startswith("--") else None)
        if owner:
            code_owner = owner if line.rstrip().endswith("\\") else None
            for m in re.finditer(r"(?<![\w-])(--[a-z][a-z0-9-]*)", cmd.split("#")[0]):
                check_flag(m.group(1), [owner], "", where)
        else:
            code_owner = None
        continue
# Prose: sentence by sentence, so a program named in a sentence owns its flags there.
body = re.sub(r"```.*?```", "", readme, flags=re.S)
section = None
for para in re.split(r"\n\s*\n", body):
    head = re.match(r"## (.*)", para)
    if head:
        section = SECTIONS.get(head.group(1).strip())
    lineno = readme.find(para[:60])
    where = f"README.md:{readme.count(chr(10), 0, lineno) + 1}" if lineno >= 0 else "README.md"
    text = " ".join(para.split())
    # A table row is one unit; prose is split into sentences.
    units = para.splitlines() if para.lstrip().startswith("|") else \
        re.split(r"(?<=[.])\s+(?=[A-Z`(])", text)
    for sentence in units:
        named = programs_named(sentence)
        for m in re.finditer(r"`([^`]+)`", sentence):
            span = m.group(1)
            after = sentence[m.end():]
            owner = program_at(span)
            if owner:
                for f in re.finditer(r"(?<![\w-])(--[a-z][a-z0-9-]*)", span):
                    check_flag(f.group(1), [owner], "", where)
                continue
            if not span.startswith("--") or "<" in span:
                continue
            owners = named + ([section] if section and section not in named else [])
            if not owners:
                continue  # a flag outside any program's section, with no program named
            check_flag(span.split()[0], owners, after if " " not in span else "", where)
# Variables: each FAULTLINE_* / OTEL_* the README names is listed by some --help.
all_help = "\n".join(t for _, t in helps.values())
for var in sorted(set(re.findall(r"\b((?:FAULTLINE|OTEL)_[A-Z0-9_]*[A-Z0-9])\b", readme))):
    if not re.search(r"\b" + var + r"\b", all_help):
        problems.append(f"README names {var}, which no --help lists")

for p in problems:
    print(f"FAIL: {p}")
if problems:
    sys.exit(1)
checked = ", ".join(sorted(binaries))
print(f"ok: every flag and variable the README names matches --help ({checked})")
