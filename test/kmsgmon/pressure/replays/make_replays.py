#!/usr/bin/env python3
"""Writes the replay files of the pressure tests (deterministic: fixed seeds).

incident.ndjson      31 GiB usable, 2 GiB swap. t=0 is 02:50; at 03:00 (t=600) a package build
                     starts ~16 compilers of ~1 GiB each over ~10 minutes. MemAvailable collapses
                     by 03:09, swap drains to 0.72 GiB at 03:12, 0.23 GiB at 03:14 and is empty at
                     03:15 (t=1500); the VM then livelocks (samples stop at 03:17).
steady_high.ndjson   31 GiB, 2 GiB swap of which 0.9 GiB used and stable, MemAvailable ~2.6 GiB
                     swinging +-150 MiB with the workload, PSI near zero. One hour.
file_copy.ndjson     16 GiB, 2 GiB swap, a large file copy: PSI some spikes to ~28 % (full ~9 %)
                     for a few seconds and decays; MemAvailable dips 300 MiB and recovers.
no_swap_70.ndjson    8 GiB, no swap, 70 % used for an hour, PSI near zero.
Samples come every 5 s while calm and every second while pressure builds, as kmsgmon records.
"""
import json
import math
import random
import sys
from pathlib import Path

GIB = 1024 * 1024  # in kB
MIB = 1024


def line(t, total, avail, swap_total, swap_free, some, full):
    return json.dumps({"t": round(t, 3), "mem_total_kb": int(total),
                       "mem_available_kb": int(max(0, min(total, avail))),
                       "swap_total_kb": int(swap_total),
                       "swap_free_kb": int(max(0, min(swap_total, swap_free))),
                       "psi_some_avg10": round(max(0.0, min(100.0, some)), 2),
                       "psi_full_avg10": round(max(0.0, min(100.0, full)), 2)})


def interp(keys, t):
    for (t0, *a), (t1, *b) in zip(keys, keys[1:]):
        if t0 <= t <= t1:
            f = (t - t0) / (t1 - t0)
            return [x + (y - x) * f for x, y in zip(a, b)]
    return keys[-1][1:]


def incident():
    rnd = random.Random(7)
    total = 31 * GIB
    # t, MemAvailable GiB, SwapFree GiB, PSI some %, PSI full %
    keys = [(0, 13.0, 2.0, 0.0, 0.0), (600, 13.0, 2.0, 0.0, 0.0), (720, 11.0, 2.0, 0.5, 0.0),
            (840, 7.8, 2.0, 1.0, 0.0), (960, 4.6, 1.98, 3.0, 0.5), (1080, 1.6, 1.85, 8.0, 2.0),
            (1140, 0.7, 1.60, 15.0, 5.0), (1200, 0.5, 1.30, 25.0, 10.0),
            (1320, 0.45, 0.72, 40.0, 20.0), (1440, 0.40, 0.23, 60.0, 35.0),
            (1500, 0.35, 0.0, 80.0, 55.0), (1620, 0.30, 0.0, 92.0, 75.0)]
    out, t = [], 0.0
    while t <= 1620:
        avail, swap, some, full = interp(keys, t)
        out.append(line(t, total, avail * GIB + rnd.gauss(0, 30 * MIB), 2 * GIB,
                        swap * GIB + rnd.gauss(0, 2 * MIB), some * rnd.uniform(0.9, 1.1),
                        full * rnd.uniform(0.9, 1.1)))
        t += 5 if t < 720 else 1
    return out


def steady_high():
    rnd = random.Random(11)
    total, out = 31 * GIB, []
    for i in range(720):
        t = i * 5.0
        avail = 2.6 * GIB + 150 * MIB * math.sin(2 * math.pi * t / 900) + rnd.gauss(0, 40 * MIB)
        swap_free = 1.1 * GIB + rnd.gauss(0, 4 * MIB)
        out.append(line(t, total, avail, 2 * GIB, swap_free, rnd.uniform(0, 1.5),
                        rnd.uniform(0, 0.3)))
    return out


def file_copy():
    rnd = random.Random(13)
    total, out, t = 16 * GIB, [], 0.0
    some = full = 0.0
    while t <= 600:
        # the copy stalls tasks for t in [300, 308): avg10 follows PSI's 10 s exponential average
        stall = 0.45 if 300 <= t < 308 else 0.0
        fstall = 0.15 if 300 <= t < 308 else 0.0
        dt = 5.0 if not (295 <= t < 360) else 1.0
        decay = math.exp(-dt / 10)
        some = some * decay + stall * 100 * (1 - decay)
        full = full * decay + fstall * 100 * (1 - decay)
        dip = 300 * MIB if 300 <= t < 320 else 0
        out.append(line(t, total, 9 * GIB - dip + rnd.gauss(0, 20 * MIB), 2 * GIB,
                        2 * GIB - 50 * MIB + rnd.gauss(0, 1 * MIB), some, full))
        t += dt
    return out


def no_swap_70():
    rnd = random.Random(17)
    total, out = 8 * GIB, []
    for i in range(720):
        out.append(line(i * 5.0, total, 0.3 * total + rnd.gauss(0, 50 * MIB), 0, 0,
                        rnd.uniform(0, 0.5), rnd.uniform(0, 0.1)))
    return out


if __name__ == "__main__":
    here = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    for name, gen in [("incident", incident), ("steady_high", steady_high),
                      ("file_copy", file_copy), ("no_swap_70", no_swap_70)]:
        (here / f"{name}.ndjson").write_text("\n".join(gen()) + "\n")
