"""What one WebSocket send costs the server, per socket, layer by layer.

A uvicorn server runs in this process, with the service's WebSocket settings
and a Starlette app that only accepts sockets; a load-generator process opens
`count` sockets to it and drains them. Then one message (an `update` of
typical size) goes to every socket, many times over, by each of these paths,
and the server's CPU time per socket is reported (median over rounds):

- `pairpad`: what a room does: `Session.send` on every session, which writes
  the message's frame (built once, `service/wire.py`) straight to each socket;
- `queued`: what a room did before that, and still does for a paused socket:
  `Session.send` queues, each session's own sender task (as in `ws.py`) wakes
  up and calls `send_text`;
- `starlette`: `await websocket.send_text(message)` in one loop;
- `starlette_send`: the `send` Starlette's WebSocket holds, in one loop: its
  state checks skipped, its exception-handling wrapper (a coroutine per send) kept;
- `uvicorn`: the ASGI `send` of uvicorn's protocol object, in one loop (all of
  Starlette skipped);
- `websockets`: the protocol's own `send_text` and `data_to_send`, then
  `transport.write` (uvicorn's ASGI layer skipped, the frame still built per socket);
- `write`: `transport.write` of one frame built once: the floor, a syscall.

The differences between neighbours are what each layer costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from typing import Any

import msgspec
import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from bench.common import Json, Worker, child_main, recv_from_parent
from service import messages
from service.config import Settings
from service.embedded import free_port
from service.roles import EDITOR, RoomRef
from service.session import Close, Session
from service.wire import DirectWire, text_frame

MESSAGE = messages.encode(
    messages.Update(
        version=1234,
        client_id="Zq3v9mN2xA7bK1cD",
        changes=msgspec.Raw(b'[4187, [0, "x"], 912]'),
    )
)


def drain_main(spec: Json, conn: Any) -> None:
    child_main(spec, conn, _drain)


async def _drain(spec: Json, conn: Any) -> None:
    """Open `count` sockets and read whatever comes until told to close."""
    import websockets

    sockets = [
        await websockets.connect(spec["url"], compression=None, ping_interval=None, max_size=None)
        for _ in range(spec["count"])
    ]

    async def read(socket: Any) -> None:
        with contextlib.suppress(Exception):
            async for _ in socket:
                pass

    readers = [asyncio.create_task(read(s)) for s in sockets]
    conn.send(("ready", len(sockets)))
    await recv_from_parent(conn)
    for socket in sockets:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(socket.close(), 2)
    for reader in readers:
        reader.cancel()
    conn.send(("result", None))


async def measure(count: int, rounds: int, port: int, conn: Any) -> Json:
    """Serve on `port`, say so, wait for `count` sockets, time every path."""
    sockets: list[WebSocket] = []
    opened = asyncio.Event()
    hold = asyncio.Event()

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        sockets.append(websocket)
        if len(sockets) == count:
            opened.set()
        await hold.wait()

    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)])
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws=Settings(database_url="unused").uvicorn_ws,
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    conn.send(("listening", None))
    try:
        await asyncio.wait_for(opened.wait(), 120)
        result = await _time_paths(sockets, rounds)
        result["ws_protocol"] = type(_protocol(sockets[0])).__name__
    finally:
        hold.set()
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(serving, 10)
    result.update(sockets=count, rounds=rounds, message_bytes=len(MESSAGE.encode()))
    return result


def _protocol(websocket: WebSocket) -> Any:
    """The uvicorn protocol object behind a Starlette WebSocket: the owner of the
    ASGI `send` that Starlette's wrappers (closures) eventually call."""
    seen = 0
    todo: list[Any] = [websocket._send]
    while todo and seen < 20:
        fn = todo.pop()
        seen += 1
        owner = getattr(fn, "__self__", None)
        if owner is not None and hasattr(owner, "transport"):
            return owner
        for cell in getattr(fn, "__closure__", None) or ():
            with contextlib.suppress(ValueError):
                if callable(cell.cell_contents):
                    todo.append(cell.cell_contents)
    return None


