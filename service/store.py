"""Every query Pairpad runs, against a pool of connections (`application_name` pairpad),
but history's reads (service/history.py).

Statements take client input only as parameters; a channel name is built
only from a room id that `ids.is_room_id` accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import msgspec

from service import ids
from service.config import Settings
from service.document import Document
from service.errors import RoomNotFound
from service.roles import EDITOR, VIEWER, RoomRef

APPLICATION_NAME = "pairpad"


@dataclass(frozen=True, slots=True)
class StoredUpdate:
    version: int
    client_id: str
    changes: str  # the change set's JSON text, as the client sent it


@dataclass(frozen=True, slots=True)
class Retention:
    """An operator's limit on history: versions behind the head, and/or age in days."""

    versions: int | None = None
    days: float | None = None

    @property
    def limited(self) -> bool:
        return self.versions is not None or self.days is not None


def retention_of(settings: Settings) -> Retention:
    return Retention(settings.history_keep_versions, settings.history_keep_days)


@dataclass(frozen=True, slots=True)
class RoomState:
    language: str
    snapshot: str
    snapshot_version: int
    updates: list[StoredUpdate]  # every update after the snapshot, in order

    @property
    def version(self) -> int:
        return self.updates[-1].version if self.updates else self.snapshot_version

    @property
    def text(self) -> str:
        doc = Document(self.snapshot)
        for update in self.updates:
            doc.apply_stored(msgspec.json.decode(update.changes))
        return doc.text


