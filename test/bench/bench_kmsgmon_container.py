#!/usr/bin/env python3
"""kmsgmon watching a container's cgroup vs watching the machine (today's mode), same binary,
same run: idle resident memory and wake-ups (context switches) over a quiet interval.
Usage: bench_kmsgmon_container.py KMSGMON

  machine      kmsgmon --cgroup none                    (the baseline: /dev/kmsg + /proc)
  v1 eventfd   kmsgmon --cgroup DIR                     (a v1 memory cgroup, writable)
  v1 read-only kmsgmon --cgroup RO --no-kmsg            (the same cgroup bind-mounted read-only,
                                                          as container runtimes mount it: 1 s poll)
The goals: RSS within 10 % of the baseline; no wake-ups beyond the baseline with an eventfd
(or inotify on v2), at most one a second on read-only v1. Exit 77 without root or v1 memory.
"""
import os
import subprocess
import sys
import tempfile
import time

KMSGMON = sys.argv[1]
SHORT = os.environ.get("FAULTLINE_BENCH_SHORT", "0") not in ("", "0")
QUIET_S = 2 if SHORT else 20


def status(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        out[k] = v.split()[0] if v.split() else ""
    return out


def measure(args):
    p = subprocess.Popen([KMSGMON, "--no-oom-protect", *args], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    s0 = status(p.pid)
    time.sleep(QUIET_S)
    s1 = status(p.pid)
    p.terminate()
    err = p.communicate(timeout=10)[1]
    switches = sum(int(s1[k]) - int(s0[k])
                   for k in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"))
    line = next((l for l in err.splitlines() if "watching:" in l), "")
    return int(s1["VmRSS"]), switches / QUIET_S, line


def main():
    base = "/sys/fs/cgroup/memory"
    if os.geteuid() != 0 or not os.access(f"{base}/cgroup.event_control", os.W_OK):
        print("SKIP: needs root and a writable cgroup v1 memory controller")
        sys.exit(77)
    cg = f"{base}/faultline-bench-{os.getpid()}"
    os.mkdir(cg)
    ro = tempfile.mkdtemp(prefix="faultline-bench-ro-")
    try:
        open(f"{cg}/memory.limit_in_bytes", "w").write(str(256 << 20))
        subprocess.run(["mount", "--bind", cg, ro], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", ro], check=True)
        rows = [("machine (baseline)", measure(["--cgroup", "none"])),
                ("v1 eventfd", measure(["--cgroup", cg])),
                ("v1 read-only, no kmsg", measure(["--cgroup", ro, "--no-kmsg"]))]
    finally:
        subprocess.run(["umount", ro])
        os.rmdir(ro)
        os.rmdir(cg)
    base_rss = rows[0][1][0]
    print(f"quiet interval {QUIET_S} s")
    print(f"{'mode':24} {'RSS KiB':>8} {'vs base':>8} {'wakeups/s':>10}")
    for name, (rss, wakes, line) in rows:
        print(f"{name:24} {rss:8d} {rss / base_rss:8.3f} {wakes:10.2f}")
    for name, (_, _, line) in rows:
        print(f"  {name}: {line}")


main()
