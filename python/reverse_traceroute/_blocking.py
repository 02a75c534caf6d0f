# SPDX-License-Identifier: MIT
"""The prober from ordinary (threaded) Python code."""

from __future__ import annotations

import queue
import socket
import subprocess
import threading
from typing import Any, Iterator

from ._protocol import (SHUTDOWN, ProberError, ProberGone, cancel_command, ends_trace, new_id, parse_event,
                        probe_command, prober_argv, result_of, trace_command)

_GONE = {"event": "gone"}


class Trace:
    """A trace (or probe) the prober is running: its events as they come, its result, a cancel."""

    def __init__(self, prober: "Prober", command_id: str, kind: str) -> None:
        self._prober = prober
        self.id = command_id
        self.kind = kind
        self._events: "queue.Queue[dict[str, Any]]" = queue.Queue()
        self._last: dict[str, Any] | None = None

    def events(self) -> Iterator[dict[str, Any]]:
        """Each event of this trace as it arrives (hop, vertex, end, ...); the last is `done`
        (the measurement) or an `error`."""
        while self._last is None:
            event = self._events.get()
            if event is _GONE:
                self._last = {"event": "error", "message": "the prober exited before the trace was done"}
                raise ProberGone(self._last["message"])
            if ends_trace(event):
                self._last = event
            yield event

    def result(self) -> dict[str, Any]:
        """Waits for the end: the measurement (docs/measurement.schema.json) for a trace, the hop
        for a probe. Raises ProberError with the prober's sentence when it failed."""
        for _ in self.events():
            pass
        assert self._last is not None
        return result_of(self._last, self.kind)

    def cancel(self) -> None:
        """Stops the trace; result() then gives what it found so far (outcome "interrupted")."""
        if self._last is None:
            self._prober._send(cancel_command(self.id))

    def _deliver(self, event: dict[str, Any]) -> None:
        self._events.put(event)


class Prober:
    """A reverse-traceroute-prober: started here (stdin/stdout), or a running one reached through
    its Unix socket (`socket_path`). With `simulate=TOPOLOGY` it probes a simulated network and
    needs no privileges. Many traces may run at once; use it as a context manager or close()."""

    def __init__(self, *, socket_path: str | None = None, prober: str | None = None,
                 simulate: str | None = None, simulate_host: str | None = None, seed: int | None = None,
                 speed: float | None = None, pps: float | None = None, max_running: int | None = None,
                 geoip: str | None = None) -> None:
        self._traces: dict[str, Trace] = {}
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        self._closed = False
        if socket_path is not None:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self._socket.connect(socket_path)
            except OSError as error:
                raise ProberError(f"cannot reach the prober at {socket_path}: {error.strerror}") from None
            self._input = self._socket.makefile("rb")
            self._output = self._socket.makefile("wb")
        else:
            argv = prober_argv(prober, simulate, simulate_host, seed, speed, pps, max_running, geoip)
            # Its own session: Ctrl-C in a terminal or notebook reaches Python, which cancels.
            self._process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, start_new_session=True)
            assert self._process.stdin and self._process.stdout
            self._input = self._process.stdout
            self._output = self._process.stdin
        ready = self._input.readline()
        if not ready:
            raise ProberError(self._stderr_sentence() or "the prober exited at once")
        self.ready = parse_event(ready)
        self._reader = threading.Thread(target=self._read, name="reverse-traceroute-prober", daemon=True)
        self._reader.start()

    def _stderr_sentence(self) -> str:
        if self._process is None or self._process.stderr is None:
            return ""
        self._process.wait()
        text = self._process.stderr.read().decode(errors="replace").strip()
        prefix = "reverse-traceroute-prober: "
        return text[len(prefix):] if text.startswith(prefix) else text

    def _read(self) -> None:
        for line in self._input:
            event = parse_event(line)
            with self._lock:
                trace = self._traces.get(event.get("id", ""))
                if trace is not None and ends_trace(event):
                    del self._traces[trace.id]
            if trace is not None:
                trace._deliver(event)
        with self._lock:
            gone, self._traces = list(self._traces.values()), {}
        for trace in gone:
            trace._deliver(_GONE)

    def _send(self, line: str) -> None:
        try:
            self._output.write(line.encode() + b"\n")
            self._output.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise ProberGone("the prober has exited") from None

    def _start(self, command_id: str, kind: str, line: str) -> Trace:
        trace = Trace(self, command_id, kind)
        with self._lock:
            if self._closed:
                raise ProberGone("the prober is closed")
            self._traces[command_id] = trace
        self._send(line)
        return trace

    def start(self, target: str, direction: str = "two-way", protocol: str = "udp", engine: str = "singlepath",
              **options: Any) -> Trace:
        """Starts a trace and returns at once; options are the client's long options with `_`
        for `-` (max_ttl=20, first_flow=33434, timeout="1,3,10")."""
        command_id = new_id()
        return self._start(command_id, "trace",
                           trace_command(command_id, target, direction, protocol, engine, options))

    def trace(self, target: str, direction: str = "two-way", protocol: str = "udp", engine: str = "singlepath",
              **options: Any) -> dict[str, Any]:
        """Runs a trace to its end: the measurement as the client stores it."""
        return self.start(target, direction, protocol, engine, **options).result()

    def stream(self, target: str, direction: str = "two-way", protocol: str = "udp", engine: str = "singlepath",
               **options: Any) -> Iterator[dict[str, Any]]:
        """A trace's events as they come; the last is `done` with the measurement. Leaving the
        loop early cancels the trace."""
        trace = self.start(target, direction, protocol, engine, **options)
        try:
            yield from trace.events()
        finally:
            if trace._last is None:
                trace.cancel()

    def start_probe(self, target: str, ttl: int, protocol: str = "udp", direction: str = "forward",
                    **options: Any) -> Trace:
        command_id = new_id()
        return self._start(command_id, "probe", probe_command(command_id, target, ttl, direction, protocol, options))

    def probe(self, target: str, ttl: int, protocol: str = "udp", direction: str = "forward",
              **options: Any) -> dict[str, Any]:
        """One probe at one TTL over one flow, as potraceroute's probe(ttl): {ttl, flow, replies:
        [{address, rtt_ms, kind} or None for silence], reached, measurement}."""
        return self.start_probe(target, ttl, protocol, direction, **options).result()

    def close(self) -> None:
        """Shuts a prober started here down (its running traces end as interrupted); from a
        shared one's socket, hangs up (this connection's traces are cancelled)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._socket is not None:
            # A shared prober goes on: hanging up cancels only this connection's traces.
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._reader.join(timeout=30)
            self._socket.close()
        else:
            try:
                self._send(SHUTDOWN)
            except ProberGone:
                pass
            self._reader.join(timeout=30)
        if self._process is not None:
            try:
                self._process.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            for stream in (self._process.stdout, self._process.stderr):
                if stream is not None:
                    stream.close()

    def __enter__(self) -> "Prober":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
