"""Migrations: numbered, append-only, applied once even by processes racing."""

from __future__ import annotations

import asyncpg

from service.migrate import load_migrations
from tests.harness import PostgresServer, servers


def test_migrations_are_numbered_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.number for m in migrations] == list(range(1, len(migrations) + 1))


async def test_processes_starting_at_once_on_an_empty_database_all_come_up(
    postgres: PostgresServer,
) -> None:
    """Three processes race on an empty database; each migration is applied once."""
    empty = await postgres.new_database(migrated=False)
    with servers(empty, 3):
        conn = await asyncpg.connect(empty)
        try:
            rows = await conn.fetch("SELECT number, name FROM schema_migrations ORDER BY number")
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        finally:
            await conn.close()
    assert [(r["number"], r["name"]) for r in rows] == [
        (m.number, m.name) for m in load_migrations()
    ]
    assert {t["tablename"] for t in tables} >= {"rooms", "updates", "schema_migrations"}
