"""Each WebSocket message and error of PROTOCOL.md, against real server processes."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
import websockets

from tests.harness import Client, ServerProcess, create_room, room_state, servers
from tests.metrics_scrape import scrape


async def test_hello_carries_text_version_language_and_peers(server: ServerProcess) -> None:
    """The first message is hello with the room's current state and who is there."""
    room = await create_room(server, "print('hi')\n", "python")
    ada = await Client.connect(server, room, name="Ada", clientId="ada1")
    bob = await Client.connect(server, room, name="Bob")
    assert bob.hello["version"] == 0
    assert bob.hello["text"] == "print('hi')\n"
    assert bob.hello["language"] == "python"
    assert bob.hello["roomId"] == room
    assert bob.hello["role"] == "editor"
    assert bob.hello["viewId"] not in (None, room)
    assert "latestVersion" not in bob.hello
    assert [p["name"] for p in bob.hello["peers"]] == ["Ada"]
    assert bob.hello["peers"][0]["color"].startswith("#")
    assert ada.client_id == "ada1"
    await ada.close()
    await bob.close()


async def test_push_is_stored_and_broadcast_to_author_and_peers(server: ServerProcess) -> None:
    """An accepted push becomes version 1 for everyone, the author included."""
    room = await create_room(server, "hello world")
    ada = await Client.connect(server, room)
    bob = await Client.connect(server, room)
    await ada.push(0, [5, [0, ","], 6])
    for client in (ada, bob):
        update = await client.recv_type("update")
        assert update["version"] == 1
        assert update["clientId"] == ada.client_id
        assert update["changes"] == [5, [0, ","], 6]
    assert (await room_state(server, room))["text"] == "hello, world"


async def test_multi_update_push_is_stored_in_order(server: ServerProcess) -> None:
    """A push of several updates stores them as consecutive versions, all or none."""
    room = await create_room(server, "ab")
    ada = await Client.connect(server, room)
    await ada.push(0, [2, [0, "c"]], [3, [0, "d"]])
    assert [(await ada.recv_type("update"))["version"] for _ in range(2)] == [1, 2]
    assert (await room_state(server, room))["text"] == "abcd"


async def test_stale_push_gets_conflict_and_stores_nothing(server: ServerProcess) -> None:
    """A push at a version that is no longer current is answered with the current one."""
    room = await create_room(server, "x")
    ada = await Client.connect(server, room)
    bob = await Client.connect(server, room)
    await ada.push(0, [1, [0, "a"]])
    await bob.recv_type("update")
    await bob.push(0, [1, [0, "b"]])
    assert await bob.recv_type("conflict") == {"type": "conflict", "version": 1}
    state = await room_state(server, room)
    assert (state["version"], state["text"]) == (1, "xa")


async def test_push_ahead_of_the_room_gets_conflict(server: ServerProcess) -> None:
    room = await create_room(server, "x")
    ada = await Client.connect(server, room)
    await ada.push(7, [1, [0, "a"]])
    assert await ada.recv_type("conflict") == {"type": "conflict", "version": 0}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ([5, [0, ","], 4], "covers 9 units, document has 11"),
        ([5, [0, ","], 7], "covers 12 units"),
        ([5, "x", 6], "section 1"),
        ([5, [-1], 6], "section 1"),
        ([5, [0, 3], 6], "not a string"),
        ([5, [0, "a\rb"], 6], "carriage return"),
        ([5, [0, "a\u0000"], 6], "U+0000"),
        ({"insert": "x"}, "must be an array"),
        ([[11, "x" * (1024 * 1024 + 1)]], "limit is 1048576"),
    ],
)
async def test_invalid_change_set_gets_error_and_stores_nothing(
    server: ServerProcess, changes: object, fragment: str
) -> None:
    """Wrong lengths, bad sections, \\r, NUL, oversize results: error, nothing stored."""
    room = await create_room(server, "hello world")
    ada = await Client.connect(server, room)
    await ada.push(0, changes)
    error = await ada.recv_type("error")
    assert error["code"] == "invalid_changes"
    assert fragment in error["message"]
    assert (await room_state(server, room))["version"] == 0


async def test_change_splitting_a_surrogate_pair_is_invalid(server: ServerProcess) -> None:
    """Positions count UTF-16 units; one between the halves of an emoji is refused."""
    room = await create_room(server, "a😀b")
    ada = await Client.connect(server, room)
    await ada.push(0, [2, [0, "x"], 2])
    assert "surrogate" in (await ada.recv_type("error"))["message"]
    await ada.push(0, [3, [0, "x"], 1])
    assert (await ada.recv_type("update"))["version"] == 1
    assert (await room_state(server, room))["text"] == "a😀xb"


