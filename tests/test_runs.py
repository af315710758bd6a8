"""Shared runs (PROTOCOL.md `run`) against two real server processes on real Postgres."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import httpx
import pytest

from service.runs import RunRecord
from tests.harness import Client, ServerProcess, connection, create_room, servers


def start(run_id: str = "r1", version: int = 0, language: str = "python") -> dict[str, Any]:
    return {
        "type": "run",
        "event": "start",
        "runId": run_id,
        "language": language,
        "version": version,
    }


def output(text: str, run_id: str = "r1", stream: str = "stdout") -> dict[str, Any]:
    return {"type": "run", "event": "output", "runId": run_id, "stream": stream, "text": text}


def end(run_id: str = "r1", status: str = "ok", duration_ms: int = 12) -> dict[str, Any]:
    return {
        "type": "run",
        "event": "end",
        "runId": run_id,
        "status": status,
        "durationMs": duration_ms,
    }


async def quiet(client: Client, seconds: float = 0.3) -> list[dict[str, Any]]:
    """Whatever reaches `client` within `seconds`, presence aside."""
    seen = []
    try:
        while True:
            message = await client.recv(seconds)
            if message["type"] not in ("presence", "leave"):
                seen.append(message)
    except TimeoutError:
        return seen


async def error_code(client: Client) -> str:
    return str((await client.recv_type("error"))["code"])


async def test_run_is_relayed_to_the_other_process_and_not_echoed(
    two_servers: list[ServerProcess],
) -> None:
    """Each run message reaches the room's other sockets on both processes with the
    runner's clientId, in order, and never comes back to the runner."""
    a, b = two_servers
    room = await create_room(a)
    ada = await Client.connect(a, room, clientId="ada")
    bob = await Client.connect(b, room, clientId="bob")
    cid = await Client.connect(a, room, clientId="cid")
    await ada.send(start(version=0))
    await ada.send(output("hello\n"))
    await ada.send(output("oops\n", stream="stderr"))
    await ada.send(end(duration_ms=153))
    for peer in (bob, cid):
        got = [await peer.recv_type("run") for _ in range(4)]
        assert got == [
            {**start(version=0), "clientId": "ada"},
            {**output("hello\n"), "clientId": "ada"},
            {**output("oops\n", stream="stderr"), "clientId": "ada"},
            {**end(duration_ms=153), "clientId": "ada"},
        ]
    # The other way round: from process B to process A.
    await bob.send(start("b7", 0, "javascript"))
    await bob.send(end("b7", "error", 3))
    assert (await ada.recv_type("run"))["clientId"] == "bob"
    assert (await ada.recv_type("run"))["status"] == "error"
    assert [m for m in await quiet(bob) if m["type"] == "run"] == []
    await cid.recv_type("run")
    for client in (ada, bob, cid):
        await client.close()


async def test_last_run_is_in_hello_on_both_processes(two_servers: list[ServerProcess]) -> None:
    """A joiner on either process gets the room's last run, with its output merged by
    stream in order; null while nothing ran; status null while the run goes on."""
    a, b = two_servers
    room = await create_room(a)
    ada = await Client.connect(a, room, clientId="ada")
    watcher = await Client.connect(b, room)  # process B learns the run from notes
    assert ada.hello["lastRun"] is None
    await ada.send(start(version=0))
    await ada.send(output("a"))
    await ada.send(output("b"))
    await ada.send(output("E", stream="stderr"))
    for _ in range(4):
        await watcher.recv_type("run")
    for server in (a, b):
        joiner = await Client.connect(server, room)
        going = joiner.hello["lastRun"]
        assert going["status"] is None and going["durationMs"] is None
        assert going["output"] == [
            {"stream": "stdout", "text": "ab"},
            {"stream": "stderr", "text": "E"},
        ]
        await joiner.close()
    await ada.send(output("c"))
    await ada.send(end(duration_ms=40))
    await watcher.recv_type("run")
    await watcher.recv_type("run")
    expected = {
        "runId": "r1",
        "clientId": "ada",
        "language": "python",
        "version": 0,
        "status": "ok",
        "durationMs": 40,
        "output": [
            {"stream": "stdout", "text": "ab"},
            {"stream": "stderr", "text": "E"},
            {"stream": "stdout", "text": "c"},
        ],
    }
    for server in (a, b):
        joiner = await Client.connect(server, room)
        assert joiner.hello["lastRun"] == expected
        await joiner.close()
    await ada.close()
    await watcher.close()
    await asyncio.sleep(0.3)
    # No socket of the room left anywhere: a joiner's process reads it from the table.
    fresh = await Client.connect(b, room)
    assert fresh.hello["lastRun"] == expected
    await fresh.close()


