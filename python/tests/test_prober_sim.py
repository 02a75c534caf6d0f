# SPDX-License-Identifier: MIT
"""The prober and the Python module against the simulated network, as an ordinary user
(label sim): traces, probes, events, errors, concurrency under the budget, cancel, signals,
the Unix socket and asyncio."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import stat
import subprocess
import tempfile
import time

import jsonschema
import pytest

import reverse_traceroute as rt

DIAMOND_FORWARD = {1: {"198.18.1.2"}, 2: {"198.18.2.2", "198.18.3.2"}, 3: {"198.18.4.2", "198.18.5.2"},
                   4: {"198.18.6.2"}}


def vertices_by_ttl(measurement: dict, direction: str) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for vertex in measurement["traces"][direction]:
        if vertex.get("ttl") and vertex["address"] != "***":
            found.setdefault(vertex["ttl"], set()).add(vertex["address"])
    return found


@pytest.fixture
def prober(prober_path, topologies):
    with rt.Prober(prober=prober_path, simulate=str(topologies / "diamond.topo")) as p:
        yield p


def test_multipath_two_way_trace_is_the_stored_measurement(prober, schema):
    measurement = prober.trace("server", direction="two-way", engine="multipath")
    jsonschema.validate(measurement, schema)
    assert measurement["outcome"] == {"forward": "reached", "reverse": "reached"}
    assert vertices_by_ttl(measurement, "forward") == DIAMOND_FORWARD
    # The way back from the server: r3, then both of r2a/r2b, then r1, then this host.
    assert vertices_by_ttl(measurement, "reverse")[2] == {"198.18.4.1", "198.18.5.1"}


def test_places_come_from_the_probers_geoip_database(prober_path, topologies, geoip_database, schema):
    with rt.Prober(prober=prober_path, simulate=str(topologies / "line.topo"), geoip=geoip_database) as p:
        measurement = p.trace("server")
        # A party may not choose the database: the prober would open any file it names.
        with pytest.raises(rt.ProberError, match="the prober places hops with the database its operator gave it"):
            p.trace("server", geoip="/etc/passwd")
    jsonschema.validate(measurement, schema)
    assert measurement["geoip"]["database_type"] == "DBIP-City-Lite"
    places = measurement["locations"]
    assert places["198.18.1.2"]["city"] == "Augsburg" and places["198.18.2.2"] == {"country": "AT"}
    assert "198.18.3.2" not in places  # not in the database


def test_probe_is_one_ttl_one_flow(prober):
    hop = prober.probe("198.18.6.2", ttl=2)
    assert hop["ttl"] == 2 and len(hop["replies"]) == 1 and not hop["reached"]
    assert hop["replies"][0]["kind"] == "time_exceeded"
    assert hop["replies"][0]["address"] in DIAMOND_FORWARD[2]
    # The same flow takes the same branch every time; the destination answers at TTL 4.
    assert prober.probe("198.18.6.2", ttl=2, flow=hop["flow"])["replies"] == hop["replies"]
    last = prober.probe("198.18.6.2", ttl=4)
    assert last["replies"][0]["address"] == "198.18.6.2" and last["replies"][0]["kind"] == "unreachable"
    assert last["reached"]
    tcp = prober.probe("198.18.6.2", ttl=4, protocol="tcp")
    assert tcp["replies"][0]["kind"] == "tcp_reset"


def test_stream_gives_hops_as_found_then_the_measurement(prober):
    events = list(prober.stream("server", direction="forward"))
    kinds = [event["event"] for event in events]
    assert kinds[0] == "started" and kinds[-1] == "done"
    hops = [event["hop"]["ttl"] for event in events if event["event"] == "hop"]
    assert hops == [1, 2, 3, 4]
    assert all(event["t"] >= events[0]["t"] for event in events)
    assert events[-1]["measurement"]["outcome"]["forward"] == "reached"


def test_errors_are_the_clients_sentences(prober, client_path):
    with pytest.raises(rt.ProberError) as raised:
        prober.trace("server", max_ttl=300)
    client = subprocess.run([client_path, "-m", "300", "198.18.6.2"], capture_output=True, text=True)
    assert client.returncode != 0
    assert str(raised.value) in client.stderr
    with pytest.raises(rt.ProberError, match="not a host name or address"):
        prober.trace("$(reboot)")
    with pytest.raises(rt.ProberError, match="neither an address nor a node"):
        prober.trace("nowhere.example")
    with pytest.raises(rt.ProberError, match="is not for the prober"):
        prober.trace("server", output="/tmp/x")
    # The prober is still there.
    assert prober.probe("server", ttl=1)["replies"][0]["address"] == "198.18.1.2"


def test_twenty_traces_at_once_within_the_budget(prober_path, topologies):
    pps = 200
    with rt.Prober(prober=prober_path, simulate=str(topologies / "diamond.topo"), pps=pps) as p:
        traces = [p.start("server", engine="multipath", direction="two-way") for _ in range(20)]
        events = {trace.id: list(trace.events()) for trace in traces}
    starts = [e[0]["t"] for e in events.values()]
    ends = [e[-1]["t"] for e in events.values()]
    measurements = [e[-1]["measurement"] for e in events.values()]
    assert all(m["outcome"] == {"forward": "reached", "reverse": "reached"} for m in measurements)
    assert all(vertices_by_ttl(m, "forward") == DIAMOND_FORWARD for m in measurements)
    # All twenty ran at once (each started before any ended) ...
    assert max(starts) < min(ends)
    # ... and all their probes together kept to the budget, in the simulator's time.
    probes = sum(m["probes"][d]["sent"] for m in measurements for d in ("forward", "reverse"))
    elapsed = max(ends) - min(starts)
    assert probes > 1000
    assert probes / elapsed <= pps * 1.05, f"{probes} probes in {elapsed:.2f} s"


def test_cancel_mid_trace_keeps_what_was_found(prober_path, topologies):
    # Paced: a simulated second takes 20 real ones, so the cancel lands mid-trace.
    with rt.Prober(prober=prober_path, simulate=str(topologies / "line.topo"), speed=0.05) as p:
        trace = p.start("198.18.3.2", direction="forward", probes=1)
        for event in trace.events():
            if event["event"] == "hop":
                trace.cancel()
        measurement = trace.result()
    assert measurement["outcome"]["forward"] == "interrupted"
    assert 1 <= len([v for v in measurement["traces"]["forward"] if v.get("ttl")]) < 3


def test_rounds_give_statistics_after_each_round(prober, schema):
    rounds = []
    done = None
    started = None
    first_hop: dict[int, float] = {}
    for event in prober.stream("server", direction="two-way", count=3, interval=0.5):
        if event["event"] == "started":
            started = event["t"]
        elif event["event"] == "round":
            rounds.append(event)
        elif event["event"] == "done":
            done = event
        elif event["event"] in ("hop", "end"):
            assert event["round"] == len(rounds) + 1
            first_hop.setdefault(event["round"], event["t"])
    assert [r["round"] for r in rounds] == [1, 2, 3]
    # Round N starts (N - 1) --interval after the first (simulated time), not before.
    for number in (2, 3):
        assert first_hop[number] - started >= (number - 1) * 0.5
        assert first_hop[number] > rounds[number - 2]["t"]
    for number, event in enumerate(rounds, start=1):
        for direction in ("forward", "reverse"):
            hops = event["statistics"][direction]["hops"]
            assert [h["ttl"] for h in hops] == [1, 2, 3, 4]
            assert all(h["sent"] == 3 * number and h["received"] == 3 * number for h in hops)
    measurement = done["measurement"]
    jsonschema.validate(measurement, schema)
    assert done["rounds"] == 3 and measurement["singlepath"]["rounds"] == 3
    assert measurement["statistics"] == rounds[-1]["statistics"]


def test_cancel_between_rounds_keeps_the_rounds_done(prober_path, topologies):
    # Paced at real time: the cancel arrives in the ten seconds between rounds 1 and 2.
    with rt.Prober(prober=prober_path, simulate=str(topologies / "line.topo"), speed=1) as p:
        trace = p.start("198.18.3.2", direction="forward", count=5, interval=10)
        last = None
        for event in trace.events():
            if event["event"] == "round":
                trace.cancel()
            last = event
        measurement = trace.result()
    assert last["event"] == "done" and last["rounds"] == 1 and last["stopped"] == "cancelled"
    assert measurement["outcome"]["forward"] == "reached"
    assert measurement["singlepath"]["rounds"] == 1
    assert last["t"] < 5


def test_deadline_between_rounds_ends_with_the_rounds_done(prober):
    events = list(prober.stream("server", direction="forward", count=5, interval=10, deadline=1))
    done = events[-1]
    assert [e["round"] for e in events if e["event"] == "round"] == [1]
    assert done["event"] == "done" and done["rounds"] == 1 and done["stopped"] == "--deadline"
    assert done["t"] == pytest.approx(1.0, abs=0.03)


def test_hostile_lines_are_refused_and_the_prober_lives(prober_path, topologies):
    process = subprocess.Popen([prober_path, "--simulate", str(topologies / "diamond.topo")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines = ["not json", "[1,2]", '{"v":1,"command":"reboot"}', '{"v":2,"command":"shutdown"}',
             '{"v":1,"command":"trace","id":"a","target":"server","extra":1}',
             '{"v":1,"command":"trace","id":"b","target":"server","options":{"max-ttl":999}}',
             '{"v":1,"command":"trace","id":"c","target":"-o /etc/passwd"}',
             '{"v":1,"command":"cancel","id":"nothing"}',
             "x" * 100_000,
             '{"v":1,"command":"trace","id":"ok","target":"server","direction":"forward"}']
    output, _ = process.communicate("\n".join(lines) + "\n", timeout=60)
    events = [json.loads(line) for line in output.splitlines()]
    errors = [event for event in events if event["event"] == "error"]
    assert len(errors) == len(lines) - 1, errors
    assert all(error["message"] and "\n" not in error["message"] for error in errors)
    assert any("longer than" in error["message"] for error in errors)
    assert [e["id"] for e in errors if "id" in e] == ["a", "b", "c", "nothing"]
    done = [event for event in events if event["event"] == "done"]
    assert [event["id"] for event in done] == ["ok"]
    assert process.returncode == 0


def test_sigterm_sends_partial_measurements(prober_path, topologies):
    process = subprocess.Popen([prober_path, "--simulate", str(topologies / "line.topo"), "--speed", "0.01"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin and process.stdout
    assert json.loads(process.stdout.readline())["event"] == "ready"
    process.stdin.write('{"v":1,"command":"trace","id":"s","target":"198.18.3.2","direction":"forward"}\n')
    process.stdin.flush()
    while json.loads(process.stdout.readline())["event"] != "hop":
        pass
    process.send_signal(signal.SIGTERM)
    rest = [json.loads(line) for line in process.stdout]
    process.wait(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM
    done = [event for event in rest if event["event"] == "done"]
    assert done and done[0]["measurement"]["outcome"]["forward"] == "interrupted"
    assert rest[-1]["event"] == "bye"


def test_unix_socket_with_its_permissions(prober_path, topologies):
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "prober.sock")
        process = subprocess.Popen([prober_path, "--simulate", str(topologies / "diamond.topo"), "--listen", path,
                                    "--mode", "0600"])
        try:
            # The socket is made without permissions and then given its mode: wait for both.
            for _ in range(100):
                if os.path.exists(path) and stat.S_IMODE(os.stat(path).st_mode) != 0:
                    break
                time.sleep(0.05)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            with rt.Prober(socket_path=path) as first, rt.Prober(socket_path=path) as second:
                a = first.start("server", direction="forward")
                b = second.start("server", direction="forward", engine="multipath")
                assert a.result()["outcome"]["forward"] == "reached"
                assert b.result()["outcome"]["forward"] == "reached"
            # A party that hangs up mid-line does not stop the prober.
            with socket.socket(socket.AF_UNIX) as rude:
                rude.connect(path)
                rude.sendall(b'{"v":1,"command":"tra')
            with rt.Prober(socket_path=path) as third:
                assert third.probe("server", ttl=1)["replies"][0]["address"] == "198.18.1.2"
        finally:
            process.terminate()
            process.wait(timeout=30)
        assert not os.path.exists(path)


def test_asyncio(prober_path, topologies):
    async def main() -> tuple[list[dict], list[dict]]:
        async with rt.AsyncProber(prober=prober_path, simulate=str(topologies / "diamond.topo")) as p:
            results = await asyncio.gather(*(p.trace("server", engine="multipath") for _ in range(5)))
            events = [event async for event in p.stream("server", direction="forward")]
            with pytest.raises(rt.ProberError, match="out of range"):
                await p.probe("server", ttl=1, max_ttl=0)
            return list(results), events

    results, events = asyncio.run(main())
    assert all(vertices_by_ttl(m, "forward") == DIAMOND_FORWARD for m in results)
    assert events[-1]["event"] == "done"


def test_no_prober_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("REVERSE_TRACEROUTE_PROBER", raising=False)
    with pytest.raises(rt.ProberError, match="reverse-traceroute-prober is not installed"):
        rt.Prober()
    with pytest.raises(rt.ProberError, match="cannot reach the prober at"):
        rt.Prober(socket_path=str(tmp_path / "none.sock"))
