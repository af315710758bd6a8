"""Reading clients' text frames without websockets' parser, in uvicorn's protocol.

uvicorn's websockets-sansio protocol runs every byte a client sends through
websockets' generator-based frame parser, and pauses and resumes the socket's
reading around every message. For a keystroke's frame that was a fifth of the
CPU an edit costs the process that receives it (py-spy, `bench/edit_cost.py`).
Nearly every frame a Pairpad client sends is one small, masked, final text
frame, and those are simple to cut out of the stream.

`TextFrameProtocol` is uvicorn's protocol with that shortcut. While the
connection is open, it splits what arrives at frame boundaries. A masked, final
text frame within the size limit goes to the app's queue at once. Every other
frame (ping, pong, close, binary, fragments, anything malformed) is handed to
websockets whole, so websockets' parser always starts at a frame boundary and
keeps its own state: fragmentation, the closing handshake, and the errors and
close codes it reports. A frame that is only partly here waits for the rest.
Once anything leaves the connection state in doubt (the handshake arrived in
more than one piece, websockets is closing, a frame is over the limit), the
connection goes back to websockets for good.

Reading pauses when the app has PAUSE_AFTER messages waiting, not after each
one: that costs two `epoll_ctl` calls a message, and a session reads its queue
as fast as frames come.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

try:
    from websockets.speedups import apply_mask
except ImportError:  # a build of websockets without its C extension
    from websockets.utils import apply_mask

_FINAL_TEXT = 0x81  # FIN, no reserved bits, opcode 1 (text)
_MASKED = 0x80
PAUSE_AFTER = 8


class TextFrameProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # None until the handshake is done; then whether frames are cut here.
        self._direct: bool | None = None
        self._chunks_before_open = 0
        # The start of a frame whose end has not arrived, and the bytes it needs.
        self._partial = bytearray()
        self._needed = 0

    def data_received(self, data: bytes) -> None:
        if self._direct is None:
            if self.conn.state is State.CONNECTING:
                # uvicorn hands over the upgrade request as one chunk; a second
                # one before the handshake completes is a client sending early.
                self._chunks_before_open += 1
                super().data_received(data)
                return
            self._direct = self._chunks_before_open == 1 and not self.conn.reader.buffer
        if not self._direct:
            super().data_received(data)
            return
        if self._partial:
            self._partial += data
            if len(self._partial) < self._needed:
                return
            data = bytes(self._partial)
            self._partial.clear()
        self._cut(data)

    def _cut(self, data: bytes) -> None:
        """Deliver or hand over every whole frame in `data`; keep a partial one."""
        size = len(data)
        pos = 0
        queued = False
        limit = self.conn.max_message_size
        while pos < size:
            if self.conn.state is not State.OPEN or self.close_sent:
                self._give_up(data[pos:])
                return
            extent = _frame_extent(data, pos, size)
            if extent is None:  # not even the length is here yet: look again at any byte
                self._keep(data[pos:], 0)
                break
            head, length = extent
            if limit is not None and length > limit:
                self._give_up(data[pos:])  # websockets closes with 1009
                return
            end = pos + head + length
            if end > size:
                self._keep(data[pos:], end - pos)
                break
            if (
                data[pos] == _FINAL_TEXT
                and data[pos + 1] & _MASKED
                and self.conn.current_size is None
            ):
                mask = data[pos + head - 4 : pos + head]
                try:
                    text = apply_mask(data[pos + head : end], mask).decode()
                except UnicodeDecodeError:
                    super().data_received(data[pos:end])  # uvicorn closes with 1007
                else:
                    self.queue.put_nowait({"type": "websocket.receive", "text": text})
                    queued = True
            else:
                super().data_received(data[pos:end])
            pos = end
        if queued and not self.read_paused and self.queue.qsize() >= PAUSE_AFTER:
            self.read_paused = True
            self.transport.pause_reading()

    def _keep(self, start: bytes, needed: int) -> None:
        self._partial += start
        self._needed = needed

    def _give_up(self, rest: bytes) -> None:
        """Leave this connection's reading to websockets from here on."""
        self._direct = False
        if rest:
            super().data_received(rest)


def _frame_extent(data: bytes, pos: int, size: int) -> tuple[int, int] | None:
    """The frame at `pos`: its header's size (the mask included) and its payload's
    length, once the bytes that give the length are here."""
    if size - pos < 2:
        return None
    second = data[pos + 1]
    length = second & 0x7F
    head = 2 if length < 126 else 4 if length == 126 else 10
    if size - pos < head:
        return None
    if head > 2:  # a 16- or 64-bit length follows the first two bytes
        length = int.from_bytes(data[pos + 2 : pos + head], "big")
    return (head + 4 if second & _MASKED else head), length