async def test_process_that_loads_the_room_mid_run_has_every_piece_at_once(
    two_servers: list[ServerProcess],
) -> None:
    """Output relayed before another process opened the room is in that process's
    first hello, mid-run; what follows reaches the joiner live, each piece once."""
    a, b = two_servers
    room = await create_room(a)
    ada = await Client.connect(a, room, clientId="ada")
    cid = await Client.connect(a, room)  # hearing each piece means A has stored it
    await ada.send(start())
    await cid.recv_type("run")
    for i in range(5):
        await ada.send(output(f"{i}\n"))
        await cid.recv_type("run")
    late = await Client.connect(b, room)  # B opens the room now, mid-run
    going = late.hello["lastRun"]
    assert going["status"] is None
    assert going["output"] == [{"stream": "stdout", "text": "0\n1\n2\n3\n4\n"}]
    await ada.send(output("5\n", stream="stderr"))
    await ada.send(end())
    assert [m for m in await quiet(late, 1.0) if m["type"] == "run"] == [
        {**output("5\n", stream="stderr"), "clientId": "ada"},
        {**end(), "clientId": "ada"},
    ]
    joiner = await Client.connect(b, room)
    assert joiner.hello["lastRun"]["output"] == [
        {"stream": "stdout", "text": "0\n1\n2\n3\n4\n"},
        {"stream": "stderr", "text": "5\n"},
    ]
    assert joiner.hello["lastRun"]["status"] == "ok"
    for client in (ada, cid, late, joiner):
        await client.close()


async def test_two_people_run_at_once_and_the_last_started_is_last_run(
    two_servers: list[ServerProcess],
) -> None:
    """Two runs interleave, each its own; lastRun is the one that started last."""
    a, b = two_servers
    room = await create_room(a)
    ada = await Client.connect(a, room, clientId="ada")
    bob = await Client.connect(b, room, clientId="bob")
    await ada.send(start("same"))
    await ada.recv_type("presence")
    assert (await bob.recv_type("run"))["event"] == "start"
    await bob.send(start("same", language="typescript"))
    assert (await ada.recv_type("run"))["clientId"] == "bob"
    await ada.send(output("from ada", "same"))
    await bob.send(output("from bob", "same"))
    await ada.send(end("same"))
    await bob.send(end("same", "timeout", 10000))
    bob_saw = [await bob.recv_type("run") for _ in range(2)]
    ada_saw = [await ada.recv_type("run") for _ in range(2)]
    assert [m["text"] for m in bob_saw if m["event"] == "output"] == ["from ada"]
    assert [m["text"] for m in ada_saw if m["event"] == "output"] == ["from bob"]
    await asyncio.sleep(0.2)
    for server in (a, b):
        joiner = await Client.connect(server, room)
        last = joiner.hello["lastRun"]
        assert (last["clientId"], last["language"], last["status"]) == (
            "bob",
            "typescript",
            "timeout",
        )
        assert last["output"] == [{"stream": "stdout", "text": "from bob"}]
        await joiner.close()
    await ada.close()
    await bob.close()


async def test_closing_mid_run_ends_it_as_interrupted(two_servers: list[ServerProcess]) -> None:
    """The runner's server ends a run whose socket closed, for everyone and in hello."""
    a, b = two_servers
    room = await create_room(a)
    ada = await Client.connect(a, room, clientId="ada")
    bob = await Client.connect(b, room)
    await ada.send(start())
    await ada.send(output("working\n"))
    await bob.recv_type("run")
    await bob.recv_type("run")
    await ada.close()
    ended = await bob.recv_type("run")
    assert ended["event"] == "end" and ended["status"] == "interrupted"
    assert ended["clientId"] == "ada" and ended["runId"] == "r1"
    assert ended["durationMs"] >= 0
    for server in (a, b):
        joiner = await Client.connect(server, room)
        assert joiner.hello["lastRun"]["status"] == "interrupted"
        assert joiner.hello["lastRun"]["output"] == [{"stream": "stdout", "text": "working\n"}]
        await joiner.close()
    await bob.close()


