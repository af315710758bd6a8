"""A client that reconnects with `since` to a process that has not heard of the
room's newest updates yet (their notes still queued) gets them from the table:
it is never told to start over because this process lags (PROTOCOL.md `hello`)."""

from __future__ import annotations

from service.rooms import RoomHub
from service.session import Session
from tests.harness import joined_in_process, sent_messages


async def _stored_elsewhere(hub: RoomHub, room_id: str, versions: range) -> None:
    """Updates that another process stored: this one hears of them only by note."""
    for version in versions:
        await hub.store.pool.execute(
            "INSERT INTO updates (room_id, version, client_id, changes) VALUES ($1, $2, $3, $4)",
            room_id,
            version,
            "bob",
            f'[[0, "{version}"], {version + 1}]',
        )


async def test_since_past_what_this_process_holds_is_caught_up_from_the_table(
    hub: RoomHub,
) -> None:
    room, ada = await joined_in_process(hub, "ab")
    sent_messages(ada)
    async with room.lock:  # the pump cannot deliver the notes meanwhile
        await _stored_elsewhere(hub, room.id, range(1, 6))
        # Bob saw version 5 on the other process; he comes here.
        bob = Session("bob", "Bob", hub.settings, ada.ref)
        await room.admit(bob, 5)
    hello, *rest = sent_messages(bob)
    assert (hello["version"], hello["text"], hello["latestVersion"]) == (5, None, 5)
    assert rest == []


async def test_latest_version_is_the_rooms_not_this_processs(hub: RoomHub) -> None:
    room, ada = await joined_in_process(hub, "ab")
    sent_messages(ada)
    async with room.lock:
        await _stored_elsewhere(hub, room.id, range(1, 4))
        cid = Session("cid", "Cid", hub.settings, ada.ref)
        await room.admit(cid, 1)
    hello, *updates = sent_messages(cid)
    assert (hello["version"], hello["latestVersion"]) == (1, 3)
    assert [u["version"] for u in updates] == [2, 3]
    # Ada, already here, gets the updates read from the table too, once.
    assert [u["version"] for u in sent_messages(ada) if u["type"] == "update"] == [1, 2, 3]


async def test_a_client_far_behind_is_replayed_not_started_over(hub: RoomHub) -> None:
    """Twelve thousand updates behind (past the old limit of ten thousand): the
    history is whole, so the hello replays it and the client keeps its unsent edits."""
    room, ada = await joined_in_process(hub, "")
    behind = 12_000
    await hub.store.pool.executemany(
        "INSERT INTO updates (room_id, version, client_id, changes) VALUES ($1, $2, 'bob', $3)",
        [
            (room.id, v, f'[[0, "x"], {v - 1}]' if v > 1 else '[[0, "x"]]')
            for v in range(1, behind + 1)
        ],
    )
    async with room.lock:
        eve = Session("eve", "Eve", hub.settings, ada.ref)
        await room.admit(eve, 0)
    hello, *updates = sent_messages(eve)
    assert (hello["version"], hello["text"], hello["latestVersion"]) == (0, None, behind)
    assert [u["version"] for u in updates] == list(range(1, behind + 1))
