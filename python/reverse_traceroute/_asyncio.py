# SPDX-License-Identifier: MIT
"""The prober from asyncio code: the same commands, awaited."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

from ._protocol import (SHUTDOWN, ProberError, ProberGone, cancel_command, ends_trace, new_id, parse_event,
                        probe_command, prober_argv, result_of, trace_command)

_GONE: dict[str, Any] = {"event": "gone"}


class AsyncTrace:
    """A trace (or probe) running in an AsyncProber."""

    def __init__(self, prober: "AsyncProber", command_id: str, kind: str) -> None:
        self._prober = prober
        self.id = command_id
        self.kind = kind
        self._events: "asyncio.Queue[dict[str, Any]]" = asyncio.Queue()
        self._last: dict[str, Any] | None = None

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Each event as it arrives; the last is `done` or an `error`."""
        while self._last is None:
            event = await self._events.get()
            if event is _GONE:
                self._last = {"event": "error", "message": "the prober exited before the trace was done"}
                raise ProberGone(self._last["message"])
            if ends_trace(event):
                self._last = event
            yield event

    async def result(self) -> dict[str, Any]:
        """The measurement (trace) or the hop (probe); raises ProberError when it failed."""
        async for _ in self.events():
            pass
        assert self._last is not None
        return result_of(self._last, self.kind)

    async def cancel(self) -> None:
        if self._last is None:
            await self._prober._send(cancel_command(self.id))


class AsyncProber:
    """A reverse-traceroute-prober for asyncio: `async with AsyncProber(simulate=...) as p:`
    then `await p.trace(...)`, `async for event in p.stream(...)`, or several traces at once
    with asyncio.gather."""

    def __init__(self, *, socket_path: str | None = None, prober: str | None = None,
                 simulate: str | None = None, simulate_host: str | None = None, seed: int | None = None,
                 speed: float | None = None, pps: float | None = None, max_running: int | None = None,
                 geoip: str | None = None) -> None:
        self._options = dict(socket_path=socket_path, prober=prober, simulate=simulate, simulate_host=simulate_host,
                             seed=seed, speed=speed, pps=pps, max_running=max_running, geoip=geoip)
        self._traces: dict[str, AsyncTrace] = {}
        self._process: asyncio.subprocess.Process | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self.ready: dict[str, Any] = {}

    async def open(self) -> "AsyncProber":
        socket_path = self._options["socket_path"]
        if socket_path is not None:
            try:
                self._reader, self._writer = await asyncio.open_unix_connection(socket_path)
            except OSError as error:
                raise ProberError(f"cannot reach the prober at {socket_path}: {error.strerror}") from None
        else:
            argv = prober_argv(self._options["prober"], self._options["simulate"], self._options["simulate_host"],
                               self._options["seed"], self._options["speed"], self._options["pps"],
                               self._options["max_running"], self._options["geoip"])
            self._process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True, limit=64 * 1024 * 1024)
            assert self._process.stdout and self._process.stdin
            self._reader, self._writer = self._process.stdout, self._process.stdin  # type: ignore[assignment]
        ready = await self._reader.readline()
        if not ready:
            message = "the prober exited at once"
            if self._process is not None and self._process.stderr is not None:
                text = (await self._process.stderr.read()).decode(errors="replace").strip()
                message = text.removeprefix("reverse-traceroute-prober: ") or message
            raise ProberError(message)
        self.ready = parse_event(ready)
        self._reader_task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        while line := await self._reader.readline():
            event = parse_event(line)
            trace = self._traces.get(event.get("id", ""))
            if trace is not None:
                if ends_trace(event):
                    del self._traces[trace.id]
                trace._events.put_nowait(event)
        gone, self._traces = list(self._traces.values()), {}
        for trace in gone:
            trace._events.put_nowait(_GONE)

    async def _send(self, line: str) -> None:
        try:
            self._writer.write(line.encode() + b"\n")
            await self._writer.drain()
        except (BrokenPipeError, ConnectionResetError):
            raise ProberGone("the prober has exited") from None

    async def _start(self, command_id: str, kind: str, line: str) -> AsyncTrace:
        trace = AsyncTrace(self, command_id, kind)
        self._traces[command_id] = trace
        await self._send(line)
        return trace

    async def start(self, target: str, direction: str = "two-way", protocol: str = "udp",
                    engine: str = "singlepath", **options: Any) -> AsyncTrace:
        command_id = new_id()
        return await self._start(command_id, "trace",
                                 trace_command(command_id, target, direction, protocol, engine, options))

    async def trace(self, target: str, direction: str = "two-way", protocol: str = "udp",
                    engine: str = "singlepath", **options: Any) -> dict[str, Any]:
        """Runs a trace to its end: the measurement as the client stores it."""
        return await (await self.start(target, direction, protocol, engine, **options)).result()

    async def stream(self, target: str, direction: str = "two-way", protocol: str = "udp",
                     engine: str = "singlepath", **options: Any) -> AsyncIterator[dict[str, Any]]:
        """A trace's events as they come; leaving the loop early cancels the trace."""
        trace = await self.start(target, direction, protocol, engine, **options)
        try:
            async for event in trace.events():
                yield event
        finally:
            if trace._last is None:
                await trace.cancel()

    async def probe(self, target: str, ttl: int, protocol: str = "udp", direction: str = "forward",
                    **options: Any) -> dict[str, Any]:
        """One probe at one TTL over one flow: {ttl, flow, replies, reached, measurement}."""
        command_id = new_id()
        trace = await self._start(command_id, "probe",
                                  probe_command(command_id, target, ttl, direction, protocol, options))
        return await trace.result()

    async def close(self) -> None:
        """Shuts a prober started here down; from a shared one's socket, hangs up."""
        if self._process is not None:
            try:
                await self._send(SHUTDOWN)
            except ProberGone:
                pass
        else:
            self._writer.close()
        if self._reader_task is not None:
            await self._reader_task
        self._writer.close()
        if self._process is not None:
            await self._process.wait()

    async def __aenter__(self) -> "AsyncProber":
        return await self.open()

    async def __aexit__(self, *_: object) -> None:
        await self.close()
