# SPDX-License-Identifier: MIT
"""Traces from a program: reverse-traceroute's prober service from Python.

The prober (reverse-traceroute-prober) holds the cap_net_raw capability, so Python needs
none. Quick use, one prober started for the process::

    import reverse_traceroute as rt
    measurement = rt.trace("198.18.6.2", direction="two-way", protocol="udp")
    hop = rt.probe("198.18.6.2", ttl=3)

Several traces at once, events as they come, or a simulated network (no privileges at all)::

    with rt.Prober(simulate="diamond.topo") as prober:
        for event in prober.stream("server", engine="multipath"):
            print(event)

asyncio: rt.AsyncProber, the same methods awaited. docs/prober.md has the protocol underneath.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from ._asyncio import AsyncProber, AsyncTrace
from ._blocking import Prober, Trace
from ._protocol import PROTOCOL_VERSION, ProberError, ProberGone

__all__ = ["AsyncProber", "AsyncTrace", "Prober", "ProberError", "ProberGone", "Trace", "PROTOCOL_VERSION",
           "trace", "probe"]

_shared: Prober | None = None
_shared_lock = threading.Lock()


def _prober() -> Prober:
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Prober()
            atexit.register(_shared.close)
        return _shared


def trace(target: str, direction: str = "two-way", protocol: str = "udp", engine: str = "singlepath",
          **options: Any) -> dict[str, Any]:
    """Traces `target` and returns the measurement (the client's stored JSON, as --json prints
    it). Options are the client's long options with `_` for `-`: max_ttl=20, first_ttl=2,
    probes=1, confidence=0.01, deadline=30. Raises ProberError with the client's sentence."""
    return _prober().trace(target, direction, protocol, engine, **options)


def probe(target: str, ttl: int, protocol: str = "udp", direction: str = "forward",
          **options: Any) -> dict[str, Any]:
    """Sends one probe toward `target` with this TTL: {ttl, flow, replies: [{address, rtt_ms,
    kind} or None], reached, measurement}."""
    return _prober().probe(target, ttl, protocol, direction, **options)
