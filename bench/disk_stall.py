"""Scenario 8: typing while Postgres's disk is under pressure, for Pairpad and ShareDB.

Both store every edit before anyone sees it, so both wait for the disk on every
commit: a stall of the WAL's fsync is a stall of typing. Here each types at R
rooms (the Node load generator of scenario 7, Pairpad on its two processes,
ShareDB on its one) while, in another database of the same cluster, a bulk write
of `stall_mb` MiB is followed by a `CHECKPOINT`, over and over until the window
ends: the checkpoint writes and fsyncs every dirty page, and commits queue behind
it on the disk. Reported: edit-to-peer p99 and max of each, and how long the bulk
writes and checkpoints took (how hard the disk was pressed in each window).
"""

from __future__ import annotations

import logging
import time

import asyncpg

from bench import peer_systems
from bench.common import Json, now, ratio, sleep_until
from bench.infra import create_rooms, server_pid
from bench.scenarios import KIB, Bench, _code_text
from tests.harness import connection

log = logging.getLogger("bench")


async def press_disk(db_url: str, mb: int, t_start: float, t_end: float) -> Json:
    """From a second into the window until shortly before its end: bulk write, then
    CHECKPOINT, then drop the table, again and again."""
    conn = await asyncpg.connect(db_url)
    bulk: list[float] = []
    checkpoints: list[float] = []
    try:
        await sleep_until(t_start + 1.0)
        n = 0
        while now() < t_end - 2.0:
            n += 1
            t0 = time.monotonic()
            # About 1 KiB a row, not compressed (below the TOAST threshold): heap and WAL.
            await conn.execute(
                f"CREATE TABLE bulk_{n} AS "
                "SELECT g, repeat(md5(g::text), 30) AS filler "
                f"FROM generate_series(1, {mb * 1024}) AS g"
            )
            t1 = time.monotonic()
            await conn.execute("CHECKPOINT")
            t2 = time.monotonic()
            await conn.execute(f"DROP TABLE bulk_{n}")
            bulk.append(round(t1 - t0, 3))
            checkpoints.append(round(t2 - t1, 3))
    finally:
        await conn.close()
    return {"bulk_mb": mb, "bulk_seconds": bulk, "checkpoint_seconds": checkpoints}


async def scenario_disk_stall(bench: Bench) -> None:
    problem = peer_systems.ensure_installed()
    if problem is not None:
        bench.results["disk_stall"] = {"missing": problem}
        raise RuntimeError(problem)
    plan = bench.plan
    stall_url = await bench.postgres.server.new_database(migrated=False)
    peers_url = await peer_systems.prepare_database(bench)
    settings = await _settings(bench.db_url)
    out: Json = {"bulk_mb": plan.stall_mb, "postgres_settings": settings, "systems": {}}
    rooms = plan.peer_rooms

    async def stall(t_start: float, t_end: float) -> Json:
        return await press_disk(stall_url, plan.stall_mb, t_start, t_end)

    pairpad = await peer_systems.run_load(
        bench,
        "pairpad",
        "Pairpad",
        [s.ws for s in bench.servers],
        await create_rooms(bench.servers[0], rooms, text=_code_text(KIB)),
        2,
        0.2,
        plan.stall_seconds,
        [server_pid(s) for s in bench.servers],
        during=stall,
    )
    out["systems"]["Pairpad"] = pairpad
    [sharedb] = peer_systems.peer_servers(peer_systems._versions(), peers_url, only=("sharedb",))
    try:
        await sharedb.ready()
        out["systems"][sharedb.name] = await peer_systems.run_load(
            bench,
            "sharedb",
            sharedb.name,
            [sharedb.url],
            peer_systems.fresh_ids(rooms),
            2,
            0.2,
            plan.stall_seconds,
            [sharedb.process.pid],
            during=stall,
        )
    finally:
        sharedb.stop()
    # Their curves go to a plot of their own, not among the peers'.
    for name in out["systems"]:
        bench.samples[f"stall {name}"] = bench.samples.pop(f"peers {name}", [])
    p99 = {name: run["edit_to_peer_ms"]["p99"] for name, run in out["systems"].items()}
    out["p99_ratio"] = ratio(p99.get("Pairpad"), p99.get(sharedb.name))
    for name, run in out["systems"].items():
        run["label"] = f"{name} typing R={rooms} during disk stalls"
    log.info("disk stall: p99 %s", p99)
    bench.results["disk_stall"] = out


async def _settings(db_url: str) -> Json:
    """The settings that shape a checkpoint's effect on commits, as in force."""
    names = [
        "fsync",
        "synchronous_commit",
        "full_page_writes",
        "wal_compression",
        "wal_buffers",
        "max_wal_size",
        "checkpoint_timeout",
        "checkpoint_completion_target",
        "checkpoint_flush_after",
        "backend_flush_after",
        "bgwriter_flush_after",
        "wal_writer_flush_after",
        "shared_buffers",
    ]
    async with connection(db_url) as conn:
        rows = await conn.fetch(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])", names
        )
    return {r["name"]: _with_unit(r["setting"], r["unit"]) for r in rows}


def _with_unit(setting: str, unit: str | None) -> str:
    if not unit:
        return setting
    # Some count in blocks: backend_flush_after 32 in units of 8kB is 256 kB.
    return f"{setting}x{unit}" if unit[0].isdigit() else f"{setting}{unit}"
