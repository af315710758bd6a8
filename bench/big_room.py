"""Load generators for scenario 6's big room: 2 editors and many viewers, two processes.

`viewers`: on `join` (at a given instant) open every viewer socket of the spec
at once, stamp each socket's hello and count every frame it gets; report when
the room is quiet. Then stamp every `update` that arrives until `close`. The
viewers are read by `rawws.RawWatcher`, so that a thousand of them cost the
load generator little next to what they cost the server.

`editors`: one editor on each server. `type`: the two take turns typing one
character, one edit in flight, and each edit is timed from its send to its
arrival at the other editor (edit-to-peer). `fanout`: the first editor sends
`updates` single-character edits spaced `interval` apart, for the viewers to
stamp.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

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
from bench.rawws import RawWatcher


def _is_update(frame: object) -> bool:
    # Cheap, before parsing: a frame relayed from a NOTIFY is the trigger's
    # json_build_object text, `{"type" : "update", …`, with spaces.
    return isinstance(frame, str) and '"update"' in frame[:24]


def viewers_main(spec: Json, conn: Any) -> None:
    child_main(spec, conn, run_viewers)


def editors_main(spec: Json, conn: Any) -> None:
    child_main(spec, conn, run_editors)


class Watcher:
    """One viewer socket, read by the lightweight `RawWatcher`: counts frames,
    stamps updates."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.raw: RawWatcher | None = None
        self.hello_at = 0.0
        self.arrivals: dict[int, float] = {}

    async def open(self) -> None:
        self.raw = await RawWatcher.open(self.url, self.arrivals.__setitem__, 120)
        self.hello_at = self.raw.last_frame
        assert self.raw.hello is not None
        if "roomId" in self.raw.hello:
            raise RuntimeError("a viewer's hello carries the room id")

    @property
    def frames(self) -> int:
        return self.raw.frames if self.raw else 0

    @property
    def last_frame(self) -> float:
        return self.raw.last_frame if self.raw else 0.0

    @property
    def closed_with(self) -> int | None:
        return self.raw.closed_with if self.raw else None

    async def close(self) -> None:
        if self.raw is not None:
            await self.raw.close()


async def run_viewers(spec: Json, conn: Any) -> None:
    watchers = [Watcher(url) for url in spec["urls"]]
    conn.send(("ready", {"sockets": len(watchers)}))
    kind, go = await recv_from_parent(conn)
    assert kind == "join"
    await sleep_until(go["t_join"])
    gate = asyncio.Semaphore(spec.get("connect_concurrency", 200))
    failures: list[str] = []

    async def open_one(w: Watcher) -> None:
        async with gate:
            try:
                await w.open()
            except Exception as exc:
                failures.append(repr(exc))

    await asyncio.gather(*(open_one(w) for w in watchers))
    # The join is over when no viewer has heard anything for `quiet_for` seconds.
    while now() - max(w.last_frame for w in watchers) < spec["quiet_for"]:
        await asyncio.sleep(0.05)
    frames = sorted(w.frames for w in watchers)
    conn.send(
        (
            "joined",
            {
                "opened": len(watchers) - len(failures),
                "failures": failures[:3],
                "last_hello": max(w.hello_at for w in watchers),
                "frames": frames,
                "closed_by_server": sum(w.closed_with is not None for w in watchers),
            },
        )
    )
    kind, _ = await recv_from_parent(conn)
    assert kind == "close"
    arrivals = [w.arrivals for w in watchers]
    closed = [w.closed_with for w in watchers if w.closed_with is not None]
    await asyncio.gather(*(w.close() for w in watchers))
    conn.send(("result", {"arrivals": arrivals, "close_codes": sorted(set(closed))}))


class Typist:
    def __init__(self, url: str, client_id: str) -> None:
        self.url = f"{url}?clientId={client_id}"
        self.client_id = client_id
        self.socket: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.version = 0
        self.length = 0
        self.arrived: dict[int, float] = {}
        self.changed = asyncio.Event()
        self.errors = 0

    async def open(self) -> None:
        self.socket, hello = await open_room_socket(self.url, 60)
        self.version = hello["version"]
        self.length = len(hello["text"])
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.socket is not None
        async for frame in self.socket:
            if not isinstance(frame, str):
                continue
            if _is_update(frame):
                message = json.loads(frame)
                self.arrived[message["version"]] = now()
                self.version = message["version"]
                self.length += 1
                self.changed.set()
            elif '"conflict"' in frame[:24] or '"error"' in frame[:24]:
                self.errors += 1
                self.changed.set()

    async def push_one(self) -> tuple[int, float]:
        """Insert one character at the end; returns (its version, when it was sent)."""
        assert self.socket is not None
        version = self.version
        changes = [self.length, [0, "x"]] if self.length else [[0, "x"]]
        message = {
            "type": "push",
            "version": version,
            "updates": [{"clientId": self.client_id, "changes": changes}],
        }
        sent = now()
        await self.socket.send(json.dumps(message))
        return version + 1, sent

    async def wait_for(self, version: int, timeout: float = 30) -> float:
        deadline = now() + timeout
        while self.version < version:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), max(0.001, deadline - now()))
        return self.arrived.get(version, now())

    async def close(self) -> None:
        await close_socket_and_reader(self.socket, self.reader)


async def run_editors(spec: Json, conn: Any) -> None:
    typists = [Typist(url, f"{spec['tag']}ed{i}") for i, url in enumerate(spec["urls"])]
    for typist in typists:
        await typist.open()
    conn.send(("ready", {}))
    while True:
        kind, order = await recv_from_parent(conn)
        if kind == "close":
            break
        await sleep_until(order["t_start"])
        if kind == "type":
            latencies: list[float] = []
            turn = 0
            while now() < order["t_end"]:
                author, peer = typists[turn % 2], typists[(turn + 1) % 2]
                await author.wait_for(author.version)  # has every update so far
                version, sent = await author.push_one()
                arrived = await peer.wait_for(version)
                await author.wait_for(version)
                latencies.append(arrived - sent)
                turn += 1
                await sleep_until(sent + order["interval"])
            conn.send(("typed", {"latencies": latencies}))
        elif kind == "fanout":
            sends: list[tuple[int, float]] = []
            author = typists[0]
            for i in range(order["updates"]):
                await author.wait_for(author.version)
                version, sent = await author.push_one()
                await author.wait_for(version)
                sends.append((version, sent))
                await sleep_until(order["t_start"] + (i + 1) * order["interval"])
            conn.send(("sent", {"sends": sends}))
    errors = sum(t.errors for t in typists)
    for typist in typists:
        await typist.close()
    conn.send(("result", {"errors": errors}))