async def test_output_past_64_kib_is_refused_once_then_dropped_and_end_still_relayed(
    two_servers: list[ServerProcess],
) -> None:
    """64 KiB of UTF-8 goes through; the first message past it gets output_limit, the
    rest of that run's output is dropped silently, its end is relayed."""
    a, b = two_servers
    room = await create_room(a)
    ada = await Client.connect(a, room, clientId="ada")
    bob = await Client.connect(b, room)
    await ada.send(start())
    piece = "é" * 512  # 1,024 bytes of UTF-8 in 512 units
    for _ in range(64):
        await ada.send(output(piece))
    await ada.send(output("x"))
    assert await error_code(ada) == "output_limit"
    await ada.send(output("y"))
    await ada.send(output("z", stream="stderr"))
    await ada.send(end())
    relayed = [await bob.recv_type("run") for _ in range(66)]
    assert [m["event"] for m in relayed] == ["start"] + ["output"] * 64 + ["end"]
    assert sum(len(m.get("text", "").encode()) for m in relayed) == 64 * 1024
    assert [m for m in await quiet(ada) if m["type"] == "error"] == []
    joiner = await Client.connect(b, room)
    assert joiner.hello["lastRun"]["output"] == [{"stream": "stdout", "text": piece * 64}]
    assert joiner.hello["lastRun"]["status"] == "ok"
    for client in (ada, bob, joiner):
        await client.close()


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ({**start(), "runId": "has space"}, "runId pattern"),
        ({**start(), "runId": "x" * 33}, "runId too long"),
        ({**start(), "runId": ""}, "runId empty"),
        ({k: v for k, v in start().items() if k != "version"}, "start without version"),
        ({**start(), "version": -1}, "negative version"),
        ({**start(), "version": "3"}, "version a string"),
        ({**start(), "language": "Python!"}, "language name"),
        ({**start(), "event": "pause"}, "unknown event"),
    ],
)
async def test_bad_run_start_is_invalid_message(
    server: ServerProcess, message: dict[str, Any], why: str
) -> None:
    """A malformed start is refused with invalid_message and relays nothing."""
    room = await create_room(server)
    ada = await Client.connect(server, room)
    bob = await Client.connect(server, room)
    await ada.send(message)
    assert await error_code(ada) == "invalid_message", why
    assert [m for m in await quiet(bob) if m["type"] == "run"] == []
    await ada.close()
    await bob.close()


async def test_output_text_is_capped_at_1024_utf16_units(server: ServerProcess) -> None:
    """1,024 units pass (512 emoji are 1,024 units, 512 code points); 1,025 do not."""
    room = await create_room(server)
    ada = await Client.connect(server, room)
    bob = await Client.connect(server, room)
    await ada.send(start())
    await ada.send(output("a" * 1024))
    await ada.send(output("😀" * 512))
    await ada.send(output("a" * 1025))
    assert await error_code(ada) == "invalid_message"
    await ada.send(output("😀" * 512 + "a"))
    assert await error_code(ada) == "invalid_message"
    texts = [(await bob.recv_type("run")).get("text") for _ in range(3)]
    assert texts == [None, "a" * 1024, "😀" * 512]
    await ada.close()
    await bob.close()


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ({**output("x"), "stream": "stdin"}, "stream"),
        ({k: v for k, v in output("x").items() if k != "text"}, "output without text"),
        ({**end(), "status": "interrupted"}, "only the server interrupts"),
        ({**end(), "status": "fine"}, "status"),
        ({**end(), "durationMs": -5}, "negative duration"),
        ({k: v for k, v in end().items() if k != "durationMs"}, "end without durationMs"),
        (output("x", run_id="nope"), "output for a run never started"),
        (end("nope"), "end for a run never started"),
        (start(), "start of a run going already"),
    ],
)
async def test_bad_run_messages_are_invalid_and_the_run_goes_on(
    server: ServerProcess, message: dict[str, Any], why: str
) -> None:
    """A bad output or end is refused; the socket and the run it has going carry on."""
    room = await create_room(server)
    ada = await Client.connect(server, room)
    bob = await Client.connect(server, room)
    await ada.send(start())
    await bob.recv_type("run")
    await ada.send(message)
    assert await error_code(ada) == "invalid_message", why
    await ada.send(output("still here"))
    assert (await bob.recv_type("run"))["text"] == "still here"
    await ada.close()
    await bob.close()


async def test_output_after_end_and_from_another_socket_is_invalid(
    two_servers: list[ServerProcess],
) -> None:
    """Only the socket that started a run may add to it, and only until its end."""
    a, b = two_servers
    room = await create_room(a)
    ada = await Client.connect(a, room, clientId="ada")
    bob = await Client.connect(b, room, clientId="bob")
    await ada.send(start())
    await bob.send(output("not mine"))
    assert await error_code(bob) == "invalid_message"
    await bob.send(end())
    assert await error_code(bob) == "invalid_message"
    await ada.send(end())
    await ada.send(output("late"))
    assert await error_code(ada) == "invalid_message"
    await ada.close()
    await bob.close()