@pytest.mark.parametrize("lone", ["\\ud83d", "\\ude00x", "x\\udbff"])
async def test_lone_surrogate_insert_is_invalid_changes(server: ServerProcess, lone: str) -> None:
    """Valid JSON (it may escape any code unit) whose inserted text is not
    well-formed UTF-16: the change set is invalid, as PROTOCOL.md says."""
    room = await create_room(server, "ab")
    ada = await Client.connect(server, room)
    changes = f'[2, [0, "{lone}"]]'
    await ada.socket.send(
        f'{{"type":"push","version":0,"updates":[{{"clientId":"{ada.client_id}","changes":{changes}}}]}}'
    )
    error = await ada.recv_type("error")
    assert error["code"] == "invalid_changes", error
    assert "lone surrogate" in error["message"]
    await ada.socket.send('{"type": "presence", "selection": null, "name": "a\\ud800"}')
    assert (await ada.recv_type("error"))["code"] == "invalid_message"
    # A push's version is checked first, as for any push; a lone surrogate outside
    # the change sets is not a change-set error.
    await ada.socket.send(
        f'{{"type":"push","version":5,"updates":[{{"clientId":"{ada.client_id}","changes":{changes}}}]}}'
    )
    assert await ada.recv_type("conflict") == {"type": "conflict", "version": 0}
    await ada.socket.send(
        '{"type":"push","version":0,"updates":[{"clientId":"\\ud800","changes":[2]}]}'
    )
    assert (await ada.recv_type("error"))["code"] == "invalid_message"
    # A long frame gets the same answers.
    padding = "x" * 200_000
    await ada.socket.send(
        f'{{"type":"push","version":0,"pad":"{padding}","updates":[{{"clientId":"{ada.client_id}","changes":{changes}}}]}}'
    )
    assert (await ada.recv_type("error"))["code"] == "invalid_changes"
    await ada.socket.send(
        f'{{"type":"push","version":3,"pad":"{padding}","updates":[{{"clientId":"{ada.client_id}","changes":{changes}}}]}}'
    )
    assert (await ada.recv_type("conflict"))["version"] == 0
    assert (await room_state(server, room))["version"] == 0
    await ada.push(0, [2, [0, "c"]])
    assert (await ada.recv_type("update"))["version"] == 1


async def test_invalid_multi_update_push_stores_none_of_it(server: ServerProcess) -> None:
    room = await create_room(server, "ab")
    ada = await Client.connect(server, room)
    await ada.push(0, [2, [0, "c"]], [2, [0, "d"]])
    assert (await ada.recv_type("error"))["code"] == "invalid_changes"
    assert (await room_state(server, room))["text"] == "ab"


async def test_update_with_another_client_id_is_invalid_message(server: ServerProcess) -> None:
    room = await create_room(server, "ab")
    ada = await Client.connect(server, room)
    await ada.send(
        {
            "type": "push",
            "version": 0,
            "updates": [{"clientId": "someone-else", "changes": [2, [0, "c"]]}],
        }
    )
    assert (await ada.recv_type("error"))["code"] == "invalid_message"
    assert (await room_state(server, room))["version"] == 0


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "malformed_json"),
        ('{"type": "dance"}', "invalid_message"),
        ('{"type": "push", "version": "3", "updates": []}', "invalid_message"),
        ('{"type": "push", "version": 0, "updates": []}', "invalid_message"),
        ("[1, 2]", "invalid_message"),
        ('{"type": "presence", "selection": {"anchor": -1, "head": 0}}', "invalid_message"),
        ('{"type": "language", "language": "klingon"}', "invalid_language"),
    ],
)
async def test_bad_messages_get_errors_and_the_socket_stays_open(
    server: ServerProcess, frame: str, code: str
) -> None:
    room = await create_room(server, "ab")
    ada = await Client.connect(server, room)
    await ada.socket.send(frame)
    assert (await ada.recv_type("error"))["code"] == code
    await ada.push(0, [2, [0, "c"]])
    assert (await ada.recv_type("update"))["version"] == 1


async def test_numbers_past_64_bits_in_a_change_set_are_invalid_changes(
    server: ServerProcess,
) -> None:
    room = await create_room(server, "ab")
    ada = await Client.connect(server, room)
    for changes in ("[1e400]", "[2, [0, -1e400]]"):
        await ada.socket.send(
            f'{{"type":"push","version":0,"updates":[{{"clientId":"{ada.client_id}","changes":{changes}}}]}}'
        )
        assert (await ada.recv_type("error"))["code"] == "invalid_changes"
    await ada.push(0, [2, [0, "c"]])
    assert (await ada.recv_type("update"))["version"] == 1


