"""Randomised convergence: concurrent typists on two processes end with one text."""

from __future__ import annotations

from typing import Any

import httpx

from tests.harness import ServerProcess, create_room, room_state, servers, stored_edit_counts
from tests.typer import Edit, Typer, map_pos, run_typers


def test_map_pos_cases() -> None:
    """Positions move past insertions before them and collapse into deletions."""
    assert map_pos([2, [0, "xy"], 3], 1, after=False) == 1
    assert map_pos([2, [0, "xy"], 3], 2, after=False) == 2
    assert map_pos([2, [0, "xy"], 3], 2, after=True) == 4
    assert map_pos([2, [0, "xy"], 3], 4, after=False) == 6
    assert map_pos([1, [3], 1], 2, after=False) == 1
    assert map_pos([[0, "😀"], 2], 0, after=True) == 2
    assert Edit(1, 2, "a\nb").changes(3) == [1, [1, "a", "b"], 1]


async def _type_until_converged(
    typers: list[Typer], procs: list[ServerProcess], room: str
) -> dict[str, Any]:
    """Run the typers to the end; every one must hold the stored text and have seen
    every version after it joined once, in order. Returns the room's state."""

    async def head() -> int:
        return int((await room_state(procs[0], room))["version"])

    await run_typers(typers, head)
    state = await room_state(procs[1], room)
    for typer in typers:
        assert typer.text == state["text"]
        assert typer.seen_versions == list(range(typer.joined_at + 1, state["version"] + 1))
    return state


async def test_random_concurrent_edits_converge(database_url: str) -> None:
    """Every client ends with the stored text and saw every version once, in order;
    every edit a client made is stored exactly once."""
    with servers(database_url, 2) as procs:
        room = await create_room(procs[0], "start\n")
        typers = [
            Typer([procs[i % 2]], room, f"typer{i}", edits_to_make=40, seed=i) for i in range(4)
        ]

        await _type_until_converged(typers, procs, room)
        counts = await stored_edit_counts(database_url, room)
        assert counts == {t.client_id: 40 for t in typers}
        assert sum(t.conflicts for t in typers) > 0  # the race was real


async def test_edits_converge_while_retention_keeps_nothing(database_url: str) -> None:
    """With history retention keeping nothing and a fold every 16 versions, each fold
    deletes what lies behind the checkpoint before it while both processes are
    still delivering: pastes past NOTIFY's limit send them to the table for those
    very updates. No version is stored twice, no process stalls on a gap, every
    client ends with the stored text. (The races themselves are a matter of timing
    that this scale rarely meets: tests/test_retention.py pins each one down in
    one process. This checks the whole, with retention on, under load.)"""
    env = {"PAIRPAD_FOLD_EVERY": "16", "PAIRPAD_HISTORY_KEEP_VERSIONS": "0"}
    with servers(database_url, 2, env=env) as procs:
        room = await create_room(procs[0], "start\n")
        typers = [
            Typer([procs[i % 2]], room, f"keeper{i}", edits_to_make=60, seed=i, paste_every=4)
            for i in range(4)
        ]

        state = await _type_until_converged(typers, procs, room)
        assert state["version"] == sum(t.edits_made for t in typers)
        # Retention did cut: the oldest kept version moved past the start.
        async with httpx.AsyncClient(base_url=procs[1].http) as http:
            page = (await http.get(f"/rooms/{room}/history", params={"limit": 5000})).json()
        assert page["oldest"] > 0
        assert [u["version"] for u in page["updates"]] == list(
            range(page["oldest"] + 1, state["version"] + 1)
        )
