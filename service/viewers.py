"""Counting a room's viewers across processes, and pacing what the count costs.

Viewers are counted, not announced: each process publishes its own count for
a room (at most once per interval, and again on every heartbeat while it has
viewers), and every process sums the latest count heard from each process.
A process that stops publishing (killed, say) drops out of the sum after the
presence expiry, as its peers do.

The notes keep the processes that serve a room up to date. A process that
opens the room later has heard none of them, yet its first hello must count
every viewer (PROTOCOL.md v2). So each count note is also written to
`room_viewers`, in the statement that sends it, and a process opening a room
reads the other processes' counts from there (`counts_elsewhere`) before it
admits anyone.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg


class Throttle:
    """Runs `action` at most once per `interval`, merging the requests in between
    into one run. `leading`: the first request after a quiet interval runs at
    once; otherwise it runs `interval` later, with whatever came meanwhile."""

    def __init__(self, interval: float, action: Callable[[], None], leading: bool = True) -> None:
        self.interval = interval
        self._action = action
        self._leading = leading
        self._last = -math.inf
        self._timer: asyncio.Handle | None = None

    def request(self) -> None:
        if self._timer is not None:
            return  # a run is already due and will see the latest state
        wait = self._last + self.interval - time.monotonic() if self._leading else self.interval
        loop = asyncio.get_running_loop()
        # Even "at once" waits for the caller to finish what it is doing (a join
        # queues its hello first).
        self._timer = loop.call_later(wait, self._run) if wait > 0 else loop.call_soon(self._run)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _run(self) -> None:
        self._timer = None
        self._last = time.monotonic()
        self._action()


@dataclass
class _Heard:
    count: int
    at: float


class ViewerTally:
    """This process's viewer sockets in one room plus the other processes' counts."""

    def __init__(self) -> None:
        self.local = 0
        self._remote: dict[str, _Heard] = {}

    @property
    def total(self) -> int:
        return self.local + sum(h.count for h in self._remote.values())

    def heard(self, process: str, count: int, now: float | None = None) -> bool:
        """Record another process's count; True when that process was unknown here.
        A count of 0 (a process whose last viewer left) is forgotten at once, so
        that the process is news again when it next has viewers."""
        known = process in self._remote
        if count == 0:
            self._remote.pop(process, None)
            return False
        self._remote[process] = _Heard(count, time.monotonic() if now is None else now)
        return not known

    def expire(self, older_than: float) -> bool:
        """Forget processes not heard from since `older_than`; True when the total fell."""
        gone = [p for p, h in self._remote.items() if h.at < older_than]
        fell = any(self._remote[p].count for p in gone)
        for process in gone:
            del self._remote[process]
        return fell


# The notes, and this process's count for processes that open the room later
# (a count of 0 takes its row away). One statement: one round trip, and a count
# is recorded exactly when it is sent.
_NOTIFY_COUNTED = """
WITH counted AS (
    INSERT INTO room_viewers AS v (room_id, process, viewers)
    SELECT $1, $2, $3 WHERE $3 > 0
    ON CONFLICT (room_id, process) DO UPDATE SET viewers = excluded.viewers, noted_at = now()
), uncounted AS (
    DELETE FROM room_viewers WHERE $3 = 0 AND room_id = $1 AND process = $2
)
SELECT pg_notify($4, p) FROM unnest($5::text[]) AS p
"""


async def notify_counted(
    pool: asyncpg.Pool, room_id: str, process: str, count: int, channel: str, payloads: list[str]
) -> None:
    """Send `payloads` on `channel` and record `count` as `process`'s viewers in the room."""
    await pool.execute(_NOTIFY_COUNTED, room_id, process, count, channel, payloads)


async def counts_elsewhere(
    pool: asyncpg.Pool, room_id: str, process: str, max_age: float
) -> list[tuple[str, int, float]]:
    """(process, viewers, seconds since it was noted) for the other processes that
    noted a count in the room within `max_age` seconds, the presence expiry: a
    process that noted nothing for that long is taken for dead, as its notes are."""
    rows = await pool.fetch(
        """SELECT process, viewers, extract(epoch FROM now() - noted_at)::float8 AS age
           FROM room_viewers
           WHERE room_id = $1 AND process <> $2
             AND noted_at > now() - make_interval(secs => $3)""",
        room_id,
        process,
        max_age,
    )
    return [(r["process"], r["viewers"], r["age"]) for r in rows]
