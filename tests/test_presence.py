"""Presence across processes: joins show up within a second, the dead go within 30 s."""

from __future__ import annotations

import asyncio
import time

from service import messages
from service.presence import Notes, RoomPresence
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


async def test_an_editor_that_moves_process_is_listed_once_and_leaves_once(
    two_servers: list[ServerProcess],
) -> None:
    """Dee reconnects through Bob's process, as a client does after a drop: that
    process forgets what the other told it of Dee's old socket, so a hello lists
    her once and her leave reaches Bob."""
    first, second = two_servers
    room = await create_room(first, "x")
    bob = await Client.connect(second, room, name="Bob", clientId="bob")
    dee = await Client.connect(first, room, name="Dee", clientId="dee")
    while (await bob.recv_type("presence", timeout=5))["clientId"] != "dee":
        pass  # Bob's process now knows Dee through the other one
    moved = await Client.connect(second, room, name="Dee", clientId="dee")
    assert await dee.close_code() == 4409
    cid = await Client.connect(second, room, clientId="cid")
    assert sorted(p["clientId"] for p in cid.hello["peers"]) == ["bob", "dee"]
    await moved.socket.close()
    assert (await bob.recv_type("leave", timeout=5))["clientId"] == "dee"
    for client in (bob, cid):
        await client.socket.close()


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


class FakeSocket:
    """What `RoomPresence` sees of a local socket (`LocalPeer`)."""

    def __init__(self, client_id: str, socket_id: str, joined_at_ms: int, watches: bool) -> None:
        self.client_id = client_id
        self.socket_id = socket_id
        self.joined_at_ms = joined_at_ms
        self.replaced = False
        self.viewers_seen = -1
        self.watches_only = watches
        self.closed_with: int | None = None

    @property
    def closing(self) -> bool:
        return self.closed_with is not None

    def send(self, message: str) -> None:
        pass

    def close(self, code: int, reason: str) -> None:
        self.closed_with = code

    def presence(self) -> messages.Presence:
        return messages.Presence(
            client_id=self.client_id, name="n", color="#000000", selection=None
        )

    def presence_note(self, joining: bool = False) -> messages.PresenceNote:
        raise AssertionError("viewers are never announced")


def joined_note(client_id: str, socket_id: str, joined_at_ms: int) -> messages.ViewersNote:
    joined = [messages.JoinedViewer(client_id, socket_id, joined_at_ms)]
    return messages.ViewersNote(count=1, process="elsewhere", joined=joined)


async def test_only_a_newer_viewer_socket_elsewhere_replaces_a_local_one() -> None:
    """Count notes name the viewers that joined: a later join of the same client
    through another process closes the local viewer (4409); news of an older
    socket, or of a viewer claiming a local editor's id, closes nothing."""
    presence: RoomPresence[FakeSocket] = RoomPresence("here", lambda: None, lambda notes: None)
    viewer = FakeSocket("v1", "bbbb", joined_at_ms=2_000, watches=True)
    editor = FakeSocket("ed", "cccc", joined_at_ms=2_000, watches=False)
    presence.add(viewer)
    presence.add(editor)
    presence.heard_viewers(joined_note("v1", "aaaa", 1_000))  # late news of an older socket
    presence.heard_viewers(joined_note("ed", "dddd", 9_000))  # a viewer claiming an editor's id
    assert viewer.closed_with is None and editor.closed_with is None
    assert presence.viewers.local == 1
    presence.heard_viewers(joined_note("v1", "eeee", 3_000))
    assert viewer.closed_with == 4409 and viewer.replaced
    assert "v1" not in presence.local and presence.viewers.local == 0
    await presence.close()


async def test_a_burst_of_joins_is_named_in_notes_that_fit_notify() -> None:
    published: list[Notes] = []
    presence: RoomPresence[FakeSocket] = RoomPresence("here", lambda: None, published.append)
    ids = [f"{i:03d}".ljust(64, "x") for i in range(120)]
    for i, client_id in enumerate(ids):
        presence.add(FakeSocket(client_id, f"{i:012x}", 1_700_000_000_000 + i, watches=True))
    await asyncio.sleep(0.01)  # the first count note goes out at once
    payloads = [p for notes in published for p in notes.payloads]
    assert all(len(p.encode()) < 8_000 for p in payloads)
    notes = [messages.decode_note(p) for p in payloads]
    assert all(isinstance(n, messages.ViewersNote) and n.count == 120 for n in notes)
    named = [j.client_id for n in notes if isinstance(n, messages.ViewersNote) for j in n.joined]
    assert named == ids
    await presence.close()
