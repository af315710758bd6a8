"""Faults: killed listener connections, a restarted Postgres, a SIGKILLed process.

Afterwards every client has every update exactly once, in order, and every
edit that any client made is stored exactly once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.harness import (
    Client,
    PostgresServer,
    ServerProcess,
    connection,
    create_room,
    room_state,
    servers,
    stored_edit_counts,
)
from tests.typer import Typer, run_typers


async def assert_converged(
    database_url: str, server: ServerProcess, room: str, typers: list[Typer]
) -> None:
    state = await room_state(server, room)
    for typer in typers:
        assert typer.text == state["text"], typer.client_id
        assert typer.seen_versions == list(range(typer.joined_at + 1, state["version"] + 1)), (
            typer.client_id
        )
    counts = await stored_edit_counts(database_url, room)
    assert counts == {t.client_id: t.edits_to_make for t in typers}


def head_of(server: ServerProcess, room: str):  # type: ignore[no-untyped-def]
    async def head() -> int:
        while True:
            try:
                return int((await room_state(server, room))["version"])
            except httpx.HTTPError:
                await asyncio.sleep(0.2)

    return head


async def test_killed_listener_connections_lose_nothing(database_url: str) -> None:
    """pg_terminate_backend on every listener while edits flow: processes reconnect,
    re-LISTEN and catch up from the table."""
    with servers(database_url, 2) as procs:
        room = await create_room(procs[0], "")
        typers = [Typer([procs[i % 2]], room, f"t{i}", 40, seed=i, pause=0.02) for i in range(4)]
        database = database_url.rsplit("/", 1)[1]
        killed = 0

        async def kill_listeners() -> None:
            nonlocal killed
            async with connection(database_url) as conn:
                while not all(t.done for t in typers):
                    killed += len(
                        await conn.fetch(
                            """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                           WHERE application_name = 'pairpad-listener' AND datname = $1""",
                            database,
                        )
                    )
                    await asyncio.sleep(0.25)

        killer = asyncio.create_task(kill_listeners())
        await run_typers(typers, head_of(procs[0], room))
        await killer
        assert killed >= 4
        await assert_converged(database_url, procs[0], room, typers)


@pytest.fixture
async def own_postgres() -> AsyncIterator[PostgresServer]:
    """A cluster this test starts itself, so that it may restart it."""
    server = await asyncio.to_thread(PostgresServer.start_embedded)
    await server.prepare_template()
    try:
        yield server
    finally:
        server.stop()


async def test_restarted_postgres_loses_nothing(own_postgres: PostgresServer) -> None:
    """Postgres goes away mid-edit: readiness drops, clients reconnect with since,
    and once it is back everyone converges with every edit stored once."""
    database_url = await own_postgres.new_database()
    assert own_postgres.embedded is not None
    with servers(database_url, 2) as procs:
        room = await create_room(procs[0], "")
        typers = [Typer(procs, room, f"t{i}", 30, seed=i, pause=0.03) for i in range(4)]
        saw_unready = False

        async def restart_midway() -> None:
            nonlocal saw_unready
            while sum(t.edits_made for t in typers) < 40:
                await asyncio.sleep(0.05)
            assert own_postgres.embedded is not None
            await asyncio.to_thread(own_postgres.embedded.stop, "fast")
            async with httpx.AsyncClient() as http:
                for _ in range(50):
                    if (await http.get(f"{procs[1].http}/readyz")).status_code == 503:
                        saw_unready = True
                        break
                    await asyncio.sleep(0.1)
                # A request that needs the database says so, in the error body.
                refused = await http.post(f"{procs[1].http}/rooms")
                assert refused.status_code == 503
                assert refused.json()["error"]["code"] == "database_unavailable"
                assert refused.headers["retry-after"] == "1"
            await asyncio.sleep(1)
            await asyncio.to_thread(own_postgres.embedded.restart)

        fault = asyncio.create_task(restart_midway())
        await run_typers(typers, head_of(procs[0], room), timeout=180)
        await fault
        assert saw_unready
        await asyncio.gather(*(p.ready() for p in procs))
        await assert_converged(database_url, procs[0], room, typers)
        assert sum(t.reconnects for t in typers) > 0


async def test_sigkilled_process_clients_reconnect_elsewhere(database_url: str) -> None:
    """Clients of a process killed with SIGKILL reconnect to the other with since and
    lose nothing that was acknowledged."""
    with servers(database_url, 2) as procs:
        room = await create_room(procs[0], "")
        # Even seeds start on procs[0], the one that dies.
        typers = [Typer(procs, room, f"t{i}", 40, seed=2 * i, pause=0.02) for i in range(3)]

        async def kill_midway() -> None:
            while sum(t.edits_made for t in typers) < 30:
                await asyncio.sleep(0.02)
            procs[0].kill()

        fault = asyncio.create_task(kill_midway())
        await run_typers(typers, head_of(procs[1], room))
        await fault
        assert all(t.reconnects >= 1 for t in typers)
        await assert_converged(database_url, procs[1], room, typers)


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_closes_sockets_with_1012_and_exits_cleanly(
    database_url: str, workers: int
) -> None:
    with servers(database_url, 1, workers=workers) as (proc,):
        room = await create_room(proc, "x")
        client = await Client.connect(proc, room)
        code_task = asyncio.create_task(client.close_code())
        exit_code = await asyncio.to_thread(proc.terminate)
        assert await code_task == 1012
        assert exit_code == 0


async def test_rooms_joined_while_listeners_are_killed_still_hear_every_update(
    database_url: str,
) -> None:
    """LISTENs issued around a dying listener connection are never silently lost:
    every room opened meanwhile hears its other process's updates."""
    with servers(database_url, 2) as (first, second):
        stop = asyncio.Event()

        async def kill_listeners() -> None:
            async with connection(database_url) as conn:
                while not stop.is_set():
                    await conn.execute(
                        """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                           WHERE application_name = 'pairpad-listener'
                             AND datname = current_database()"""
                    )
                    await asyncio.sleep(0.05)

        killer = asyncio.create_task(kill_listeners())
        pairs = []
        try:
            for _ in range(30):
                room = await create_room(first, "")
                ada = await Client.connect(first, room)
                bob = await Client.connect(second, room)
                pairs.append((ada, bob))
        finally:
            stop.set()
            await killer
        for ada, _ in pairs:
            await ada.push(0, [[0, "x"]])
        for _, bob in pairs:
            assert (await bob.recv_type("update", timeout=10))["version"] == 1
