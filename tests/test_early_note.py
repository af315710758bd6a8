"""A push's own notification often reaches the listener before the writer hears
its commit. The push then settles that note itself, under the room's lock, instead
of the room's pump after it (rooms.py: `_settle_early_note`); and when the push
lost its version to another process, the note it holds is the winner's update,
which must still reach every socket, once and in order.

These run one process's `RoomHub` in the test, on a real Postgres, and hold the
writer's answer back until the note has come, so that the order is certain."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from service import messages
from service.rooms import LiveRoom, RoomHub
from tests.harness import joined_in_process, sent_messages


def _push(version: int, changes: list[Any]) -> messages.Push:
    raw = msgspec.Raw(msgspec.json.encode(changes))
    return messages.Push(version=version, updates=[messages.PushedUpdate("ada", raw)])


def _hold_writer_until_note(
    hub: RoomHub, room: LiveRoom, before: Callable[[], Awaitable[None]] | None = None
) -> asyncio.Event:
    """The writer stores as usual (after `before`), then answers only once the
    room has heard a notification of its room: the note comes first."""
    heard = asyncio.Event()
    deliver = room.deliver_note

    def deliver_and_tell(payload: str) -> None:
        deliver(payload)
        if '"update"' in payload:
            heard.set()

    room.deliver_note = deliver_and_tell  # type: ignore[method-assign]
    store = hub.writer.store

    async def store_then_wait(*args: Any, **kwargs: Any) -> bool:
        if before is not None:
            await before()
        stored = await store(*args, **kwargs)
        await asyncio.wait_for(heard.wait(), 5)
        return stored

    hub.writer.store = store_then_wait  # type: ignore[method-assign]
    return heard


async def test_a_push_settles_its_own_early_note_without_the_pump(hub: RoomHub) -> None:
    room, ada = await joined_in_process(hub, "ab")
    sent_messages(ada)  # the hello
    _hold_writer_until_note(hub, room)
    pumped: list[str] = []
    handle = room._handle_note

    async def count_pumped(payload: str, arrived: float) -> None:
        if payload.startswith('{"type" : "update"'):
            pumped.append(payload)
        await handle(payload, arrived)

    room._handle_note = count_pumped  # type: ignore[method-assign]
    await room.push(ada, _push(0, [2, [0, "c"]]))
    await asyncio.sleep(0.2)
    # Settled by the push: the pump (a queue, a task switch, a decode and the
    # lock, for a note that is dropped in the end) never saw it.
    assert pumped == []
    updates = [m for m in sent_messages(ada) if m["type"] == "update"]
    assert [(u["version"], u["clientId"]) for u in updates] == [(1, "ada")]
    assert (room.version, room.doc.text) == (1, "abc")


async def test_a_push_that_lost_its_version_delivers_the_winners_early_note(
    hub: RoomHub,
) -> None:
    room, ada = await joined_in_process(hub, "ab")
    sent_messages(ada)

    async def rival_takes_version_1() -> None:
        # Another process's push of the same version commits first.
        await hub.store.pool.execute(
            "INSERT INTO updates (room_id, version, client_id, changes) VALUES ($1, 1, $2, $3)",
            room.id,
            "rival",
            '[[0, "x"], 2]',
        )

    _hold_writer_until_note(hub, room, before=rival_takes_version_1)
    await room.push(ada, _push(0, [2, [0, "c"]]))
    sent = sent_messages(ada)
    assert [m["type"] for m in sent] == ["conflict", "update"], sent
    assert (sent[1]["version"], sent[1]["clientId"]) == (1, "rival")
    assert (room.version, room.doc.text) == (1, "xab")
    await asyncio.sleep(0.2)
    assert sent_messages(ada) == []  # delivered once
