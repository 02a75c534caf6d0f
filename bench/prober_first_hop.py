#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Start to first hop (run by bench/prober_first_hop.sh inside the lab's client namespace): the
# time from asking for a forward UDP single path trace to seeing its first hop, RUNS times each,
# through the command-line client (process start to the " 1 " line on its stdout), through the
# Python module with a prober it starts (Prober() then stream()), and through a prober already
# running (stream() only). Prints one line per way: median, min and max in milliseconds.
# Usage: prober_first_hop.py BUILD_DIR TARGET RUNS
import os
import statistics
import subprocess
import sys
import time

build, target, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import reverse_traceroute as rt  # noqa: E402

client = os.path.join(build, "client", "reverse-traceroute")
prober = os.path.join(build, "prober", "reverse-traceroute-prober")


def first_hop_cli() -> float:
    started = time.monotonic()
    process = subprocess.Popen([client, "-n", "-w", "1", "forward", "udp", "singlepath", target],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout
    for line in process.stdout:
        if line.startswith(" 1 "):
            elapsed = time.monotonic() - started
            break
    process.wait()
    return elapsed


def first_hop_python(p: rt.Prober) -> float:
    started = time.monotonic()
    elapsed = 0.0
    for event in p.stream(target, direction="forward", timeout=1, no_resolve=True):
        if event["event"] == "hop" and event["hop"]["ttl"] == 1:
            elapsed = time.monotonic() - started
    return elapsed


# The prober's budget (--pps, default 100) spaces the probes of a trace's first TTLs, the client
# has none: the prober is measured at its default and with a budget the client cannot exceed.
results: dict[str, list[float]] = {"command-line client": [], "Python, prober started": [],
                                   "Python, prober running": [], "Python, running, --pps 10000": []}
with rt.Prober(prober=prober) as warm, rt.Prober(prober=prober, pps=10000) as fast:
    for _ in range(runs):
        results["command-line client"].append(first_hop_cli())
        cold_start = time.monotonic()
        with rt.Prober(prober=prober) as cold:
            for event in cold.stream(target, direction="forward", timeout=1, no_resolve=True):
                if event["event"] == "hop" and event["hop"]["ttl"] == 1:
                    results["Python, prober started"].append(time.monotonic() - cold_start)
        results["Python, prober running"].append(first_hop_python(warm))
        results["Python, running, --pps 10000"].append(first_hop_python(fast))
for way, times in results.items():
    ms = [t * 1000 for t in times]
    print(f"{way:<29} median {statistics.median(ms):7.2f} ms  min {min(ms):7.2f}  max {max(ms):7.2f}  ({len(ms)} runs)")
