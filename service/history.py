"""A room's history: its stored updates with author and time, and its text at any version.

The text at version v is the newest checkpoint at or below v plus the updates
after it, replayed on a `ChunkedText` (service/replay.py). Checkpoints are
written where the room folds (service/rooms.py), every `fold_every` updates,
stretched so that a checkpoint costs about 1 KiB per update: a reader
replays at most that many updates. A small per-process cache of the texts
last reconstructed makes scrubbing through neighbouring versions cheaper
still: a version just after a cached one replays only the difference.
"""

from __future__ import annotations

import asyncio
import datetime
from collections import OrderedDict
from dataclasses import dataclass

import asyncpg
import msgspec

from service.errors import RoomNotFound
from service.presence import clean_name
from service.replay import ChunkedText

# Past any real version, within bigint: a bigger number asked for is no version.
MAX_VERSION = 2**62
MAX_LIMIT = 5000
# Replays smaller than this (updates times 64 Ki characters of text) stay on the event loop.
_REPLAY_IN_LOOP = 64
DEFAULT_LIMIT = 500


class VersionNotFound(Exception):
    def __init__(self, version: int, oldest: int, head: int) -> None:
        self.oldest = oldest
        self.head = head
        super().__init__(self.describe(str(version)))

    def describe(self, version: str) -> str:
        return f"version {version} is not stored; this room has {self.oldest} to {self.head}"


@dataclass(frozen=True, slots=True)
class HistoryUpdate:
    version: int
    client_id: str
    name: str
    at: datetime.datetime
    changes: str  # the change set's JSON text, as stored


@dataclass(frozen=True, slots=True)
class HistoryPage:
    version: int  # the room's current version
    oldest: int
    updates: list[HistoryUpdate]


@dataclass(frozen=True, slots=True)
class VersionText:
    version: int
    text: str
    at: datetime.datetime


def iso_ms(at: datetime.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and `Z`, as PROTOCOL.md writes times."""
    utc = at.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class TextCache:
    """Recently reconstructed texts, by (room, version), bounded in characters.
    A text at a version never changes, so nothing here is ever stale."""

    def __init__(self, max_chars: int = 16 * 1024 * 1024, max_entries: int = 256) -> None:
        self.max_chars = max_chars
        self.max_entries = max_entries
        self._texts: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._chars = 0

    def nearest(self, room_id: str, version: int, above: int) -> tuple[int, str] | None:
        """The cached text of `room_id` closest below or at `version` and above `above`."""
        best: tuple[int, str] | None = None
        for (room, cached), text in self._texts.items():
            if room == room_id and above < cached <= version and (best is None or cached > best[0]):
                best = (cached, text)
        if best is not None:
            self._texts.move_to_end((room_id, best[0]))
        return best

    def put(self, room_id: str, version: int, text: str) -> None:
        if len(text) > self.max_chars:
            return
        key = (room_id, version)
        if key in self._texts:
            self._texts.move_to_end(key)
            return
        self._texts[key] = text
        self._chars += len(text)
        while self._chars > self.max_chars or len(self._texts) > self.max_entries:
            _, dropped = self._texts.popitem(last=False)
            self._chars -= len(dropped)


_cache = TextCache()

Connection = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy


async def _bounds(conn: Connection, room_id: str) -> tuple[int, int]:
    """(oldest, current version); raises RoomNotFound."""
    row = await conn.fetchrow(
        """SELECT coalesce((SELECT min(version) FROM checkpoints WHERE room_id = r.id),
                           r.snapshot_version) AS oldest,
                  greatest(r.snapshot_version,
                           (SELECT max(version) FROM checkpoints WHERE room_id = r.id),
                           (SELECT max(version) FROM updates WHERE room_id = r.id)) AS head
           FROM rooms r WHERE r.id = $1""",
        room_id,
    )
    if row is None:
        raise RoomNotFound(room_id)
    # A room that a process without checkpoints created starts at its snapshot.
    return int(row["oldest"]), int(row["head"])


async def history(pool: asyncpg.Pool, room_id: str, after: int, limit: int) -> HistoryPage:
    """Up to `limit` stored updates after `after`, each with its author's name then."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        oldest, head = await _bounds(conn, room_id)
        rows = await conn.fetch(
            """SELECT u.version, u.client_id, u.changes::text AS changes, u.created_at,
                      (SELECT a.name FROM authors a
                       WHERE a.room_id = u.room_id AND a.client_id = u.client_id
                         AND a.from_version <= u.version
                       ORDER BY a.from_version DESC LIMIT 1) AS name
               FROM updates u
               WHERE u.room_id = $1 AND u.version > $2
               ORDER BY u.version LIMIT $3""",
            room_id,
            max(after, oldest),
            limit,
        )
    updates = [
        HistoryUpdate(
            r["version"],
            r["client_id"],
            r["name"] if r["name"] is not None else clean_name(None, r["client_id"]),
            r["created_at"],
            r["changes"],
        )
        for r in rows
    ]
    return HistoryPage(head, oldest, updates)


async def text_at(pool: asyncpg.Pool, room_id: str, version: int) -> VersionText:
    """The text right after update `version`; raises VersionNotFound outside
    oldest … current, RoomNotFound for no room."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        oldest, head = await _bounds(conn, room_id)
        if not oldest <= version <= head:
            raise VersionNotFound(version, oldest, head)
        base = await conn.fetchrow(
            """SELECT version, text, at FROM checkpoints
               WHERE room_id = $1 AND version <= $2 ORDER BY version DESC LIMIT 1""",
            room_id,
            version,
        )
        if base is None:  # a room without checkpoints: its snapshot is the only one
            base = await conn.fetchrow(
                "SELECT snapshot_version AS version, snapshot AS text, folded_at AS at "
                "FROM rooms WHERE id = $1",
                room_id,
            )
            if base is None:
                raise RoomNotFound(room_id)
        start, text, at = base["version"], base["text"], base["at"]
        cached = _cache.nearest(room_id, version, start)
        if cached is not None:
            start, text = cached
        if start == version:
            if cached is not None and version != base["version"]:
                at = await _update_time(conn, room_id, version)
            return VersionText(version, text, at)
        rows = await conn.fetch(
            """SELECT changes::text AS changes, created_at FROM updates
               WHERE room_id = $1 AND version > $2 AND version <= $3 ORDER BY version""",
            room_id,
            start,
            version,
        )
    if len(rows) != version - start:
        raise RuntimeError(f"room {room_id}: updates {start + 1}..{version} are not all stored")
    changes = [r["changes"] for r in rows]
    if len(changes) * (len(text) // 65536 + 1) > _REPLAY_IN_LOOP:
        # Tens of milliseconds of replay would stall every socket of this process:
        # in a thread, the event loop gets the interpreter back every few ms.
        replayed = await asyncio.to_thread(replay, text, changes)
    else:
        replayed = replay(text, changes)
    _cache.put(room_id, version, replayed)
    return VersionText(version, replayed, rows[-1]["created_at"])


def replay(text: str, changes: list[str]) -> str:
    """`text` after each stored change set (JSON text) in turn."""
    doc = ChunkedText(text)
    decode = msgspec.json.decode
    for change in changes:
        doc.apply(decode(change))
    return doc.text


async def _update_time(conn: Connection, room_id: str, version: int) -> datetime.datetime:
    at: datetime.datetime = await conn.fetchval(
        "SELECT created_at FROM updates WHERE room_id = $1 AND version = $2", room_id, version
    )
    return at
