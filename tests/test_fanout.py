"""Pure logic of big rooms: sliced fan-out, the viewers' throttle and tally."""

from __future__ import annotations

import asyncio
import itertools

from service.fanout import SlicedFanOut
from service.viewers import Throttle, ViewerTally


class Inbox:
    def __init__(self) -> None:
        self.got: list[str] = []

    def send(self, message: str) -> None:
        self.got.append(message)


async def test_small_crowds_are_served_at_once() -> None:
    fanout = SlicedFanOut(slice_size=4)
    crowd = [Inbox() for _ in range(4)]
    fanout.send("m", crowd)
    assert all(r.got == ["m"] for r in crowd)


async def test_big_crowds_are_served_in_slices_in_order_letting_the_loop_run() -> None:
    """Between two slices other tasks run; every recipient still gets every message
    it was addressed, in order; a later joiner gets nothing sent before it came."""
    fanout = SlicedFanOut(slice_size=4, lag=0)
    crowd = [Inbox() for _ in range(10)]
    fanout.send("one", list(crowd))
    fanout.send("two", list(crowd))
    late = Inbox()
    fanout.send("three", [*crowd, late])
    small = Inbox()
    fanout.send("four", [small])  # queued behind the others, never ahead of them
    assert small.got == []
    interleaved: list[int] = []

    async def other() -> None:
        for _ in range(5):
            interleaved.append(sum(len(r.got) for r in crowd))
            await asyncio.sleep(0)

    await asyncio.gather(other(), asyncio.sleep(0.05))
    assert all(r.got == ["one", "two", "three"] for r in crowd)
    assert late.got == ["three"]
    assert small.got == ["four"]
    # The other task saw the crowd part-served: the fan-out yielded between slices.
    assert any(0 < n < 30 for n in interleaved)


async def test_a_closed_fanout_sends_nothing_more() -> None:
    fanout = SlicedFanOut(slice_size=2)
    crowd = [Inbox() for _ in range(6)]
    fanout.send("m", crowd)
    await fanout.close()
    await asyncio.sleep(0.01)
    assert sum(len(r.got) for r in crowd) <= 2


async def test_throttle_runs_at_once_then_at_most_once_per_interval() -> None:
    runs: list[float] = []
    loop = asyncio.get_running_loop()
    throttle = Throttle(0.2, lambda: runs.append(loop.time()))
    started = loop.time()
    for _ in range(50):
        throttle.request()
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    assert runs[0] - started < 0.1  # leading: the first request runs at once
    assert 2 <= len(runs) <= (loop.time() - started) / 0.2 + 1
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(runs))
    throttle.request()
    throttle.cancel()
    count = len(runs)
    await asyncio.sleep(0.3)
    assert len(runs) == count


async def test_trailing_throttle_waits_an_interval_and_runs_once_for_a_burst() -> None:
    runs: list[float] = []
    loop = asyncio.get_running_loop()
    throttle = Throttle(0.2, lambda: runs.append(loop.time()), leading=False)
    started = loop.time()
    for _ in range(10):
        throttle.request()
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.25)
    assert len(runs) == 1
    assert runs[0] - started >= 0.19


def test_tally_sums_processes_and_forgets_the_quiet_and_the_empty() -> None:
    tally = ViewerTally()
    tally.local = 2
    assert tally.heard("a", 3, now=10.0) is True
    assert tally.heard("a", 4, now=11.0) is False
    assert tally.heard("b", 5, now=12.0) is True
    assert tally.total == 11
    assert tally.expire(older_than=11.5) is True  # "a" went quiet
    assert tally.total == 7
    assert tally.heard("b", 0, now=13.0) is False  # its last viewer left
    assert tally.total == 2
    assert tally.heard("b", 1, now=14.0) is True  # news again
    assert tally.expire(older_than=0.0) is False


async def test_a_crowd_waits_its_lag_and_a_small_room_does_not() -> None:
    """A crowd's copies leave `lag` after the broadcast, so that editors' copies on
    every process go out first; a handful of viewers is served at once."""
    fanout = SlicedFanOut(slice_size=4, lag=0.05)
    crowd = [Inbox() for _ in range(10)]
    few = [Inbox() for _ in range(3)]
    fanout.send("m", crowd)
    await asyncio.sleep(0.02)
    assert all(r.got == [] for r in crowd)
    await asyncio.sleep(0.1)
    assert all(r.got == ["m"] for r in crowd)
    fanout.send("n", few)
    assert all(r.got == ["n"] for r in few)
