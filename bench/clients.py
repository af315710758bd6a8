"""Load generator for scenarios 2-5: typists speaking Pairpad's wire protocol.

Each room's clients live in the same load-generator process (so that one clock
stamps the author's send and the peer's receive) but connect to different server
processes (client i of a room to server i mod 2). A client keeps at most one push
in flight. Keystrokes that arrive meanwhile wait, and go out together as one push
of several updates once the previous push is confirmed. On `conflict` a client
waits until it holds the version the server named, then regenerates its pending
keystrokes on the new document (one character inserted at its cursor, mapped
through the peers' inserts) and pushes again.

Modes: `typing` (one keystroke every `period` seconds per client, open loop) and
`flat` (a new keystroke the moment the previous push is settled: as fast as the
protocol allows).

Measured, for pushes sent in the window [t_start, t_end):
- edit-to-peer: the author sends the push that is accepted -> a peer receives the update;
- keystroke-to-peer: the keystroke happens -> a peer receives it (adds waiting behind
  an earlier push and conflict retries);
- confirm: the author sends -> the author receives its own update back;
- pushes, conflicts, accepted edits (room versions at t_start and t_end).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from dataclasses import dataclass, field
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
from service.utf16 import utf16_length

_CHARS = "pairpad_benchmark_"


def main(spec: Json, conn: Any) -> None:
    child_main(spec, conn, run)


def insert_one(length: int, at: int, char: str) -> list[Any]:
    """The change set inserting one character at `at` in a document of `length` units."""
    sections: list[Any] = []
    if at:
        sections.append(at)
    sections.append([0, char])
    if length - at:
        sections.append(length - at)
    return sections


@dataclass
class Window:
    start: float = float("inf")
    end: float = float("-inf")

    def __contains__(self, t: float) -> bool:
        return self.start <= t < self.end


@dataclass
class Stats:
    window: Window
    peer: list[float] = field(default_factory=list)
    peer_sent_at: list[float] = field(default_factory=list)
    key_peer: list[float] = field(default_factory=list)
    confirm: list[float] = field(default_factory=list)
    pushes: int = 0
    conflicts: int = 0
    keystrokes: int = 0
    gaps: int = 0
    desyncs: int = 0
    errors: list[str] = field(default_factory=list)
    accepted_by_client: dict[str, int] = field(default_factory=dict)
    key_peer_by_client: dict[str, list[float]] = field(default_factory=dict)
    max_batch: int = 0


@dataclass
class Inflight:
    base: int
    keys: list[float]
    sent_at: float


class Room:
    def __init__(self, room_id: str) -> None:
        self.id = room_id
        # (author clientId, version) -> (push sent at, keystroke at), for the peers.
        self.sent: dict[tuple[str, int], tuple[float, float]] = {}
        self.clients: list[Client] = []


class Client:
    def __init__(self, room: Room, index: int, stats: Stats, flat: bool) -> None:
        self.room = room
        self.index = index
        self.stats = stats
        self.flat = flat
        self.client_id = f"b{index}{random.getrandbits(48):012x}"
        self.socket: ClientConnection | None = None
        self.version = 0
        self.length = 0
        self.cursor = 0
        self.inflight: Inflight | None = None
        self.pending: list[float] = []
        self.wait_version: int | None = None
        self.stop_at = float("inf")
        self.broken = False
        self.chars = 0
        self.reader: asyncio.Task[None] | None = None

    async def connect(self, base_url: str) -> None:
        self.socket, hello = await open_room_socket(
            f"{base_url}/ws/{self.room.id}?clientId={self.client_id}", 60
        )
        self.version = hello["version"]
        self.length = utf16_length(hello["text"])
        # Start typing somewhere in the middle, as a person editing a file does.
        self.cursor = random.randint(self.length // 4, (3 * self.length) // 4)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.socket is not None
        with contextlib.suppress(websockets.ConnectionClosed):
            async for frame in self.socket:
                await self.on_message(json.loads(frame))

    def _apply(self, changes: list[Any], own: bool) -> None:
        pos = 0
        new_length = 0
        cursor = self.cursor
        for section in changes:
            if isinstance(section, int):
                pos += section
                new_length += section
                continue
            deleted = section[0]
            inserted = utf16_length("\n".join(section[1:]))
            if pos < cursor or (pos == cursor and own):
                cursor += inserted
            if deleted and pos < cursor:
                cursor = max(pos, cursor - deleted)
            pos += deleted
            new_length += inserted
        if pos != self.length:
            self.stats.desyncs += 1
        self.length = new_length
        self.cursor = min(cursor, new_length)

    async def on_message(self, message: Json) -> None:
        t = now()
        kind = message["type"]
        if kind == "update":
            version = message["version"]
            if version <= self.version:
                return
            if version != self.version + 1:
                self.stats.gaps += 1
            self.version = version
            author = message["clientId"]
            own = author == self.client_id
            self._apply(message["changes"], own)
            if own:
                inflight = self.inflight
                last = inflight.base + len(inflight.keys) if inflight is not None else -1
                if inflight is None or not inflight.base < version <= last:
                    self.stats.errors.append(f"unexpected own update {version}")
                elif version == inflight.base + len(inflight.keys):
                    if inflight.sent_at in self.stats.window:
                        self.stats.confirm.append(t - inflight.sent_at)
                    if t in self.stats.window:
                        accepted = self.stats.accepted_by_client
                        accepted[self.client_id] = accepted.get(self.client_id, 0) + len(
                            inflight.keys
                        )
                    self.inflight = None
            else:
                sent = self.room.sent.get((author, version))
                if sent is not None and sent[0] in self.stats.window:
                    self.stats.peer.append(t - sent[0])
                    self.stats.peer_sent_at.append(sent[0] - self.stats.window.start)
                    self.stats.key_peer.append(t - sent[1])
                    per_client = self.stats.key_peer_by_client.get(author)
                    if per_client is not None:
                        per_client.append(t - sent[1])
            if self.wait_version is not None and self.version >= self.wait_version:
                self.wait_version = None
            await self.maybe_push()
        elif kind == "conflict":
            inflight = self.inflight
            self.inflight = None
            if inflight is not None:
                if inflight.sent_at in self.stats.window:
                    self.stats.conflicts += 1
                self.pending[:0] = inflight.keys
                for offset in range(len(inflight.keys)):
                    self.room.sent.pop((self.client_id, inflight.base + 1 + offset), None)
            else:
                self.stats.errors.append("conflict with no push in flight")
            if message["version"] > self.version:
                self.wait_version = message["version"]
            await self.maybe_push()
        elif kind == "error":
            self.stats.errors.append(f"{message.get('code')}: {message.get('message')}")
            self.broken = True

    def keystroke(self) -> None:
        t = now()
        self.pending.append(t)
        if t in self.stats.window:
            self.stats.keystrokes += 1

    async def maybe_push(self) -> None:
        if self.inflight is not None or self.wait_version is not None or self.broken:
            return
        if not self.pending:
            if not self.flat or now() >= self.stop_at:
                return
            self.keystroke()
        keys, self.pending = self.pending, []
        base = self.version
        at = self.cursor
        updates = []
        for i in range(len(keys)):
            char = _CHARS[self.chars % len(_CHARS)]
            self.chars += 1
            updates.append(
                {"clientId": self.client_id, "changes": insert_one(self.length + i, at + i, char)}
            )
        sent_at = now()
        self.inflight = Inflight(base, keys, sent_at)
        for i, key in enumerate(keys):
            self.room.sent[(self.client_id, base + 1 + i)] = (sent_at, key)
        if sent_at in self.stats.window:
            self.stats.pushes += 1
            self.stats.max_batch = max(self.stats.max_batch, len(keys))
        assert self.socket is not None
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.socket.send(
                json.dumps(
                    {"type": "push", "version": base, "updates": updates}, separators=(",", ":")
                )
            )

    async def type(self, first: float, period: float, stop: float) -> None:
        at = first
        while at < stop:
            await sleep_until(at)
            self.keystroke()
            await self.maybe_push()
            at += period

    @property
    def settled(self) -> bool:
        return self.inflight is None and not self.pending

    async def close(self) -> None:
        await close_socket_and_reader(self.socket, self.reader)


async def run(spec: Json, conn: Any) -> None:
    window = Window()
    stats = Stats(window)
    flat = spec["mode"] == "flat"
    servers: list[str] = spec["servers"]
    rooms = [Room(room_id) for room_id in spec["rooms"]]
    per_room: int = spec["clients_per_room"]
    clients: list[Client] = []
    for room in rooms:
        for index in range(per_room):
            client = Client(room, index, stats, flat)
            room.clients.append(client)
            clients.append(client)
    if spec.get("per_client_latency"):
        for client in clients:
            stats.key_peer_by_client[client.client_id] = []

    gate = asyncio.Semaphore(spec.get("connect_concurrency", 50))

    retries = [0]

    async def connect(client: Client) -> None:
        async with gate:
            for attempt in range(3):
                try:
                    await client.connect(servers[client.index % len(servers)])
                    return
                except (OSError, websockets.WebSocketException, TimeoutError):
                    if attempt == 2:
                        raise
                    retries[0] += 1
                    await asyncio.sleep(0.5)

    t0 = now()
    await asyncio.gather(*(connect(c) for c in clients))
    connect_seconds = now() - t0

    conn.send(
        (
            "ready",
            {"clients": len(clients), "connect_seconds": connect_seconds, "retries": retries[0]},
        )
    )
    kind, go = await recv_from_parent(conn)
    assert kind == "go"
    window.start, window.end = go["t_start"], go["t_end"]
    t_begin = window.start - spec["warmup"]
    for client in clients:
        client.stop_at = window.end

    versions: dict[str, list[int]] = {}

    async def snapshot_versions() -> None:
        await sleep_until(window.start)
        for room in rooms:
            versions[room.id] = [max(c.version for c in room.clients)]
        await sleep_until(window.end)
        for room in rooms:
            versions[room.id].append(max(c.version for c in room.clients))

    snapper = asyncio.create_task(snapshot_versions())
    if flat:
        await sleep_until(t_begin)
        for client in clients:
            await client.maybe_push()
    else:
        period: float = spec["period"]
        typists = [
            asyncio.create_task(c.type(t_begin + random.random() * period, period, window.end))
            for c in clients
        ]
        await asyncio.gather(*typists)
    await snapper

    # Drain: let every client's last push settle, and the peers catch up.
    deadline = now() + spec.get("drain", 5.0)
    while now() < deadline:
        if all(c.settled or c.broken for c in clients):
            heads = [max(c.version for c in room.clients) for room in rooms]
            if all(
                all(c.version == head for c in room.clients)
                for room, head in zip(rooms, heads, strict=True)
            ):
                break
        await asyncio.sleep(0.05)
    unsettled = sum(1 for c in clients if not c.settled)
    stuck = [
        {
            "room": c.room.id,
            "client": c.client_id,
            "version": c.version,
            "peer_versions": [p.version for p in c.room.clients],
            "inflight_base": c.inflight.base if c.inflight else None,
            "inflight_keys": len(c.inflight.keys) if c.inflight else 0,
            "pending": len(c.pending),
            "wait_version": c.wait_version,
            "broken": c.broken,
            "closed": c.socket.close_code if c.socket is not None else None,
        }
        for c in clients
        if not c.settled
    ][:5]
    diverged = sum(1 for room in rooms if len({(c.version, c.length) for c in room.clients}) > 1)
    final = {
        room.id: {"version": room.clients[0].version, "length": room.clients[0].length}
        for room in rooms[: spec.get("verify_rooms", 3)]
    }
    closed_by_server: dict[str, int] = {}
    for c in clients:
        code = c.socket.close_code if c.socket is not None else None
        if code is not None:
            closed_by_server[str(code)] = closed_by_server.get(str(code), 0) + 1
    await asyncio.gather(*(c.close() for c in clients))
    accepted = sum(v[1] - v[0] for v in versions.values())
    conn.send(
        (
            "result",
            {
                "clients": len(clients),
                "connect_seconds": connect_seconds,
                "accepted": accepted,
                "pushes": stats.pushes,
                "conflicts": stats.conflicts,
                "keystrokes": stats.keystrokes,
                "gaps": stats.gaps,
                "desyncs": stats.desyncs,
                "errors": stats.errors[:10],
                "error_count": len(stats.errors),
                "unsettled": unsettled,
                "stuck_examples": stuck,
                "closed_by_server": closed_by_server,
                "diverged": diverged,
                "max_batch": stats.max_batch,
                "peer": stats.peer,
                "peer_sent_at": stats.peer_sent_at,
                "key_peer": stats.key_peer,
                "confirm": stats.confirm,
                "accepted_by_client": stats.accepted_by_client,
                "key_peer_by_client": stats.key_peer_by_client,
                "final": final,
                "loop": spec["loop"],
            },
        )
    )
