"""Frames written straight to a socket (service/wire.py): what a real client reads,
when the wire refuses and the queue takes over, and that order survives the switch."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import websockets
from starlette.types import Receive, Scope, Send

from service.config import Settings
from service.roles import EDITOR, RoomRef
from service.session import Close, Session
from service.wire import DirectWire, text_frame
from tests.harness import uvicorn_serving

Served = tuple[DirectWire | None, Any, Send]


class _Server:
    """An ASGI app that hands each socket over, and holds it until released."""

    def __init__(self) -> None:
        self.port = 0
        self.sockets: asyncio.Queue[Served] = asyncio.Queue()
        self.release = asyncio.Event()

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await self.sockets.put((DirectWire.behind(receive), receive.__self__, send))  # type: ignore[attr-defined]
        await self.release.wait()
        with contextlib.suppress(Exception):
            await send({"type": "websocket.close", "code": 1000})


@contextlib.asynccontextmanager
async def _serving(deflate: bool = False) -> AsyncIterator[_Server]:
    served = _Server()
    async with uvicorn_serving(served.app, ws_per_message_deflate=deflate) as port:
        served.port = port
        try:
            yield served
        finally:
            served.release.set()


async def test_frames_of_every_length_class_reach_a_real_client_intact() -> None:
    """7-bit, 16-bit and 64-bit lengths, multi-byte characters, one frame reused."""
    texts = ["", "x" * 125, "é" * 63, "y" * 126, "z" * 65535, "ü" * 40000, "w" * 70000]
    async with _serving() as served, websockets.connect(f"ws://127.0.0.1:{served.port}/") as ws:
        wire, _, _ = await served.sockets.get()
        assert wire is not None
        for text in texts:
            assert wire.write(text)
        assert wire.write(texts[-1])  # the same string again: the cached frame
        got = [await asyncio.wait_for(ws.recv(), 5) for _ in range(len(texts) + 1)]
    assert got == [*texts, texts[-1]]


def test_text_frame_headers() -> None:
    assert text_frame("ab") == b"\x81\x02ab"
    assert text_frame("a" * 126)[:4] == b"\x81\x7e\x00\x7e"
    assert text_frame("a" * 65536)[:10] == b"\x81\x7f" + (65536).to_bytes(8, "big")


async def test_the_wire_refuses_a_paused_or_closing_connection() -> None:
    async with _serving() as served, websockets.connect(f"ws://127.0.0.1:{served.port}/") as ws:
        wire, protocol, send = await served.sockets.get()
        assert wire is not None
        protocol.pause_writing()  # the transport's buffer is over its high-water mark
        assert not wire.write("held")
        protocol.resume_writing()
        assert wire.write("flows")
        assert await asyncio.wait_for(ws.recv(), 5) == "flows"
        await send({"type": "websocket.close", "code": 1000})
        assert not wire.write("after close")
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)


async def test_no_wire_where_frames_are_per_connection_or_not_uvicorn() -> None:
    """Compression negotiated (the client offers it by default): each socket needs
    its own frame, so the queue path serves it."""
    async with (
        _serving(deflate=True) as served,
        websockets.connect(f"ws://127.0.0.1:{served.port}/"),
    ):
        wire, _, _ = await served.sockets.get()
        assert wire is None

    async def receive() -> dict[str, Any]:
        return {}

    assert DirectWire.behind(receive) is None


class _Wire:
    def __init__(self, takes: Callable[[], bool]) -> None:
        self.takes = takes
        self.written: list[str] = []

    def write(self, message: str) -> bool:
        if not self.takes():
            return False
        self.written.append(message)
        return True


def _session() -> Session:
    return Session("c", None, Settings(database_url="unused"), RoomRef("r", "v", EDITOR))


async def test_messages_keep_their_order_across_the_wire_and_the_queue() -> None:
    """While anything queued or in flight is unsent, later messages queue behind
    it, even when the wire would take them; once the queue is empty, they go direct."""
    open_ = [False]
    session = _session()
    session.wire = wire = _Wire(lambda: open_[0])
    session.send("1")  # the wire refuses: queued
    open_[0] = True
    session.send("2")  # the wire would take it, but "1" is waiting
    assert wire.written == []
    assert await session.next_outgoing() == "1"
    assert await session.next_outgoing() == "2"
    session.in_flight = True  # the sender holds "2" and has not written it yet
    session.send("3")
    assert wire.written == []
    session.in_flight = False
    assert await session.next_outgoing() == "3"
    session.send("4")
    assert wire.written == ["4"]


async def test_a_reader_that_never_drains_is_still_closed_with_1013() -> None:
    session = _session()
    session.wire = _Wire(lambda: False)
    for i in range(session._settings.send_queue_limit + 1):
        session.send(str(i))
    closed = await session.next_outgoing()
    assert isinstance(closed, Close) and closed.code == 1013
