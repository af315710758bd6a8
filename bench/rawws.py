"""A minimal WebSocket reader for watching many sockets from one load generator.

A thousand `websockets` clients in one process cost it tens of microseconds a
frame, so in a big room the load generator, not the server, decides when a
frame is "received". This reader is an asyncio protocol that does the least a
watcher needs: the opening handshake, unmasked server frames parsed in
`data_received`, each text frame stamped on arrival and handed on only when it
is an update (its version read without parsing the JSON). It sends nothing
but pongs to the server's keepalive pings and its close frame.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from bench.common import now

_VERSION = re.compile(rb'"version"\s*:\s*(\d+)')


class RawWatcher(asyncio.Protocol):
    def __init__(self, on_update: Callable[[int, float], None] | None = None) -> None:
        self.on_update = on_update
        self.transport: asyncio.Transport | None = None
        self.hello: dict[str, Any] | None = None
        self.hello_seen = asyncio.Event()
        self.frames = 0
        self.last_frame = 0.0
        self.closed_with: int | None = None
        self.lost = asyncio.Event()
        self._buffer = bytearray()
        self._upgraded = False

    @classmethod
    async def open(
        cls, url: str, on_update: Callable[[int, float], None] | None = None, timeout: float = 60
    ) -> RawWatcher:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        loop = asyncio.get_running_loop()
        _, watcher = await asyncio.wait_for(
            loop.create_connection(lambda: cls(on_update), host, port), timeout
        )
        key = base64.b64encode(os.urandom(16)).decode()
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        assert watcher.transport is not None
        watcher.transport.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        await asyncio.wait_for(watcher.hello_seen.wait(), timeout)
        return watcher

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; they quack alike.
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closed_with is None:
            self.closed_with = -1
        self.lost.set()

    def data_received(self, data: bytes) -> None:
        t = now()
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                raise ConnectionError(f"handshake refused: {bytes(buffer[:60])!r}")
            del buffer[: end + 4]
            self._upgraded = True
        while len(buffer) >= 2:
            opcode = buffer[0] & 0x0F
            length = buffer[1] & 0x7F
            start = 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length = int.from_bytes(buffer[2:4], "big")
                start = 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length = int.from_bytes(buffer[2:10], "big")
                start = 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start : start + length])
            del buffer[: start + length]
            self._frame(opcode, payload, t)

    def _frame(self, opcode: int, payload: bytes, t: float) -> None:
        if opcode == 0x8:  # close
            self.closed_with = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if self.transport is not None:
                self.transport.close()
            return
        if opcode == 0x9:  # ping: answer, or the server's keepalive closes us
            if self.transport is not None and len(payload) < 126:
                # A masked pong with a zero mask carries the payload as it is.
                self.transport.write(bytes([0x8A, 0x80 | len(payload), 0, 0, 0, 0]) + payload)
            return
        if opcode != 0x1:
            return
        self.frames += 1
        self.last_frame = t
        if self.hello is None:
            self.hello = json.loads(payload)
            self.hello_seen.set()
        elif b'"update"' in payload[:24] and self.on_update is not None:
            match = _VERSION.search(payload, 0, 64)
            if match:
                self.on_update(int(match.group(1)), t)

    async def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        # A masked close frame, code 1000, with a zero mask.
        self.transport.write(bytes([0x88, 0x82, 0, 0, 0, 0]) + (1000).to_bytes(2, "big"))
        try:
            await asyncio.wait_for(self.lost.wait(), 2)
        except TimeoutError:
            self.transport.close()
