"""Room lifetime and the upkeep every process runs.

Each process, once a second, samples its gauges; every few seconds says it is
alive (`server_processes`, for the socket cap); every `touch_seconds` marks
the rooms it has sockets on as touched, in one statement. A process also
touches a room when it opens it (before reading it, see `touch_rooms`) and
when the last of its sockets there leaves. Never per edit.

Every `room_sweep_seconds` one process, whichever holds the advisory lock,
deletes in small batches the rooms untouched for `room_ttl_days` (when set),
and the soft state (limits, viewer counts) of clients and processes long
gone. A room with a socket open anywhere is touched at least every
`touch_seconds`, far inside the time to live, so it is never old enough to
go; and a process opening a room touches it first, in a statement that
waits for a sweep holding the row and then finds it gone (the client gets
4404), or commits first and so makes the sweep skip it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable

import asyncpg

from service import metrics
from service.config import Settings
from service.dbfailures import DATABASE_FAILURES
from service.ratelimit import PROCESS_ALIVE_SECONDS, longest_refill_seconds

log = logging.getLogger(__name__)

# pg_try_advisory_lock key of the sweep: "pairpad sweep" in ASCII, truncated.
SWEEP_LOCK = 0x7061697270616473
_HEARTBEAT_SECONDS = 5.0

_SWEEP_ROOMS = """
WITH doomed AS (
    SELECT id FROM rooms
    WHERE touched_at < now() - make_interval(secs => $1)
    ORDER BY touched_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
DELETE FROM rooms r USING doomed
WHERE r.id = doomed.id AND r.touched_at < now() - make_interval(secs => $1)
"""


async def touch_rooms(pool: asyncpg.Pool, room_ids: Iterable[str]) -> None:
    ids = list(room_ids)
    if ids:
        await pool.execute("UPDATE rooms SET touched_at = now() WHERE id = ANY($1::text[])", ids)


async def touch_quietly(pool: asyncpg.Pool, room_id: str) -> None:
    with contextlib.suppress(*DATABASE_FAILURES):
        await touch_rooms(pool, [room_id])


def check_settings(settings: Settings) -> None:
    """Refuse a time to live that live rooms' touches could not outrun."""
    if settings.room_ttl_days is None:
        return
    ttl = settings.room_ttl_days * 86400
    if ttl < 3 * settings.touch_seconds + 5:
        raise ValueError(
            f"PAIRPAD_ROOM_TTL_DAYS is {ttl:.0f} s, which must exceed three times "
            f"PAIRPAD_TOUCH_SECONDS ({settings.touch_seconds} s) plus 5 s"
        )


class Upkeep:
    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        process_id: str,
        live_rooms: Iterable[str] | None = None,
    ) -> None:
        check_settings(settings)
        self.pool = pool
        self.settings = settings
        self.process_id = process_id
        self._live_rooms = live_rooms
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        with contextlib.suppress(*DATABASE_FAILURES):
            await self._heartbeat()
        self._task = asyncio.create_task(self._run(), name="upkeep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(*DATABASE_FAILURES):
            # Our socket counts go with us (ON DELETE CASCADE).
            await self.pool.execute("DELETE FROM server_processes WHERE id = $1", self.process_id)

    async def _run(self) -> None:
        now = time.monotonic()
        next_beat = now + _HEARTBEAT_SECONDS
        next_touch = now + self.settings.touch_seconds
        next_sweep = now + self.settings.room_sweep_seconds
        while True:
            await asyncio.sleep(1.0)
            self._sample()
            now = time.monotonic()
            try:
                if now >= next_beat:
                    next_beat = now + _HEARTBEAT_SECONDS
                    await self._heartbeat()
                if now >= next_touch:
                    next_touch = now + self.settings.touch_seconds
                    await touch_rooms(self.pool, list(self._live_rooms or ()))
                if now >= next_sweep:
                    next_sweep = now + self.settings.room_sweep_seconds
                    await self.sweep()
            except DATABASE_FAILURES as exc:
                log.warning("upkeep skipped (database: %s)", exc)
            except Exception:
                log.exception("upkeep failed")

    def _sample(self) -> None:
        metrics.POOL_SIZE.set(self.pool.get_size())
        metrics.POOL_IN_USE.set(self.pool.get_size() - self.pool.get_idle_size())
        metrics.LIVE_ROOMS.set(len(list(self._live_rooms or ())))

    async def _heartbeat(self) -> None:
        await self.pool.execute(
            """INSERT INTO server_processes (id) VALUES ($1)
               ON CONFLICT (id) DO UPDATE SET seen_at = now()""",
            self.process_id,
        )

    async def sweep(self) -> int | None:
        """One sweep if no other process is sweeping: the rooms deleted, or None."""
        async with self.pool.acquire() as conn:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", SWEEP_LOCK):
                metrics.SWEEPS.labels("busy").inc()
                return None
            try:
                deleted = await self._sweep(conn)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", SWEEP_LOCK)
        metrics.SWEEPS.labels("ran").inc()
        return deleted

    async def _sweep(self, conn: asyncpg.pool.PoolConnectionProxy) -> int:
        await conn.execute(
            "DELETE FROM server_processes WHERE seen_at < now() - make_interval(secs => $1)",
            PROCESS_ALIVE_SECONDS * 2,
        )
        # Counts that no heartbeat refreshed for twice the expiry: their process is dead.
        await conn.execute(
            "DELETE FROM room_viewers WHERE noted_at < now() - make_interval(secs => $1)",
            self.settings.presence_expiry_seconds * 2,
        )
        await conn.execute(
            "DELETE FROM rate_buckets WHERE updated_at < now() - make_interval(secs => $1)",
            longest_refill_seconds(self.settings),
        )
        if self.settings.room_ttl_days is None:
            return 0
        ttl = self.settings.room_ttl_days * 86400
        deleted = 0
        while True:
            status = await conn.execute(_SWEEP_ROOMS, ttl, self.settings.room_sweep_batch)
            batch = int(status.split()[-1])
            deleted += batch
            metrics.ROOMS_EXPIRED.inc(batch)
            if batch < self.settings.room_sweep_batch:
                break
            await asyncio.sleep(0.05)  # small batches, with room for other work between
        if deleted:
            log.info(
                "deleted %d rooms untouched for %.1f days",
                deleted,
                ttl / 86400,
                extra={"event": "rooms_expired"},
            )
        return deleted
