"""Group commit for single-update pushes.

Every commit that sends a NOTIFY takes Postgres's global notification lock
until it is durable, so commits with notifications run one at a time and one
transaction per edit caps the whole cluster at 1/(commit + fsync) edits a
second. The writer batches the pushes that arrive while a commit is in flight
(across every room of this process) into one statement and one transaction.
At low load a batch holds one update and costs what a lone INSERT does.

Between batches the writer keeps its task and its pool connection for LINGER
seconds: starting a task and taking a connection from the pool and giving it
back cost, per batch, about a tenth of what the rest of an edit costs a
process, and while anyone types the next push is rarely more than a few
milliseconds away.

While the writer lingers with nothing in flight, a push writes its own batch on
the lingering connection: the hand-over to the writer's task and the answer back
would cost the push two wake-ups of the event loop, each behind whatever else is
ready to run. Pushes that arrive meanwhile queue and go to the task as before.

`ON CONFLICT DO NOTHING` keeps the version check per row: a row whose
(room_id, version) exists already is skipped, fires no trigger, and comes back
as "taken", while the rest of the batch commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from service import metrics
from service.dbfailures import DATABASE_FAILURES

log = logging.getLogger(__name__)

_MAX_BATCH = 500
LINGER = 1.0

INSERT_BATCH = """
INSERT INTO updates (room_id, version, client_id, changes)
SELECT room_id, version, client_id, changes
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::json[]) WITH ORDINALITY
     AS u(room_id, version, client_id, changes, n)
ORDER BY n
ON CONFLICT DO NOTHING
RETURNING room_id, version
"""

# A batch of one, the usual one at low load, as a plain insert: encoding four
# one-element arrays costs the process more than the row itself.
INSERT_ONE = """
INSERT INTO updates (room_id, version, client_id, changes)
VALUES ($1, $2, $3, $4::json)
ON CONFLICT DO NOTHING
RETURNING room_id, version
"""

# The same, for a batch in which some client pushes for the first time through its
# socket or under a new name: its author span goes in with its update, in the same
# statement and transaction (service/history.py), and only where the update was
# stored, so that a push that lost its version race names nothing.
_INSERT_BATCH_NAMED = (
    "WITH stored AS ("
    + INSERT_BATCH
    + """),
