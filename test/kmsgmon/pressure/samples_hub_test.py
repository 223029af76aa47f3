#!/usr/bin/env python3
"""Memory samples from a real kmsgmon to a real cdp-proxy hub on loopback (issue 25):
samples_hub_test.py KMSGMON CDP_PROXY

- kmsgmon --hub sends its samples (read from --proc-root files the test writes): the first
  reaches GET /telemetry/samples within 3 s, a change of the files shows up in the next one,
  since_ms pages, and /metrics carries the latest values and the sample's age;
- malformed POSTs get 400 naming the field and store nothing;
- no sample ever appears in /telemetry/stream, the JSON event pages or the journal;
- with the hub stopped kmsgmon keeps running, logs the failure once, and its samples reach the
  hub again once it is back;
- a hub that accepts connections but never answers does not slow the sampler: under pressure
  it still samples every second.
"""
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

KMSGMON, CDP_PROXY = sys.argv[1], sys.argv[2]
GIB = 1024 * 1024  # in kB


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_proc(root, avail_kb, swap_free_kb, psi_some):
    # In place: kmsgmon keeps the files open and rereads them.
    os.makedirs(f"{root}/pressure", exist_ok=True)
    with open(f"{root}/meminfo", "w") as f:
        f.write(f"MemTotal:       {8 * GIB:>10} kB\nMemFree:        {avail_kb:>10} kB\n"
                f"MemAvailable:   {avail_kb:>10} kB\nSwapTotal:      {2 * GIB:>10} kB\n"
                f"SwapFree:       {swap_free_kb:>10} kB\n")
    with open(f"{root}/pressure/memory", "w") as f:
        f.write(f"some avg10={psi_some:.2f} avg60=0.00 avg300=0.00 total=1000\n"
                "full avg10=0.00 avg60=0.00 avg300=0.00 total=10\n")


