"""Apply `db/migrations/NNNNNN_*.sql` in order, each exactly once.

Every process runs this on start. A session-level advisory lock makes the
processes take turns, and each migration records itself in the same
transaction that applies it, so none is applied twice or half.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "db" / "migrations"
# Any constant works; this one spells "pairpad" in ASCII.
_ADVISORY_LOCK_KEY = 0x70616972706164
_FILE_NAME = re.compile(r"(\d{6})_[a-z0-9_]+\.sql")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.fullmatch(path.name)
        if match is None:
            raise ValueError(f"migration file name {path.name!r} is not NNNNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), path.name, path.read_text()))
    numbers = [m.number for m in migrations]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, 3 … without gaps, got {numbers}")
    return migrations


async def migrate(
    connection: asyncpg.Connection | asyncpg.pool.PoolConnectionProxy,
    directory: Path = MIGRATIONS_DIR,
) -> list[str]:
    """Apply pending migrations; returns the names of those this call applied."""
    applied_now: list[str] = []
    await connection.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
    try:
        await connection.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   number     integer PRIMARY KEY,
                   name       text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now()
               )"""
        )
        done = {
            row["number"] for row in await connection.fetch("SELECT number FROM schema_migrations")
        }
        for migration in load_migrations(directory):
            if migration.number in done:
                continue
            async with connection.transaction():
                await connection.execute(
                    "INSERT INTO schema_migrations (number, name) VALUES ($1, $2)",
                    migration.number,
                    migration.name,
                )
                await connection.execute(migration.sql)
            log.info("applied migration %s", migration.name)
            applied_now.append(migration.name)
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)
    return applied_now
