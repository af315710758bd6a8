"""Group commit: concurrent single-update pushes share transactions, each still
version-checked and announced on its own."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from service.store import Store, VersionTaken, create_pool
from service.writer import UpdateWriter


async def test_batched_updates_are_version_checked_and_each_announced(database_url: str) -> None:
    pool = await create_pool(database_url, 1, 2)
    listener = await asyncpg.connect(database_url)
    heard: list[str] = []
    try:
        store = Store(pool)
        rooms = [f"writer-room-{i:03d}" for i in range(40)]
        for room in rooms:
            await store.create_room(room, "python", "")
            await listener.add_listener(f"room:{room}", lambda *args: heard.append(args[2]))
        writer = UpdateWriter(pool)
        first = [writer.store(room, 1, "ada", '[[0, "a"]]') for room in rooms]
        # A rival for version 1 of the first room, in the same batch or the next.
        rival = writer.store(rooms[0], 1, "bob", '[[0, "b"]]')
        results = await asyncio.gather(*first, rival)
        assert results[:-1] == [True] * len(rooms)
        assert results[-1] is False
        assert await writer.store(rooms[0], 2, "bob", '[1, [0, "b"]]') is True
        await asyncio.sleep(0.5)
        assert sorted(heard) == sorted([f"room:{room}" for room in rooms] + [f"room:{rooms[0]}"])
        count = await pool.fetchval("SELECT count(*) FROM updates")
        assert count == len(rooms) + 1
    finally:
        await listener.close()
        await pool.close()


async def test_a_malformed_row_does_not_sink_its_batch(database_url: str) -> None:
    pool = await create_pool(database_url, 1, 2)
    try:
        store = Store(pool)
        await store.create_room("writer-good-1", "python", "")
        await store.create_room("writer-bad-01", "python", "")
        writer = UpdateWriter(pool)
        good = writer.store("writer-good-1", 1, "ada", '[[0, "a"]]')
        bad = writer.store("writer-bad-01", 1, "ada", "[[0, ")
        results = await asyncio.gather(good, bad, return_exceptions=True)
        assert results[0] is True
        assert isinstance(results[1], asyncpg.PostgresError)
    finally:
        await pool.close()


async def test_two_processes_racing_for_the_same_rooms_neither_deadlock_nor_double_win(
    database_url: str,
) -> None:
    """Batches from two writers claim the same keys in opposite orders: every key has
    exactly one winner, and no batch dies of a deadlock."""
    pools = [await create_pool(database_url, 1, 2) for _ in range(2)]
    try:
        store = Store(pools[0])
        rooms = [f"race-room-{i:03d}" for i in range(60)]
        for room in rooms:
            await store.create_room(room, "python", "")
        writers = [UpdateWriter(pool) for pool in pools]
        for version in range(1, 6):
            claims = [
                writers[0].store(room, version, "ada", "[]" if version == 1 else "[0]")
                for room in rooms
            ] + [
                writers[1].store(room, version, "bob", "[]" if version == 1 else "[0]")
                for room in reversed(rooms)
            ]
            results = await asyncio.gather(*claims)
            wins = results[: len(rooms)], list(reversed(results[len(rooms) :]))
            assert all(a != b for a, b in zip(*wins, strict=True))
    finally:
        for pool in pools:
            await pool.close()


async def test_a_multi_update_push_that_loses_a_version_stores_none_of_it(
    database_url: str,
) -> None:
    """All or none: a push whose first version is taken leaves no later row behind,
    announces nothing, and raises VersionTaken (not a unique violation in the log)."""
    pool = await create_pool(database_url, 1, 2)
    listener = await asyncpg.connect(database_url)
    heard: list[str] = []
    try:
        store = Store(pool)
        await store.create_room("multi-push-1", "python", "")
        await listener.add_listener("room:multi-push-1", lambda *args: heard.append(args[3]))
        await store.insert_updates("multi-push-1", 1, [("ada", '[[0, "a"]]')])
        with pytest.raises(VersionTaken):
            await store.insert_updates(
                "multi-push-1", 1, [("bob", '[[0, "b"]]'), ("bob", '[1, [0, "c"]]')]
            )
        rows = await pool.fetch("SELECT version, client_id FROM updates ORDER BY version")
        assert [(r["version"], r["client_id"]) for r in rows] == [(1, "ada")]
        await asyncio.sleep(0.3)
        assert len(heard) == 1
    finally:
        await listener.close()
        await pool.close()


async def test_a_pusher_that_went_away_does_not_strand_its_batch(database_url: str) -> None:
    """A push cancelled while its batch is in flight (its socket closed) leaves the
    other pushes of that batch answered and the writer working."""
    pool = await create_pool(database_url, 1, 2)
    try:
        store = Store(pool)
        await store.create_room("gone-room-1", "python", "")
        await store.create_room("gone-room-2", "python", "")
        writer = UpdateWriter(pool)
        gone = asyncio.create_task(writer.store("gone-room-1", 1, "ada", '[[0, "a"]]'))
        staying = asyncio.create_task(writer.store("gone-room-2", 1, "bob", '[[0, "b"]]'))
        await asyncio.sleep(0)  # both are queued, the flush has begun
        gone.cancel()
        assert await asyncio.wait_for(staying, 5) is True
        later = writer.store("gone-room-2", 2, "bob", '[1, [0, "c"]]')
        assert await asyncio.wait_for(later, 5) is True
    finally:
        await pool.close()


async def test_a_push_that_lost_its_version_names_nobody(database_url: str) -> None:
    """An author span goes in only with a stored update: a lost race leaves none,
    so a later rename back cannot leave the history naming the wrong name."""
    pool = await create_pool(database_url, 1, 2)
    try:
        store = Store(pool)
        await store.create_room("named-race-1", "python", "")
        writer = UpdateWriter(pool)
        assert await writer.store("named-race-1", 1, "ada", '[[0, "a"]]', "Ada") is True
        assert await writer.store("named-race-1", 1, "bob", '[[0, "b"]]', "Bob") is False
        rows = await pool.fetch("SELECT client_id, from_version, name FROM authors")
        assert [(r["client_id"], r["from_version"], r["name"]) for r in rows] == [("ada", 1, "Ada")]
    finally:
        await pool.close()


async def test_the_writer_keeps_its_connection_between_pushes_then_gives_it_back(
    database_url: str,
) -> None:
    """Pushes a typist's pace apart reuse one connection and one task; after the
    linger the connection is back in the pool, and close() does not wait it out."""
    pool = await create_pool(database_url, 2, 2)
    try:
        store = Store(pool)
        await store.create_room("linger-room1", "python", "")
        writer = UpdateWriter(pool, linger=0.3)
        assert await writer.store("linger-room1", 1, "ada", '[[0, "a"]]') is True
        task = writer._flushing
        await asyncio.sleep(0.05)
        assert pool.get_idle_size() == 1  # held between two keystrokes
        assert await writer.store("linger-room1", 2, "ada", '[1, [0, "b"]]') is True
        assert writer._flushing is task
        await asyncio.sleep(0.5)
        assert pool.get_idle_size() == 2  # given back once nobody typed for the linger
        assert await writer.store("linger-room1", 3, "ada", '[2, [0, "c"]]') is True
        loop = asyncio.get_running_loop()
        started = loop.time()
        await writer.close()
        assert loop.time() - started < 0.2
        assert pool.get_idle_size() == 2
        # A push after close (a straggler during shutdown) is still written.
        assert await writer.store("linger-room1", 4, "ada", '[3, [0, "d"]]') is True
        await writer.close()
        text = await pool.fetchval(
            "SELECT string_agg(changes::text, ' ' ORDER BY version) FROM updates"
            " WHERE room_id = 'linger-room1'"
        )
        assert text.count("[") >= 4
    finally:
        await pool.close()


async def test_a_push_while_the_writer_lingers_is_written_by_its_own_task(
    database_url: str,
) -> None:
    """With the connection lingering and nothing in flight, the pushing task writes its
    row itself; pushes that come while it does are queued and written by the writer's
    task, and all are answered."""
    pool = await create_pool(database_url, 1, 2)
    try:
        store = Store(pool)
        for i in range(4):
            await store.create_room(f"lead-room-{i}", "python", "")
        writer = UpdateWriter(pool)
        assert await writer.store("lead-room-0", 1, "ada", '[[0, "a"]]') is True
        writers: list[asyncio.Task[Any] | None] = []
        insert = writer._insert

        async def recording_insert(conn: Any, batch: Any) -> set[tuple[str, int]]:
            writers.append(asyncio.current_task())
            return await insert(conn, batch)

        writer._insert = recording_insert  # type: ignore[method-assign]
        lead = asyncio.create_task(writer.store("lead-room-1", 1, "ada", '[[0, "a"]]'))
        await asyncio.sleep(0)  # the leader's insert is in flight
        queued = [writer.store(f"lead-room-{i}", 1, "bob", '[[0, "b"]]') for i in (2, 3)]
        assert await asyncio.gather(lead, *queued) == [True, True, True]
        assert writers == [lead, writer._flushing]
    finally:
        await pool.close()


async def test_a_push_cancelled_while_writing_on_the_lingering_connection(
    database_url: str,
) -> None:
    """A pusher whose socket closes while it writes on the lingering connection leaves
    that connection cancelling its query; the next push waits for that and is written."""
    pool = await create_pool(database_url, 1, 2)
    try:
        store = Store(pool)
        await store.create_room("cancel-room1", "python", "")
        writer = UpdateWriter(pool)
        assert await writer.store("cancel-room1", 1, "ada", '[[0, "a"]]') is True
        gone = asyncio.create_task(writer.store("cancel-room1", 2, "ada", '[1, [0, "b"]]'))
        await asyncio.sleep(0)  # its insert is in flight on the lingering connection
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        head = await pool.fetchval(
            "SELECT max(version) FROM updates WHERE room_id = 'cancel-room1'"
        )
        next_version = head + 1
        after = writer.store("cancel-room1", next_version, "ada", f'[{head}, [0, "c"]]')
        assert await asyncio.wait_for(after, 5) is True
        await writer.close()
    finally:
        await pool.close()


async def test_a_push_after_the_lingering_connection_was_closed_takes_another(
    database_url: str,
) -> None:
    """The server closing the connection the writer lingers on (a restart while nobody
    typed) costs the next push nothing: it is written on another connection, not
    failed on the dead one (which would close its socket)."""
    pool = await create_pool(database_url, 2, 2)
    try:
        store = Store(pool)
        await store.create_room("lost-room", "python", "")
        writer = UpdateWriter(pool, linger=30)
        assert await writer.store("lost-room", 1, "ada", '[[0, "a"]]') is True
        lingering = writer._conn
        assert lingering is not None
        backend = lingering.get_server_pid()
        closed = asyncio.Event()
        lingering.add_termination_listener(lambda _conn: closed.set())
        await pool.execute("SELECT pg_terminate_backend($1)", backend)
        await asyncio.wait_for(closed.wait(), 5)
        assert await writer.store("lost-room", 2, "ada", '[1, [0, "b"]]') is True
        assert writer._conn is not None and writer._conn.get_server_pid() != backend
        await writer.close()
    finally:
        await pool.close()
