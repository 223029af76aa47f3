"""Checks packaging/supervisord/ with supervisord's own config loader (Debian's supervisor):
supervisord.conf.example with chromium.conf, faultline-cdp-proxy.conf, faultline-kmsgmon.conf
(and faultline-shim.conf when present) in conf.d/ loads, and the entries agree with each other:
cdp-proxy follows the log Chromium writes, its --upstream is Chromium's DevTools port, kmsgmon
publishes to the hub cdp-proxy listens on, Chromium's stderr reaches that log. Where a built
program has its marker flag (below), every flag an entry passes must be in its --help.

Usage: supervisord_conf_test.py SUPERVISORD_DIR [NAME=BINARY ...]
Run with supervisord's interpreter (meson passes the one in supervisord's #! line).
Exit codes: 0 pass, 1 fail, 77 skip (supervisor not installed)."""
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile

try:
    from supervisor.options import ServerOptions
except ImportError:
    print("SKIP: supervisor's python package is not importable (apt-get install supervisor)")
    sys.exit(77)

# A flag whose presence in --help means the program is fully built (not an early stub).
IMPLEMENTED_MARKER = {"cdp-proxy": "--api-listen", "kmsgmon": "--hub"}


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def load(conf_dir):
    """Returns ({name: process config}, options) from supervisord.conf.example + conf.d/*.conf,
    copied with /var/{log,lib}/faultline moved under a temp dir (supervisord wants them to exist)
    and Chromium's user=chromium replaced by the current user."""
    tmp = tempfile.mkdtemp()

    def copy(src, dst):
        text = open(src).read()
        for d in ("/var/log/faultline", "/var/lib/faultline"):
            text = text.replace(d, tmp + d)
        # The image creates the chromium user; this machine may not have it.
        text = text.replace("\nuser=chromium\n", f"\nuser={pwd.getpwuid(os.getuid()).pw_name}\n")
        open(dst, "w").write(text)

    try:
        for d in ("/var/log/faultline", "/var/lib/faultline/chromium", "/conf.d"):
            os.makedirs(tmp + d)
        copy(os.path.join(conf_dir, "supervisord.conf.example"), f"{tmp}/supervisord.conf")
        for f in sorted(os.listdir(conf_dir)):
            if f.endswith(".conf"):
                copy(os.path.join(conf_dir, f), f"{tmp}/conf.d/{f}")
        opts = ServerOptions()
        opts.realize(args=["-c", f"{tmp}/supervisord.conf"])
        return {p.name: p for g in opts.process_group_configs for p in g.process_configs}, opts
    finally:
        shutil.rmtree(tmp)


def flag(argv, name):
    """Returns the value after flag `name` in argv (or of --name=value), None if absent."""
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def check_flags_exist(name, argv, binary):
    """Fails when the built program has its marker flag but lacks one the entry passes."""
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    if IMPLEMENTED_MARKER[name] not in help_text:
        print(f"note: {name} has no {IMPLEMENTED_MARKER[name]} yet; flag check not run")
        return
    for a in argv[1:]:
        if a.startswith("--") and a.split("=", 1)[0] not in help_text:
            fail(f"{name} entry passes {a}, which `{binary} --help` does not list")
    print(f"ok: every flag of the {name} entry is in its --help")


def main():
    conf_dir = sys.argv[1]
    binaries = dict(a.split("=", 1) for a in sys.argv[2:])
    procs, opts = load(conf_dir)
    for want in ("chromium", "cdp-proxy", "kmsgmon"):
        if want not in procs:
            fail(f"no [program:{want}] loaded; got {sorted(procs)}")
    if not opts.nodaemon:
        fail("supervisord.conf.example must run in the foreground (container PID 1)")
    argv = {n: shlex.split(p.command) for n, p in procs.items()}

    chromium, proxy, kmsg = procs["chromium"], procs["cdp-proxy"], procs["kmsgmon"]
    if "\nuser=chromium\n" not in open(os.path.join(conf_dir, "chromium.conf")).read():
        fail("chromium.conf should run Chromium as the unprivileged user chromium")
    if not chromium.redirect_stderr:
        fail("chromium's stderr (DevTools listening on ...) must go to its stdout log")
    if flag(argv["cdp-proxy"], "--chromium-log") != chromium.stdout_logfile:
        fail(f"cdp-proxy follows {flag(argv['cdp-proxy'], '--chromium-log')} "
             f"but Chromium logs to {chromium.stdout_logfile}")
    port = flag(argv["chromium"], "--remote-debugging-port")
    if flag(argv["cdp-proxy"], "--upstream") != f"127.0.0.1:{port}":
        fail(f"cdp-proxy --upstream {flag(argv['cdp-proxy'], '--upstream')} is not "
             f"Chromium's 127.0.0.1:{port}")
    if port != "9223" or flag(argv["cdp-proxy"], "--cdp-listen") != "0.0.0.0:9222":
        fail("the documented ports are 9222 (proxy) in front of 9223 (Chromium)")
    api = flag(argv["cdp-proxy"], "--api-listen")
    if flag(argv["kmsgmon"], "--hub") != f"http://{api}":
        fail(f"kmsgmon --hub {flag(argv['kmsgmon'], '--hub')} is not the hub http://{api}")
    if not (proxy.priority < chromium.priority and kmsg.autorestart and proxy.autorestart):
        fail("cdp-proxy must start before Chromium; kmsgmon and cdp-proxy must autorestart")
    if "--mlock" not in argv["kmsgmon"]:
        fail("kmsgmon entry should lock its memory (--mlock)")
    print(f"ok: entries load and agree ({', '.join(sorted(procs))})")

    for name, binary in binaries.items():
        check_flags_exist(name, argv[name], binary)


main()