named AS (
    INSERT INTO authors (room_id, client_id, from_version, name)
    SELECT a.room_id, a.client_id, a.version, a.name
    FROM unnest($1::text[], $2::bigint[], $3::text[], $5::text[])
         AS a(room_id, version, client_id, name)
    JOIN stored USING (room_id, version)
    WHERE a.name IS NOT NULL
    ON CONFLICT DO NOTHING
)
SELECT room_id, version FROM stored
"""
)


async def insert_rows(
    conn: asyncpg.Connection | PoolConnectionProxy[asyncpg.Record],
    room_ids: list[str],
    versions: list[int],
    client_ids: list[str],
    changes: list[str],
) -> list[asyncpg.Record]:
    """Insert one batch of updates (keys distinct, in key order) in one statement;
    returns the (room_id, version) of the rows stored. The benchmark's batched
    ceiling (bench/ceiling.py) writes through this too."""
    if len(room_ids) == 1:
        return await conn.fetch(INSERT_ONE, room_ids[0], versions[0], client_ids[0], changes[0])
    return await conn.fetch(INSERT_BATCH, room_ids, versions, client_ids, changes)


@dataclass(slots=True)
class _Pending:
    room_id: str
    version: int
    client_id: str
    changes: str
    name: str | None
    done: asyncio.Future[bool]


class UpdateWriter:
    def __init__(self, pool: asyncpg.Pool, linger: float = LINGER) -> None:
        self._pool = pool
        self._linger = linger
        self._queue: list[_Pending] = []
        self._flushing: asyncio.Task[None] | None = None
        self._more = asyncio.Event()
        self._closing = False
        # The connection that the flush task lingers on, whether a batch is being
        # written on it (by the task or by a push), and whether a push's write
        # failed on it, so that it must go back to the pool.
        self._conn: PoolConnectionProxy[asyncpg.Record] | None = None
        self._busy = False
        self._spoiled = False
        # When the last push came, and the one timer that ends an idle linger: a
        # timeout per wait would cost, per batch, a good part of what it saves.
        self._last_push = 0.0
        self._idle_check: asyncio.TimerHandle | None = None
        self._idle = False

    async def store(
        self, room_id: str, version: int, client_id: str, changes: str, name: str | None = None
    ) -> bool:
        """Store one update (and from it on, name its client's updates `name`, when
        given); False when its version was taken. Raises a database failure when the
        outcome is unknown."""
        loop = asyncio.get_running_loop()
        pending = _Pending(room_id, version, client_id, changes, name, loop.create_future())
        self._queue.append(pending)
        self._last_push = loop.time()
        if self._conn is not None and not self._busy and len(self._queue) == 1:
            await self._write_here(self._conn)
        elif self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        else:
            self._more.set()
        return await pending.done

    async def _write_here(self, conn: PoolConnectionProxy[asyncpg.Record]) -> None:
        """Write the one queued push, the caller's, from its own task on the
        connection the flush task lingers on. Only its own: a pusher may be
        cancelled mid-write (its socket closed), and nobody else's answer may hang
        on that. What this leaves queued (a retry) or undone (a broken connection)
        goes to the flush task."""
        try:
            # When cancelled, asyncpg cancels the query, and the connection's next
            # query waits for that by itself.
            if not await self._write_next(conn):
                self._spoiled = True
        finally:
            if self._queue or self._spoiled or self._idle or self._closing:
                self._more.set()

    async def close(self) -> None:
        """End the lingering, give the connection back; queued pushes are written first."""
        self._closing = True
        self._more.set()
        if self._flushing is not None:
            await self._flushing
        if self._idle_check is not None:
            self._idle_check.cancel()
            self._idle_check = None
        self._closing = False  # a push after this (a straggler) still gets written

    async def _flush(self) -> None:
        while self._queue:
            try:
                conn = await self._pool.acquire()
            except DATABASE_FAILURES as exc:
                for pending in self._take_batch():
                    _fail(pending, exc)
                continue
            try:
                await self._flush_on(conn)
            finally:
                await self._pool.release(conn)

    async def _flush_on(self, conn: PoolConnectionProxy[asyncpg.Record]) -> None:
        """Write batches on one connection for as long as pushes keep coming, and
        LINGER seconds after the last; pushes may write on it meanwhile."""
        self._conn = conn

        def lost(_connection: object) -> None:
            # The server closed the connection while we linger on it (restarted,
            # say, while nobody typed): pushes would fail on it, and close their
            # sockets, though nothing of theirs was sent. The next batch takes another.
            if self._conn is conn:
                self._conn = None
                self._spoiled = True
                self._more.set()

        conn.add_termination_listener(lost)
        try:
            while await self._next_push():
                if not await self._write_next(conn):
                    return  # the connection may be broken: the next batch takes another
        finally:
            self._conn = None
            self._spoiled = False
            # Gone with the connection when the server closed it (asyncpg has
            # detached it from the pool then, and the proxy refuses every call).
            with contextlib.suppress(asyncpg.InterfaceError):
                conn.remove_termination_listener(lost)

    async def _write_next(self, conn: PoolConnectionProxy[asyncpg.Record]) -> bool:
        """Write the next batch on `conn`, which is busy meanwhile (see `_write`)."""
        self._busy = True
        try:
            return await self._write(conn, self._take_batch())
        finally:
            self._busy = False

    async def _write(
        self, conn: PoolConnectionProxy[asyncpg.Record], batch: list[_Pending]
    ) -> bool:
        """Write one batch and answer its pushes; False when the connection may be
        broken. A batch to try again goes back to the front of the queue."""
        metrics.BATCH_SIZE.observe(len(batch))
        try:
            stored = await self._insert(conn, batch)
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
            # The transaction rolled back, so nothing was stored: try again.
            self._queue[:0] = batch
            return True
        except (asyncpg.DataError, asyncpg.ForeignKeyViolationError):
            # One malformed row (or a room deleted meanwhile) must not sink its
            # neighbours: retry them alone.
            for pending in batch:
                await self._settle_alone(conn, pending)
            return True
        except DATABASE_FAILURES as exc:
            for pending in batch:
                _fail(pending, exc)
            return False
        for pending in batch:
            _settle(pending, (pending.room_id, pending.version) in stored)
        return True

    async def _next_push(self) -> bool:
        """True once a push is queued and the connection is free; False when none
        came within the linger, or a push left the connection unusable."""
        while self._busy or not (self._queue or self._closing or self._idle or self._spoiled):
            if self._idle_check is None:
                self._idle_check = asyncio.get_running_loop().call_later(
                    self._linger, self._check_idle
                )
            self._more.clear()
            await self._more.wait()
        self._idle = False
        return bool(self._queue) and not self._spoiled

    def _check_idle(self) -> None:
        """Ends the linger once no push came for LINGER seconds, else looks again then."""
        loop = asyncio.get_running_loop()
        quiet_for = loop.time() - self._last_push
        if quiet_for >= self._linger:
            self._idle_check = None
            self._idle = True
            self._more.set()
        else:
            self._idle_check = loop.call_later(self._linger - quiet_for, self._check_idle)

    def _take_batch(self) -> list[_Pending]:
        """Up to _MAX_BATCH queued updates with distinct keys. A second claim on a key
        waits for the next batch, where the key check answers it: within one
        statement, ON CONFLICT would skip it without telling the two apart."""
        batch: list[_Pending] = []
        keys: set[tuple[str, int]] = set()
        rest: list[_Pending] = []
        for pending in self._queue:
            key = (pending.room_id, pending.version)
            if key in keys or len(batch) >= _MAX_BATCH:
                rest.append(pending)
            else:
                keys.add(key)
                batch.append(pending)
        self._queue = rest
        # Every writer takes the key locks in one order, so two batches that
        # share rooms wait for each other instead of deadlocking.
        batch.sort(key=lambda p: (p.room_id, p.version))
        return batch

    @staticmethod
    async def _insert(
        conn: PoolConnectionProxy[asyncpg.Record], batch: list[_Pending]
    ) -> set[tuple[str, int]]:
        room_ids = [p.room_id for p in batch]
        versions = [p.version for p in batch]
        client_ids = [p.client_id for p in batch]
        changes = [p.changes for p in batch]
        if any(p.name is not None for p in batch):
            names = [p.name for p in batch]
            rows = await conn.fetch(
                _INSERT_BATCH_NAMED, room_ids, versions, client_ids, changes, names
            )
        else:
            rows = await insert_rows(conn, room_ids, versions, client_ids, changes)
        return {(row["room_id"], row["version"]) for row in rows}

    async def _settle_alone(
        self, conn: PoolConnectionProxy[asyncpg.Record], pending: _Pending
    ) -> None:
        try:
            stored = await self._insert(conn, [pending])
        except DATABASE_FAILURES as exc:
            _fail(pending, exc)
        else:
            _settle(pending, (pending.room_id, pending.version) in stored)


# A pusher whose socket closed meanwhile has cancelled its future; answering it
# then would raise and end the flush task, leaving the rest of its batch unanswered.
def _settle(pending: _Pending, stored: bool) -> None:
    if not pending.done.done():
        pending.done.set_result(stored)


def _fail(pending: _Pending, exc: BaseException) -> None:
    if not pending.done.done():
        pending.done.set_exception(exc)