def request(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request(method, path, body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    return r.status, data


def samples(port, since=None):
    status, body = request(port, "GET", "/telemetry/samples" +
                           (f"?since_ms={since}" if since is not None else ""))
    if status != 200:
        fail(f"GET /telemetry/samples: {status} {body}")
    return json.loads(body)["samples"]


def metrics(port):
    out = {}
    for line in request(port, "GET", "/metrics")[1].splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def wait_for(what, cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    fail(f"{what} within {timeout} s")


class Hub:
    def __init__(self, port, data_dir):
        self.port = port
        self.proc = subprocess.Popen(
            [CDP_PROXY, "--api-listen", f"127.0.0.1:{port}", "--cdp-listen",
             f"127.0.0.1:{free_port()}", "--data-dir", data_dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def up():
            try:
                return request(port, "GET", "/healthz")[0] == 200
            except OSError:
                return False
        wait_for("the hub answers /healthz", up, 20)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)


class Stream:
    """Everything /telemetry/stream sends from seq 0, collected by a thread."""

    def __init__(self, port):
        self.text, self.lock = [], threading.Lock()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", "/telemetry/stream?since=0")
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            fail(f"stream: {self.resp.status}")
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        try:
            for line in self.resp:
                with self.lock:
                    self.text.append(line.decode())
        except (OSError, ValueError, http.client.HTTPException):
            pass

    def all(self):
        with self.lock:
            return "".join(self.text)


def start_kmsgmon(hub_port, root, *extra):
    return subprocess.Popen(
        [KMSGMON, "--hub", f"http://127.0.0.1:{hub_port}", "--proc-root", root, "--no-kmsg",
         "--cgroup", "none", "--no-oom-protect", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop_kmsgmon(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("kmsgmon did not exit on SIGTERM")
    return out, err


BAD = [  # body, the field the 400 must name
    ("", ""),
    ("not json", ""),
    ('{"ts_ms":1,"host":"bad-sampler"}', "scope"),
    ('{"ts_ms":"now","host":"bad-sampler","scope":"host","mem_total_kb":1,"mem_available_kb":1,'
     '"swap_total_kb":0,"swap_free_kb":0}', "ts_ms"),
    ('{"ts_ms":TS,"host":"bad-sampler","scope":"host","mem_total_kb":1,"mem_available_kb":-5,'
     '"swap_total_kb":0,"swap_free_kb":0}', "mem_available_kb"),
    ('{"ts_ms":TS,"host":"bad-sampler","scope":"host","mem_total_kb":1,"mem_available_kb":1,'
     '"swap_total_kb":0,"swap_free_kb":0,"psi_some_avg10":250}', "psi_some_avg10"),
    ('{"ts_ms":TS,"host":"bad-sampler","scope":"cgroup","mem_total_kb":1,"mem_available_kb":1,'
     '"swap_total_kb":0,"swap_free_kb":0}', "cgroup"),
    ('{"ts_ms":TS,"host":"bad-sampler","scope":"host","mem_total_kb":1,"mem_available_kb":1,'
     '"swap_total_kb":0,"swap_free_kb":0,"extra":1}', "extra"),
]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        root, data = f"{tmp}/proc", f"{tmp}/data"
        write_proc(root, 6 * GIB, 2 * GIB, 0.5)  # calm: no memory_pressure event
        port = free_port()
        hub = Hub(port, data)
        stream = Stream(port)
        t0 = time.monotonic()
        kmsgmon = start_kmsgmon(port, root)
        first = wait_for("a first sample reaches the hub", lambda: samples(port), 3)[0]
        print(f"first sample after {time.monotonic() - t0:.2f} s: {first}")
        want = {"scope": "host", "mem_total_kb": 8 * GIB, "mem_available_kb": 6 * GIB,
                "swap_total_kb": 2 * GIB, "swap_free_kb": 2 * GIB, "psi_some_avg10": 0.5,
                "psi_full_avg10": 0}
        if any(first.get(k) != v for k, v in want.items()) or "cgroup" in first:
            fail(f"sample values are not the --proc-root files': {first}")
        if not first["host"] or abs(first["ts_ms"] / 1000 - time.time()) > 10:
            fail(f"host or wall-clock ts_ms wrong: {first}")
        m = metrics(port)
        expect = {"faultline_memory_available_bytes": 6 * GIB * 1024,
                  "faultline_memory_total_bytes": 8 * GIB * 1024,
                  "faultline_swap_free_bytes": 2 * GIB * 1024,
                  "faultline_swap_total_bytes": 2 * GIB * 1024,
                  "faultline_psi_some_avg10": 0.5, "faultline_psi_full_avg10": 0}
        for k, v in expect.items():
            if m.get(k) != v:
                fail(f"/metrics {k} = {m.get(k)}, expected {v}")
        if not 0 <= m["faultline_memory_sample_age_seconds"] < 6:
            fail(f"sample age {m['faultline_memory_sample_age_seconds']}")

        # A change in the files shows in the next sample (calm: every 5 s).
        write_proc(root, 3 * GIB, 2 * GIB, 0.5)
        newer = wait_for("the changed meminfo in a sample",
                         lambda: [s for s in samples(port, first["ts_ms"])
                                  if s["mem_available_kb"] == 3 * GIB], 8)
        if any(s["ts_ms"] <= first["ts_ms"] for s in samples(port, first["ts_ms"])):
            fail("since_ms returned a sample not newer than it")
        everything = samples(port)
        if [s["ts_ms"] for s in everything] != sorted(s["ts_ms"] for s in everything):
            fail("samples not oldest first")
        if metrics(port)["faultline_memory_available_bytes"] != 3 * GIB * 1024:
            fail("/metrics does not show the latest sample")
        print(f"{len(everything)} samples so far; newer one: {newer[0]}")

        # Malformed samples: 400 with the hub's JSON error naming the field, nothing stored.
        rejected_before = metrics(port).get('faultline_hub_ingest_rejected_total{status="400"}')
        latest_before = metrics(port)["faultline_memory_available_bytes"]
        for body, field in BAD:
            status, reply = request(port, "POST", "/telemetry/samples",
                                    body.replace("TS", str(int(time.time() * 1000))))
            err = json.loads(reply) if reply.startswith("{") else {}
            if status != 400 or err.get("field", "") != (field or None) and field:
                fail(f"POST {body!r}: {status} {reply} (expected 400 naming '{field}')")
            if not err.get("error"):
                fail(f"POST {body!r}: no error message in {reply}")
        if any(s["host"] == "bad-sampler" for s in samples(port)):
            fail("a malformed sample was stored")
        if metrics(port)["faultline_memory_available_bytes"] != latest_before:
            fail("a malformed sample changed /metrics")
        rejected_after = metrics(port).get('faultline_hub_ingest_rejected_total{status="400"}')
        if rejected_after - rejected_before != len(BAD):
            fail(f"400s counted in /metrics: {rejected_before} -> {rejected_after}")

        # Samples are not events: nothing in the stream, the JSON pages or the journal.
        time.sleep(1)
        status, page = request(port, "GET", "/telemetry/events?since=0&limit=1000")
        if status != 200 or "ts_ms" in page or "ts_ms" in stream.all():
            fail(f"a sample leaked into the event stream: {page[:300]}")
        for dirpath, _, files in os.walk(data):
            for f in files:
                if b"ts_ms" in open(os.path.join(dirpath, f), "rb").read():
                    fail(f"a sample leaked into the journal ({f})")

        # The hub stops: kmsgmon keeps running and says so once, not once per sample.
        hub.stop()
        time.sleep(11)  # two more calm samples fail
        if kmsgmon.poll() is not None:
            fail(f"kmsgmon exited with the hub stopped: {kmsgmon.stderr.read()}")
        down_since = int(time.time() * 1000)
        hub = Hub(port, data)
        back = wait_for("samples reach the restarted hub", lambda: samples(port, down_since), 8)
        print(f"after the restart: {back[0]}")
        out, err = stop_kmsgmon(kmsgmon)
        hub.stop()
        print(err.strip())
        if err.count("memory samples not taken by the hub") != 1:
            fail("the hub being down was not logged exactly once")
        if "memory samples reach the hub again" not in err:
            fail("no note that samples reach the hub again")
        if "sent to the hub" not in err:
            fail("no count of sent and dropped samples at exit")

        # A hub that never answers does not slow the sampler down: under pressure (swap low)
        # it samples every second although each POST waits out its timeout.
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # connections complete in the backlog, nobody reads them
        write_proc(root, 6 * GIB, 100 * 1024, 0.5)
        rec = f"{tmp}/rec.ndjson"
        kmsgmon = start_kmsgmon(silent.getsockname()[1], root, "--record-pressure", rec)
        time.sleep(9)
        out, err = stop_kmsgmon(kmsgmon)
        silent.close()
        ts = [json.loads(line)["t"] for line in open(rec)]
        gaps = [round(b - a, 2) for a, b in zip(ts, ts[1:])]
        print(f"sampling gaps with a silent hub: {gaps}")
        if len(gaps) < 5 or max(gaps[-4:]) > 1.5:
            fail(f"the sampler was held up by a hub that does not answer: {gaps}\n{err}")
        print("PASS")


main()