async def test_viewer_gets_read_only_for_run_and_sees_others_runs(
    two_servers: list[ServerProcess],
) -> None:
    """A viewer's run is refused with read_only; an editor's run reaches the viewer."""
    a, b = two_servers
    async with httpx.AsyncClient() as http:
        created = (await http.post(f"{a.http}/rooms", json={})).json()
    ada = await Client.connect(a, created["roomId"], clientId="ada")
    viewer = await Client.connect(b, created["viewId"])
    assert viewer.hello["role"] == "viewer"
    for message in (start("v1"), output("x", "v1"), end("v1")):
        await viewer.send(message)
        assert await error_code(viewer) == "read_only"
    assert [m for m in await quiet(ada) if m["type"] == "run"] == []
    await ada.send(start())
    assert (await viewer.recv_type("run"))["clientId"] == "ada"
    await ada.close()
    await viewer.close()


async def test_run_notifications_fit_notify_and_hold_no_room_or_view_id(
    server: ServerProcess, shared_database: str
) -> None:
    """The largest run messages (every unit escaped, longest ids) stay under NOTIFY's
    8,000 bytes, and no payload names the room or view id."""
    async with httpx.AsyncClient() as http:
        created = (await http.post(f"{server.http}/rooms", json={})).json()
    room, view = created["roomId"], created["viewId"]
    listener = await asyncpg.connect(shared_database)
    notes: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(f"room:{room}", lambda *args: notes.put_nowait(args[3]))
    run_id = "R" * 32
    try:
        ada = await Client.connect(server, room, clientId="c" * 64)
        await ada.send(start(run_id, 0))
        await ada.send(output("\x01" * 1024, run_id))  # each unit becomes \u0001
        await ada.send(output('"' * 1024, run_id, "stderr"))
        await ada.send(output("😀" * 512, run_id))
        await ada.send(end(run_id))
        runs: list[str] = []
        while len(runs) < 5:
            payload = await asyncio.wait_for(notes.get(), 5)
            assert room not in payload and view not in payload
            if json.loads(payload)["type"] == "run":
                runs.append(payload)
    finally:
        await listener.close()
    sizes = [len(p.encode()) for p in runs]
    assert max(sizes) > 6 * 1024  # the escaped one really is that large
    assert max(sizes) < 8000
    assert json.loads(runs[1])["text"] == "\x01" * 1024
    await ada.close()


def test_a_run_stored_before_run_output_existed_still_loads() -> None:
    """Before migration 8, `rooms.last_run` held the output and its `seq` itself."""
    old = json.dumps(
        {
            "key": "k",
            "seq": 2,
            "run": {
                "runId": "r1",
                "clientId": "ada",
                "language": "python",
                "version": 3,
                "status": "ok",
                "durationMs": 9,
                "output": [{"stream": "stdout", "text": "ab"}],
            },
        }
    )
    record = RunRecord.from_stored(old, "[]")
    assert (record.output, record.seq, record.status) == (
        [{"stream": "stdout", "text": "ab"}],
        2,
        "ok",
    )
    rows = json.dumps(
        [[0, {"stream": "stdout", "text": "a"}], [1, {"stream": "stdout", "text": "b"}]]
    )
    assert RunRecord.from_stored(record.stored("k"), rows).output == [
        {"stream": "stdout", "text": "ab"}
    ]


async def test_a_listener_that_reconnects_reads_again_the_output_it_missed(
    database_url: str,
) -> None:
    """Run notes sent while a process's listener was down are gone; after it
    reconnects, the process reads the run from the table, as it reads updates."""
    with servers(database_url, 2) as (a, b):
        room = await create_room(a)
        ada = await Client.connect(a, room, clientId="ada")
        bob = await Client.connect(b, room)  # B serves the room and follows the run
        await ada.send(start())
        await bob.recv_type("run")
        async with connection(database_url) as conn:
            await conn.execute(
                """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                   WHERE application_name = 'pairpad-listener'
                     AND datname = current_database()"""
            )
        for i in range(5):
            await ada.send(output(f"{i}\n"))
        expected = [{"stream": "stdout", "text": "0\n1\n2\n3\n4\n"}]
        for server in (a, b):
            for _ in range(50):
                joiner = await Client.connect(server, room)
                await joiner.close()
                if joiner.hello["lastRun"]["output"] == expected:
                    break
                await asyncio.sleep(0.1)
            assert joiner.hello["lastRun"]["output"] == expected, server.port
        for client in (ada, bob):
            await client.close()