async def test_a_padded_change_set_is_stored_and_relayed_compact(
    server: ServerProcess, shared_database: str
) -> None:
    room = await create_room(server, "ab")
    ada = await Client.connect(server, room)
    bob = await Client.connect(server, room)
    padding = " " * 1_000_000
    await ada.socket.send(
        f'{{"type":"push","version":0,"updates":[{{"clientId":"{ada.client_id}",'
        f'"changes":[2,{padding}[0,"c\u00e9"]{padding}]}}]}}'
    )
    for client in (ada, bob):
        assert (await client.recv_type("update"))["changes"] == [2, [0, "cé"]]
    conn = await asyncpg.connect(shared_database)
    try:
        stored = await conn.fetchval(
            "SELECT octet_length(changes::text) FROM updates WHERE room_id = $1", room
        )
    finally:
        await conn.close()
    assert stored == len('[2,[0,"cé"]]'.encode())
    # A compact change set is kept as it came.
    await ada.push(1, [4, [0, "d"]])
    assert (await bob.recv_type("update"))["changes"] == [4, [0, "d"]]


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_json_deeper_than_the_parser_is_malformed_and_the_socket_stays_open(
    server: ServerProcess, role: str
) -> None:
    room = await create_room(server, "ab")
    ada = await Client.connect(server, room)
    view = (await room_state(server, room))["viewId"]
    socket_of = ada if role == "editor" else await Client.connect(server, view)
    deep = "[" * 5_000 + "]" * 5_000
    for frame, code in (
        (deep, "invalid_message"),  # not an object: no need to look further
        (f'{{"type": "presence", "x": {deep}}}', "malformed_json"),
        (
            f'{{"type":"push","version":0,"updates":[{{"clientId":"{socket_of.client_id}","changes":{deep}}}]}}',
            "malformed_json",
        ),
    ):
        await socket_of.socket.send(frame)
        assert (await socket_of.recv_type("error"))["code"] == code
    await ada.push(0, [2, [0, "c"]])
    assert (await socket_of.recv_type("update"))["version"] == 1


async def test_binary_frame_is_invalid_message(server: ServerProcess) -> None:
    room = await create_room(server, "ab")
    ada = await Client.connect(server, room)
    await ada.socket.send(b'{"type": "presence"}')
    assert (await ada.recv_type("error"))["code"] == "invalid_message"


async def test_since_replays_the_missing_updates(server: ServerProcess) -> None:
    """A reconnecting client gets hello with text null, then every update after since."""
    room = await create_room(server, "")
    ada = await Client.connect(server, room)
    text = ""
    for i, ch in enumerate("abc"):
        await ada.push(i, [*([i] if i else []), [0, ch]])
        await ada.recv_type("update")
        text += ch
    back = await Client.connect(server, room, since=1, clientId="returning")
    assert back.hello["version"] == 1
    assert back.hello["text"] is None
    assert back.hello["latestVersion"] == 3
    assert [(await back.recv_type("update"))["version"] for _ in range(2)] == [2, 3]


async def test_since_at_the_current_version_replays_nothing(server: ServerProcess) -> None:
    room = await create_room(server, "abc")
    back = await Client.connect(server, room, since=0)
    assert (back.hello["version"], back.hello["text"], back.hello["latestVersion"]) == (0, None, 0)


async def test_since_ahead_of_the_room_starts_over_from_the_text(server: ServerProcess) -> None:
    """A hello that starts over carries the text and no latestVersion."""
    room = await create_room(server, "abc")
    back = await Client.connect(server, room, since=40)
    assert (back.hello["version"], back.hello["text"]) == (0, "abc")
    assert "latestVersion" not in back.hello


async def test_since_of_any_length_past_the_room_starts_over(server: ServerProcess) -> None:
    room = await create_room(server, "abc")
    back = await Client.connect(server, room, since="9" * 40)
    assert (back.hello["version"], back.hello["text"]) == (0, "abc")
    again = await Client.connect(server, room, since="0" * 30 + "0", clientId="again")
    assert (again.hello["version"], again.hello["text"]) == (0, None)


async def test_presence_reaches_peers_with_name_and_colour(server: ServerProcess) -> None:
    room = await create_room(server, "hello")
    ada = await Client.connect(server, room, name="Ada")
    bob = await Client.connect(server, room, name="Bob")
    await ada.send({"type": "presence", "selection": {"anchor": 1, "head": 3}, "name": "Ada L"})
    while True:
        seen = await bob.recv_type("presence")
        if seen["selection"] is not None:
            break
    assert seen["clientId"] == ada.client_id
    assert seen["name"] == "Ada L"
    assert seen["selection"] == {"anchor": 1, "head": 3}
    assert seen["color"].startswith("#")


