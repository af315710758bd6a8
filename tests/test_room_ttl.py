"""Room lifetime: idle rooms go with their updates, rooms in use stay, one sweeper."""

from __future__ import annotations

import asyncio

import httpx

from service.lifetime import SWEEP_LOCK
from tests.harness import Client, ServerProcess, connection, create_room, insert, servers
from tests.metrics_scrape import scrape

TTL_SECONDS = 10
FAST_SWEEP = {
    "PAIRPAD_ROOM_TTL_DAYS": str(TTL_SECONDS / 86400),
    "PAIRPAD_TOUCH_SECONDS": "1",
    "PAIRPAD_ROOM_SWEEP_SECONDS": "1",
}


async def _exists(server: ServerProcess, room_id: str) -> bool:
    async with httpx.AsyncClient() as http:
        status = (await http.get(f"{server.http}/rooms/{room_id}")).status_code
    assert status in (200, 404)
    return status == 200


async def _stored_updates(database_url: str, room_id: str) -> int:
    async with connection(database_url) as conn:
        return int(await conn.fetchval("SELECT count(*) FROM updates WHERE room_id = $1", room_id))


async def test_sweep_deletes_an_idle_room_and_keeps_one_with_an_open_socket(
    database_url: str,
) -> None:
    """Two processes; the busy room is older than the idle one but has a socket open on
    the other process the whole time, so only the idle one (and its updates) goes."""
    with servers(database_url, 2, env=FAST_SWEEP) as (a, b):
        busy = await create_room(a)
        watcher = await Client.connect(b, busy)
        idle = await create_room(a)
        writer = await Client.connect(a, idle)
        await writer.push(0, insert(0, 0, "soon gone"), insert(9, 9, "!"))
        assert (await writer.recv_type("update"))["version"] == 1
        await writer.close()
        assert await _stored_updates(database_url, idle) == 2
        for _ in range(TTL_SECONDS * 4):
            await asyncio.sleep(0.5)
            if not await _exists(a, idle):
                break
        else:
            raise AssertionError("the idle room was never swept")
        assert await _stored_updates(database_url, idle) == 0
        assert await _exists(a, busy)
        await watcher.push(0, insert(0, 0, "still here"))
        assert (await watcher.recv_type("update"))["version"] == 1
        await watcher.close()
        swept = (await scrape(f"{a.http}/metrics")).value("pairpad_rooms_expired_total")
        swept += (await scrape(f"{b.http}/metrics")).value("pairpad_rooms_expired_total")
        assert swept == 1, a.log() + b.log()


async def test_sweep_runs_in_one_process_at_a_time_and_in_batches(database_url: str) -> None:
    """While another session holds the sweep's advisory lock, no process deletes
    anything; once it is free, the expired rooms go, a small batch at a time."""
    async with connection(database_url) as holder:
        assert await holder.fetchval("SELECT pg_try_advisory_lock($1)", SWEEP_LOCK)
        env = {**FAST_SWEEP, "PAIRPAD_ROOM_SWEEP_BATCH": "2"}
        with servers(database_url, 2, env=env) as (a, b):
            rooms = [await create_room(a) for _ in range(5)]
            await holder.execute(
                "UPDATE rooms SET touched_at = now() - interval '1 day' WHERE id = ANY($1)",
                rooms,
            )
            await asyncio.sleep(3)  # every process has tried to sweep
            assert all([await _exists(a, room) for room in rooms])
            busy = sum(
                [
                    (await scrape(f"{p.http}/metrics")).value(
                        "pairpad_sweeps_total", outcome="busy"
                    )
                    for p in (a, b)
                ]
            )
            assert busy >= 2
            await holder.execute("SELECT pg_advisory_unlock($1)", SWEEP_LOCK)
            for _ in range(40):
                await asyncio.sleep(0.25)
                if not any([await _exists(a, room) for room in rooms]):
                    break
            else:
                raise AssertionError("expired rooms were not swept once the lock was free")


async def test_a_too_short_ttl_is_refused(database_url: str) -> None:
    """A time to live that live rooms' touches could not outrun stops the server."""
    proc = ServerProcess(
        database_url, PAIRPAD_ROOM_TTL_DAYS=str(5 / 86400), PAIRPAD_TOUCH_SECONDS="60"
    ).start()
    try:
        assert proc.proc is not None
        await asyncio.to_thread(proc.proc.wait, 30)
        assert "PAIRPAD_ROOM_TTL_DAYS" in proc.log()
    finally:
        proc.kill()
