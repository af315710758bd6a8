"""View-only links (PROTOCOL.md v2): both ids open the room, a viewer never
learns the room id, may only watch, is counted across processes and never
announced; editors' viewports are relayed."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets

from tests.harness import Client, ServerProcess, insert, servers

FAST_PRESENCE = {
    "PAIRPAD_PRESENCE_HEARTBEAT_SECONDS": "0.5",
    "PAIRPAD_PRESENCE_EXPIRY_SECONDS": "3",
}


async def new_room(server: ServerProcess, text: str = "") -> tuple[str, str]:
    """A new room's (room id, view id)."""
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{server.http}/rooms", json={"text": text})
    assert response.status_code == 201
    body = response.json()
    assert body["viewUrl"] == f"/room/{body['viewId']}"
    assert body["viewId"] != body["roomId"]
    return body["roomId"], body["viewId"]


async def viewers_until(client: Client, count: int, timeout: float = 10) -> list[int]:
    """Every `viewers` count the client receives until it reads `count`."""
    seen: list[int] = []
    while not seen or seen[-1] != count:
        seen.append((await client.recv_type("viewers", timeout=timeout))["count"])
    return seen


async def drain(client: Client, quiet: float = 0.5) -> list[dict[str, Any]]:
    """Whatever arrives until the socket is quiet for `quiet` seconds."""
    got: list[dict[str, Any]] = []
    while True:
        try:
            got.append(await client.recv(timeout=quiet))
        except TimeoutError:
            return got


async def test_both_ids_open_the_page_the_room_and_the_socket(
    two_servers: list[ServerProcess],
) -> None:
    """The room id edits and the view id watches, on page, HTTP and socket, on
    either process."""
    first, second = two_servers
    room, view = await new_room(first, "hello")
    async with httpx.AsyncClient() as http:
        for server in (first, second):
            for some_id in (room, view):
                page = await http.get(f"{server.http}/room/{some_id}")
                assert page.status_code == 200
                assert page.headers["content-type"].startswith("text/html")
            as_editor = (await http.get(f"{server.http}/rooms/{room}")).json()
            assert as_editor == {
                "roomId": room,
                "viewId": view,
                "role": "editor",
                "version": 0,
                "text": "hello",
                "language": "python",
            }
            as_viewer = (await http.get(f"{server.http}/rooms/{view}")).json()
            assert as_viewer == {
                "viewId": view,
                "role": "viewer",
                "version": 0,
                "text": "hello",
                "language": "python",
            }
    editor = await Client.connect(first, room)
    viewer = await Client.connect(second, view)
    assert editor.hello["role"] == "editor"
    assert (editor.hello["roomId"], editor.hello["viewId"]) == (room, view)
    assert viewer.hello["role"] == "viewer"
    assert viewer.hello["viewId"] == view
    assert "roomId" not in viewer.hello
    assert viewer.hello["text"] == "hello"
    await editor.push(0, insert(5, 5, "!"))
    update = await viewer.recv_type("update")
    assert (update["version"], update["changes"]) == (1, [5, [0, "!"]])
    await editor.close()
    await viewer.close()


async def test_the_room_id_reaches_a_viewer_nowhere(two_servers: list[ServerProcess]) -> None:
    """Scan all a viewer gets (hello, updates, presence, leave, language, viewers,
    every error, HTTP answers) for the room id: it is never there."""
    first, second = two_servers
    room, view = await new_room(first, "abc")
    viewer = await Client.connect(second, view, name="Watcher")
    editor = await Client.connect(first, room, name="Ada")
    other = await Client.connect(second, room, name="Bob")
    await editor.send({"type": "presence", "selection": {"anchor": 1, "head": 2}})
    await editor.send(
        {
            "type": "presence",
            "selection": {"anchor": 0, "head": 0},
            "viewport": {"from": 0, "to": 3},
        }
    )
    await editor.push(0, insert(3, 3, "d"))
    await editor.recv_type("update")
    await editor.push(1, [[4, "x" * 9000]])  # too big for a NOTIFY payload: read from the table
    await editor.send({"type": "language", "language": "rust"})
    await other.close()  # a leave
    for frame in (
        json.dumps({"type": "push", "version": 0, "updates": []}),
        json.dumps({"type": "language", "language": "go"}),
        json.dumps({"type": "run", "event": "start", "runId": "r1", "language": "python"}),
        json.dumps({"type": "presence", "selection": {"anchor": -1, "head": 0}}),
        json.dumps({"type": "nonsense"}),
        "{not json",
    ):
        await viewer.socket.send(frame)
    await viewer.socket.send(b"\x00binary")
    another = await Client.connect(first, view)  # the count changes: a viewers message
    seen = [viewer.hello, another.hello, *await drain(viewer, quiet=1.5)]
    await another.close()
    kinds = {m["type"] for m in seen}
    assert {"hello", "update", "presence", "leave", "language", "viewers", "error"} <= kinds
    late = await Client.connect(first, view, since=0)  # a catch-up hello and its backlog
    seen += [late.hello, *await drain(late)]
    async with httpx.AsyncClient() as http:
        for server in (first, second):
            for path in (f"/rooms/{view}", f"/room/{view}", f"/ws/{view}"):
                response = await http.get(f"{server.http}{path}")
                seen.append({"status": response.status_code, "body": response.text})
                seen.append(dict(response.headers))
    text = json.dumps(seen)
    assert room not in text
    assert view in text
    for client in (viewer, editor, late):
        await client.close()


