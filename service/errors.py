"""Protocol errors and close codes, named once."""

from __future__ import annotations

# WebSocket close codes (RFC 6455 and the protocol's 4xxx codes).
WS_NORMAL = 1000
WS_POLICY_VIOLATION = 1008
WS_TOO_BIG = 1009
WS_INTERNAL_ERROR = 1011
WS_SERVICE_RESTART = 1012
WS_TRY_AGAIN_LATER = 1013
WS_BAD_REQUEST = 4400
WS_FORBIDDEN_ORIGIN = 4403
WS_ROOM_NOT_FOUND = 4404
WS_REPLACED = 4409


class ProtocolError(Exception):
    """A message the server could not take; answered with an `error` message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidChanges(ProtocolError):
    def __init__(self, message: str) -> None:
        super().__init__("invalid_changes", message)


class ReadOnly(ProtocolError):
    """A viewer asked for something only an editor may do (push, language, run)."""

    def __init__(self, kind: str) -> None:
        super().__init__("read_only", f"this link only watches the room: {kind[:40]} not allowed")


class RoomNotFound(Exception):
    def __init__(self, room_id: str) -> None:
        super().__init__(f"room {room_id} does not exist")
        self.room_id = room_id
