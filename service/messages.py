"""WebSocket and NOTIFY messages as msgspec structs: decoding is validation.

Client messages keep a push's change sets as raw JSON, so the exact bytes the
client sent are what the database stores and what peers receive.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import msgspec

from service.utf16 import utf16_length


class Selection(msgspec.Struct, frozen=True):
    anchor: int
    head: int


class Viewport(msgspec.Struct, frozen=True):
    """The range of the document its sender has on screen (v2), so others can follow."""

    start: int = msgspec.field(name="from")
    end: int = msgspec.field(name="to")


class PushedUpdate(msgspec.Struct, rename="camel"):
    client_id: str
    changes: msgspec.Raw


class Push(msgspec.Struct, tag="push", tag_field="type"):
    version: int
    updates: list[PushedUpdate]


class PresenceRequest(msgspec.Struct, tag="presence", tag_field="type"):
    selection: Selection | None = None
    name: str | None = None
    viewport: Viewport | None = None


class LanguageRequest(msgspec.Struct, tag="language", tag_field="type"):
    language: str


# A shared run (PROTOCOL.md `run`). One struct per direction rather than one per
# event: msgspec tags a union by one field (`type`), and `event` is a second.
# `__post_init__` checks that each event carries its own fields.
RunId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
RunEvent = Literal["start", "output", "end"]
RunStream = Literal["stdout", "stderr"]
RunLanguage = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9+#._-]{1,32}$")]
Whole = Annotated[int, msgspec.Meta(ge=0)]
MAX_RUN_TEXT_UNITS = 1024


class RunRequest(msgspec.Struct, tag="run", tag_field="type", rename="camel", kw_only=True):
    event: RunEvent
    run_id: RunId
    language: RunLanguage | None = None
    version: Whole | None = None
    stream: RunStream | None = None
    text: str | None = None
    status: Literal["ok", "error", "timeout", "stopped"] | None = None
    duration_ms: Whole | None = None

    def __post_init__(self) -> None:
        needs = _RUN_FIELDS[self.event]
        missing = [name for name, attr in needs if getattr(self, attr) is None]
        if missing:
            raise ValueError(f"a run {self.event} needs {' and '.join(missing)}")
        # Cheap bound first: a string of n code points has n to 2n UTF-16 units.
        if self.text is not None and len(self.text) > MAX_RUN_TEXT_UNITS // 2:
            units = utf16_length(self.text)
            if units > MAX_RUN_TEXT_UNITS:
                raise ValueError(
                    f"run output text is {units} UTF-16 units, at most {MAX_RUN_TEXT_UNITS}"
                )


_RUN_FIELDS = {
    "start": [("language", "language"), ("version", "version")],
    "output": [("stream", "stream"), ("text", "text")],
    "end": [("status", "status"), ("durationMs", "duration_ms")],
}


ClientMessage = Push | PresenceRequest | LanguageRequest | RunRequest


# Server to client. Field order is the order a person reading the wire expects.
class Peer(msgspec.Struct, rename="camel"):
    client_id: str
    name: str
    color: str
    selection: Selection | None


class Hello(
    msgspec.Struct, tag="hello", tag_field="type", rename="camel", kw_only=True, omit_defaults=True
):
    """A viewer's hello has no `roomId`, only its own `viewId`; `latestVersion`
    comes only with a catch-up (`text` null)."""

    room_id: str | None = None
    view_id: str | None = None
    client_id: str
    role: str
    version: int
    latest_version: int | None = None
    text: str | None
    language: str
    peers: list[Peer]
    viewers: int
    last_run: msgspec.Raw | None


class Update(msgspec.Struct, tag="update", tag_field="type", rename="camel"):
    version: int
    client_id: str
    changes: msgspec.Raw


class Conflict(msgspec.Struct, tag="conflict", tag_field="type"):
    version: int


class Presence(
    msgspec.Struct, tag="presence", tag_field="type", rename="camel", omit_defaults=True
):
    client_id: str
    name: str
    color: str
    selection: Selection | None
    viewport: Viewport | None = None


class Leave(msgspec.Struct, tag="leave", tag_field="type", rename="camel"):
    client_id: str


class Language(msgspec.Struct, tag="language", tag_field="type", rename="camel"):
    language: str
    client_id: str


class Error(msgspec.Struct, tag="error", tag_field="type"):
    code: str
    message: str


class Viewers(msgspec.Struct, tag="viewers", tag_field="type"):
    """How many viewer sockets the room has across all processes (v2)."""

    count: int


# What arrives on a room's NOTIFY channel. Presence and leave notes also name
# the socket they concern, and a join says when it happened, so that a client
# id that moved to another process replaces its old socket there (4409) and a
# late leave from the old socket is ignored.
class PresenceNote(
    msgspec.Struct, tag="presence", tag_field="type", rename="camel", omit_defaults=True
):
    client_id: str
    name: str
    color: str
    selection: Selection | None
    socket: str
    joined_at: int | None = None
    viewport: Viewport | None = None

    def for_clients(self) -> Presence:
        return Presence(
            client_id=self.client_id,
            name=self.name,
            color=self.color,
            selection=self.selection,
            viewport=self.viewport,
        )


class LeaveNote(msgspec.Struct, tag="leave", tag_field="type", rename="camel"):
    client_id: str
    socket: str


# An update too large for a NOTIFY payload
# comes with `truncated` set and no changes; the listener reads it from the table.
class UpdateNote(msgspec.Struct, tag="update", tag_field="type", rename="camel"):
    version: int
    client_id: str
    changes: msgspec.Raw = msgspec.Raw()
    truncated: bool = False


# A viewer socket that joined a process, named in that process's next count
# note, so that an older socket of the same client on another process is
# replaced (4409) as an editor's is by its joining presence note.
class JoinedViewer(msgspec.Struct, rename="camel"):
    client_id: str
    socket: str
    joined_at: int


# One process's own count of a room's viewer sockets (the `viewers` message
# carries the sum over processes); `process` tells the processes apart.
# `joined` lists the viewers that joined it since its previous note.
class ViewersNote(msgspec.Struct, tag="viewers", tag_field="type", omit_defaults=True):
    count: int
    process: str
    joined: list[JoinedViewer] = []


# A run message as relayed: on the bus and, without `seq`, to the room's other
# sockets. `seq` numbers a run's relayed output messages (0, 1, …) so that a
# process that read the run from the table drops the notes it already has.
class RunNote(
    msgspec.Struct, tag="run", tag_field="type", rename="camel", kw_only=True, omit_defaults=True
):
    event: RunEvent
    run_id: str
    client_id: str
    language: str | None = None
    version: int | None = None
    stream: RunStream | None = None
    text: str | None = None
    status: str | None = None
    duration_ms: int | None = None
    seq: int | None = None


Note = UpdateNote | PresenceNote | LeaveNote | Language | ViewersNote | RunNote

_client_decoder = msgspec.json.Decoder(ClientMessage)
_note_decoder = msgspec.json.Decoder(Note)
_encoder = msgspec.json.Encoder()


def decode_client_message(data: str | bytes) -> ClientMessage:
    message: ClientMessage = _client_decoder.decode(data)
    return message


def decode_note(payload: str) -> Note:
    note: Note = _note_decoder.decode(payload)
    return note


def encode(message: Any) -> str:
    return _encoder.encode(message).decode()


def loads_standard_json(text: str) -> Any:
    """`json.loads` without Python's extensions to JSON (NaN, Infinity), for the
    places that need the stdlib parser. Like msgspec, it raises RecursionError
    for JSON nested deeper than the interpreter's stack allows."""
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
