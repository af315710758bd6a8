"""Clients' frames read by service/text_frames.py, through real uvicorn, from a raw
socket that cuts the stream wherever it likes: text arrives whole and in order,
everything else still gets websockets' handling and close codes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from service.text_frames import PAUSE_AFTER, TextFrameProtocol
from tests.harness import uvicorn_serving

MAX_SIZE = 100_000
TEXT, BINARY, CONT, CLOSE, PING, PONG = 1, 2, 0, 8, 9, 10


class _Server:
    """An ASGI app that records what each socket receives."""

    def __init__(self) -> None:
        self.port = 0
        self.protocols: asyncio.Queue[TextFrameProtocol] = asyncio.Queue()
        self.events: asyncio.Queue[Any] = asyncio.Queue()
        self.reading = asyncio.Event()
        self.reading.set()

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await self.protocols.put(receive.__self__)  # type: ignore[attr-defined]
        await self.reading.wait()
        while True:
            message = await receive()
            await self.events.put(message)
            if message["type"] == "websocket.disconnect":
                return

    async def texts(self, count: int) -> list[str]:
        got = [await asyncio.wait_for(self.events.get(), 5) for _ in range(count)]
        assert all(event["type"] == "websocket.receive" for event in got), got
        return [event["text"] for event in got]


@contextlib.asynccontextmanager
async def _serving() -> AsyncIterator[_Server]:
    served = _Server()
    async with uvicorn_serving(
        served.app, ws_max_size=MAX_SIZE, ws_per_message_deflate=False
    ) as port:
        served.port = port
        yield served


class _RawClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> _RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        status = await reader.readuntil(b"\r\n\r\n")
        assert status.startswith(b"HTTP/1.1 101"), status
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def frame(self) -> tuple[int, bytes]:
        """The next frame from the server: (opcode, payload)."""
        first, second = await asyncio.wait_for(self.reader.readexactly(2), 5)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(await self.reader.readexactly(2), "big")
        elif length == 127:
            length = int.from_bytes(await self.reader.readexactly(8), "big")
        return first & 0x0F, await self.reader.readexactly(length)

    async def close_code(self) -> int:
        while True:
            opcode, payload = await self.frame()
            if opcode == CLOSE:
                return int.from_bytes(payload[:2], "big")

    def close(self) -> None:
        self.writer.close()


def client_frame(
    payload: bytes, opcode: int = TEXT, fin: bool = True, masked: bool = True, length: int = -1
) -> bytes:
    """A client's frame; `length` declares another payload length than the real one."""
    first = (0x80 if fin else 0) | opcode
    mask_bit = 0x80 if masked else 0
    size = len(payload) if length < 0 else length
    if size < 126:
        head = bytes((first, mask_bit | size))
    elif size < 1 << 16:
        head = bytes((first, mask_bit | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((first, mask_bit | 127)) + size.to_bytes(8, "big")
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def test_text_cut_at_any_byte_arrives_whole_and_in_order_with_pings_answered() -> None:
    texts = ["", "a", "x" * 125, "y" * 126, "é" * 1000, "字😀" * 50, "z" * 70_000, '{"type":"p"}']
    rng = random.Random(5)
    async with _serving() as served:
        client = await _RawClient.open(served.port)
        protocol = await served.protocols.get()
        stream = b""
        for index, text in enumerate(texts * 3):
            stream += client_frame(text.encode())
            if index % 4 == 0:
                stream += client_frame(b"p%d" % index, PING)
        pos = 0
        while pos < len(stream):  # slices of 1 to 300 bytes, each its own write
            step = rng.choice([1, 2, 3, 7, 50, 300])
            await client.send(stream[pos : pos + step])
            await asyncio.sleep(0)
            pos += step
        assert await served.texts(len(texts) * 3) == texts * 3
        pongs = [await client.frame() for _ in range(6)]
        assert pongs == [(PONG, b"p%d" % i) for i in range(0, 24, 4)]
        assert protocol._direct is True  # read here, not by websockets
        client.close()


async def test_a_fragmented_message_goes_to_websockets_and_direct_reading_goes_on() -> None:
    async with _serving() as served:
        client = await _RawClient.open(served.port)
        protocol = await served.protocols.get()
        await client.send(
            client_frame(b"ab", TEXT, fin=False)
            + client_frame(b"cd", CONT, fin=False)
            + client_frame(b"ef", CONT)
            + client_frame(b"gh")
        )
        assert await served.texts(2) == ["abcdef", "gh"]
        assert protocol._direct is True
        client.close()


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        ([client_frame(b"\xff\xfe")], 1007),  # not UTF-8
        ([client_frame(b"plain", masked=False)], 1002),  # a client must mask
        ([client_frame(b"", length=MAX_SIZE + 1)], 1009),  # over the limit: the header says so
        ([client_frame(b"ab", fin=False), client_frame(b"cd")], 1002),  # text inside a fragment
        ([client_frame(b"x", CONT)], 1002),  # a continuation of nothing
        ([bytes((0xC1, 0x80)) + os.urandom(4)], 1002),  # a reserved bit set
    ],
)
async def test_bad_frames_get_websockets_close_codes(frames: list[bytes], code: int) -> None:
    async with _serving() as served:
        client = await _RawClient.open(served.port)
        await client.send(client_frame(b"before") + b"".join(frames) + client_frame(b"after"))
        assert await served.texts(1) == ["before"]
        assert await client.close_code() == code
        event = await asyncio.wait_for(served.events.get(), 5)
        assert event["type"] == "websocket.disconnect"
        client.close()


async def test_a_client_close_reaches_the_app_and_is_answered() -> None:
    async with _serving() as served:
        client = await _RawClient.open(served.port)
        await client.send(client_frame(b"last") + client_frame((1000).to_bytes(2, "big"), CLOSE))
        assert await served.texts(1) == ["last"]
        event = await asyncio.wait_for(served.events.get(), 5)
        assert event == {"type": "websocket.disconnect", "code": 1000, "reason": ""}
        assert await client.close_code() == 1000
        client.close()


async def test_reading_pauses_while_the_app_falls_behind_and_resumes_when_it_reads() -> None:
    async with _serving() as served:
        served.reading.clear()
        client = await _RawClient.open(served.port)
        protocol = await served.protocols.get()
        await client.send(b"".join(client_frame(b"%d" % i) for i in range(PAUSE_AFTER)))
        for _ in range(100):
            if protocol.read_paused:
                break
            await asyncio.sleep(0.01)
        assert protocol.read_paused
        await client.send(client_frame(b"more"))  # waits in the kernel meanwhile
        served.reading.set()
        expected = [str(i) for i in range(PAUSE_AFTER)] + ["more"]
        assert await served.texts(PAUSE_AFTER + 1) == expected
        assert not protocol.read_paused
        client.close()
