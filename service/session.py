"""One client's connection to a room, apart from any web framework.

A session turns incoming frames into room operations and sends outgoing
messages: straight to the socket when its `wire` takes them at once (see
`wire.py`), else into a queue that the transport (see `ws.py`) drains. A slow
reader's queue is bounded, and overflowing it closes the session with 1013 so
that it cannot stall its room.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from service import errors, messages, metrics
from service.config import Settings
from service.dbfailures import DATABASE_FAILURES
from service.errors import ProtocolError, ReadOnly
from service.limits import TokenBucket, WindowCounter
from service.presence import clean_name, color_for
from service.roles import RoomRef
from service.runs import RoomTarget, SocketRuns

log = logging.getLogger(__name__)


class RoomLink(Protocol):
    """What a session asks of the room it joined (`rooms.LiveRoom` provides it)."""

    async def push(self, session: Session, push: messages.Push) -> None: ...

    async def update_presence(
        self, session: Session, request: messages.PresenceRequest
    ) -> None: ...

    async def change_language(self, session: Session, language: str) -> None: ...

    @property
    def run_target(self) -> RoomTarget: ...

    # The room's current version, for a conflict answered without taking its lock.
    version: int


class _Tagged(msgspec.Struct):
    type: str = ""


_tag_decoder = msgspec.json.Decoder(_Tagged)
# What only an editor may send (PROTOCOL.md v2): a viewer gets read_only for these.
_EDITOR_MESSAGES = frozenset({"push", "language", "run"})


class Wire(Protocol):
    """Writes a message to the socket at once, or answers False (see `wire.py`)."""

    def write(self, message: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Close:
    code: int
    reason: str


class Session:
    def __init__(self, client_id: str, name: str | None, settings: Settings, ref: RoomRef) -> None:
        self.client_id = client_id
        # Which room, and whether this socket may edit it.
        self.ref = ref
        self.name = clean_name(name, client_id)
        self.color = color_for(client_id)
        self.selection: messages.Selection | None = None
        self.viewport: messages.Viewport | None = None
        self.room: RoomLink | None = None
        self.viewers_seen = -1
        self.socket_id = secrets.token_hex(6)
        self.joined_at_ms = int(time.time() * 1000)
        # Set when a newer socket with the same client id took this one's place.
        self.replaced = False
        self._settings = settings
        # Set by the transport when it can take a frame without the queue.
        self.wire: Wire | None = None
        # True while the transport's sender holds a message it took from the
        # queue and has not yet written: a direct write now would overtake it.
        self.in_flight = False
        self._outbox: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._close: Close | None = None
        self._messages = TokenBucket(settings.messages_per_second, settings.message_burst)
        self._presence = TokenBucket(settings.presence_per_second, settings.presence_per_second)
        self._errors = WindowCounter(settings.max_errors, settings.error_window_seconds)
        # The shared runs this socket has started and not ended.
        self.runs = SocketRuns(client_id, self.send)

    # Outgoing.

    def send(self, message: str) -> None:
        """Send a live message; a reader too slow to keep up is closed with 1013."""
        if self._close is not None or self._written(message):
            return
        if len(self._outbox) >= self._settings.send_queue_limit:
            metrics.SLOW_CLOSES.inc()
            self.close(errors.WS_TRY_AGAIN_LATER, "too far behind; reconnect with since")
            return
        self._outbox.append(message)
        self._wakeup.set()

    def send_unbounded(self, message: str) -> None:
        """Send part of the catch-up that a joining client asked for with `since`."""
        if self._close is not None or self._written(message):
            return
        self._outbox.append(message)
        self._wakeup.set()

    def _written(self, message: str) -> bool:
        """Straight to the socket when nothing sent before it is still waiting: the
        path of nearly every message, and of every viewer's copy in a big room."""
        wire = self.wire
        return wire is not None and not self._outbox and not self.in_flight and wire.write(message)

    def close(self, code: int, reason: str) -> None:
        if self._close is None:
            self._close = Close(code, reason)
            self._outbox.clear()
            self._wakeup.set()

    @property
    def closing(self) -> bool:
        return self._close is not None

    async def next_outgoing(self) -> str | Close:
        while True:
            if self._close is not None:
                return self._close
            if self._outbox:
                return self._outbox.popleft()
            self._wakeup.clear()
            await self._wakeup.wait()

    @property
    def watches_only(self) -> bool:
        """A viewer: counted, never announced nor listed."""
        return not self.ref.can_edit

    def presence(self) -> messages.Presence:
        return messages.Presence(
            client_id=self.client_id,
            name=self.name,
            color=self.color,
            selection=self.selection,
            viewport=self.viewport,
        )

    def presence_note(self, joining: bool = False) -> messages.PresenceNote:
        return messages.PresenceNote(
            client_id=self.client_id,
            name=self.name,
            color=self.color,
            selection=self.selection,
            socket=self.socket_id,
            joined_at=self.joined_at_ms if joining else None,
            viewport=self.viewport,
        )

    # Incoming.

    async def receive(self, frame: str | bytes) -> None:
        """Handle one frame from the client; errors are answered, never raised."""
        if not self._messages.take():
            if not self.closing:
                log.info(
                    "client %s: message flood, closing",
                    self.client_id,
                    extra={
                        "event": "flood",
                        "client": self.client_id,
                        "code": errors.WS_POLICY_VIOLATION,
                    },
                )
            self._close_flooded("messages", "rate limit exceeded")
            return
        try:
            await self._dispatch(frame)
        except ReadOnly as exc:
            # A viewer pressing a key is not a broken client: never closes the socket.
            metrics.REJECTED.labels(exc.code).inc()
            self.send(messages.encode(messages.Error(code=exc.code, message=exc.message)))
        except ProtocolError as exc:
            self.report(exc)
        except DATABASE_FAILURES as exc:
            # Whatever this message was, the client must resynchronise with `since`.
            log.warning("client %s: database failed: %s", self.client_id, exc)
            self.close(errors.WS_INTERNAL_ERROR, "database unavailable")

    def report(self, exc: ProtocolError) -> None:
        log.info(
            "client %s: %s",
            self.client_id,
            exc,
            extra={"event": "rejected", "client": self.client_id, "code": exc.code},
        )
        metrics.REJECTED.labels(exc.code).inc()
        self.send(messages.encode(messages.Error(code=exc.code, message=exc.message)))
        if self._errors.add():
            self._close_flooded("errors", "too many protocol errors")

    def _close_flooded(self, limit: str, reason: str) -> None:
        """Close with 1008 for a flood, counted once however many frames follow."""
        if not self.closing:
            metrics.RATE_LIMITED.labels(limit).inc()
        self.close(errors.WS_POLICY_VIOLATION, reason)

    async def _dispatch(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            raise ProtocolError("invalid_message", "messages are JSON in text frames")
        try:
            if self.watches_only:
                self._check_viewer_may_send(frame)
            message = messages.decode_client_message(frame)
        except msgspec.ValidationError as exc:
            raise ProtocolError("invalid_message", str(exc)) from None
        except msgspec.DecodeError as exc:
            self._undecodable(frame, exc)
            return
        except RecursionError:
            raise ProtocolError("malformed_json", "JSON nested too deeply") from None
        room = self.room
        assert room is not None
        match message:
            case messages.Push():
                await room.push(self, message)
            case messages.PresenceRequest():
                if self._presence.take():
                    await room.update_presence(self, message)
            case messages.LanguageRequest():
                await room.change_language(self, message.language)
            case messages.RunRequest():
                await self.runs.handle(room.run_target, message)

    def _undecodable(self, frame: str, exc: msgspec.DecodeError) -> None:
        """Answer a frame that msgspec could not decode, or raise what is wrong with it.
        JSON may escape a lone surrogate (`"\\ud800"`), which msgspec refuses: such a
        frame is valid JSON whose text is not well-formed UTF-16, and the answer
        says so. A push is answered as any push would be: `conflict` when its
        version is not current, else `invalid_changes` when a change set inserts
        the lone surrogate (PROTOCOL.md), `invalid_message` when another field holds it."""
        value = _json_with_lone_surrogate(frame)
        if value is None:
            raise ProtocolError("malformed_json", f"not valid JSON: {exc}")
        kind = value.get("type") if isinstance(value, dict) else None
        if self.watches_only and kind in _EDITOR_MESSAGES:
            raise ReadOnly(str(kind))
        if kind != "push" or type(value.get("version")) is not int:
            raise ProtocolError("invalid_message", "a string holds a lone surrogate")
        room = self.room
        assert room is not None
        if value["version"] != room.version:
            metrics.CONFLICTS.inc()
            self.send(messages.encode(messages.Conflict(version=room.version)))
            return
        updates = value.get("updates")
        changes = (
            [u.get("changes") for u in updates if isinstance(u, dict)]
            if isinstance(updates, list)
            else []
        )
        if any(_holds_lone_surrogate(c) for c in changes):
            raise ProtocolError(
                "invalid_changes", "a change set inserts a lone surrogate (not well-formed UTF-16)"
            )
        raise ProtocolError("invalid_message", "a string holds a lone surrogate")

    def _check_viewer_may_send(self, frame: str) -> None:
        """A viewer's push, language or run is read_only, before its body is even
        looked at."""
        try:
            kind = _tag_decoder.decode(frame).type
        except (msgspec.ValidationError, msgspec.DecodeError):
            return  # not an object with a string type: the full decode says what is wrong
        if kind in _EDITOR_MESSAGES:
            raise ReadOnly(kind)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _json_with_lone_surrogate(frame: str) -> Any:
    """The frame's JSON value when it is valid JSON holding a lone surrogate (the
    one thing JSON allows that msgspec refuses), else None. The stdlib parser
    takes about twice msgspec's time (25 ms for an 8 MiB frame), paid only by
    frames that msgspec refused and that hold such an escape."""
    if not _SURROGATE_ESCAPE.search(frame):
        return None
    try:
        value = messages.loads_standard_json(frame)
    except (ValueError, RecursionError):
        return None
    return value if _holds_lone_surrogate(value) else None


def _holds_lone_surrogate(value: object) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
    return False
