#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The looking glass under load (run by looking_glass_load.sh inside the lab client's namespace):
# (1) POST to the first hop event, median of RUNS traces one after another; (2) 50 requests from
# 10 client addresses at once against the collector's defaults: how many were queued, refused
# (and why), ran to the end; the probe rate is sampled by the shell from an nft counter.
# Usage: looking_glass_load.py URL TARGET ADDRESSES(comma-separated) PER_ADDRESS RUNS
import concurrent.futures
import http.client
import json
import statistics
import sys
import time
from urllib.parse import urlparse

url, target = urlparse(sys.argv[1]), sys.argv[2]
addresses, per_address, runs = sys.argv[3].split(","), int(sys.argv[4]), int(sys.argv[5])
body = {"target": target, "direction": "two-way", "engine": "singlepath"}


def post(source):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60, source_address=(source, 0))
    connection.request("POST", "/api/v1/traces", json.dumps(body))
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    return response.status, answer


def first_hop(trace_id, started, source):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120, source_address=(source, 0))
    connection.request("GET", f"/api/v1/traces/{trace_id}/events")
    response = connection.getresponse()
    seen, last = None, None
    for raw in response:
        line = raw.decode()
        if line.startswith("event: "):
            last = line[7:].strip()
            if last == "hop" and seen is None:
                seen = (time.monotonic() - started) * 1000
    connection.close()
    return seen, last


def state(trace_id, source):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60, source_address=(source, 0))
    connection.request("GET", f"/api/v1/traces/{trace_id}")
    answer = json.loads(connection.getresponse().read())
    connection.close()
    return answer["state"]


# (1) One at a time, from the first address.
latencies = []
for _ in range(runs):
    started = time.monotonic()
    status, answer = post(addresses[0])
    assert status == 202, answer
    latency, last = first_hop(answer["id"], started, addresses[0])
    assert last == "done", last
    latencies.append(latency)
print(f"POST to first hop event: median {statistics.median(latencies):.1f} ms "
      f"(min {min(latencies):.1f}, max {max(latencies):.1f}, {runs} two-way single path traces one after another)")

# (2) Everyone at once: PER_ADDRESS requests from each address, all sent together.
sources = [a for a in addresses[1:] for _ in range(per_address)]
started = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(len(sources)) as pool:
    answers = list(pool.map(post, sources))
accepted = [(source, answer["id"]) for source, (status, answer) in zip(sources, answers) if status == 202]
refused = {}
for status, answer in answers:
    if status != 202:
        refused.setdefault(status, answer["error"])
counts = {status: sum(1 for s, _ in answers if s == status) for status in sorted({s for s, _ in answers})}
ended = {}
while True:
    states = [state(trace_id, source) for source, trace_id in accepted]
    if all(s in ("done", "failed") for s in states):
        break
    time.sleep(0.5)
for s in states:
    ended[s] = ended.get(s, 0) + 1
print(f"{len(sources)} requests from {len(addresses) - 1} addresses at once: " +
      ", ".join(f"{n} answered {status}" for status, n in counts.items()) +
      f"; of the {len(accepted)} accepted: " + ", ".join(f"{n} {s}" for s, n in sorted(ended.items())) +
      f", all ended after {time.monotonic() - started:.1f} s")
for status, sentence in refused.items():
    print(f"  {status}: {sentence}")