async def _time_paths(sockets: list[WebSocket], rounds: int) -> Json:
    protocols = [_protocol(ws) for ws in sockets]
    direct = all(p is not None and hasattr(p, "conn") and hasattr(p, "send") for p in protocols)
    frame = text_frame(MESSAGE)
    event = {"type": "websocket.send", "text": MESSAGE}
    settings = Settings(database_url="unused")
    ref = RoomRef("unused-room", "unused-view", EDITOR)
    sessions = [Session(f"c{i}", None, settings, ref) for i in range(len(sockets))]
    wired = [Session(f"w{i}", None, settings, ref) for i in range(len(sockets))]
    for session, protocol in zip(wired, protocols, strict=True):
        session.wire = DirectWire(protocol) if direct else None
    done = asyncio.Event()
    remaining = [0]

    async def sender(session: Session, websocket: WebSocket) -> None:
        # As ws.py's sender: wait for the session's next message, send it.
        while True:
            item = await session.next_outgoing()
            if isinstance(item, Close):
                return
            await websocket.send_text(item)
            remaining[0] -= 1
            if remaining[0] == 0:
                done.set()

    senders = [asyncio.create_task(sender(s, ws)) for s, ws in zip(sessions, sockets, strict=True)]

    async def pairpad() -> None:
        for session in wired:
            session.send(MESSAGE)

    async def queued() -> None:
        done.clear()
        remaining[0] = len(sessions)
        for session in sessions:
            session.send(MESSAGE)
        await done.wait()

    async def starlette() -> None:
        for ws in sockets:
            await ws.send_text(MESSAGE)

    async def asgi_send() -> None:
        for ws in sockets:
            await ws._send(event)

    async def uvicorn_send() -> None:
        for p in protocols:
            await p.send(event)

    async def websockets_layer() -> None:
        for p in protocols:
            p.conn.send_text(MESSAGE.encode())
            p.transport.write(b"".join(p.conn.data_to_send()))

    async def write() -> None:
        for p in protocols:
            p.transport.write(frame)

    paths = {
        "pairpad": pairpad,
        "queued": queued,
        "starlette": starlette,
        "starlette_send": asgi_send,
    }
    if direct:
        paths |= {"uvicorn": uvicorn_send, "websockets": websockets_layer, "write": write}
    timings: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            await asyncio.sleep(0.02)  # let the kernel and the readers drain
            # CPU time of this thread, not wall time: what the send costs the server,
            # unblurred by other processes taking turns on a shared machine.
            started = time.thread_time()
            await path()
            timings[name].append(time.thread_time() - started)
    for session in sessions:
        session.close(1000, "done")
    await asyncio.gather(*senders, return_exceptions=True)
    n = len(sockets)
    per_socket = {name: round(statistics.median(t) / n * 1e6, 2) for name, t in timings.items()}
    return {
        "us_per_socket": per_socket,
        "ms_for_all": {name: round(statistics.median(t) * 1e3, 2) for name, t in timings.items()},
    }


def main_process(spec: Json, conn: Any) -> None:
    child_main(spec, conn, _measure_child)


async def _measure_child(spec: Json, conn: Any) -> None:
    conn.send(("result", await measure(spec["count"], spec["rounds"], spec["port"], conn)))


async def run(count: int, rounds: int) -> Json:
    """The server side in a process of its own, the sockets' readers in another."""
    port = free_port()
    server = Worker(main_process, {"count": count, "rounds": rounds, "port": port})
    drainer: Worker | None = None
    try:
        await server.expect("listening", 60)
        drainer = Worker(drain_main, {"url": f"ws://127.0.0.1:{port}/ws", "count": count})
        await drainer.expect("ready", 120)
        result: Json = await server.expect("result", 300)
        drainer.send("close", None)
        await drainer.expect("result", 30)
    finally:
        server.stop()
        if drainer is not None:
            drainer.stop()
    return result


if __name__ == "__main__":
    import json
    import sys

    sockets_wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(json.dumps(asyncio.run(run(sockets_wanted, 30)), indent=2))
