"""Presence across processes: joins show up within a second, the dead go within 30 s."""

from __future__ import annotations

import asyncio
import time

from tests.harness import Client, ServerProcess, create_room, servers


async def test_joiners_on_different_processes_see_each_other_within_a_second(
    two_servers: list[ServerProcess],
) -> None:
    first, second = two_servers
    room = await create_room(first, "x")
    ada = await Client.connect(first, room, name="Ada")
    started = time.monotonic()
    bob = await Client.connect(second, room, name="Bob")
    seen_by_ada = await ada.recv_type("presence", timeout=1)
    assert seen_by_ada["name"] == "Bob"
    # Bob's hello may predate Ada's news on his process; her re-announce follows.
    if not bob.hello["peers"]:
        seen_by_bob = await bob.recv_type("presence", timeout=1)
        assert seen_by_bob["name"] == "Ada"
    assert time.monotonic() - started < 1.5


async def test_peer_of_a_killed_process_disappears(database_url: str) -> None:
    """A process that dies without a word stops announcing its peers; the others
    expire them (here with a 3 s expiry instead of 30 s) and send leave."""
    fast = {"PAIRPAD_PRESENCE_HEARTBEAT_SECONDS": "0.5", "PAIRPAD_PRESENCE_EXPIRY_SECONDS": "3"}
    with servers(database_url, 2, env=fast) as (doomed, survivor):
        room = await create_room(survivor, "x")
        watcher = await Client.connect(survivor, room)
        ghost = await Client.connect(doomed, room, name="Ghost")
        assert (await watcher.recv_type("presence"))["clientId"] == ghost.client_id
        doomed.kill()
        started = time.monotonic()
        leave = await watcher.recv_type("leave", timeout=10)
        assert leave == {"type": "leave", "clientId": ghost.client_id}
        assert time.monotonic() - started < 5
        await asyncio.sleep(0)
