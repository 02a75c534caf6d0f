# SPDX-License-Identifier: MIT
"""`reverse-traceroute campaign` on the simulated network, as an ordinary user (issue 32): a list
of lines with their own direction, protocol and server; the output as JSON lines, each a
schema-valid measurement; resuming (finished lines skipped, a torn last line cut off and traced
again, repeated lines traced as often as they appear); bad lines and options refused in one
sentence before anything is traced; server=closest; the per-prefix limit and the probes/s
budget in simulated time paced to real time; the progress as plain lines off a terminal."""

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

SOURCE = Path(os.environ["RTT_SOURCE_DIR"])
BUILD = Path(os.environ["RTT_BUILD_DIR"])
CLIENT = BUILD / "client" / "reverse-traceroute"
LINE = SOURCE / "tests" / "lab" / "topologies" / "line.topo"
SCHEMA = json.loads((SOURCE / "docs" / "measurement.schema.json").read_text())


def campaign(*args, list_text=None, tmp_path=None, check=True):
    targets = tmp_path / "targets"
    if list_text is not None:
        targets.write_text(list_text)
    result = subprocess.run([str(CLIENT), "campaign", "--simulate", str(LINE), *args, str(targets)],
                            capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def measurements(path):
    lines = path.read_text().splitlines()
    found = [json.loads(line) for line in lines]
    for measurement in found:
        jsonschema.validate(measurement, SCHEMA)
    return found


LIST = """# the line topology: client - r1 - r2 - r3 - server
198.18.4.2
198.18.4.2 forward tcp         # its own protocol and direction
198.18.3.2 reverse             # r3, as a server
198.18.4.2 server=198.18.3.2   # the reverse half from r3
2001:db8:4::2 icmp multipath

198.18.4.2                     # the first line again: traced twice
"""


def test_a_list_runs_and_resumes(tmp_path):
    out = tmp_path / "out.jsonl"
    first = campaign("-o", str(out), list_text=LIST, tmp_path=tmp_path)
    found = measurements(out)
    assert len(found) == 6
    keys = sorted((m["target"], m["direction"], m["protocol"], m["engine"], m.get("server")) for m in found)
    assert keys == sorted([
        ("198.18.4.2", "two-way", "udp", "singlepath", "198.18.4.2"),
        ("198.18.4.2", "two-way", "udp", "singlepath", "198.18.4.2"),
        ("198.18.4.2", "forward", "tcp", "singlepath", None),
        ("198.18.3.2", "reverse", "udp", "singlepath", "198.18.3.2"),
        ("198.18.4.2", "two-way", "udp", "singlepath", "198.18.3.2"),
        ("2001:db8:4::2", "two-way", "icmp", "multipath", "2001:db8:4::2"),
    ])
    assert all(all(outcome == "reached" for outcome in m["outcome"].values()) for m in found)
    # The reverse half from r3 comes back through r2 and r1.
    from_r3 = next(m for m in found if m.get("server") == "198.18.3.2" and m["direction"] == "two-way")
    assert [v["address"] for v in from_r3["traces"]["reverse"]][:2] == ["198.18.3.2", "198.18.3.1"]
    assert "6 of 6 traces done" in first.stderr

    # Again: everything was done.
    again = campaign("-o", str(out), tmp_path=tmp_path)
    assert "0 of 6 traces done in this run, 6 in earlier runs" in again.stderr
    assert len(measurements(out)) == 6

    # Killed while writing: the torn last line is cut off and that trace runs again.
    text = out.read_text()
    out.write_text(text[: len(text) - 200])
    torn = campaign("-o", str(out), tmp_path=tmp_path)
    assert "1 of 6 traces done in this run, 5 in earlier runs" in torn.stderr
    assert len(measurements(out)) == 6


@pytest.mark.parametrize("line, options, sentence", [
    ("198.18.4.2 sideways", [], 'line 1: "sideways" is not a direction, protocol, engine or server=HOST'),
    ("224.0.0.1", [], "line 1: 224.0.0.1 is multicast, where no trace can go"),
    ("::1", [], "line 1: ::1 is loopback, where no trace can go"),
    ("$(reboot)", [], 'line 1: "$(reboot)" is not a host name or address'),
    ("198.18.4.2 forward server=198.18.3.2", [], "line 1: server= names where the reverse half is traced from"),
    ("198.18.4.2", ["-O", "max-ttl=300"], "line 1: max TTL 300 is out of range"),
    ("198.18.4.2", ["-O", "output=/etc/passwd"], "line 1: --output is not for the prober"),
    ("# nothing", [], "holds no target"),
])
def test_bad_input_is_one_sentence_before_any_trace(tmp_path, line, options, sentence):
    out = tmp_path / "out.jsonl"
    result = campaign(*options, "-o", str(out), list_text=line + "\n", tmp_path=tmp_path, check=False)
    assert result.returncode == 1
    assert sentence in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not out.exists() or out.read_text() == ""


def test_output_or_transmit_is_needed(tmp_path):
    result = campaign(list_text="198.18.4.2\n", tmp_path=tmp_path, check=False)
    assert result.returncode == 2 and "would go nowhere" in result.stderr


def test_a_file_that_is_not_a_campaign_output_is_left_alone(tmp_path):
    out = tmp_path / "notes.txt"
    out.write_text("my notes\nmore notes\n")
    result = campaign("-o", str(out), list_text="198.18.4.2\n", tmp_path=tmp_path, check=False)
    assert result.returncode == 1 and "line 1 is not a measurement" in result.stderr
    assert out.read_text() == "my notes\nmore notes\n"


def test_closest_server(tmp_path):
    servers = tmp_path / "servers"
    # r1 on link 2 and r3 on link 4: 198.18.4.1 shares the target's /24.
    servers.write_text("198.18.2.1;64500;\n198.18.4.1;64501;\n2001:db8:2::1;64500;\n")
    out = tmp_path / "out.jsonl"
    campaign("--servers", str(servers), "-o", str(out), list_text="198.18.4.2 server=closest\n2001:db8:4::2\n",
             tmp_path=tmp_path)
    found = {m["target"]: m for m in measurements(out)}
    assert found["198.18.4.2"]["server"] == "198.18.4.1"
    assert found["198.18.4.2"]["outcome"] == {"forward": "reached", "reverse": "reached"}
    assert found["2001:db8:4::2"]["server"] == "2001:db8:4::2"  # no server= on that line: the target
    none = campaign("--servers", str(servers), "-o", str(tmp_path / "x"), "--server", "closest",
                    list_text="2001:db8:4::2\n198.18.4.2 forward\n", tmp_path=tmp_path)
    assert none.returncode == 0  # the IPv6 line finds 2001:db8:2::1; the forward line needs none


def intervals(found):
    def at(text):
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
    return [(at(m["start_time"]), at(m["end_time"])) for m in found]


def most_at_once(spans):
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, change in events:
        running += change
        most = max(most, running)
    return most


@pytest.mark.parametrize("per_prefix, at_most, at_least", [(2, 2, 2), (6, 6, 3)])
def test_per_prefix_limit(tmp_path, per_prefix, at_most, at_least):
    # Six traces to one address (one /24), real-time pacing: each takes about 0.6 s.
    out = tmp_path / "out.jsonl"
    campaign("--speed", "1", "--per-prefix", str(per_prefix), "-q", "-o", str(out), list_text="198.18.4.2\n" * 6,
             tmp_path=tmp_path)
    found = measurements(out)
    assert len(found) == 6
    assert at_least <= most_at_once(intervals(found)) <= at_most


def test_probes_per_second_budget(tmp_path):
    # 12 forward multipath traces to 6 addresses (their own /24s) under 100 probes/s, paced.
    out = tmp_path / "out.jsonl"
    targets = ["198.18.1.2", "198.18.2.2", "198.18.3.2", "198.18.4.2", "198.18.2.1", "198.18.3.1"] * 2
    campaign("--speed", "1", "--pps", "100", "--direction", "forward", "--engine", "multipath", "-q", "-o",
             str(out), list_text="\n".join(targets) + "\n", tmp_path=tmp_path)
    found = measurements(out)
    probes = sum(p["sent"] for m in found for p in m["probes"].values())
    spans = intervals(found)
    took = max(end for _, end in spans) - min(start for start, _ in spans)
    assert probes > 100  # more than a second's budget, so the budget is what takes the time
    assert 0.9 * probes / 100 <= took <= 2 * probes / 100 + 1, (probes, took)


def test_progress_lines_off_a_terminal(tmp_path):
    out = tmp_path / "out.jsonl"
    result = campaign("-o", str(out), list_text="198.18.4.2\n198.18.3.2\n", tmp_path=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert "\r" not in result.stderr and "\033" not in result.stderr
    assert lines[-2].startswith("campaign: 2/2 done, 0 failed, 0 running,") and "took" in lines[-2]
    assert lines[-1] == "reverse-traceroute campaign: 2 of 2 traces done in this run"