class VersionTaken(Exception):
    """Another writer stored this version first: the push is stale."""


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Skip asyncpg's per-release session reset (`RESET ALL; UNLISTEN *; …`): a
    second round trip after every statement. Pool connections never LISTEN, set
    nothing and release their advisory locks themselves; asyncpg still rolls
    back a transaction left open."""


async def create_pool(dsn: str, min_size: int, max_size: int) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        server_settings={"application_name": APPLICATION_NAME},
        reset=_keep_session,
    )
    assert pool is not None
    return pool


class Store:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def create_room(
        self, room_id: str, language: str, text: str, view_id: str | None = None
    ) -> RoomRef:
        """Create a room, with a new view id unless `view_id` is given."""
        view_id = view_id or ids.new_view_id()
        await self.pool.execute(
            """WITH room AS (
                   INSERT INTO rooms (id, language, snapshot, view_id)
                   VALUES ($1, $2, $3, $4)
                   RETURNING id, created_at),
               first AS (
                   INSERT INTO checkpoints (room_id, version, text, at)
                   SELECT id, 0, $3, created_at FROM room)
               SELECT 1 FROM room""",
            room_id,
            language,
            text,
            view_id,
        )
        return RoomRef(room_id, view_id, EDITOR)

    async def resolve(self, some_id: str) -> RoomRef:
        """The room that `some_id` opens, as its room id or its view id."""
        row = await self.pool.fetchrow(
            "SELECT id, view_id FROM rooms WHERE id = $1 OR view_id = $1", some_id
        )
        if row is None:
            raise RoomNotFound(some_id)
        role = EDITOR if row["id"] == some_id else VIEWER
        return RoomRef(row["id"], row["view_id"], role)

    async def load_room(self, room_id: str) -> RoomState:
        """The snapshot and every update after it, read as one consistent view."""
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            # The newest checkpoint is the snapshot; `rooms.snapshot` only for a
            # room that a process without checkpoints created.
            row = await conn.fetchrow(
                """SELECT r.language, coalesce(c.text, r.snapshot) AS snapshot,
                          coalesce(c.version, r.snapshot_version) AS snapshot_version
                   FROM rooms r LEFT JOIN LATERAL (
                       SELECT version, text FROM checkpoints
                       WHERE room_id = r.id ORDER BY version DESC LIMIT 1) c ON true
                   WHERE r.id = $1""",
                room_id,
            )
            if row is None:
                raise RoomNotFound(room_id)
            updates = await _fetch_updates(conn, room_id, row["snapshot_version"])
        return RoomState(row["language"], row["snapshot"], row["snapshot_version"], updates)

    async def load_room_or_none(self, room_id: str) -> RoomState | None:
        try:
            return await self.load_room(room_id)
        except RoomNotFound:
            return None

    async def updates_after(self, room_id: str, version: int) -> list[StoredUpdate]:
        async with self.pool.acquire() as conn:
            return await _fetch_updates(conn, room_id, version)

    async def updates_between(self, room_id: str, after: int, upto: int) -> list[StoredUpdate]:
        rows = await self.pool.fetch(
            """SELECT version, client_id, changes::text AS changes FROM updates
               WHERE room_id = $1 AND version > $2 AND version <= $3 ORDER BY version""",
            room_id,
            after,
            upto,
        )
        return [StoredUpdate(r["version"], r["client_id"], r["changes"]) for r in rows]

    async def insert_updates(
        self,
        room_id: str,
        first_version: int,
        updates: Sequence[tuple[str, str]],
        name: str | None = None,
    ) -> None:
        """Store a multi-update push (client id, changes JSON) as versions first_version, …
        in one transaction, all or none; raise VersionTaken when any of those versions
        exists already. With `name`, the push's client is named so from first_version
        on (service/history.py). Single updates go through `UpdateWriter` instead."""
        # ON CONFLICT DO NOTHING rather than catching the unique violation: a lost
        # race is the version check doing its job, not an error for the server log.
        async with self.pool.acquire() as conn, conn.transaction():
            stored = await conn.fetchval(
                """WITH named AS (
                       INSERT INTO authors (room_id, client_id, from_version, name)
                       SELECT $1, ($3::text[])[1], $2, $5 WHERE $5::text IS NOT NULL
                       ON CONFLICT DO NOTHING),
                   stored AS (
                       INSERT INTO updates (room_id, version, client_id, changes)
                       SELECT $1, $2 + u.ordinality - 1, u.client_id, u.changes
                       FROM unnest($3::text[], $4::json[]) WITH ORDINALITY
                            AS u(client_id, changes, ordinality)
                       ORDER BY u.ordinality
                       ON CONFLICT DO NOTHING
                       RETURNING 1)
                   SELECT count(*) FROM stored""",
                room_id,
                first_version,
                [client_id for client_id, _ in updates],
                [changes for _, changes in updates],
                name,
            )
            if stored != len(updates):
                raise VersionTaken  # leaving the block rolls back the rows that went in

    async def head_version(self, room_id: str) -> int:
        version = await self.pool.fetchval(
            """SELECT greatest(
                   (SELECT snapshot_version FROM rooms WHERE id = $1),
                   (SELECT max(version) FROM checkpoints WHERE room_id = $1),
                   (SELECT max(version) FROM updates WHERE room_id = $1))""",
            room_id,
        )
        return int(version or 0)

    async def set_language(self, room_id: str, language: str, payload: str) -> None:
        """Store the language and announce it, in one statement and so one transaction."""
        await self.pool.execute(
            """WITH changed AS (UPDATE rooms SET language = $2 WHERE id = $1 RETURNING id)
               SELECT pg_notify('room:' || id, $3) FROM changed""",
            room_id,
            language,
            payload,
        )

    async def notify(self, channel: str, payloads: Sequence[str]) -> None:
        await self.pool.execute(
            "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", channel, list(payloads)
        )

    async def fold(
        self, room_id: str, text: str, version: int, retention: Retention | None = None
    ) -> None:
        """Keep `text` as the room's checkpoint at `version`; with a retention limit,
        drop what lies behind the newest checkpoint that the limit has passed."""
        async with self.pool.acquire() as conn, conn.transaction():
            # A room that a process from before history created has its snapshot
            # alone: keep that as its first checkpoint, so its history stays whole.
            await conn.execute(
                """INSERT INTO checkpoints (room_id, version, text, at)
                   SELECT id, snapshot_version, snapshot, folded_at FROM rooms
                   WHERE id = $1
                     AND NOT EXISTS (SELECT 1 FROM checkpoints WHERE room_id = $1)
                   ON CONFLICT DO NOTHING""",
                room_id,
            )
            await conn.execute(
                """INSERT INTO checkpoints (room_id, version, text, at)
                   SELECT $1, $3, $2, coalesce(
                       (SELECT created_at FROM updates WHERE room_id = $1 AND version = $3),
                       now())
                   WHERE EXISTS (SELECT 1 FROM rooms WHERE id = $1)
                     -- A process that is behind (folding as its last socket leaves)
                     -- adds nothing: and behind a retention cut, its checkpoint
                     -- would become `oldest` with the updates after it gone.
                     AND NOT EXISTS (SELECT 1 FROM checkpoints
                                     WHERE room_id = $1 AND version > $3)
                   ON CONFLICT DO NOTHING""",
                room_id,
                text,
                version,
            )
            if retention is not None and retention.limited:
                await _apply_retention(conn, room_id, version, retention)

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1", timeout=2)


async def _fetch_updates(
    conn: asyncpg.Connection | asyncpg.pool.PoolConnectionProxy, room_id: str, after: int
) -> list[StoredUpdate]:
    rows = await conn.fetch(
        """SELECT version, client_id, changes::text AS changes FROM updates
           WHERE room_id = $1 AND version > $2 ORDER BY version""",
        room_id,
        after,
    )
    return [StoredUpdate(r["version"], r["client_id"], r["changes"]) for r in rows]


async def _apply_retention(
    conn: asyncpg.Connection | asyncpg.pool.PoolConnectionProxy,
    room_id: str,
    head: int,
    retention: Retention,
) -> None:
    """Cut history at the newest checkpoint that a limit has passed: it becomes the
    room's oldest version, and the updates up to it and older checkpoints go. A cut
    only ever falls on a checkpoint, so every version from `oldest` on stays whole.

    Never at the checkpoint this fold writes (`head`), even with nothing to keep:
    the updates up to it are what the other processes are reading right now (a
    truncated note sends them to the table), and until this transaction commits,
    inserts cannot see its checkpoint, which is what refuses their stale versions
    once the rows are gone (migration 9). A cut at an older checkpoint, committed
    before, holds both."""
    cut = await conn.fetchval(
        """SELECT max(version) FROM checkpoints
           WHERE room_id = $1 AND version < $2
             AND (version <= $2 - $3::bigint
                  OR at < now() - make_interval(secs => $4::float8))""",
        room_id,
        head,
        retention.versions,
        retention.days * 86400 if retention.days is not None else None,
    )
    if cut is None:
        return
    await conn.execute("DELETE FROM updates WHERE room_id = $1 AND version <= $2", room_id, cut)
    await conn.execute("DELETE FROM checkpoints WHERE room_id = $1 AND version < $2", room_id, cut)