async def test_leave_is_announced_when_a_peer_disconnects(server: ServerProcess) -> None:
    room = await create_room(server, "hello")
    ada = await Client.connect(server, room)
    bob = await Client.connect(server, room)
    await bob.close()
    assert await ada.recv_type("leave") == {"type": "leave", "clientId": bob.client_id}


async def test_language_change_is_stored_and_broadcast(server: ServerProcess) -> None:
    room = await create_room(server, "x = 1")
    ada = await Client.connect(server, room)
    bob = await Client.connect(server, room)
    await ada.send({"type": "language", "language": "typescript"})
    message = await bob.recv_type("language")
    assert message == {"type": "language", "language": "typescript", "clientId": ada.client_id}
    assert (await room_state(server, room))["language"] == "typescript"


async def test_second_socket_with_same_client_id_replaces_the_first(
    two_servers: list[ServerProcess],
) -> None:
    """4409 closes the old socket, on this process or another, and no leave goes out."""
    for target in two_servers:
        room = await create_room(two_servers[0], "x")
        watcher = await Client.connect(two_servers[0], room)
        old = await Client.connect(two_servers[0], room, clientId="same-id")
        await Client.connect(target, room, clientId="same-id")
        assert await old.close_code() == 4409
        with pytest.raises(TimeoutError):
            await watcher.recv_type("leave", timeout=1)


async def test_unknown_room_closes_4404(server: ServerProcess) -> None:
    async with websockets.connect(f"{server.ws}/ws/NoSuchRoom123") as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


@pytest.mark.parametrize("path", ["/ws/short", "/ws/has.dots.in.it", "/ws/" + "x" * 59])
async def test_malformed_room_id_closes_4400(server: ServerProcess, path: str) -> None:
    async with websockets.connect(f"{server.ws}{path}") as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


@pytest.mark.parametrize("query", ["clientId=bad%20id", "since=-1", "name=" + "n" * 41])
async def test_malformed_query_closes_4400(server: ServerProcess, query: str) -> None:
    room = await create_room(server, "x")
    async with websockets.connect(f"{server.ws}/ws/{room}?{query}") as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


# Another page on this machine is another origin too (PROTOCOL.md lists no exception).
@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:5173"])
async def test_foreign_origin_closes_4403(server: ServerProcess, origin: str) -> None:
    room = await create_room(server, "x")
    async with websockets.connect(
        f"{server.ws}/ws/{room}", origin=websockets.Origin(origin)
    ) as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_same_origin_is_allowed(server: ServerProcess) -> None:
    room = await create_room(server, "x")
    async with websockets.connect(
        f"{server.ws}/ws/{room}", origin=websockets.Origin(f"http://127.0.0.1:{server.port}")
    ) as socket:
        assert json.loads(await socket.recv())["type"] == "hello"


async def test_oversize_frame_closes_1009(server: ServerProcess) -> None:
    room = await create_room(server, "x")
    ada = await Client.connect(server, room)
    try:
        await ada.socket.send("x" * (8 * 1024 * 1024 + 1))
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 1009
    else:
        assert await ada.close_code() == 1009
    assert (await room_state(server, room))["version"] == 0


async def test_error_flood_closes_1008(server: ServerProcess) -> None:
    before = await scrape(f"{server.http}/metrics")
    room = await create_room(server, "x")
    ada = await Client.connect(server, room)
    for _ in range(25):
        await ada.socket.send("{")
    assert await ada.close_code() == 1008
    after = await scrape(f"{server.http}/metrics")
    counted = "pairpad_rate_limited_total"
    assert after.value(counted, limit="errors") == before.value(counted, limit="errors") + 1


async def test_message_flood_closes_1008_and_others_keep_working(
    server: ServerProcess,
) -> None:
    room = await create_room(server, "x")
    ada = await Client.connect(server, room)
    bob = await Client.connect(server, room)
    before = await scrape(f"{server.http}/metrics")
    for _ in range(1000):
        await ada.send({"type": "presence", "selection": {"anchor": 0, "head": 0}})
    assert await ada.close_code() == 1008
    # Counted once, however many frames came after the limit.
    after = await scrape(f"{server.http}/metrics")
    counted = "pairpad_rate_limited_total"
    assert after.value(counted, limit="messages") == before.value(counted, limit="messages") + 1
    await bob.push(0, [1, [0, "y"]])
    assert (await bob.recv_type("update"))["version"] == 1