@pytest.mark.parametrize(
    "message",
    [
        {"type": "push", "version": 0, "updates": [{"clientId": "v1", "changes": [[0, "x"]]}]},
        {"type": "language", "language": "rust"},
        {"type": "run", "event": "start", "runId": "r1", "language": "python", "version": 0},
        # Valid JSON that msgspec refuses: still read_only, not a change-set error.
        {"type": "push", "version": 0, "updates": [{"clientId": "v1", "changes": [[0, "\ud800"]]}]},
    ],
    ids=["push", "language", "run", "push with a lone surrogate"],
)
async def test_a_viewer_gets_read_only_and_stays(
    server: ServerProcess, message: dict[str, Any]
) -> None:
    """push, language and run from a viewer: read_only, nothing changes, the socket
    stays open, and 30 of them (over the 20-error limit) do not get it closed."""
    room, view = await new_room(server, "x")
    editor = await Client.connect(server, room)
    viewer = await Client.connect(server, view, clientId="v1")
    for _ in range(30):
        await viewer.send(message)
    for _ in range(30):
        error = await viewer.recv_type("error")
        assert error["code"] == "read_only"
    async with httpx.AsyncClient() as http:
        state = (await http.get(f"{server.http}/rooms/{room}")).json()
    assert (state["version"], state["text"], state["language"]) == (0, "x", "python")
    await editor.push(0, insert(1, 1, "y"))
    assert (await viewer.recv_type("update"))["version"] == 1
    await viewer.send({"type": "presence", "name": "Still here"})
    await editor.close()
    await viewer.close()


async def test_a_viewer_is_neither_listed_nor_announced(two_servers: list[ServerProcess]) -> None:
    """Viewers join, name themselves, move and leave without a presence or a leave;
    hello's peers lists editors only."""
    first, second = two_servers
    room, view = await new_room(first, "some text")
    editor = await Client.connect(first, room, name="Ada")
    viewer = await Client.connect(second, view, name="Watcher")
    await viewer.send(
        {
            "type": "presence",
            "name": "Renamed",
            "selection": {"anchor": 1, "head": 1},
            "viewport": {"from": 0, "to": 4},
        }
    )
    late = await Client.connect(first, room, name="Bob")
    assert [p["name"] for p in late.hello["peers"]] == ["Ada"]
    await viewer.close()
    got = await drain(editor, quiet=1.5)
    assert {m["type"] for m in got} <= {"presence", "viewers"}
    assert all(m["clientId"] == late.client_id for m in got if m["type"] == "presence")
    # The second process dropped the room with its last socket: a viewer opening
    # it again hears of the editors from the other process within a second.
    second_viewer = await Client.connect(second, view)
    names = {p["name"] for p in second_viewer.hello["peers"]}
    names |= {m["name"] for m in await drain(second_viewer, quiet=1.5) if m["type"] == "presence"}
    assert names == {"Ada", "Bob"}
    for client in (editor, late, second_viewer):
        await client.close()


async def test_viewers_are_counted_across_processes_coalesced_and_fall_on_leave(
    two_servers: list[ServerProcess],
) -> None:
    """Twenty viewers joining through both processes: every socket learns the total
    in a few coalesced `viewers` messages (never one per join), and the count
    falls as they leave."""
    first, second = two_servers
    room, view = await new_room(first, "x")
    editors = [await Client.connect(first, room), await Client.connect(second, room)]
    assert editors[0].hello["viewers"] == 0
    servers_cycle = [first, second]
    viewers = await asyncio.gather(*(Client.connect(servers_cycle[i % 2], view) for i in range(20)))
    started = time.monotonic()
    for editor in editors:
        seen = await viewers_until(editor, 20)
        assert len(seen) <= 4, seen
    assert time.monotonic() - started < 4
    # Each viewer heard of the others in at most a few messages, hello's count included.
    for viewer in viewers:
        counts = [viewer.hello["viewers"]] + [
            m["count"] for m in await drain(viewer, quiet=0.2) if m["type"] == "viewers"
        ]
        assert counts[-1] == 20
        assert len(counts) <= 4, counts
    late = await Client.connect(second, view)
    assert late.hello["viewers"] == 21
    for viewer in [*viewers[:15], late]:
        await viewer.close()
    for editor in editors:
        await viewers_until(editor, 5)
    for viewer in viewers[15:]:
        await viewer.close()
    for editor in editors:
        await viewers_until(editor, 0)
        await editor.close()


