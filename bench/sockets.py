"""Load generator for scenario 6: many idle sockets, and one update fanned out to many.

`idle`: open `count` sockets to one server over the given rooms, drain whatever
arrives (presence and leave messages), report when connected and quiet, hold the
sockets until told to close.

`fanout`: open receivers in one room; on `go`, the process holding the pusher
sends `updates` pushes, one every `interval` seconds, each after the previous one
is confirmed. Every receiver stamps the arrival of every update; the orchestrator
turns (send time, arrival times) into "time to deliver to all".
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from bench.common import (
    Json,
    child_main,
    close_socket_and_reader,
    now,
    open_room_socket,
    recv_from_parent,
    sleep_until,
)


def main(spec: Json, conn: Any) -> None:
    child_main(spec, conn, run)


class Socket:
    def __init__(self, url: str, client_id: str) -> None:
        self.url = url
        self.client_id = client_id
        self.socket: ClientConnection | None = None
        self.frames = 0
        self.last_frame = now()
        self.arrivals: dict[int, float] = {}
        self.version = 0
        self.length = 0
        self.confirmed = asyncio.Event()
        self.closed_with: int | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.socket, hello = await open_room_socket(self.url + f"?clientId={self.client_id}", 120)
        self.version = hello["version"]
        self.length = len(hello["text"])
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.socket is not None
        try:
            async for frame in self.socket:
                t = now()
                self.frames += 1
                self.last_frame = t
                # Cheap check before parsing: presence storms are most of the traffic.
                if isinstance(frame, str) and frame.startswith('{"type":"update"'):
                    message = json.loads(frame)
                    self.arrivals[message["version"]] = t
                    self.version = message["version"]
                    self.length += 1
                    if message["clientId"] == self.client_id:
                        self.confirmed.set()
        except websockets.ConnectionClosed as closed:
            self.closed_with = closed.rcvd.code if closed.rcvd else -1

    async def close(self) -> None:
        await close_socket_and_reader(self.socket, self.reader)


async def _quiet(sockets: list[Socket], quiet_for: float, limit: float) -> float:
    """Wait until no socket has received anything for `quiet_for` seconds."""
    started = now()
    while now() - started < limit:
        last = max((s.last_frame for s in sockets), default=0.0)
        if now() - last >= quiet_for:
            break
        await asyncio.sleep(0.1)
    return now() - started


async def run(spec: Json, conn: Any) -> None:
    tag: str = spec["tag"]
    sockets = [
        Socket(f"{server}/ws/{room}", f"{tag}{i}")
        for i, (server, room) in enumerate(spec["targets"])
    ]
    gate = asyncio.Semaphore(spec.get("connect_concurrency", 64))
    failures: list[str] = []
    retries = [0]

    async def open_one(s: Socket) -> None:
        async with gate:
            for attempt in range(3):
                try:
                    await s.open()
                    return
                except Exception as exc:
                    if attempt == 2:
                        failures.append(repr(exc))
                    else:
                        retries[0] += 1
                        await asyncio.sleep(0.5)

    t0 = now()
    await asyncio.gather(*(open_one(s) for s in sockets))
    connect_seconds = now() - t0
    settle_seconds = await _quiet(sockets, spec.get("quiet_for", 1.0), spec.get("settle_limit", 60))
    frames_at_ready = sum(s.frames for s in sockets)
    conn.send(
        (
            "ready",
            {
                "opened": len(sockets) - len(failures),
                "failures": failures[:5],
                "retries": retries[0],
                "connect_seconds": connect_seconds,
                "settle_seconds": settle_seconds,
                "frames": frames_at_ready,
            },
        )
    )

    kind, go = await recv_from_parent(conn)
    assert kind == "go"
    sends: list[tuple[int, float, float]] = []  # (version, sent at, confirmed at)
    pusher_spec = spec.get("pusher")
    if pusher_spec:
        pusher = Socket(f"{pusher_spec['server']}/ws/{pusher_spec['room']}", f"{tag}pusher")
        await pusher.open()
        await asyncio.sleep(0.5)
        await sleep_until(go["t_start"])
        for i in range(pusher_spec["updates"]):
            pusher.confirmed.clear()
            version = pusher.version
            assert pusher.socket is not None
            message = {
                "type": "push",
                "version": version,
                "updates": [
                    {
                        "clientId": pusher.client_id,
                        "changes": [pusher.length, [0, "x"]] if pusher.length else [[0, "x"]],
                    }
                ],
            }
            sent_at = now()
            await pusher.socket.send(json.dumps(message))
            await asyncio.wait_for(pusher.confirmed.wait(), 30)
            sends.append((version + 1, sent_at, now()))
            await sleep_until(go["t_start"] + (i + 1) * pusher_spec["interval"])
        await pusher.close()
    else:
        await sleep_until(go["t_end"])
    if spec.get("mode") == "fanout":
        await _quiet(sockets, 1.0, 30)

    closed_by_server = [s.closed_with for s in sockets if s.closed_with is not None]
    arrivals = [s.arrivals for s in sockets] if spec.get("mode") == "fanout" else []
    result = {
        "frames": sum(s.frames for s in sockets),
        "closed_by_server": len(closed_by_server),
        "close_codes": sorted(set(closed_by_server)),
        "sends": sends,
        "arrivals": arrivals,
        "loop": spec["loop"],
    }
    kind, _ = await recv_from_parent(conn)
    assert kind == "close"
    await asyncio.gather(*(s.close() for s in sockets))
    conn.send(("result", result))
