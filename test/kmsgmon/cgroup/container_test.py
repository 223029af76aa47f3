#!/usr/bin/env python3
"""kmsgmon inside real podman containers. Usage: container_test.py KMSGMON HOG CASE

A root filesystem made here (busybox, kmsgmon, the hog and their libraries) runs under
podman with --memory 96m and --network host; kmsgmon publishes to a recording hub on the host.

sudden      no /dev/kmsg: the hog idles, then allocates until the kernel kills it. Exactly one
            system_oom_kill (detected_by cgroup, the hog's pid as the container sees it,
            process_name, ts within 3 s of the kill); kmsgmon still runs afterwards. A second
            container's hog is killed meanwhile: not reported.
squeeze     the hog grows ~2 MiB/s: a memory_pressure warning or critical with scope cgroup and
            mem_total_kb == the limit arrives >= 10 s before the kill.
privileged  --device /dev/kmsg --cap-add SYSLOG: still exactly one event per kill (the kernel's
            report, victim kernel_report, container pid), the neighbour's kill not reported.
v1_eventfd  no container: kmsgmon --cgroup DIR --no-kmsg on a v1 memory cgroup the test makes
            (cgroup.event_control writable: the eventfd wake-up); its hog's kill is one event
            with the hog's pid (the host's pid namespace is kmsgmon's).
v1_pressure_level  no container: kmsgmon --cgroup DIR on a v1 memory cgroup the test makes (no
            PSI of its own: its memory.pressure_level notifications stand in), --psi-sustain 0;
            the hog squeezes it: a critical memory_pressure driven by the notification
            (reason pressure_level_critical, pressure_level critical, no PSI figures).
Exit 77 (skip) where podman cannot run containers here (v1_*: no writable v1 memory).
"""
import datetime
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

KMSGMON, HOG, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
LIMIT = 96 << 20
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def skip(msg):
    print(f"SKIP: {msg}")
    sys.exit(77)


def make_rootfs(root):
    for d in ("bin", "proc", "sys", "dev", "tmp", "etc"):
        os.makedirs(f"{root}/{d}", exist_ok=True)
    busybox = shutil.which("busybox")
    if not busybox or subprocess.run(["ldd", busybox], capture_output=True).returncode == 0:
        skip("no static busybox (Debian's busybox-static)")
    shutil.copy(busybox, f"{root}/bin/busybox")
    for tool in ("sh", "sleep", "kill", "cat", "echo"):
        os.symlink("busybox", f"{root}/bin/{tool}")
    for exe in (KMSGMON, HOG):
        shutil.copy(exe, f"{root}/bin/{os.path.basename(exe)}")
        out = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
        for line in out.splitlines():  # "libx.so => /lib/.../libx.so (0x...)" or "/lib64/ld..."
            parts = line.split()
            path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0]
            if path.startswith("/"):
                os.makedirs(root + os.path.dirname(path), exist_ok=True)
                shutil.copy(path, root + path)
    open(f"{root}/etc/hostname", "w").write("faultline-test\n")


class Hub:
    """Records what producers POST to /telemetry/events."""

    def __init__(self):
        self.events, self.samples, self.lock = [], 0, threading.Lock()
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                if self.path == "/telemetry/samples":  # memory samples are not events
                    with hub.lock:
                        hub.samples += 1
                    body = ""
                with hub.lock:
                    for line in body.splitlines():
                        if line.strip():
                            hub.events.append(json.loads(line))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of_type(self, t):
        with self.lock:
            return [e for e in self.events if e["type"] == t]


