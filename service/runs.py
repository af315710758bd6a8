"""Shared runs (PROTOCOL.md `run`): code runs in a browser, its output is relayed.

Two halves:
- `SocketRuns`, one per socket, checks the runs that its client starts (which
  runs it may send output for, the 64 KiB output limit), relays each accepted
  message through NOTIFY and keeps the room's stored last run up to date: the
  start and the end at once, the output at most once a second in between.
- `RoomRuns`, one per room this process serves, keeps the room's last run in
  memory for `hello`: read from the table when the room is loaded, then kept up
  to date from the run notes that every process hears, its own included.
The server never executes anything: a run is text that a browser reports.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec

from service import messages, run_store
from service.dbfailures import DATABASE_FAILURES
from service.errors import ProtocolError

log = logging.getLogger(__name__)

OUTPUT_LIMIT_BYTES = 64 * 1024
# Runs one socket may have going at once: each holds up to 64 KiB here.
MAX_ACTIVE_RUNS = 8
# How long the stored copy of a running run's output may lag behind the relay.
FLUSH_SECONDS = 1.0


class RunRecord:
    """One run as `hello`'s `lastRun` gives it."""

    __slots__ = (
        "client_id",
        "duration_ms",
        "gap",
        "language",
        "output",
        "run_id",
        "seq",
        "status",
        "version",
    )

    def __init__(self, run_id: str, client_id: str, language: str, version: int) -> None:
        self.run_id = run_id
        self.client_id = client_id
        self.language = language
        self.version = version
        self.status: str | None = None
        self.duration_ms: int | None = None
        self.output: list[dict[str, str]] = []
        # The `seq` of the next output message this record expects.
        self.seq = 0
        # Set when a note was missed (the room was read from the table while
        # the runner's latest output was not stored yet).
        self.gap = False

    def is_run(self, run_id: str, client_id: str) -> bool:
        return self.run_id == run_id and self.client_id == client_id

    def add_output(self, stream: str, text: str) -> None:
        if self.output and self.output[-1]["stream"] == stream:
            self.output[-1]["text"] += text
        else:
            self.output.append({"stream": stream, "text": text})

    def for_hello(self) -> dict[str, Any]:
        return {
            "runId": self.run_id,
            "clientId": self.client_id,
            "language": self.language,
            "version": self.version,
            "status": self.status,
            "durationMs": self.duration_ms,
            "output": self.output,
        }

    def stored(self, key: str) -> str:
        return messages.encode({"key": key, "seq": self.seq, "run": self.for_hello()})

    @classmethod
    def from_stored(cls, text: str) -> RunRecord:
        value = msgspec.json.decode(text)
        run = value["run"]
        record = cls(run["runId"], run["clientId"], run["language"], run["version"])
        record.status = run["status"]
        record.duration_ms = run["durationMs"]
        record.output = run["output"]
        record.seq = value["seq"]
        return record


class RoomRuns:
    """The room's last run as this process knows it."""

    def __init__(self) -> None:
        self.last: RunRecord | None = None
        self._hello: msgspec.Raw | None = None

    def load(self, stored: str | None) -> None:
        self.last = RunRecord.from_stored(stored) if stored is not None else None
        self._hello = None

    def reload(self, stored: str | None) -> None:
        """Replace the last run by the stored one, if it is still the same run."""
        if self.last is None:
            return
        record = RunRecord.from_stored(stored) if stored is not None else None
        if record is not None and record.is_run(self.last.run_id, self.last.client_id):
            self.last = record
            self._hello = None
        self.last.gap = False

    def ends_with_gap(self, note: messages.RunNote) -> bool:
        """Whether `note` ends the last run after this process missed some of its
        output (it read the room from the table while that output was not stored
        yet): the table has all of it once the run has ended."""
        last = self.last
        return (
            note.event == "end"
            and last is not None
            and last.gap
            and last.is_run(note.run_id, note.client_id)
        )

    def hello(self) -> msgspec.Raw | None:
        if self.last is None:
            return None
        if self._hello is None:
            self._hello = msgspec.Raw(messages.encode(self.last.for_hello()).encode())
        return self._hello

    def heard(self, note: messages.RunNote) -> str | None:
        """Take a run note; returns the message for the room's sockets, or None
        for output that this process read from the table already."""
        last = self.last
        ours = last is not None and last.is_run(note.run_id, note.client_id)
        if note.event == "start":
            assert note.language is not None and note.version is not None
            self.last = RunRecord(note.run_id, note.client_id, note.language, note.version)
        elif note.event == "output" and last is not None and ours:
            assert note.stream is not None and note.text is not None
            seq = note.seq if note.seq is not None else last.seq
            if seq < last.seq:
                return None
            last.gap = last.gap or seq > last.seq
            last.seq = seq + 1
            last.add_output(note.stream, note.text)
        elif note.event == "end" and last is not None and ours:
            last.status = note.status
            last.duration_ms = note.duration_ms
        self._hello = None
        note.seq = None
        return messages.encode(note)


class _ActiveRun:
    __slots__ = ("bytes", "flush", "key", "lock", "over_limit", "record", "started")

    def __init__(self, record: RunRecord) -> None:
        self.record = record
        # Which stored last run is this one (a later run's start replaces it).
        self.key = secrets.token_urlsafe(12)
        self.started = time.monotonic()
        self.bytes = 0
        self.over_limit = False
        self.flush: asyncio.Task[None] | None = None
        # One write of this run's stored state at a time, in order.
        self.lock = asyncio.Lock()


