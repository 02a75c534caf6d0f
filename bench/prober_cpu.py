#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# CPU per probe of the prober service (reverse-traceroute-prober --simulate) with N traces at
# once, driven through the Python module as a program would: two-way UDP multipath traces
# through the lab's diamond topology under --pps PPS. The prober's CPU time (user + system, as
# its parent sees it when it exits) divided by the probes all traces sent. Written into
# docs/benchmarks.md (prober-cpu section). No privileges needed.
# Usage: bench/prober_cpu.py BUILD_DIR [PPS] [COUNTS...]
import os
import resource
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "python"))
import reverse_traceroute as rt  # noqa: E402

build = sys.argv[1]
pps = float(sys.argv[2]) if len(sys.argv) > 2 else 10000
counts = [int(c) for c in sys.argv[3:]] or [1, 100]
prober = os.path.join(build, "prober", "reverse-traceroute-prober")
topology = os.path.join(here, "..", "tests", "lab", "topologies", "diamond.topo")

rows = ["traces at once  probes   simulated s  probes/s (simulated)  prober CPU s  CPU µs/probe  wall s"]
for count in counts:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with rt.Prober(prober=prober, simulate=topology, pps=pps, max_running=count) as p:
        traces = [p.start("server", direction="two-way", engine="multipath") for _ in range(count)]
        events = [list(trace.events()) for trace in traces]
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    measurements = [e[-1]["measurement"] for e in events]
    assert all(m["outcome"] == {"forward": "reached", "reverse": "reached"} for m in measurements)
    probes = sum(m["probes"][d]["sent"] for m in measurements for d in ("forward", "reverse"))
    simulated = max(e[-1]["t"] for e in events) - min(e[0]["t"] for e in events)
    rows.append(f"{count:>14}  {probes:>6}  {simulated:>11.2f}  {probes / simulated:>20.0f}  {cpu:>12.3f}  "
                f"{cpu / probes * 1e6:>12.1f}  {wall:>6.2f}")
report = "\n".join(rows)
print(report)
subprocess.run([sys.executable, os.path.join(here, "doc_section.py"), "--code", "prober-cpu",
                "The prober service: CPU per probe (simulated network)",
                f"python3 bench/prober_cpu.py build {pps:g} {' '.join(map(str, counts))}"],
               input=report, text=True, check=True)
