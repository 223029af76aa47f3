#!/usr/bin/env python3
"""kmsgmon's OOM part through the real binary. Usage: oom_live_test.py KMSGMON CASE

fifo     records written to a FIFO (--kmsg) in odd-sized pieces: one event per kill with the
         right fields, none for user-facility or malformed records; kmsgmon exits at the end.
kernel   a real kernel OOM kill: a memory hog in a memory cgroup of its own (v2 memory.max or
         v1 memory.limit_in_bytes). Before it, a user-space record imitating an OOM line is
         written to /dev/kmsg. Exactly one system_oom_kill must arrive: the hog's, with its pid
         and name, rss fields filled, ts within 2 s of the wall clock. Exit 77 (skip) where
         /dev/kmsg or memory cgroups are not available.
"""
import datetime
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time

KMSGMON, CASE = sys.argv[1], sys.argv[2]


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def skip(msg):
    print(f"SKIP: {msg}")
    sys.exit(77)


def start(*args):
    return subprocess.Popen([KMSGMON, "--no-pressure", "--no-oom-protect", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def check_schema(lines):
    """Every event kmsgmon printed passes the schema (schema_check: the hub's decoder)."""
    r = subprocess.run([os.environ["SCHEMA_CHECK"]], input="".join(lines), capture_output=True,
                       text=True)
    if r.returncode != 0:
        fail(f"kmsgmon printed events the schema rejects:\n{r.stdout}{r.stderr}")


def read_events(proc, until, stop_when=None):
    """Event lines from proc's stdout until the deadline (or stop_when(events) is true), each
    checked against the schema."""
    events, lines = [], []
    while time.monotonic() < until:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if not ready:
            if stop_when and stop_when(events):
                break
            continue
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        events.append(json.loads(line))
    check_schema(lines)
    return events


# Real kernel lines (6.x memcg, 6.x global, 5.4 without UID/pgtables, 4.14 "sacrifice child").
KILLS = [
    ("Web Content", 4242,
     ["6,100,1000,-;Web Content invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=300",
      "4,101,1001,-; dump_stack_lvl+0x44/0x5c",
      "6,102,1002,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=Web Content,pid=4242,uid=1000",
      "3,103,1003,-;Out of memory: Killed process 4242 (Web Content) total-vm:2853120kB, anon-rss:1103264kB, file-rss:1088kB, shmem-rss:12kB, UID:1000 pgtables:4312kB oom_score_adj:300",
      " SUBSYSTEM=memory"]),
    ("a) (b", 77,
     ["3,110,2000,-;Memory cgroup out of memory: Killed process 77 (a) (b) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0"]),
    ("chrome", 555,
     ["4,120,3000,-;chrome invoked oom-killer: gfp_mask=0x6200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null), order=0, oom_score_adj=0",
      "3,121,3001,-;Out of memory: Kill process 555 (chrome) score 901 or sacrifice child",
      "3,122,3002,-;Killed process 555 (chrome) total-vm:1024kB, anon-rss:512kB, file-rss:4kB, shmem-rss:0kB"]),
]
NOISE = [
    "12,130,4000,-;Out of memory: Killed process 999 (fake) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB",
    "3,131,4001,-;Out of memory: Killed process 998 (trunc) total-vm:1kB, anon-rss:1",
    "garbage without a prefix",
    "3,x,4002,-;Out of memory: Killed process 997 (badseq) total-vm:1kB",
]


def case_fifo():
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "kmsg")
        os.mkfifo(fifo)
        proc = start("--kmsg", fifo)
        blob = "".join(line + "\n" for _, _, lines in KILLS for line in lines)
        blob += "".join(line + "\n" for line in NOISE)
        with open(fifo, "w") as w:  # odd piece sizes: records split across writes
            for i in range(0, len(blob), 37):
                w.write(blob[i:i + 37])
                w.flush()
                time.sleep(0.002)
        events = read_events(proc, time.monotonic() + 10)
        rc = proc.wait(timeout=10)
        if rc != 0:
            fail(f"kmsgmon exited {rc} at the end of the FIFO: {proc.stderr.read()}")
    got = [(e["data"]["process_name"], e["data"]["pid"]) for e in events]
    if got != [(n, p) for n, p, _ in KILLS]:
        fail(f"expected exactly the three kills in order, got {got}")
    first = events[0]["data"]
    expect = {"uid": 1000, "anon_rss_kb": 1103264, "pgtables_kb": 4312, "oom_score_adj": 300,
              "constraint": "CONSTRAINT_NONE", "task_memcg": "/user.slice",
              "trigger_process_name": "Web Content", "order": 0, "kernel_seq": 103,
              "kernel_ts_us": 1003}
    for k, v in expect.items():
        if first.get(k) != v:
            fail(f"first kill: {k} = {first.get(k)!r}, expected {v!r}")
    old = events[2]["data"]
    if old.get("trigger_process_name") != "chrome" or "uid" in old or old["anon_rss_kb"] != 512:
        fail(f"4.x kill fields wrong: {old}")
    for e in events:
        if e["type"] != "system_oom_kill" or e["category"] != "system":
            fail(f"wrong type/category: {e}")
    print("ok - three kills from a FIFO, noise ignored, exit 0 at its end")


def memory_cgroup(name):
    """Creates a memory cgroup limited to 64 MiB. Returns its directory, or skips."""
    v2 = "/sys/fs/cgroup"
    if os.path.exists(f"{v2}/cgroup.controllers") and \
            "memory" in open(f"{v2}/cgroup.controllers").read().split():
        cg, limit = f"{v2}/{name}", "memory.max"
        try:
            with open(f"{v2}/cgroup.subtree_control", "w") as f:
                f.write("+memory")
        except OSError as e:
            skip(f"cannot enable the v2 memory controller: {e}")
    elif os.access("/sys/fs/cgroup/memory", os.W_OK):
        cg, limit = f"/sys/fs/cgroup/memory/{name}", "memory.limit_in_bytes"
    else:
        skip("no writable memory cgroup (v2 memory controller or v1 /sys/fs/cgroup/memory)")
    try:
        os.mkdir(cg)
        with open(f"{cg}/{limit}", "w") as f:
            f.write(str(64 << 20))
        if limit == "memory.limit_in_bytes" and os.path.exists(f"{cg}/memory.memsw.limit_in_bytes"):
            with open(f"{cg}/memory.memsw.limit_in_bytes", "w") as f:
                f.write(str(64 << 20))
    except OSError as e:
        skip(f"cannot create a memory cgroup: {e}")
    return cg


def remove_cgroup(cg):
    for _ in range(50):
        try:
            os.rmdir(cg)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    print(f"warning: could not remove {cg}")


def case_kernel():
    if not os.access("/dev/kmsg", os.R_OK | os.W_OK):
        skip("/dev/kmsg is not readable and writable here")
    cg = memory_cgroup(f"faultline-oom-test-{os.getpid()}")
    proc = start()
    try:
        time.sleep(0.5)  # kmsgmon has opened /dev/kmsg and seeked to its end
        with open("/dev/kmsg", "w") as k:  # user space imitating the kernel: never an event
            k.write("<3>Out of memory: Killed process 1 (imposter) total-vm:1kB, anon-rss:1kB, "
                    "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1kB oom_score_adj:0\n")
        hog = subprocess.Popen(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec tail /dev/zero',
                                cg], stderr=subprocess.DEVNULL)
        hog.wait(timeout=60)
        killed_at = datetime.datetime.now(datetime.timezone.utc)
        events = read_events(proc, time.monotonic() + 10, stop_when=lambda ev: len(ev) >= 1)
        events += read_events(proc, time.monotonic() + 1.5)  # a second event would be a bug
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        remove_cgroup(cg)
    if hog.returncode != -9:
        fail(f"the hog was not SIGKILLed (exit {hog.returncode}); no OOM kill happened")
    if len(events) != 1:
        fail(f"expected exactly one event, got {len(events)}: {events}")
    d, ts = events[0]["data"], events[0]["ts"]
    if d["pid"] != hog.pid or d["process_name"] != "tail":
        fail(f"event names pid {d['pid']} ({d['process_name']}), the hog was {hog.pid} (tail)")
    for k in ("anon_rss_kb", "file_rss_kb", "total_vm_kb"):
        if not isinstance(d.get(k), int) or (k != "file_rss_kb" and d[k] <= 0):
            fail(f"{k} not filled: {d}")
    if d["anon_rss_kb"] < 32 * 1024:
        fail(f"anon_rss_kb {d['anon_rss_kb']} is far below the 64 MiB limit the hog reached")
    event_ts = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")[:26] + "+00:00")
    if abs((event_ts - killed_at).total_seconds()) > 2:
        fail(f"ts {ts} is more than 2 s from the wall clock at the kill ({killed_at})")
    if "Killed process" not in d["message"] or d.get("constraint") != "CONSTRAINT_MEMCG":
        fail(f"message/constraint wrong: {d}")
    print(f"ok - one system_oom_kill for the hog (pid {hog.pid}), none for the imposter line")


{"fifo": case_fifo, "kernel": case_kernel}[CASE]()