async def test_a_process_that_opens_the_room_late_counts_the_viewers_elsewhere(
    two_servers: list[ServerProcess],
) -> None:
    """hello counts the viewers on every process (PROTOCOL.md v2), also on a
    process that opens the room after another has viewers: it reads their counts
    when it opens the room, instead of waiting up to a second for their next note."""
    first, second = two_servers
    room, view = await new_room(first, "x")
    editor = await Client.connect(first, room)
    watching = [await Client.connect(first, view) for _ in range(2)]
    await viewers_until(editor, 2)
    # The second count goes out on the pace of count notes (presence.py).
    await asyncio.sleep(0.5)
    late_editor = await Client.connect(second, room)
    assert late_editor.hello["viewers"] == 2
    await late_editor.close()  # the second process drops the room again
    await asyncio.sleep(0.3)
    late_viewer = await Client.connect(second, view)
    assert late_viewer.hello["viewers"] == 3
    await viewers_until(editor, 3)
    for client in (editor, *watching, late_viewer):
        await client.close()


@pytest.mark.parametrize("open_already", [True, False])
async def test_hello_counts_viewers_who_joined_another_process_just_before(
    two_servers: list[ServerProcess], open_already: bool
) -> None:
    """A burst of viewers on one process is in a hello on the other within the
    pace of count notes, whether that process serves the room already or opens it."""
    first, second = two_servers
    room, view = await new_room(first, "x")
    if open_already:
        await Client.connect(second, room)
    watching = await asyncio.gather(*(Client.connect(first, view) for _ in range(3)))
    await asyncio.sleep(0.6)
    late = await Client.connect(second, room)
    assert late.hello["viewers"] == 3
    for client in (late, *watching):
        await client.close()


async def test_viewers_of_a_killed_process_stop_counting(database_url: str) -> None:
    """A process that dies without a word stops publishing its count: the others
    drop it after the presence expiry (3 s here) and the count falls."""
    with servers(database_url, 2, env=FAST_PRESENCE) as (doomed, survivor):
        room, view = await new_room(survivor, "x")
        editor = await Client.connect(survivor, room)
        local = await Client.connect(survivor, view)
        for _ in range(3):
            await Client.connect(doomed, view)
        await viewers_until(editor, 4)
        # Still counted after several heartbeats: the count is refreshed, not forgotten.
        await asyncio.sleep(4)
        extra = await Client.connect(survivor, view)
        assert extra.hello["viewers"] == 5
        doomed.kill()
        killed_at = time.monotonic()
        await viewers_until(editor, 2, timeout=10)
        assert time.monotonic() - killed_at < 6
        for client in (editor, local, extra):
            await client.close()


async def test_viewport_is_relayed_and_checked(two_servers: list[ServerProcess]) -> None:
    """An editor's viewport reaches the others, on both processes, exactly as sent;
    a bad one is invalid_message and changes nothing."""
    first, second = two_servers
    room, view = await new_room(first, "a\n" * 100)
    ada = await Client.connect(first, room, name="Ada")
    bob = await Client.connect(second, room, name="Bob")
    viewer = await Client.connect(first, view)
    await ada.recv_type("presence")  # Bob's join
    await ada.send(
        {
            "type": "presence",
            "selection": {"anchor": 4, "head": 4},
            "viewport": {"from": 20, "to": 120},
        }
    )
    for client in (bob, viewer):
        presence = await client.recv_type("presence")
        while presence["clientId"] != ada.client_id or "viewport" not in presence:
            presence = await client.recv_type("presence")
        assert presence == {
            "type": "presence",
            "clientId": ada.client_id,
            "name": "Ada",
            "color": presence["color"],
            "selection": {"anchor": 4, "head": 4},
            "viewport": {"from": 20, "to": 120},
        }
    for bad in (
        {"from": 30, "to": 10},
        {"from": -1, "to": 10},
        {"from": 1.5, "to": 10},
        {"from": 1},
        {"from": "0", "to": 1},
    ):
        await ada.send({"type": "presence", "selection": None, "viewport": bad})
        error = await ada.recv_type("error")
        assert error["code"] == "invalid_message", (bad, error)
    # Without a viewport, presence is as in version 1: no viewport key at all.
    await ada.send({"type": "presence", "selection": {"anchor": 1, "head": 1}})
    presence = await bob.recv_type("presence")
    while presence.get("selection") != {"anchor": 1, "head": 1}:
        presence = await bob.recv_type("presence")
    assert "viewport" not in presence
    for client in (ada, bob, viewer):
        await client.close()


