#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The installed Python module and prober on the real network (run by deb_install_test.sh as
an unprivileged user inside the lab's client namespace): a two-way trace, a probe, the hops
streamed as found, rounds with their statistics, and several traces at once, checked against
the topology's truth.
Usage: python_prober_lab.py TARGET 'FORWARD HOPS' 'REVERSE HOPS'   (exit 1 with the reasons)"""

import sys

import reverse_traceroute as rt

target, forward, reverse = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
failures = []


def path(measurement, direction):
    by_ttl = {}
    for vertex in measurement["traces"][direction]:
        if vertex.get("ttl"):
            by_ttl.setdefault(vertex["ttl"], set()).add(vertex["address"])
    return [sorted(by_ttl[ttl]) for ttl in sorted(by_ttl)]


def expect(what, got, wanted):
    if got != wanted:
        failures.append(f"{what}: {got}, expected {wanted}")


with rt.Prober(pps=500) as prober:
    expect("network", prober.ready["network"], "raw sockets")
    measurement = prober.trace(target, direction="two-way", protocol="udp", timeout=1, no_resolve=True)
    expect("outcome", measurement["outcome"], {"forward": "reached", "reverse": "reached"})
    expect("forward path", path(measurement, "forward"), [[hop] for hop in forward])
    expect("reverse path", path(measurement, "reverse"), [[hop] for hop in reverse])
    hop = prober.probe(target, ttl=2)
    expect("probe at TTL 2", [reply["address"] for reply in hop["replies"]], [forward[1]])
    streamed = [event["hop"]["ttl"] for event in prober.stream(target, direction="forward", timeout=1)
                if event["event"] == "hop"]
    expect("hops streamed", streamed, list(range(1, len(forward) + 1)))
    traces = [prober.start(target, direction="forward", engine="multipath") for _ in range(5)]
    for trace in traces:
        expect("concurrent multipath", path(trace.result(), "forward"), [[hop] for hop in forward])
    rounds = [event for event in prober.stream(target, direction="two-way", count=2, interval=0.2, timeout=1,
                                               no_resolve=True) if event["event"] in ("round", "done")]
    expect("rounds", [event["event"] for event in rounds], ["round", "round", "done"])
    expect("statistics after two rounds",
           {d: [(h["addresses"], h["sent"], h["received"]) for h in s["hops"]]
            for d, s in rounds[-1]["measurement"]["statistics"].items()},
           {"forward": [([hop], 6, 6) for hop in forward], "reverse": [([hop], 6, 6) for hop in reverse]})
    try:
        prober.trace(target, max_ttl=0)
        failures.append("max_ttl=0 was taken")
    except rt.ProberError as error:
        expect("refusal", "out of range" in str(error), True)

for failure in failures:
    print("FAIL:", failure)
print(f"python prober lab: {9 + 5 - len(failures)} checks passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
