"""History retention deletes old updates while other processes may still be behind:
the version check must not take a deleted version again, and a process that fell
behind the cut must start over from a checkpoint rather than stall."""

from __future__ import annotations

from service.rooms import RoomHub
from service.store import Retention
from tests.harness import joined_in_process, sent_messages

NOTHING_KEPT = Retention(versions=0)


async def _stored_elsewhere(hub: RoomHub, room_id: str, versions: range) -> None:
    """Updates that another process stored, each appending its version's digit."""
    await hub.store.pool.executemany(
        "INSERT INTO updates (room_id, version, client_id, changes) VALUES ($1, $2, 'bob', $3)",
        [(room_id, v, f"[{v - 1}, [0, {str(v % 10)!r}]]".replace("'", '"')) for v in versions],
    )


def _text_at(version: int) -> str:
    return "".join(str(v % 10) for v in range(1, version + 1))


async def _versions_stored(hub: RoomHub, room_id: str) -> list[int]:
    rows = await hub.store.pool.fetch(
        "SELECT version FROM updates WHERE room_id = $1 ORDER BY version", room_id
    )
    return [r["version"] for r in rows]


async def test_a_fold_keeping_nothing_cuts_at_the_checkpoint_before_its_own(
    hub: RoomHub,
) -> None:
    """The updates up to the checkpoint a fold writes stay: other processes may be
    reading them from the table right now (a truncated note sends them there)."""
    room, _ = await joined_in_process(hub, "")
    await _stored_elsewhere(hub, room.id, range(1, 21))
    await hub.store.fold(room.id, _text_at(10), 10, NOTHING_KEPT)
    assert await _versions_stored(hub, room.id) == list(range(1, 21))
    await hub.store.fold(room.id, _text_at(20), 20, NOTHING_KEPT)
    assert await _versions_stored(hub, room.id) == list(range(11, 21))


async def test_a_version_behind_the_newest_checkpoint_is_taken_though_its_row_is_gone(
    hub: RoomHub,
) -> None:
    """A process behind the cut pushes at a version whose row retention deleted: the
    primary key alone would store it a second time and fork the room."""
    room, _ = await joined_in_process(hub, "")
    await _stored_elsewhere(hub, room.id, range(1, 21))
    await hub.store.fold(room.id, _text_at(10), 10, NOTHING_KEPT)
    await hub.store.fold(room.id, _text_at(20), 20, NOTHING_KEPT)
    assert await hub.writer.store(room.id, 5, "ada", '[4, [0, "x"]]') is False
    assert await hub.writer.store(room.id, 10, "ada", '[9, [0, "x"]]') is False
    assert await hub.writer.store(room.id, 21, "ada", '[20, [0, "x"]]') is True
    assert await _versions_stored(hub, room.id) == list(range(11, 22))


async def test_a_process_behind_the_cut_starts_over_from_the_newest_checkpoint(
    hub: RoomHub,
) -> None:
    """Its catch-up finds the table starting past its version: it reads the room
    afresh and sends its sockets to join again, instead of stalling on the gap."""
    room, ada = await joined_in_process(hub, "")
    sent_messages(ada)
    async with room.lock:  # this process hears nothing meanwhile
        await _stored_elsewhere(hub, room.id, range(1, 26))
        await hub.store.fold(room.id, _text_at(10), 10, NOTHING_KEPT)
        await hub.store.fold(room.id, _text_at(20), 20, NOTHING_KEPT)
        await room.catch_up()
    assert (room.version, room.doc.text) == (25, _text_at(25))
    assert ada.closing
    await _stored_elsewhere(hub, room.id, range(26, 27))
    async with room.lock:
        await room.catch_up()
    assert room.version == 26


async def test_a_fold_from_a_process_behind_adds_no_checkpoint(hub: RoomHub) -> None:
    """A process behind the room folds as its last socket leaves: behind a retention
    cut, its checkpoint would become `oldest`, with the updates after it gone."""
    room, _ = await joined_in_process(hub, "")
    await _stored_elsewhere(hub, room.id, range(1, 21))
    await hub.store.fold(room.id, _text_at(10), 10, NOTHING_KEPT)
    await hub.store.fold(room.id, _text_at(20), 20, NOTHING_KEPT)
    await hub.store.fold(room.id, _text_at(5), 5, NOTHING_KEPT)
    checkpoints = await hub.store.pool.fetch(
        "SELECT version FROM checkpoints WHERE room_id = $1 ORDER BY version", room.id
    )
    assert [c["version"] for c in checkpoints] == [10, 20]