async def test_a_slow_viewer_is_closed_1013_and_never_holds_up_editors(
    database_url: str,
) -> None:
    """A viewer that stops reading overflows its bounded queue and is closed with
    1013, while the editors' updates keep flowing."""
    with servers(database_url, 1, env={"PAIRPAD_SEND_QUEUE_LIMIT": "8"}) as (proc,):
        room, view = await new_room(proc, "")
        slow = await websockets.connect(f"{proc.ws}/ws/{view}", max_size=None, max_queue=1)
        await slow.recv()
        writer = await Client.connect(proc, room)
        reader = await Client.connect(proc, room)
        chunk = "y" * 60000
        length = 0
        for version in range(120):
            changes = [[length, chunk]] if length else [[0, chunk]]
            await writer.push(version, changes)
            assert (await writer.recv_type("update"))["version"] == version + 1
            assert (await reader.recv_type("update"))["version"] == version + 1
            length = len(chunk)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(slow.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        await writer.close()
        await reader.close()


async def test_a_viewer_claiming_an_editors_client_id_displaces_nobody(
    two_servers: list[ServerProcess],
) -> None:
    """Editors' client ids are in every update a viewer sees; claiming one through the
    view link, on the editor's process or another, neither closes the editor (4409)
    nor hides its presence: the viewer gets an id of its own."""
    first, second = two_servers
    room, view = await new_room(first, "hello")
    ada = await Client.connect(first, room, clientId="ada-editor", name="Ada")
    bob = await Client.connect(second, room, clientId="bob-editor", name="Bob")
    same_process = await Client.connect(first, view, clientId="ada-editor")
    other_process = await Client.connect(second, view, clientId="ada-editor")
    assert same_process.hello["clientId"] != "ada-editor"
    await ada.push(0, insert(5, 5, "!"))
    assert (await ada.recv_type("update"))["version"] == 1
    assert (await same_process.recv_type("update"))["clientId"] == "ada-editor"
    await ada.send({"type": "presence", "selection": {"anchor": 2, "head": 2}})
    presence = await bob.recv_type("presence")
    while presence["clientId"] != "ada-editor" or presence["selection"] is None:
        presence = await bob.recv_type("presence")
    assert presence["selection"] == {"anchor": 2, "head": 2}
    await ada.push(1, insert(6, 6, "?"))
    assert (await ada.recv_type("update"))["version"] == 2  # still open, still editing
    for client in (ada, bob, same_process, other_process):
        await client.close()


async def test_a_viewer_reconnecting_through_another_process_replaces_its_old_socket(
    two_servers: list[ServerProcess],
) -> None:
    """A viewer that reconnects with its client id through another process while
    its old socket still looks open (a dropped network, say) replaces it there with
    4409, as an editor does, so it is counted once; the newest socket wins each
    time the viewer moves."""
    first, second = two_servers
    room, view = await new_room(first, "x")
    editor = await Client.connect(first, room)
    old = await Client.connect(first, view, clientId="viewer-1")
    await viewers_until(editor, 1)
    moved = await Client.connect(second, view, clientId="viewer-1")
    assert moved.hello["clientId"] == "viewer-1"
    assert await old.close_code(timeout=5) == 4409
    # Counted once: 2 for a moment at most, then 1 (sockets hear counts once a second).
    await asyncio.sleep(1.5)
    counts = [m["count"] for m in await drain(editor, quiet=0.3) if m["type"] == "viewers"]
    assert not counts or counts[-1] == 1, counts
    other_editor = await Client.connect(second, room)
    assert other_editor.hello["viewers"] == 1
    await other_editor.close()
    await editor.push(0, insert(1, 1, "!"))
    assert (await moved.recv_type("update"))["version"] == 1  # the new socket stays
    back = await Client.connect(first, view, clientId="viewer-1")
    assert await moved.close_code(timeout=5) == 4409
    await editor.push(1, insert(2, 2, "?"))
    assert (await back.recv_type("update"))["version"] == 2
    for client in (editor, back):
        await client.close()
