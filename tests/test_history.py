"""History over HTTP (PROTOCOL.md `history`, `versions/{v}`) on real Postgres."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

import httpx
import pytest

from service.document import Document
from tests.harness import (
    Client,
    ServerProcess,
    connection,
    create_room,
    insert,
    room_state,
    servers,
)
from tests.typer import Typer, run_typers

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def _all_updates(http: httpx.AsyncClient, room: str, after: int = 0) -> list[Any]:
    updates: list[Any] = []
    while True:
        page = (await http.get(f"/rooms/{room}/history", params={"after": after})).json()
        if not page["updates"]:
            return updates
        updates += page["updates"]
        after = page["updates"][-1]["version"]


def _replay(text: str, updates: list[Any]) -> list[str]:
    """The text after each update, from `text` on: index 0 is `text` itself."""
    doc = Document(text)
    texts = [text]
    for update in updates:
        doc.apply(doc.check(update["changes"], 1 << 30))
        texts.append(doc.text)
    return texts


async def _push_text(client: Client, version: int, length: int, text: str) -> dict[str, Any]:
    await client.push(version, insert(length, length, text))
    return await client.recv_type("update")


async def test_every_version_equals_replaying_the_log_from_zero(database_url: str) -> None:
    """Thousands of random edits (emoji, line breaks) through two processes, with a
    checkpoint every 50 versions: versions/{v} is the log replayed from 0, for random v."""
    env = {"PAIRPAD_FOLD_EVERY": "50"}
    with servers(database_url, 2, env=env) as procs:
        room = await create_room(procs[0], "start 😀\n")
        typers = [
            Typer([procs[i % 2]], room, f"typer{i}", edits_to_make=500, seed=90 + i)
            for i in range(4)
        ]

        async def head() -> int:
            return int((await room_state(procs[0], room))["version"])

        await run_typers(typers, head, timeout=300)
        await asyncio.sleep(0.5)  # let the last background checkpoint land
        async with httpx.AsyncClient(base_url=procs[1].http, timeout=30) as http:
            updates = await _all_updates(http, room)
            final = await head()
            assert [u["version"] for u in updates] == list(range(1, final + 1))
            assert final >= 2000
            first = (await http.get(f"/rooms/{room}/versions/0")).json()
            assert first["text"] == "start 😀\n"
            texts = _replay(first["text"], updates)
            assert texts[-1] == typers[0].text
            rng = random.Random(7)
            for v in [0, 1, 49, 50, 51, final, *rng.sample(range(final + 1), 60)]:
                got = (await http.get(f"/rooms/{room}/versions/{v}")).json()
                assert got["version"] == v
                assert got["text"] == texts[v], f"version {v}"
                if v:
                    assert got["at"] == updates[v - 1]["at"]
                assert ISO_MS.match(got["at"])
            # Scrubbing forward one version at a time (the cache's path) agrees too.
            start = rng.randrange(final - 30)
            for v in range(start, start + 30):
                got = (await http.get(f"/rooms/{room}/versions/{v}")).json()
                assert got["text"] == texts[v], f"version {v}"


async def test_history_pages_names_and_times(server: ServerProcess) -> None:
    """Pages follow `after` and `limit`; each update carries its author's name as it
    was when stored, and the time it was stored."""
    room = await create_room(server, "")
    ada = await Client.connect(server, room, name="Ada")
    text = ""
    version = 0
    for piece in ["a", "b😀", "c\nd"]:
        await _push_text(ada, version, len(text.encode("utf-16-le")) // 2, piece)
        text += piece
        version += 1
    await ada.send({"type": "presence", "selection": None, "name": "Ada L."})
    await asyncio.sleep(0.2)
    await _push_text(ada, version, len(text.encode("utf-16-le")) // 2, "e")
    text += "e"
    version += 1
    bob = await Client.connect(server, room, name="Bob")
    await _push_text(bob, version, len(text.encode("utf-16-le")) // 2, "f")
    await ada.close()
    await bob.close()
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        page = (await http.get(f"/rooms/{room}/history", params={"limit": 2})).json()
        assert (page["version"], page["oldest"]) == (5, 0)
        assert [u["version"] for u in page["updates"]] == [1, 2]
        assert page["updates"][1]["changes"] == [1, [0, "b😀"]]
        rest = (await http.get(f"/rooms/{room}/history?after=2")).json()["updates"]
        assert [u["version"] for u in rest] == [3, 4, 5]
        names = [u["name"] for u in page["updates"] + rest]
        assert names == ["Ada", "Ada", "Ada", "Ada L.", "Bob"]
        assert [u["clientId"] for u in rest] == [ada.client_id] * 2 + [bob.client_id]
        stamps = [u["at"] for u in page["updates"] + rest]
        assert all(ISO_MS.match(s) for s in stamps) and stamps == sorted(stamps)
        past = (await http.get(f"/rooms/{room}/history?after=5")).json()
        assert past == {"version": 5, "oldest": 0, "updates": []}
        far = (await http.get(f"/rooms/{room}/history?after=99999999999999999999999")).json()
        assert far["updates"] == []
        assert (await http.get(f"/rooms/{room}/versions/5")).json()["text"] == "ab😀c\nde" + "f"


async def test_a_viewer_reads_history_without_learning_the_room_id(
    server: ServerProcess,
) -> None:
    """The view id answers history and versions, and no response holds the room id."""
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        created = (await http.post("/rooms", json={"text": "hi"})).json()
        room, view = created["roomId"], created["viewId"]
        ada = await Client.connect(server, room, name="Ada")
        await _push_text(ada, 0, 2, "!")
        await ada.close()
        for some_id in (room, view):
            history = await http.get(f"/rooms/{some_id}/history")
            version = await http.get(f"/rooms/{some_id}/versions/1")
            assert history.json()["updates"][0]["changes"] == [2, [0, "!"]]
            assert version.json() == {
                "version": 1,
                "text": "hi!",
                "at": history.json()["updates"][0]["at"],
            }
            if some_id == view:
                assert room not in history.text and room not in version.text
                missing = await http.get(f"/rooms/{view}/versions/9")
                assert room not in missing.text


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/rooms/no/history", 400, "invalid_room_id"),
        ("/rooms/no/versions/0", 400, "invalid_room_id"),
        ("/rooms/NoSuchRoom_1234/history", 404, "room_not_found"),
        ("/rooms/NoSuchRoom_1234/versions/0", 404, "room_not_found"),
        ("/rooms/{room}/history?after=-1", 422, "invalid_fields"),
        ("/rooms/{room}/history?after=1.5", 422, "invalid_fields"),
        ("/rooms/{room}/history?after=abc", 422, "invalid_fields"),
        ("/rooms/{room}/history?after=", 422, "invalid_fields"),
        ("/rooms/{room}/history?limit=0", 422, "invalid_fields"),
        ("/rooms/{room}/history?limit=5001", 422, "invalid_fields"),
        ("/rooms/{room}/history?limit=%C2%B2", 422, "invalid_fields"),
        ("/rooms/{room}/versions/abc", 422, "invalid_fields"),
        ("/rooms/{room}/versions/-1", 422, "invalid_fields"),
        ("/rooms/{room}/versions/1e3", 422, "invalid_fields"),
        ("/rooms/{room}/versions/2", 404, "version_not_found"),
        ("/rooms/{room}/versions/99999999999999999999999", 404, "version_not_found"),
    ],
)
async def test_history_rejects_bad_requests(
    server: ServerProcess, path: str, status: int, code: str
) -> None:
    room = await create_room(server, "x")
    client = await Client.connect(server, room)
    await _push_text(client, 0, 1, "y")
    await client.close()
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        response = await http.get(path.format(room=room))
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


async def test_numbers_past_any_version_are_named_as_asked(server: ServerProcess) -> None:
    """A version past bigint (even past the 4,300 digits that int() takes) is a
    version that is not stored, named in the error as it was asked."""
    room = await create_room(server, "x")
    huge = "9" * 5000
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        for asked in ("99999999999999999999999", huge):
            response = await http.get(f"/rooms/{room}/versions/{asked}")
            assert response.status_code == 404, response.text
            error = response.json()["error"]
            assert error["code"] == "version_not_found"
            assert error["message"].startswith(f"version {asked[:40]} is not stored"), error
        # Leading zeros do not make a number bigger.
        zeros = "0" * 30
        assert (await http.get(f"/rooms/{room}/versions/{zeros}")).json()["version"] == 0
        page = await http.get(f"/rooms/{room}/history?after={zeros}&limit={zeros}7")
        assert page.json() == {"version": 0, "oldest": 0, "updates": []}
        past = await http.get(f"/rooms/{room}/history?after={huge}")
        assert past.json() == {"version": 0, "oldest": 0, "updates": []}
        too_many = await http.get(f"/rooms/{room}/history?limit={huge}")
        assert too_many.status_code == 422
        assert too_many.json()["error"]["message"].endswith("got " + huge[:40])


async def test_limits_of_history_are_accepted(server: ServerProcess) -> None:
    room = await create_room(server, "x")
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        for limit in (1, 5000):
            response = await http.get(f"/rooms/{room}/history?limit={limit}&after=0")
            assert response.json() == {"version": 0, "oldest": 0, "updates": []}


async def test_retention_by_versions_moves_oldest_and_hides_older_versions(
    database_url: str,
) -> None:
    """With a limit of 10 versions and a checkpoint every 5, history starts at a
    checkpoint at most 15 versions back; older versions are version_not_found."""
    env = {"PAIRPAD_FOLD_EVERY": "5", "PAIRPAD_HISTORY_KEEP_VERSIONS": "10"}
    with servers(database_url, 1, env=env) as (proc,):
        room = await create_room(proc, "")
        client = await Client.connect(proc, room, name="Ada")
        texts = [""]
        for n in range(40):
            await _push_text(client, n, n, "x" if n % 2 else "y")
            texts.append(texts[-1] + ("x" if n % 2 else "y"))
        await client.close()
        async with httpx.AsyncClient(base_url=proc.http, timeout=30) as http:
            # The room folds at version 40 in the background once its last socket
            # has gone: wait for it (a slow machine takes longer than 0.5 s).
            for _ in range(100):
                page = (await http.get(f"/rooms/{room}/history")).json()
                if page["oldest"] >= 25:
                    break
                await asyncio.sleep(0.1)
            oldest = page["oldest"]
            assert page["version"] == 40
            assert 25 <= oldest <= 30 and oldest % 5 == 0
            assert [u["version"] for u in page["updates"]] == list(range(oldest + 1, 41))
            gone = await http.get(f"/rooms/{room}/versions/{oldest - 1}")
            assert (gone.status_code, gone.json()["error"]["code"]) == (404, "version_not_found")
            for v in range(oldest, 41):
                got = (await http.get(f"/rooms/{room}/versions/{v}")).json()
                assert got["text"] == texts[v]
            # A client far behind gets the text instead of the updates it missed.
            late = await Client.connect(proc, room, since=3)
            assert late.hello["text"] == texts[40]
            await late.close()


async def test_retention_by_age_keeps_recent_history_whole(database_url: str) -> None:
    """With a limit of one second, a fold drops what lies behind the newest checkpoint
    older than that; everything since stays readable."""
    env = {"PAIRPAD_FOLD_EVERY": "5", "PAIRPAD_HISTORY_KEEP_DAYS": str(1 / 86400)}
    with servers(database_url, 1, env=env) as (proc,):
        room = await create_room(proc, "")
        client = await Client.connect(proc, room)
        for n in range(10):
            await _push_text(client, n, n, "a")
        await asyncio.sleep(1.5)
        for n in range(10, 20):
            await _push_text(client, n, n, "b")
        await client.close()
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(base_url=proc.http, timeout=30) as http:
            page = (await http.get(f"/rooms/{room}/history")).json()
            assert (page["oldest"], page["version"]) == (10, 20)
            assert [u["version"] for u in page["updates"]] == list(range(11, 21))
            assert (await http.get(f"/rooms/{room}/versions/10")).json()["text"] == "a" * 10
            gone = await http.get(f"/rooms/{room}/versions/9")
            assert gone.json()["error"]["code"] == "version_not_found"


async def test_an_idle_room_keeps_a_checkpoint_only_after_a_quarter_interval(
    database_url: str,
) -> None:
    """Checkpoints are history kept forever: a short visit writes none, a longer one
    does when the room goes idle (fold interval 40, so a quarter is 10 versions)."""
    env = {"PAIRPAD_FOLD_EVERY": "40"}
    with servers(database_url, 1, env=env) as (proc,):
        room = await create_room(proc, "")

        async def visit(first: int, count: int) -> None:
            client = await Client.connect(proc, room)
            for n in range(first, first + count):
                await _push_text(client, n, n, "z")
            await client.close()
            await asyncio.sleep(0.5)  # the room drops, and folds if worth it

        async def checkpoints() -> list[int]:
            async with connection(database_url) as conn:
                rows = await conn.fetch(
                    "SELECT version FROM checkpoints WHERE room_id = $1 ORDER BY 1", room
                )
            return [r["version"] for r in rows]

        await visit(0, 3)
        assert await checkpoints() == [0]
        await visit(3, 9)
        assert await checkpoints() == [0, 12]
        async with httpx.AsyncClient(base_url=proc.http, timeout=30) as http:
            assert (await http.get(f"/rooms/{room}/versions/7")).json()["text"] == "z" * 7


async def test_a_room_without_checkpoints_serves_history_from_its_snapshot(
    database_url: str,
) -> None:
    """A room that a process from before history created (no checkpoint row) has its
    snapshot as oldest, and the versions after it replay from there."""
    async with connection(database_url) as conn:
        await conn.execute(
            "INSERT INTO rooms (id, snapshot, snapshot_version) VALUES ('no_checkpoint', 'ab', 2)"
        )
        await conn.execute(
            """INSERT INTO updates (room_id, version, client_id, changes) VALUES
               ('no_checkpoint', 3, 'c1', '[2, [0, "c"]]'),
               ('no_checkpoint', 4, 'c1', '[3, [0, "d"]]')"""
        )
    with servers(database_url, 1, env={"PAIRPAD_FOLD_EVERY": "1"}) as (proc,):
        async with httpx.AsyncClient(base_url=proc.http, timeout=30) as http:
            page = (await http.get("/rooms/no_checkpoint/history")).json()
            assert (page["oldest"], page["version"]) == (2, 4)
            texts = [
                (await http.get(f"/rooms/no_checkpoint/versions/{v}")).json() for v in (2, 3, 4)
            ]
            assert [t["text"] for t in texts] == ["ab", "abc", "abcd"]
            gone = await http.get("/rooms/no_checkpoint/versions/1")
            assert gone.json()["error"]["code"] == "version_not_found"
            # Its first fold keeps the snapshot as a checkpoint: history stays whole.
            client = await Client.connect(proc, "no_checkpoint")
            await _push_text(client, 4, 4, "e")
            await client.close()
            await asyncio.sleep(0.5)
            page = (await http.get("/rooms/no_checkpoint/history")).json()
            assert (page["oldest"], page["version"]) == (2, 5)
            assert (await http.get("/rooms/no_checkpoint/versions/3")).json()["text"] == "abc"


async def test_a_push_of_several_updates_names_each_of_them(server: ServerProcess) -> None:
    """The all-or-none path names its updates too, from the first of them on."""
    room = await create_room(server, "")
    cy = await Client.connect(server, room, name="Cy")
    await cy.push(0, [[0, "a"]], [1, [0, "b"]])
    assert (await cy.recv_type("update"))["version"] == 1
    assert (await cy.recv_type("update"))["version"] == 2
    await cy.close()
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
        updates = (await http.get(f"/rooms/{room}/history")).json()["updates"]
    assert [(u["version"], u["name"]) for u in updates] == [(1, "Cy"), (2, "Cy")]