class RoomTarget:
    """Where a socket's runs go: its room's row and channel, through the pool."""

    __slots__ = ("channel", "pool", "room_id")

    def __init__(self, pool: asyncpg.Pool, room_id: str, channel: str) -> None:
        self.pool = pool
        self.room_id = room_id
        self.channel = channel


class SocketRuns:
    """The runs one socket has started and not ended."""

    def __init__(self, client_id: str, send: Callable[[str], None]) -> None:
        self.client_id = client_id
        self._send = send
        self._active: dict[str, _ActiveRun] = {}

    async def handle(self, room: RoomTarget, request: messages.RunRequest) -> None:
        match request.event:
            case "start":
                await self._start(room, request)
            case "output":
                await self._output(room, request)
            case "end":
                await self._end(room, request)

    async def _start(self, room: RoomTarget, request: messages.RunRequest) -> None:
        assert request.language is not None and request.version is not None
        if request.run_id in self._active:
            raise ProtocolError("invalid_message", f"run {request.run_id!r} has started already")
        if len(self._active) >= MAX_ACTIVE_RUNS:
            raise ProtocolError(
                "invalid_message", f"at most {MAX_ACTIVE_RUNS} runs per connection at once"
            )
        record = RunRecord(request.run_id, self.client_id, request.language, request.version)
        run = _ActiveRun(record)
        note = self._note(request, language=request.language, version=request.version)
        await _write(
            run_store.store_start(
                room.pool, room.room_id, room.channel, record.stored(run.key), note
            )
        )
        self._active[request.run_id] = run

    async def _output(self, room: RoomTarget, request: messages.RunRequest) -> None:
        assert request.stream is not None and request.text is not None
        run = self._running(request.run_id)
        if run.over_limit:
            return  # the client was told once; the rest of the output is dropped
        size = len(request.text.encode())
        if run.bytes + size > OUTPUT_LIMIT_BYTES:
            run.over_limit = True
            limit = OUTPUT_LIMIT_BYTES // 1024
            self._send(
                messages.encode(
                    messages.Error(
                        code="output_limit",
                        message=f"run {request.run_id!r} passed {limit} KiB of output; "
                        "the rest is not shared",
                    )
                )
            )
            return
        run.bytes += size
        record = run.record
        note = self._note(request, stream=request.stream, text=request.text, seq=record.seq)
        await _write(room.pool.execute("SELECT pg_notify($1, $2)", room.channel, note))
        record.add_output(request.stream, request.text)
        record.seq += 1
        if run.flush is None:
            run.flush = asyncio.create_task(self._flush_later(room, run))

    async def _end(self, room: RoomTarget, request: messages.RunRequest) -> None:
        assert request.status is not None and request.duration_ms is not None
        run = self._running(request.run_id)
        del self._active[request.run_id]
        await self._finish(room, run, request.status, request.duration_ms)

    async def interrupt(self, room: RoomTarget) -> None:
        """End every run still going: the socket closed under them."""
        runs, self._active = list(self._active.items()), {}
        for run_id, run in runs:
            elapsed = int((time.monotonic() - run.started) * 1000)
            try:
                await self._finish(room, run, "interrupted", elapsed)
            except ProtocolError as exc:
                log.warning(
                    "run %s of %s: could not record its interruption: %s",
                    run_id,
                    self.client_id,
                    exc,
                )

    async def _finish(
        self, room: RoomTarget, run: _ActiveRun, status: str, duration_ms: int
    ) -> None:
        if run.flush is not None:
            run.flush.cancel()
            run.flush = None
        record = run.record
        record.status = status
        record.duration_ms = duration_ms
        note = messages.encode(
            messages.RunNote(
                event="end",
                run_id=record.run_id,
                client_id=self.client_id,
                status=status,
                duration_ms=duration_ms,
            )
        )
        async with run.lock:
            await _write(
                run_store.store_progress(
                    room.pool, room.room_id, run.key, record.stored(run.key), note, room.channel
                )
            )

    def _running(self, run_id: str) -> _ActiveRun:
        run = self._active.get(run_id)
        if run is None:
            raise ProtocolError(
                "invalid_message",
                f"run {run_id!r} was not started on this connection, or has ended",
            )
        return run

    def _note(self, request: messages.RunRequest, **fields: Any) -> str:
        return messages.encode(
            messages.RunNote(
                event=request.event, run_id=request.run_id, client_id=self.client_id, **fields
            )
        )

    async def _flush_later(self, room: RoomTarget, run: _ActiveRun) -> None:
        await asyncio.sleep(FLUSH_SECONDS)
        run.flush = None
        async with run.lock:
            stored = run.record.stored(run.key)
            try:
                await run_store.store_progress(
                    room.pool, room.room_id, run.key, stored, None, room.channel
                )
            except DATABASE_FAILURES as exc:
                # The next flush or the end writes the whole run again.
                log.warning("room %s: could not store run output: %s", room.room_id, exc)


async def _write(operation: Awaitable[object]) -> None:
    try:
        await operation
    except DATABASE_FAILURES as exc:
        raise ProtocolError("unavailable", f"could not share the run: {exc}") from None
