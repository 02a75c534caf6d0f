#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The looking glass over HTTP on the real lab network (run by looking_glass_test.sh inside the
client's namespace): traces started with POST, their Server-Sent Events read as they come, the
stored measurements checked against the topology's truth.
Usage: looking_glass_lab.py URL TOKEN CASES_JSON
CASES_JSON: [{"body": {...}, "status": 202, "forward": {ttl: [addresses]}, "reverse": {...},
              "within": {"forward": {ttl: [addresses]}}, "target": "...", "destination": "...",
              "error": "sentence start"}, ...]
("forward"/"reverse": exactly these addresses per TTL, as multipath finds them; "within": one
path of those, as a single path trace finds it.)
Prints one line per case and "first hop after N ms" for each trace; exit 1 with the reasons."""

import http.client
import json
import sys
import time
from urllib.parse import urlparse

url, token, cases = urlparse(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
headers = {"Authorization": f"Bearer {token}"}
failures = []


def request(method, path, body=None):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read() or b"null")
    connection.close()
    return response.status, answer


def events(trace_id, started):
    """Every event of the trace, and when the first hop or vertex came (ms after `started`)."""
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    connection.request("GET", f"/api/v1/traces/{trace_id}/events", headers=headers)
    response = connection.getresponse()
    found, name, first_hop = [], None, None
    for raw in response:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            found.append((name, json.loads(line[6:])))
            if name in ("hop", "vertex") and first_hop is None:
                first_hop = (time.monotonic() - started) * 1000
    connection.close()
    return found, first_hop


def by_ttl(measurement, direction):
    seen = {}
    for vertex in measurement["traces"].get(direction, []):
        if vertex.get("ttl") and vertex["address"] != "***":
            seen.setdefault(str(vertex["ttl"]), set()).add(vertex["address"])
    return {ttl: sorted(addresses) for ttl, addresses in seen.items()}


def streamed(found, direction):
    seen = {}
    for name, data in found:
        if data.get("direction") != direction:
            continue
        if name == "vertex":
            seen.setdefault(str(data["ttl"]), set()).add(data["reply"]["address"])
        elif name == "hop":
            for reply in data["hop"]["replies"]:
                if reply:
                    seen.setdefault(str(data["hop"]["ttl"]), set()).add(reply["address"])
    return {ttl: sorted(addresses) for ttl, addresses in seen.items()}


for case in cases:
    what = json.dumps(case["body"])
    started = time.monotonic()
    status, answer = request("POST", "/api/v1/traces", case["body"])
    if status != case["status"]:
        failures.append(f"{what}: status {status}, expected {case['status']}: {answer}")
        continue
    if status != 202:
        if not answer["error"].startswith(case["error"]):
            failures.append(f"{what}: '{answer['error']}' does not start with '{case['error']}'")
        print(f"{what}: {status} {answer['error']}")
        continue
    found, first_hop = events(answer["id"], started)
    names = [name for name, _ in found]
    if not names or names[-1] != "done":
        failures.append(f"{what}: the stream ended with {names[-1:]}, not done: {found[-1:]}")
        continue
    status, trace = request("GET", f"/api/v1/traces/{answer['id']}")
    measurement = trace.get("measurement", {})
    for direction in ("forward", "reverse"):
        if direction not in case:
            continue
        if by_ttl(measurement, direction) != case[direction]:
            failures.append(f"{what}: {direction} {by_ttl(measurement, direction)}, expected {case[direction]}")
        # Every hop or vertex of the stored measurement came as an event before the end.
        if streamed(found, direction) != case[direction]:
            failures.append(f"{what}: {direction} events {streamed(found, direction)}, expected {case[direction]}")
    for direction, truth in case.get("within", {}).items():
        seen = by_ttl(measurement, direction)
        if set(seen) != set(truth) or any(not set(seen[ttl]) <= set(truth[ttl]) for ttl in seen):
            failures.append(f"{what}: {direction} {seen} is not one path of {truth}")
    for field in ("target", "destination"):
        if field in case and measurement.get(field) != case[field]:
            failures.append(f"{what}: {field} {measurement.get(field)}, expected {case[field]}")
    if measurement.get("on_request", {}).get("trace") != answer["id"]:
        failures.append(f"{what}: on_request is {measurement.get('on_request')}")
    print(f"{what}: done, {len(found)} events, first hop after {first_hop:.0f} ms, "
          f"outcome {measurement.get('outcome')}")

for failure in failures:
    print("FAIL:", failure)
sys.exit(1 if failures else 0)
