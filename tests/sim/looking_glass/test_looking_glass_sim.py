# SPDX-License-Identifier: MIT
"""The collector as a looking glass (issue 28) over real HTTP, its traces run by
reverse-traceroute-prober on the simulated network (label sim, as an ordinary user): a two-way
multipath trace started with POST, its Server-Sent Events, the stored measurement against the
topology's truth; every refusal with its status and sentence; the quota, the full queue, and a
restart that loses no queued trace."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SOURCE = Path(os.environ.get("RTT_SOURCE_DIR", Path(__file__).resolve().parents[3]))
BUILD = Path(os.environ.get("RTT_BUILD_DIR", SOURCE / "build"))
PROBER = BUILD / "prober" / "reverse-traceroute-prober"
COLLECTOR = BUILD / "collector" / "reverse-traceroute-collector"
DIAMOND = SOURCE / "tests" / "lab" / "topologies" / "diamond.topo"
SCHEMA = json.loads((SOURCE / "docs" / "measurement.schema.json").read_text())

# The diamond's truth (tests/lab/topologies/diamond.topo), seen from the client and the server.
FORWARD = {1: {"198.18.1.2"}, 2: {"198.18.2.2", "198.18.3.2"}, 3: {"198.18.4.2", "198.18.5.2"}, 4: {"198.18.6.2"}}
REVERSE = {1: {"198.18.6.1"}, 2: {"198.18.4.1", "198.18.5.1"}, 3: {"198.18.2.1", "198.18.3.1"}, 4: {"198.18.1.1"}}
ALICE = {"Authorization": "Bearer alice-secret"}  # trace and read
BOB = {"Authorization": "Bearer bob-secret"}      # submit only


class Prober:
    """A simulated prober on a Unix socket; `speed` paces it (simulated seconds per real one)."""

    def __init__(self, folder: Path, speed: float = 0) -> None:
        self.socket = str(folder / f"prober-{time.monotonic_ns()}.sock")
        argv = [str(PROBER), "--simulate", str(DIAMOND), "--listen", self.socket, "--pps", "1000"]
        if speed:
            argv += ["--speed", str(speed)]
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(self.socket):
                return
            time.sleep(0.01)
        raise AssertionError("the prober did not listen")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class Collector:
    def __init__(self, folder: Path, prober: Prober, *options: str, database: str = "lg.db") -> None:
        tokens = folder / "tokens"
        tokens.write_text("alice-secret alice trace,read\nbob-secret bob submit\n")
        self.log = folder / f"collector-{time.monotonic_ns()}.log"
        self.process = subprocess.Popen(
            [str(COLLECTOR), "--listen", "127.0.0.1:0", "--db", str(folder / database), "--token-file", str(tokens),
             "--looking-glass", "--prober-socket", prober.socket, *options],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log.open("w"))
        for _ in range(200):
            found = re.search(r"http://127\.0\.0\.1:(\d+)", self.log.read_text())
            if found:
                self.port = int(found.group(1))
                return
            assert self.process.poll() is None, self.log.read_text()
            time.sleep(0.02)
        raise AssertionError("the collector did not listen: " + self.log.read_text())

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = json.dumps(body) if body is not None and not isinstance(body, str) else body
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text
        return response.status, dict(response.getheaders()), parsed

    def trace(self, body: dict[str, Any], headers: dict[str, str] = ALICE) -> int:
        status, _, answer = self.request("POST", "/api/v1/traces", body, headers)
        assert status == 202, answer
        return answer["id"]

    def events(self, trace_id: int) -> list[tuple[str, dict[str, Any]]]:
        """The Server-Sent Events of a trace, read as they come until the stream ends."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request("GET", f"/api/v1/traces/{trace_id}/events", headers=ALICE)
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream"
        events, name = [], None
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
        connection.close()
        return events

    def wait(self, trace_id: int, states: tuple[str, ...] = ("done", "failed")) -> dict[str, Any]:
        for _ in range(600):
            _, _, status = self.request("GET", f"/api/v1/traces/{trace_id}", headers=ALICE)
            if status["state"] in states:
                return status
            time.sleep(0.05)
        raise AssertionError(f"trace {trace_id} is still {status['state']}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(20) == 0, self.log.read_text()


def by_ttl(measurement: dict[str, Any], direction: str) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for vertex in measurement["traces"][direction]:
        if vertex.get("ttl") and vertex["address"] != "***":
            found.setdefault(vertex["ttl"], set()).add(vertex["address"])
    return found


@pytest.fixture
def folder():
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


@pytest.fixture
def prober(folder):
    running = Prober(folder)
    yield running
    running.stop()


@pytest.fixture
def glass(folder, prober):
    collector = Collector(folder, prober, "--trace-allow", "198.18.0.0/15")
    yield collector
    collector.stop()


def test_two_way_multipath_on_request(glass):
    trace_id = glass.trace({"target": "198.18.6.2", "direction": "two-way", "engine": "multipath"})
    events = glass.events(trace_id)
    names = [name for name, _ in events]
    assert names[:3] == ["queued", "running", "started"]
    assert names[-1] == "done"
    # Every vertex arrived as an event before the end, in both directions.
    streamed = {"forward": {}, "reverse": {}}
    for name, data in events:
        if name == "vertex":
            streamed[data["direction"]].setdefault(data["ttl"], set()).add(data["reply"]["address"])
    assert streamed == {"forward": FORWARD, "reverse": REVERSE}
    # So did every link between answering addresses, as the stored graph has them.
    links = {"forward": set(), "reverse": set()}
    for name, data in events:
        if name == "link":
            links[data["direction"]].add((data["from"], data["to"]))
    status = glass.wait(trace_id)
    assert status["state"] == "done" and status["by"] == "alice"
    measurement = status["measurement"]
    jsonschema.validate(measurement, SCHEMA)
    assert by_ttl(measurement, "forward") == FORWARD and by_ttl(measurement, "reverse") == REVERSE
    assert measurement["on_request"] == {"by": "alice", "trace": trace_id}
    for direction in ("forward", "reverse"):
        vertices = {v["id"]: v for v in measurement["traces"][direction]}
        stored = {(v["address"], vertices[s]["address"]) for v in vertices.values() for s in v["successors"]
                  if "***" not in (v["address"], vertices[s]["address"])}
        assert links[direction] == stored, direction
    # An ordinary measurement: listed, fetched, drawn.
    code, _, stored = glass.request("GET", status["measurement_url"], headers=ALICE)
    assert code == 200 and stored == measurement
    assert glass.request("GET", status["measurement_url"] + "/graph.svg", headers=ALICE)[0] == 200
    # A stream opened after the end tells the end at once.
    assert glass.events(trace_id)[-1][0] == "done"


@pytest.mark.parametrize("body, headers, status, sentence", [
    ({"target": "198.18.6.2"}, {}, 401, "missing or unknown token"),
    ({"target": "198.18.6.2"}, {"Authorization": "Bearer wrong"}, 401, "missing or unknown token"),
    ({"target": "198.18.6.2"}, BOB, 403, "token bob may not do this: it needs the trace scope"),
    ({"target": "10.0.0.1"}, ALICE, 403, "10.0.0.1 is a private (RFC 1918) address"),
    ({"target": "ff02::1"}, ALICE, 403, "ff02::1 is a multicast address"),
    ({"target": "localhost"}, ALICE, 403, "localhost resolves to"),
    ({"target": "; id"}, ALICE, 400, '"; id" is not a host name or address'),
    ({"target": "$(reboot)"}, ALICE, 400, '"$(reboot)" is not a host name or address'),
    ({"target": "-o /etc/passwd"}, ALICE, 400, '"-o /etc/passwd" is not a host name or address'),
    ({"target": "--help"}, ALICE, 400, '"--help" is not a host name or address'),
    ({"target": "198.18.6.2", "shell": "id"}, ALICE, 400, 'unknown field "shell"'),
    ({"target": "198.18.6.2", "max_ttl": 0}, ALICE, 400, '"max_ttl" must be a whole number from 1 to 64'),
    ({"target": "198.18.6.2", "confidence": 0.05}, ALICE, 400, '"confidence" is for multipath traces'),
    ({"target": "198.18.6.2", "direction": "sideways"}, ALICE, 400, '"direction" must be one of'),
    ({"target": "no-such-host.invalid"}, ALICE, 422, "no-such-host.invalid does not resolve"),
    ({}, ALICE, 400, 'the body has no "target"'),
    ("not json", ALICE, 400, "the body is not a JSON object"),
])
def test_refusals(glass, body, headers, status, sentence):
    code, _, answer = glass.request("POST", "/api/v1/traces", body, headers)
    assert code == status, answer
    assert answer["error"].startswith(sentence), answer["error"]


def test_the_lab_prefix_is_refused_unless_allowed(folder, prober):
    plain = Collector(folder, prober, database="plain.db")
    try:
        code, _, answer = plain.request("POST", "/api/v1/traces", {"target": "198.18.6.2"}, ALICE)
        assert code == 403 and "benchmarking" in answer["error"] and "--trace-allow" in answer["error"]
    finally:
        plain.stop()
    denied = Collector(folder, prober, "--trace-allow", "198.18.0.0/15", "--trace-deny", "198.18.6.0/24",
                       database="denied.db")
    try:
        code, _, answer = denied.request("POST", "/api/v1/traces", {"target": "198.18.6.2"}, ALICE)
        assert code == 403 and "--trace-deny" in answer["error"]
    finally:
        denied.stop()


def test_quota_per_token_and_address(folder, prober):
    glass = Collector(folder, prober, "--trace-allow", "198.18.0.0/15", "--trace-quota", "2")
    try:
        for _ in range(2):
            glass.trace({"target": "198.18.6.2", "direction": "forward"})
        code, headers, answer = glass.request("POST", "/api/v1/traces", {"target": "198.18.6.2"}, ALICE)
        assert code == 429, answer
        assert "token alice started 2 traces in the last hour" in answer["error"]
        assert 3000 < int(headers["Retry-After"]) <= 3601
    finally:
        glass.stop()


def test_open_traces_count_per_address(folder, prober):
    glass = Collector(folder, prober, "--trace-allow", "198.18.0.0/15", "--open-traces", "--trace-quota", "1")
    try:
        assert glass.trace({"target": "198.18.6.2", "direction": "forward"}, headers={}) > 0
        code, headers, answer = glass.request("POST", "/api/v1/traces", {"target": "198.18.6.2"})
        assert code == 429 and answer["error"].startswith("your address 127.0.0.1 started 1 traces"), answer
        # Anyone may start and watch traces, but reading the store still takes a token.
        assert glass.request("GET", "/api/v1/traces/1")[0] == 200
        assert glass.request("GET", "/api/v1/measurements")[0] == 401
    finally:
        glass.stop()


def test_full_queue_then_a_restart_loses_nothing(folder):
    slow = Prober(folder, speed=0.02)  # a simulated second takes 50 real ones: nothing ends here
    glass = Collector(folder, slow, "--trace-allow", "198.18.0.0/15", "--trace-running", "1", "--trace-queue", "2")
    ids = [glass.trace({"target": "198.18.6.2", "direction": "forward"}) for _ in range(3)]
    glass.wait(ids[0], ("running",))
    code, headers, answer = glass.request("POST", "/api/v1/traces", {"target": "198.18.6.2"}, ALICE)
    assert code == 503 and "2 traces are waiting already" in answer["error"], answer
    assert int(headers["Retry-After"]) > 0
    assert [glass.request("GET", f"/api/v1/traces/{i}", headers=ALICE)[2]["state"] for i in ids] == \
        ["running", "queued", "queued"]
    glass.stop()
    slow.stop()
    # Restarted beside a prober that runs at full speed: the queued ones run; the one that was
    # running is reported failed, not left hanging.
    fast = Prober(folder)
    try:
        glass = Collector(folder, fast, "--trace-allow", "198.18.0.0/15", "--trace-running", "1")
        first = glass.wait(ids[0])
        assert first["state"] == "failed" and "the collector stopped while this trace ran" in first["error"]
        for trace_id in ids[1:]:
            status = glass.wait(trace_id)
            assert status["state"] == "done", status
            assert by_ttl(status["measurement"], "forward")[4] == {"198.18.6.2"}
        glass.stop()
    finally:
        fast.stop()


def test_without_the_looking_glass_traces_are_not_found(folder):
    tokens = folder / "tokens"
    tokens.write_text("alice-secret alice trace,read\n")
    log = folder / "plain.log"
    process = subprocess.Popen([str(COLLECTOR), "--listen", "127.0.0.1:0", "--db", str(folder / "p.db"),
                                "--token-file", str(tokens)], stderr=log.open("w"))
    try:
        for _ in range(200):
            found = re.search(r"http://127\.0\.0\.1:(\d+)", log.read_text())
            if found:
                break
            time.sleep(0.02)
        connection = http.client.HTTPConnection("127.0.0.1", int(found.group(1)), timeout=10)
        connection.request("POST", "/api/v1/traces", body='{"target": "192.0.2.1"}', headers=ALICE)
        response = connection.getresponse()
        assert response.status == 404 and "--looking-glass" in json.loads(response.read())["error"]
    finally:
        process.terminate()
        process.wait(10)
