"""Randomised convergence: concurrent typists on two processes end with one text."""

from __future__ import annotations

from tests.harness import create_room, room_state, servers, stored_edit_counts
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


async def test_random_concurrent_edits_converge(database_url: str) -> None:
    """Every client ends with the stored text and saw every version once, in order;
    every edit a client made is stored exactly once."""
    with servers(database_url, 2) as procs:
        room = await create_room(procs[0], "start\n")
        typers = [
            Typer([procs[i % 2]], room, f"typer{i}", edits_to_make=40, seed=i) for i in range(4)
        ]

        async def head() -> int:
            return int((await room_state(procs[0], room))["version"])

        await run_typers(typers, head)
        state = await room_state(procs[1], room)
        for typer in typers:
            assert typer.text == state["text"]
            assert typer.seen_versions == list(range(typer.joined_at + 1, state["version"] + 1))
        counts = await stored_edit_counts(database_url, room)
        assert counts == {t.client_id: 40 for t in typers}
        assert sum(t.conflicts for t in typers) > 0  # the race was real
