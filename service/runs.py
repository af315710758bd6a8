"""Shared runs (PROTOCOL.md `run`): code runs in a browser, its output is relayed.

Two halves:
- `SocketRuns`, one per socket, checks the runs that its client starts (which
  runs it may send output for, the 64 KiB output limit) and stores each accepted
  message in the statement that relays it through NOTIFY (`run_store`).
- `RoomRuns`, one per room this process serves, keeps the room's last run in
  memory for `hello`: read from the table when the room is loaded, then kept up
  to date from the run notes that every process hears, its own included.
The server never executes anything: a run is text that a browser reports.
"""

from __future__ import annotations

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


class RunRecord:
    """One run as `hello`'s `lastRun` gives it."""

    __slots__ = (
        "client_id",
        "duration_ms",
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
        """For `rooms.last_run`: the run without its output, which has its own rows."""
        return messages.encode({"key": key, "run": {**self.for_hello(), "output": []}})

    @classmethod
    def from_stored(cls, stored: str, output: str) -> RunRecord:
        """From `run_store.load_last_run`'s two JSON texts."""
        value = msgspec.json.decode(stored)
        run = value["run"]
        record = cls(run["runId"], run["clientId"], run["language"], run["version"])
        record.status = run["status"]
        record.duration_ms = run["durationMs"]
        rows = msgspec.json.decode(output)
        for seq, piece in rows:
            record.add_output(piece["stream"], piece["text"])
            record.seq = seq + 1
        if not rows:
            # Stored before run_output existed, the output was part of the run.
            record.output = run.get("output", [])
            record.seq = value.get("seq", 0)
        return record


class RoomRuns:
    """The room's last run as this process knows it."""

    def __init__(self) -> None:
        self.last: RunRecord | None = None
        self._hello: msgspec.Raw | None = None

    def load(self, stored: tuple[str, str] | None) -> None:
        """Take the room's last run from the table (`run_store.load_last_run`)."""
        self.last = RunRecord.from_stored(*stored) if stored is not None else None
        self._hello = None

    def hello(self) -> msgspec.Raw | None:
        if self.last is None:
            return None
        if self._hello is None:
            self._hello = msgspec.Raw(messages.encode(self.last.for_hello()).encode())
        return self._hello

    def heard(self, note: messages.RunNote) -> str | None:
        """Take a run note; returns the message for the room's sockets, or None
        for output that this process read from the table already (it listened
        before it read, so the notes of the rows it read may follow)."""
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
            last.seq = seq + 1
            last.add_output(note.stream, note.text)
        elif note.event == "end" and last is not None and ours:
            last.status = note.status
            last.duration_ms = note.duration_ms
        self._hello = None
        note.seq = None
        return messages.encode(note)


class _ActiveRun:
    __slots__ = ("bytes", "key", "over_limit", "record", "started")

    def __init__(self, record: RunRecord) -> None:
        self.record = record
        # Which stored last run is this one (a later run's start replaces it).
        self.key = secrets.token_urlsafe(12)
        self.started = time.monotonic()
        self.bytes = 0
        self.over_limit = False


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
                room.pool, room.room_id, room.channel, run.key, record.stored(run.key), note
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
        piece = messages.encode({"stream": request.stream, "text": request.text})
        await _write(
            run_store.store_output(
                room.pool, room.room_id, run.key, record.seq, piece, room.channel, note
            )
        )
        # The output itself is the table's and the rooms' to keep (`RoomRuns`).
        record.seq += 1

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
        await _write(
            run_store.store_end(
                room.pool, room.room_id, run.key, record.stored(run.key), room.channel, note
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


async def _write(operation: Awaitable[object]) -> None:
    try:
        await operation
    except DATABASE_FAILURES as exc:
        raise ProtocolError("unavailable", f"could not share the run: {exc}") from None
