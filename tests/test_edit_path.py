"""What one edit's path runs on: the uvicorn options in force, the embedded Postgres's
settings for the commit tail, and the commit batches that the benchmark reads back."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.infra import batch_sizes, summarize_batches
from service.embedded import DEFAULT_SETTINGS, EmbeddedPostgres
from service.store import Store, create_pool
from service.writer import UpdateWriter
from tests.harness import Client, connection, create_room, servers


async def _served_by(database_url: str, env: dict[str, str]) -> str:
    with servers(database_url, 1, env=env) as [server]:
        room = await create_room(server)
        client = await Client.connect(server, room)
        await client.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lines = [line for line in server.log().splitlines() if "websockets served by" in line]
            if lines:
                return lines[0]
            await asyncio.sleep(0.1)
    raise AssertionError("the server never said what serves its websockets")


async def test_uvicorn_loop_and_websocket_implementation_follow_the_settings(
    database_url: str,
) -> None:
    """The defaults are uvloop and Pairpad's text-frame reading on websockets' sans-I/O
    protocol; the settings change them."""
    default = await _served_by(database_url, {})
    assert "service.text_frames.TextFrameProtocol" in default
    assert "uvloop.Loop" in default
    stock = await _served_by(database_url, {"PAIRPAD_UVICORN_WS": "websockets-sansio"})
    assert "websockets_sansio_impl.WebSocketsSansIOProtocol" in stock
    other = await _served_by(
        database_url, {"PAIRPAD_UVICORN_LOOP": "asyncio", "PAIRPAD_UVICORN_WS": "websockets"}
    )
    assert "websockets_impl.WebSocketProtocol" in other
    assert "uvloop" not in other


async def test_embedded_postgres_keeps_durability_and_runs_its_checkpoint_settings() -> None:
    """fsync, synchronous commit and full-page writes stay on; the tail settings are in force."""
    data_dir = Path(tempfile.mkdtemp(prefix="pairpad-embedded-")) / "pgdata"
    embedded = EmbeddedPostgres(data_dir)
    url = embedded.start()
    try:
        async with connection(url) as conn:
            rows = await conn.fetch(
                "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])",
                [*DEFAULT_SETTINGS, "fsync", "synchronous_commit", "full_page_writes"],
            )
    finally:
        embedded.stop()
    found = {r["name"]: (r["setting"], r["unit"]) for r in rows}
    assert found["fsync"][0] == "on"
    assert found["synchronous_commit"][0] == "on"
    assert found["full_page_writes"][0] == "on"
    assert found["wal_compression"][0] == "pglz"
    assert found["checkpoint_timeout"] == ("900", "s")
    assert found["max_wal_size"] == ("2048", "MB")
    assert found["checkpoint_completion_target"][0] == "0.9"
    assert found["backend_flush_after"] == ("32", "8kB")  # 256 kB in 8 kB pages


async def test_commit_batches_read_back_as_transactions(database_url: str) -> None:
    """Pushes that queue while the writer is busy share one transaction, and the table
    tells (rows of one transaction share its xmin): what the batched ceiling replays."""
    pool = await create_pool(database_url, 1, 2)
    try:
        store = Store(pool)
        rooms = [f"batch-room-{i:03d}" for i in range(30)]
        for room in rooms:
            await store.create_room(room, "python", "")
        writer = UpdateWriter(pool)
        started = time.time()
        assert all(await asyncio.gather(*(writer.store(r, 1, "ada", '[[0, "a"]]') for r in rooms)))
        # Then one at a time: each its own transaction.
        for room in rooms[:3]:
            assert await writer.store(room, 2, "ada", '[1, [0, "b"]]')
        sizes = await batch_sizes(database_url, rooms, (started - 1, time.time() + 1))
    finally:
        await pool.close()
    assert sorted(sizes) == [1, 1, 1, 30]
    summary = summarize_batches(sizes)
    assert summary["transactions"] == 4
    assert summary["rows"] == 33
    assert summary["row_weighted_median"] == 30