class Container:
    """One podman container; its stdout lines are stamped with the host's wall clock."""

    def __init__(self, root, name, script, extra=()):
        self.name, self.lines = name, []
        cmd = PODMAN + ["run", "--rm", "--name", name, "--network", "host",
                        "--memory", str(LIMIT), "--memory-swap", str(LIMIT),
                        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                        *extra, "--rootfs", root, "/bin/sh", "-c", script]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append((datetime.datetime.now(datetime.timezone.utc), line.rstrip()))

    def wait(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            subprocess.run(PODMAN + ["kill", self.name], capture_output=True)
            self.proc.wait(timeout=30)
            fail(f"container {self.name} still running after {timeout} s: {self.text()}")
        time.sleep(0.2)

    def line(self, prefix):
        return next(((t, l) for t, l in self.lines if l.startswith(prefix)), (None, None))

    def text(self):
        return "\n".join(l for _, l in self.lines)


def script(hub_url, hog_args, kmsgmon_args=""):
    # kmsgmon runs as oom_score_adj -1000 would (refused here: a warning, not an exit).
    return (f"/bin/kmsgmon --hub {hub_url} {kmsgmon_args} 2>&1 & k=$!; sleep 1; "
            f"/bin/hog {hog_args}; echo hog exited $?; sleep 4; "
            f"if kill -0 $k; then echo kmsgmon alive; fi; kill $k; wait $k; echo kmsgmon rc $?")


def neighbour(root, tag, extra=()):
    return Container(root, f"faultline-neigh-{tag}-{os.getpid()}",
                     "sleep 2; /bin/hog 0 0; echo hog exited $?", extra)


def check_one_kill(hub, c, detected_by, n):
    if n.line("hog exited ")[1] != "hog exited 137":
        fail(f"the neighbour's hog was not killed: {n.text()}")
    kills = hub.of_type("system_oom_kill")
    _, pid_line = c.line("hog pid ")
    killed_at, exited = c.line("hog exited ")
    print(c.text())
    if not pid_line or not exited or exited != "hog exited 137":
        fail(f"the hog was not SIGKILLed by the kernel: {exited}")
    if len(kills) != 1:
        fail(f"expected exactly one system_oom_kill, got {len(kills)}: {kills}")
    d = kills[0]["data"]
    hog_pid = int(pid_line.split()[2])
    if d.get("pid") != hog_pid or d.get("process_name") != "hog":
        fail(f"event names pid {d.get('pid')} ({d.get('process_name')}), the hog was {hog_pid}")
    if d.get("detected_by") != detected_by or not d.get("cgroup"):
        fail(f"detected_by/cgroup wrong: {d}")
    if d.get("memory_limit_kb") != LIMIT // 1024:
        fail(f"memory_limit_kb {d.get('memory_limit_kb')} != {LIMIT // 1024}")
    ts = datetime.datetime.fromisoformat(kills[0]["ts"].replace("Z", "")[:26] + "+00:00")
    if abs((ts - killed_at).total_seconds()) > 3:
        fail(f"ts {kills[0]['ts']} is more than 3 s from the kill ({killed_at})")
    if not c.line("kmsgmon alive")[1]:
        fail("kmsgmon did not survive the kill")
    print(f"ok - one system_oom_kill ({detected_by}, victim {d.get('victim')}, pid {hog_pid}); "
          "the neighbour's kill not reported; kmsgmon still running")


def v1_cgroup(tag):
    base = "/sys/fs/cgroup/memory"
    if os.geteuid() != 0 or not os.access(f"{base}/cgroup.event_control", os.W_OK):
        skip("no writable cgroup v1 memory controller")
    cg = f"{base}/faultline-{tag}-{os.getpid()}"
    os.mkdir(cg)
    for f, v in (("memory.limit_in_bytes", LIMIT), ("memory.memsw.limit_in_bytes", LIMIT)):
        if os.path.exists(f"{cg}/{f}"):
            open(f"{cg}/{f}", "w").write(str(v))
    return cg


def remove_cgroup(cg):
    for _ in range(50):
        try:
            os.rmdir(cg)
            break
        except OSError:
            time.sleep(0.1)


def case_v1_pressure_level():
    cg = v1_cgroup("level")
    try:
        hub = Hub()
        k = subprocess.Popen([KMSGMON, "--cgroup", cg, "--no-kmsg", "--psi-sustain", "0",
                              "--no-oom-protect", "--hub", hub.url],
                             stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        hog = subprocess.Popen(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$1" 1 0',
                                cg, HOG], stdout=subprocess.DEVNULL)
        hog.wait(timeout=60)
        end = time.monotonic() + 10
        while time.monotonic() < end and not hub.of_type("system_oom_kill"):
            time.sleep(0.1)
        time.sleep(1)
        k.terminate()
        err = k.communicate(timeout=10)[1]
    finally:
        remove_cgroup(cg)
    print(err)
    if "memory.pressure_level notifications instead" not in err:
        fail("the start-up line does not name the memory.pressure_level notifications")
    if hog.returncode != -9:
        fail(f"the hog was not SIGKILLed: {hog.returncode}")
    driven = [e for e in hub.of_type("memory_pressure")
              if "pressure_level_critical" in e["data"]["reasons"]]
    if not driven:
        fail(f"no memory_pressure driven by the notification: {hub.of_type('memory_pressure')}")
    d = driven[0]["data"]
    if d["level"] != "critical" or d.get("pressure_level") != "critical":
        fail(f"level/pressure_level wrong: {d}")
    if d.get("psi_some_avg10") is not None or "psi_scope" in d:
        fail(f"PSI figures the cgroup does not have: {d}")
    if d.get("scope") != "cgroup" or d["mem_total_kb"] != LIMIT // 1024:
        fail(f"not measured against the limit: {d}")
    if len(hub.of_type("system_oom_kill")) != 1:
        fail(f"expected one kill: {hub.of_type('system_oom_kill')}")
    print(f"ok - memory.pressure_level critical became a critical memory_pressure ({d['reasons']})")


def case_v1_eventfd():
    cg = v1_cgroup("eventfd")
    try:
        hub = Hub()
        k = subprocess.Popen([KMSGMON, "--cgroup", cg, "--no-kmsg", "--no-pressure",
                              "--no-oom-protect", "--hub", hub.url],
                             stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        hog = subprocess.Popen(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$1" 6 0',
                                cg, HOG], stdout=subprocess.DEVNULL)
        hog.wait(timeout=60)
        killed_at = datetime.datetime.now(datetime.timezone.utc)
        end = time.monotonic() + 10
        while time.monotonic() < end and not hub.of_type("system_oom_kill"):
            time.sleep(0.1)
        time.sleep(2)
        alive = k.poll() is None
        k.terminate()
        err = k.communicate(timeout=10)[1]
    finally:
        remove_cgroup(cg)
    print(err)
    if "eventfd on memory.oom_control" not in err:
        fail("the eventfd wake-up was not used")
    if hog.returncode != -9:
        fail(f"the hog was not SIGKILLed: {hog.returncode}")
    kills = hub.of_type("system_oom_kill")
    if len(kills) != 1 or not alive:
        fail(f"expected one event and kmsgmon running, got {kills} (alive {alive})")
    d = kills[0]["data"]
    if d.get("pid") != hog.pid or d.get("process_name") != "hog" or d.get("victim") != "inferred":
        fail(f"victim wrong (hog pid {hog.pid}): {d}")
    ts = datetime.datetime.fromisoformat(kills[0]["ts"].replace("Z", "")[:26] + "+00:00")
    if abs((ts - killed_at).total_seconds()) > 3:
        fail(f"ts {kills[0]['ts']} more than 3 s from the kill")
    print(f"ok - eventfd wake-up: one system_oom_kill for the hog (pid {hog.pid})")


def main():
    if CASE == "v1_eventfd":
        return case_v1_eventfd()
    if CASE == "v1_pressure_level":
        return case_v1_pressure_level()
    if os.geteuid() != 0 or not shutil.which("podman") or not shutil.which("runc"):
        skip("needs root, podman and runc (install-deps.sh --test)")
    if not os.path.exists("/sys/fs/cgroup/memory/memory.oom_control") and \
            not os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        skip("no memory cgroup on this machine")
    hub = Hub()
    with tempfile.TemporaryDirectory() as root:
        make_rootfs(root)
        probe = subprocess.run(PODMAN + ["run", "--rm", "--ulimit", "nofile=1024:1024",
                                         "--ulimit", "nproc=1024:1024", "--rootfs", root,
                                         "/bin/echo", "ok"], capture_output=True, text=True,
                               timeout=120)
        if probe.stdout.strip() != "ok":
            skip(f"podman cannot run containers here: {probe.stderr.strip()[:300]}")
        name = f"faultline-kmsgmon-{CASE}-{os.getpid()}"
        if CASE == "sudden":
            c = Container(root, name, script(hub.url, "6 0", "--no-pressure"))
            n = neighbour(root, CASE)
            n.wait(120), c.wait(120)
            check_one_kill(hub, c, "cgroup", n)
        elif CASE == "privileged":
            priv = ["--device", "/dev/kmsg", "--cap-add", "SYSLOG"]
            c = Container(root, name, script(hub.url, "6 0", "--no-pressure"), priv)
            n = neighbour(root, CASE, priv)
            n.wait(120), c.wait(120)
            if "kernel log /dev/kmsg" not in c.text():
                fail(f"kmsgmon did not read the kernel log: {c.text()}")
            check_one_kill(hub, c, "kmsg", n)
            if hub.of_type("system_oom_kill")[0]["data"].get("victim") != "kernel_report":
                fail("the kernel's report was not used")
        elif CASE == "squeeze":
            c = Container(root, name, script(hub.url, "2 2"))
            c.wait(200)
            print(c.text())
            killed_at, exited = c.line("hog exited ")
            if exited != "hog exited 137":
                fail(f"the hog was not SIGKILLed: {exited}")
            pressure = [e for e in hub.of_type("memory_pressure")
                        if e["data"]["level"] in ("warning", "critical")]
            if not pressure:
                fail(f"no warning/critical memory_pressure before the kill: {hub.events}")
            p = pressure[0]
            ts = datetime.datetime.fromisoformat(p["ts"].replace("Z", "")[:26] + "+00:00")
            lead = (killed_at - ts).total_seconds()
            if lead < 10:
                fail(f"the first alert came only {lead:.1f} s before the kill: {p}")
            if p["data"].get("scope") != "cgroup" or p["data"]["mem_total_kb"] != LIMIT // 1024:
                fail(f"pressure not measured against the limit: {p['data']}")
            if len(hub.of_type("system_oom_kill")) != 1:
                fail(f"expected one kill: {hub.of_type('system_oom_kill')}")
            print(f"ok - {p['data']['level']} {lead:.0f} s before the kill, against the "
                  f"{LIMIT >> 20} MiB limit ({p['data']['reasons']})")
    hub.server.shutdown()


main()
