#!/usr/bin/env python3
"""Live tests of kmsgmon's pressure monitor: live_test.py KMSGMON CASE

proc_root  --proc-root with files the test writes: swap at 10 % free -> a warning (swap_low)
           within ~35 s; --record-pressure writes samples that replay to the same warning.
hub        the same warning published with --hub to a local HTTP endpoint (core publisher).
cgroup     real memory pressure on this kernel: a v1 memory cgroup of 48 MiB, an anonymous hog
           near the limit and page-cache thrash (readers of a file 3x the limit). kmsgmon, with
           its default PSI triggers, must report a memory_pressure transition from PSI.
           Exit 77 (skip) where memory cgroups or PSI are not available.
"""
import json
import re
import os
import select
import signal
import subprocess
import sys
import tempfile
import time

KMSGMON, CASE = sys.argv[1], sys.argv[2]
GIB = 1024 * 1024


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def skip(msg):
    print("SKIP:", msg)
    sys.exit(77)


def start_kmsgmon(*args):
    # Only the pressure part is under test: OOM kills from /dev/kmsg are not looked at here.
    return subprocess.Popen([KMSGMON, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def check_schema(lines):
    """Every event kmsgmon produced passes the schema (schema_check: the hub's decoder)."""
    r = subprocess.run([os.environ["SCHEMA_CHECK"]], input="".join(lines), capture_output=True,
                       text=True)
    if r.returncode != 0:
        fail(f"kmsgmon produced events the schema rejects:\n{r.stdout}{r.stderr}")


def wait_event(proc, timeout):
    """The first memory_pressure event kmsgmon prints within timeout seconds, or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([proc.stdout], [], [], 1)
        if not ready:
            if proc.poll() is not None:
                fail(f"kmsgmon exited {proc.returncode}: {proc.stderr.read()}")
            continue
        line = proc.stdout.readline()
        if not line:
            continue
        check_schema([line])
        e = json.loads(line)
        if e.get("type") == "memory_pressure":
            return e
    return None


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("kmsgmon did not exit on SIGTERM")
    return err


def meminfo(total, avail, swap_total, swap_free):
    return (f"MemTotal:       {total:>10} kB\nMemFree:        {avail:>10} kB\n"
            f"MemAvailable:   {avail:>10} kB\nSwapTotal:      {swap_total:>10} kB\n"
            f"SwapFree:       {swap_free:>10} kB\n")


def case_proc_root():
    with tempfile.TemporaryDirectory() as root:
        os.mkdir(f"{root}/pressure")
        open(f"{root}/meminfo", "w").write(meminfo(8 * GIB, 4 * GIB, 2 * GIB, 200 * 1024))
        psi = ("some avg10=1.00 avg60=0.50 avg300=0.10 total=1000\n"
               "full avg10=0.00 avg60=0.00 avg300=0.00 total=10\n")
        open(f"{root}/pressure/memory", "w").write(psi)
        rec = f"{root}/rec.ndjson"
        t0 = time.monotonic()
        proc = start_kmsgmon("--proc-root", root, "--record-pressure", rec)
        e = wait_event(proc, 90)
        took = time.monotonic() - t0
        err = stop(proc)
        print(err.strip())
        if e is None:
            fail("no memory_pressure event within 90 s")
        d = e["data"]
        print(f"after {took:.1f} s: {d}")
        if d["level"] != "warning" or d["previous_level"] != "ok" or d["reasons"] != ["swap_low"]:
            fail(f"unexpected transition {d}")
        if d["swap_free_kb"] != 200 * 1024 or d["mem_total_kb"] != 8 * GIB:
            fail("values not from --proc-root")
        if d["psi_some_avg10"] != 1.0 or d["psi_full_avg10"] != 0.0:
            fail("PSI values not from --proc-root")
        if not 29 <= took <= 60:
            fail(f"swap_low needs 30 s sustained, came after {took:.1f} s")
        if "not on procfs" not in err:
            fail("no note that PSI triggers are not used on a non-procfs file")
        if open(f"{root}/pressure/memory").read() != psi:
            fail("kmsgmon wrote into the pressure file")
        samples = [json.loads(l) for l in open(rec)]
        if len(samples) < 10 or samples[0]["swap_free_kb"] != 200 * 1024:
            fail(f"record file: {len(samples)} samples")
        gaps = [b["t"] - a["t"] for a, b in zip(samples, samples[1:])]
        # The sampler falls due on whole seconds (one wakeup shared with the cgroup counter), so
        # the first gap after start may be shorter; every later one is 1 s (pressure) to 5 s.
        if max(gaps) > 5.5 or min(gaps[1:]) < 0.9 or gaps[0] <= 0:
            fail(f"sampling intervals {gaps}")
        if gaps[-1] > 1.5:
            fail(f"not sampling every second while pressure builds: {gaps}")
        r = subprocess.run([KMSGMON, "--replay-pressure", rec], capture_output=True, text=True,
                           timeout=60)
        replayed = [json.loads(l) for l in r.stdout.splitlines()]
        if r.returncode or not replayed or replayed[0]["data"]["reasons"] != ["swap_low"]:
            fail(f"replaying the recording: {r.returncode} {r.stdout} {r.stderr}")


def case_hub():
    import http.server
    import threading
    got, lock = [], threading.Lock()

    class Hub(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                got.append((self.path, self.headers.get("Content-Type"), body.decode()))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as root:
        os.mkdir(f"{root}/pressure")
        open(f"{root}/meminfo", "w").write(meminfo(8 * GIB, 4 * GIB, 2 * GIB, 100 * 1024))
        proc = start_kmsgmon("--proc-root", root, "--hub",
                             f"http://127.0.0.1:{server.server_address[1]}")
        end = time.monotonic() + 90
        # Memory samples go to /telemetry/samples (issue 25); events to /telemetry/events.
        posted = lambda: [g for g in got if g[0] == "/telemetry/events"]
        while time.monotonic() < end and not posted():
            time.sleep(0.5)
        err = stop(proc)
    server.shutdown()
    print(err.strip())
    if not posted():
        fail("no event reached the hub within 90 s")
    samples = [json.loads(b) for p, _, b in got if p == "/telemetry/samples"]
    if len(samples) < 5 or any(s["swap_free_kb"] != 100 * 1024 for s in samples):
        fail(f"memory samples posted: {samples[:3]}")
    path, ctype, body = posted()[0]
    check_schema([body + "\n"])
    events = [json.loads(l) for l in body.splitlines() if l.strip()]
    print(path, ctype, events)
    if path != "/telemetry/events" or len(events) != 1:
        fail(f"unexpected POST {path}: {body}")
    e = events[0]
    if e["type"] != "memory_pressure" or not e["id"].startswith("kmsgmon-"):
        fail(f"unexpected event {e}")
    if e["data"]["level"] != "warning" or e["data"]["swap_free_kb"] != 100 * 1024:
        fail(f"unexpected data {e['data']}")
    if "PSI not available" not in err:
        fail("no note that PSI is missing under this --proc-root")


def cg_run(cg, cmd):
    """Starts cmd inside cgroup directory cg."""
    return subprocess.Popen(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cg, *cmd],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def remove_cgroup(cg):
    for _ in range(100):
        try:
            for pid in open(f"{cg}/cgroup.procs").read().split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os.rmdir(cg)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    print(f"warning: could not remove {cg}")


def case_cgroup():
    base = "/sys/fs/cgroup/memory"
    if not os.access("/proc/pressure/memory", os.R_OK):
        skip("no /proc/pressure/memory (kernel without PSI)")
    try:
        open("/proc/pressure/memory").read()
    except OSError as e:
        skip(f"PSI disabled: {e}")
    if not os.path.isdir(base) or not os.access(base, os.W_OK):
        skip(f"{base} is not a writable cgroup v1 memory controller")
    cg = f"{base}/faultline-pressure-test-{os.getpid()}"
    try:
        os.mkdir(cg)
        open(f"{cg}/memory.limit_in_bytes", "w").write(str(48 << 20))
    except OSError as e:
        skip(f"cannot create a memory cgroup: {e}")
    work = tempfile.mkdtemp(dir="/var/tmp")
    data = f"{work}/thrash.bin"
    procs = []
    proc = None
    try:
        # Written from inside the cgroup, so its page cache is charged there.
        w = cg_run(cg, ["dd", "if=/dev/zero", f"of={data}", "bs=1M", "count=160", "conv=fsync"])
        if w.wait(timeout=120) != 0:
            fail("could not write the thrash file")
        # The kernel's real PSI, but MemAvailable frozen as it is now: other work on the
        # machine draining memory must not trip the exhaustion projection first.
        os.mkdir(f"{work}/proc")
        open(f"{work}/proc/meminfo", "w").write(open("/proc/meminfo").read())
        os.symlink("/proc/pressure", f"{work}/proc/pressure")
        proc = start_kmsgmon("--proc-root", f"{work}/proc", "--record-pressure", f"{work}/rec.ndjson")
        time.sleep(2)
        procs.append(cg_run(cg, ["python3", "-c", "import time\nb = bytearray(30 << 20)\n"
                                 "for i in range(0, len(b), 4096): b[i] = 1\ntime.sleep(600)"]))
        for _ in range(4):
            procs.append(cg_run(cg, ["sh", "-c", f'while :; do cat "{data}" >/dev/null; done']))
        e = wait_event(proc, 120)
        for p in procs:
            p.kill()
        err = stop(proc)
        proc = None
        print(err.strip())
        samples = [json.loads(l) for l in open(f"{work}/rec.ndjson")]
        peak = max((s["psi_some_avg10"] or 0) for s in samples)
        print(f"{len(samples)} samples, peak PSI some avg10 {peak}")
        if e is None:
            fail("no memory_pressure event within 120 s of real pressure")
        d = e["data"]
        print(f"event: {d}")
        if d["level"] not in ("warning", "critical") or d["previous_level"] != "ok":
            fail(f"unexpected transition {d}")
        if not {"psi_some_sustained", "psi_full_sustained"} & set(d["reasons"]):
            fail(f"expected a PSI reason, got {d['reasons']}")
        if "triggers not available" in err:
            fail("the PSI triggers did not arm on this kernel")
        m = re.search(r"(\d+) PSI trigger wakeups", err)
        if not m or int(m.group(1)) == 0:
            fail("the kernel never woke kmsgmon through a PSI trigger")
    finally:
        for p in procs:
            p.kill()
        if proc:
            proc.kill()
        remove_cgroup(cg)
        try:
            os.unlink(data)
            os.unlink(f"{work}/rec.ndjson")
        except OSError:
            pass
        os.rmdir(work) if os.path.isdir(work) and not os.listdir(work) else None


{"proc_root": case_proc_root, "hub": case_hub, "cgroup": case_cgroup}[CASE]()
print("ok")
