"""Writing a message to an open socket as one prebuilt frame, beside the ASGI path.

A room sends the same message to many sockets. Through ASGI, every copy costs
a wake-up of the socket's sender task, Starlette's and uvicorn's send layers and
a frame built afresh: 20 to 25 µs a socket, about three times the 7 or 8 µs
that writing a finished frame to the transport costs (`bench/send_cost.py`).
With compression off (`__main__.py` turns permessage-deflate off), a server's
text frame is the same bytes for every socket, so it is built once per message
and written straight to each connection that can take it at once.

"At once" is narrow on purpose: uvicorn's websockets-sansio protocol, connection
open, transport not paused for flow control. Anything else (a paused transport,
a closing socket, another server or WebSocket implementation) answers False,
and the caller queues the message for the ordinary ASGI sender, which keeps
order, back-pressure and the 1013 close for slow readers.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

_TEXT = 0x81  # FIN and opcode 1 (text); a server's frames are never masked


def text_frame(message: str) -> bytes:
    payload = message.encode()
    size = len(payload)
    if size < 126:
        header = bytes((_TEXT, size))
    elif size < 1 << 16:
        header = bytes((_TEXT, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((_TEXT, 127)) + size.to_bytes(8, "big")
    return header + payload


class _LastFrame:
    """The frame of the message sent last. A broadcast hands the same string
    object to each of its sockets in turn, so an identity check finds it: one
    frame per broadcast (per fan-out slice at worst), nothing kept per message."""

    def __init__(self) -> None:
        self._message: str | None = None
        self._frame = b""

    def __call__(self, message: str) -> bytes:
        if message is not self._message:
            self._frame = text_frame(message)
            self._message = message
        return self._frame


frame_of = _LastFrame()


class DirectWire:
    """Writes frames straight to one uvicorn websockets-sansio connection."""

    __slots__ = ("_conn", "_protocol", "_writable", "_write")

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        # The parts a write looks at, fetched once: a big room writes to each
        # socket many times a second.
        self._protocol = protocol
        self._conn = protocol.conn
        self._writable = protocol.writable
        self._write = protocol.transport.write

    @classmethod
    def behind(cls, receive: Any) -> DirectWire | None:
        """The wire behind an ASGI `receive` (a bound method of uvicorn's protocol
        object), or None when the socket is served by anything else or a frame
        would need per-connection work (a negotiated extension: compression)."""
        protocol = getattr(receive, "__self__", None)
        if not isinstance(protocol, WebSocketsSansIOProtocol) or protocol.conn.extensions:
            return None
        return cls(protocol)

    def write(self, message: str) -> bool:
        """Write `message` now if the connection takes it without waiting."""
        if (
            self._conn.state is not State.OPEN
            or self._protocol.disconnected
            or not self._writable.is_set()
        ):
            return False
        self._write(frame_of(message))
        return True
