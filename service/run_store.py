"""The SQL of shared runs: the room's last run in `rooms.last_run`, and the
NOTIFY that relays each run message, sent from the statement that stores it so
that the table and the bus agree on which run started last."""

from __future__ import annotations

import asyncpg


async def load_last_run(pool: asyncpg.Pool, room_id: str) -> str | None:
    """The stored `{"key", "seq", "run"}` JSON text, or None."""
    value = await pool.fetchval("SELECT last_run::text FROM rooms WHERE id = $1", room_id)
    return str(value) if value is not None else None


async def store_start(
    pool: asyncpg.Pool, room_id: str, channel: str, stored: str, note: str
) -> None:
    """A run that starts becomes the room's last run, whatever ran before."""
    await pool.execute(
        """WITH changed AS (UPDATE rooms SET last_run = $3::json WHERE id = $1 RETURNING id)
           SELECT pg_notify($2, $4) FROM changed""",
        room_id,
        channel,
        stored,
        note,
    )


async def store_progress(
    pool: asyncpg.Pool, room_id: str, key: str, stored: str, note: str | None, channel: str
) -> None:
    """Write a run's state if it is still the room's last run; relay `note` either way."""
    await pool.execute(
        """WITH changed AS (
               UPDATE rooms SET last_run = $3::json
               WHERE id = $1 AND last_run->>'key' = $4 RETURNING id)
           SELECT pg_notify($2, $5) WHERE $5::text IS NOT NULL""",
        room_id,
        channel,
        stored,
        key,
        note,
    )