async def test_edit_through_one_process_reaches_a_client_of_the_other(
    two_servers: list[ServerProcess],
) -> None:
    """It is the notification that carries an update between processes."""
    first, second = two_servers
    room = await create_room(first, "shared")
    ada = await Client.connect(first, room)
    bob = await Client.connect(second, room)
    await ada.push(0, [6, [0, "!"]])
    update = await bob.recv_type("update")
    assert (update["version"], update["changes"]) == (1, [6, [0, "!"]])
    await bob.push(1, [7, [0, "?"]])
    assert (await ada.recv_type("update", timeout=5))["version"] == 1
    assert (await ada.recv_type("update", timeout=5))["version"] == 2


async def test_large_update_crosses_processes_without_its_payload(
    two_servers: list[ServerProcess], shared_database: str
) -> None:
    """An update over NOTIFY's 8000 bytes is announced truncated and read from the table."""
    first, second = two_servers
    room = await create_room(first, "")
    listener = await asyncpg.connect(shared_database)
    notes: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(f"room:{room}", lambda *args: notes.put_nowait(args[3]))
    try:
        bob = await Client.connect(second, room)
        ada = await Client.connect(first, room)
        big = "é" * 5000  # 10,000 bytes of UTF-8
        await ada.push(0, [[0, big]])
        update = await bob.recv_type("update")
        assert update["changes"] == [[0, big]]
        while True:
            note = json.loads(await asyncio.wait_for(notes.get(), 5))
            if note["type"] == "update":
                break
        assert note == {
            "type": "update",
            "version": 1,
            "clientId": ada.client_id,
            "truncated": True,
        }
    finally:
        await listener.close()


async def test_notifications_are_readable_protocol_messages(
    server: ServerProcess, shared_database: str
) -> None:
    """What an operator sees with LISTEN "room:<id>" in psql."""
    room = await create_room(server, "ab")
    listener = await asyncpg.connect(shared_database)
    notes: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(f"room:{room}", lambda *args: notes.put_nowait(args[3]))
    try:
        ada = await Client.connect(server, room, name="Ada")
        await ada.push(0, [2, [0, "c"]])
        await ada.send({"type": "language", "language": "javascript"})
        seen = [json.loads(await asyncio.wait_for(notes.get(), 5)) for _ in range(3)]
    finally:
        await listener.close()
    by_type = {note["type"]: note for note in seen}
    assert by_type["presence"]["name"] == "Ada"
    assert by_type["update"] == {
        "type": "update",
        "version": 1,
        "clientId": ada.client_id,
        "changes": [2, [0, "c"]],
    }
    assert by_type["language"]["language"] == "javascript"


async def test_slow_reader_is_closed_1013_without_stalling_the_room(
    database_url: str,
) -> None:
    """A socket that stops reading overflows its bounded queue and is closed."""
    with servers(database_url, 1, env={"PAIRPAD_SEND_QUEUE_LIMIT": "8"}) as (proc,):
        room = await create_room(proc, "")
        slow_socket = await websockets.connect(f"{proc.ws}/ws/{room}", max_size=None, max_queue=1)
        await slow_socket.recv()
        writer = await Client.connect(proc, room)
        chunk = "y" * 60000
        length = 0
        for version in range(120):
            changes = [[length, chunk]] if length else [[0, chunk]]
            await writer.push(version, changes)
            assert (await writer.recv_type("update"))["version"] == version + 1
            length = len(chunk)
        await asyncio.sleep(0.5)
        codes = []
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(slow_socket.recv(), 10)
        codes.append(closed.value.rcvd.code if closed.value.rcvd else None)
        assert codes == [1013]


async def test_since_far_behind_starts_over_from_the_text(database_url: str) -> None:
    """History is kept whole, but a reconnect further behind than the catch-up limit
    gets the text rather than a replay that would hold the room's lock."""
    with servers(database_url, 1, env={"PAIRPAD_CATCH_UP_LIMIT": "3"}) as (proc,):
        room = await create_room(proc, "")
        ada = await Client.connect(proc, room)
        for version in range(5):
            await ada.push(version, [*([version] if version else []), [0, "x"]])
            await ada.recv_type("update")
        near = await Client.connect(proc, room, since=2)
        assert (near.hello["text"], near.hello["latestVersion"]) == (None, 5)
        far = await Client.connect(proc, room, since=1)
        assert (far.hello["version"], far.hello["text"]) == (5, "xxxxx")
        for client in (ada, near, far):
            await client.close()
