"""The SQL of shared runs. The room's last run is `rooms.last_run` (its start and
end) plus its output in `run_output`. Each statement that stores a run message
also sends its NOTIFY, so the table and the bus agree: a process that LISTENs
and then reads has every message, once (db/migrations/000008_run_output.sql)."""

from __future__ import annotations

import asyncpg


async def load_last_run(pool: asyncpg.Pool, room_id: str) -> tuple[str, str] | None:
    """The stored `{"key", "run"}` JSON text and the JSON array of its output rows,
    `[[seq, {"stream", "text"}], ...]` in order; None when the room has no run."""
    row = await pool.fetchrow(
        """SELECT r.last_run::text AS stored,
                  coalesce((SELECT json_agg(json_build_array(o.seq, o.piece) ORDER BY o.seq)
                            FROM run_output o
                            WHERE o.room_id = r.id AND o.run_key = r.last_run->>'key'),
                           '[]')::text AS output
           FROM rooms r WHERE r.id = $1 AND r.last_run IS NOT NULL""",
        room_id,
    )
    return (row["stored"], row["output"]) if row is not None else None


async def store_start(
    pool: asyncpg.Pool, room_id: str, channel: str, key: str, stored: str, note: str
) -> None:
    """A run that starts becomes the room's last run, whatever ran before; the
    output of the runs before it goes."""
    await pool.execute(
        """WITH changed AS (UPDATE rooms SET last_run = $3::json WHERE id = $1 RETURNING id),
                dropped AS (DELETE FROM run_output WHERE room_id = $1 AND run_key <> $5)
           SELECT pg_notify($2, $4) FROM changed""",
        room_id,
        channel,
        stored,
        note,
        key,
    )


async def store_output(
    pool: asyncpg.Pool, room_id: str, key: str, seq: int, piece: str, channel: str, note: str
) -> None:
    """Keep an output message if its run is still the room's last; relay it either way."""
    await pool.execute(
        """WITH kept AS (
               INSERT INTO run_output (room_id, run_key, seq, piece)
               SELECT $1, $2, $3, $4::json FROM rooms WHERE id = $1 AND last_run->>'key' = $2)
           SELECT pg_notify($5, $6)""",
        room_id,
        key,
        seq,
        piece,
        channel,
        note,
    )


async def store_end(
    pool: asyncpg.Pool, room_id: str, key: str, stored: str, channel: str, note: str
) -> None:
    """Record how a run ended if it is still the room's last run; relay it either way."""
    await pool.execute(
        """WITH changed AS (
               UPDATE rooms SET last_run = $3::json
               WHERE id = $1 AND last_run->>'key' = $4 RETURNING id)
           SELECT pg_notify($2, $5)""",
        room_id,
        channel,
        stored,
        key,
        note,
    )
