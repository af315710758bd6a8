"""Migrations: numbered, append-only, applied once even by processes racing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from service.migrate import load_migrations, migrate
from tests.harness import Client, PostgresServer, connection, servers


def test_migrations_are_numbered_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.number for m in migrations] == list(range(1, len(migrations) + 1))


async def test_processes_starting_at_once_on_an_empty_database_all_come_up(
    postgres: PostgresServer,
) -> None:
    """Three processes race on an empty database; each migration is applied once."""
    empty = await postgres.new_database(migrated=False)
    with servers(empty, 3):
        async with connection(empty) as conn:
            rows = await conn.fetch("SELECT number, name FROM schema_migrations ORDER BY number")
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
    assert [(r["number"], r["name"]) for r in rows] == [
        (m.number, m.name) for m in load_migrations()
    ]
    assert {t["tablename"] for t in tables} >= {"rooms", "updates", "schema_migrations"}


async def test_rooms_from_before_history_upgrade_and_serve_what_they_still_have(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """A database at migration 4 with rooms in it (one folded, with updates behind its
    snapshot; one never folded) upgrades on start: each room's history starts at its
    snapshot, and every version from there on is served."""
    for migration in load_migrations():
        if migration.number <= 4:
            (tmp_path / migration.name).write_text(migration.sql)
    database = await postgres.new_database(migrated=False)
    async with connection(database) as conn:
        await migrate(conn, tmp_path)
        # Folded at version 5 ("abcde"), with updates 3..7 still stored.
        await conn.execute(
            "INSERT INTO rooms (id, snapshot, snapshot_version) VALUES ('folded_room', 'abcde', 5)"
        )
        text = "ab"
        for version in range(3, 8):
            letter = "abcdefg"[version - 1]
            await conn.execute(
                "INSERT INTO updates (room_id, version, client_id, changes) "
                "VALUES ('folded_room', $1, 'old1', $2::json)",
                version,
                json.dumps([len(text), [0, letter]]),
            )
            text += letter
        await conn.execute("INSERT INTO rooms (id, snapshot) VALUES ('fresh_room', 'x')")
        await conn.execute(
            "INSERT INTO updates (room_id, version, client_id, changes) "
            "VALUES ('fresh_room', 1, 'old2', '[1, [0, \"y\"]]'::json)"
        )
    with servers(database, 1) as (proc,):
        async with httpx.AsyncClient(base_url=proc.http, timeout=30) as http:
            folded = (await http.get("/rooms/folded_room/history")).json()
            assert (folded["version"], folded["oldest"]) == (7, 5)
            assert [u["version"] for u in folded["updates"]] == [6, 7]
            assert folded["updates"][0]["name"]  # a guest name: none was recorded then
            assert (await http.get("/rooms/folded_room/versions/5")).json()["text"] == "abcde"
            seven = await http.get("/rooms/folded_room/versions/7")
            assert seven.status_code == 200, proc.log()
            assert seven.json()["text"] == "abcdefg"
            gone = await http.get("/rooms/folded_room/versions/4")
            assert gone.json()["error"]["code"] == "version_not_found"
            fresh = (await http.get("/rooms/fresh_room/history")).json()
            assert (fresh["version"], fresh["oldest"]) == (1, 0)
            assert (await http.get("/rooms/fresh_room/versions/0")).json()["text"] == "x"
            assert (await http.get("/rooms/fresh_room/versions/1")).json()["text"] == "xy"
            assert (await http.get("/rooms/fresh_room")).json()["text"] == "xy"
            # Editing goes on from the head, and the new version is history too.
            client = await Client.connect(proc, "folded_room")
            assert client.hello["text"] == "abcdefg"
            await client.push(7, [7, [0, "h"]])
            assert (await client.recv_type("update"))["version"] == 8
            await client.close()
            assert (await http.get("/rooms/folded_room/versions/8")).json()["text"] == "abcdefgh"
