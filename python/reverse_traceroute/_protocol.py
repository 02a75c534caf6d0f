# SPDX-License-Identifier: MIT
"""The prober's line protocol (docs/prober.md), shared by the blocking and the asyncio API."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from typing import Any, Mapping

PROTOCOL_VERSION = 1
PROBER_NAME = "reverse-traceroute-prober"


class ProberError(Exception):
    """The prober refused a command or a trace failed to start: the message is the same sentence
    the command-line client would print."""


class ProberGone(ProberError):
    """The prober exited or its connection closed before the answer came."""


_ids = itertools.count(1)


def new_id() -> str:
    return f"py{os.getpid()}-{next(_ids)}"


def option_words(options: Mapping[str, Any]) -> dict[str, Any]:
    """Python keyword names (max_ttl) as the client's option names (max-ttl)."""
    words: dict[str, Any] = {}
    for name, value in options.items():
        if value is None or value is False:
            continue
        if not isinstance(value, (bool, int, float, str)):
            raise TypeError(f"the value of {name} must be a number, a string or True")
        words[name.replace("_", "-")] = value
    return words


def trace_command(command_id: str, target: str, direction: str, protocol: str, engine: str,
                  options: Mapping[str, Any]) -> str:
    return json.dumps({"v": PROTOCOL_VERSION, "command": "trace", "id": command_id, "target": target,
                       "direction": direction, "protocol": protocol, "engine": engine,
                       "options": option_words(options)})


def probe_command(command_id: str, target: str, ttl: int, direction: str, protocol: str,
                  options: Mapping[str, Any]) -> str:
    return json.dumps({"v": PROTOCOL_VERSION, "command": "probe", "id": command_id, "target": target,
                       "ttl": ttl, "direction": direction, "protocol": protocol,
                       "options": option_words(options)})


def cancel_command(command_id: str) -> str:
    return json.dumps({"v": PROTOCOL_VERSION, "command": "cancel", "id": command_id})


SHUTDOWN = json.dumps({"v": PROTOCOL_VERSION, "command": "shutdown"})


def prober_argv(prober: str | None, simulate: str | None, simulate_host: str | None,
                seed: int | None, speed: float | None, pps: float | None,
                max_running: int | None, geoip: str | None = None) -> list[str]:
    """The command line that starts a prober: `prober`, else $REVERSE_TRACEROUTE_PROBER, else
    reverse-traceroute-prober on the PATH. `geoip`: the GeoIP database (.mmdb) placing the hops."""
    path = prober or os.environ.get("REVERSE_TRACEROUTE_PROBER") or shutil.which(PROBER_NAME)
    if not path:
        raise ProberError(f"{PROBER_NAME} is not installed: install the reverse-traceroute package, "
                          "or give prober=PATH")
    argv = [path]
    if simulate is not None:
        argv += ["--simulate", str(simulate)]
        if simulate_host is not None:
            argv += ["--simulate-host", simulate_host]
        if seed is not None:
            argv += ["--seed", str(seed)]
        if speed is not None:
            argv += ["--speed", str(speed)]
    if pps is not None:
        argv += ["--pps", str(pps)]
    if max_running is not None:
        argv += ["--max-running", str(max_running)]
    if geoip is not None:
        argv += ["--geoip", str(geoip)]
    return argv


def parse_event(line: bytes | str) -> dict[str, Any]:
    event = json.loads(line)
    if not isinstance(event, dict) or "event" not in event:
        raise ProberError(f"the prober sent a line that is not an event: {str(line)[:80]}")
    return event


def ends_trace(event: Mapping[str, Any]) -> bool:
    """`done` ends a trace; so does an error naming it, unless it only refused a command."""
    return event.get("event") == "done" or (event.get("event") == "error" and not event.get("refused"))


def result_of(last: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """The measurement (a trace) or the hop with its measurement (a probe) from a trace's last
    event; an error raises ProberError with its sentence."""
    if last.get("event") == "error":
        raise ProberError(last.get("message", "the prober refused the command"))
    if last.get("event") != "done":
        raise ProberGone("the prober stopped before the trace was done")
    if kind == "probe":
        hop = last.get("hop") or {"replies": []}
        reached = "reached" in last["measurement"].get("outcome", {}).values()
        return {**hop, "reached": reached, "measurement": last["measurement"]}
    return dict(last["measurement"])
