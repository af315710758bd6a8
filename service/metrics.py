"""Prometheus metrics, merged across uvicorn's worker processes.

Hooks in the hot path are one counter increment or histogram observation
each, with no await and no lock shared with other processes. The few that run
on every edit (`Tallied`) count in this process's memory and are written to its
memory-mapped file once a second by `flush_every` (so a scrape may lag them by
that much): a write to the file costs several microseconds, and an edit made
four of them. Gauges that describe a process's present (sockets, rooms,
pool) are "live" gauges: a scrape counts only processes that have not been
marked dead, and a scrape marks the workers that are gone (`metrics_http`).

What the two latency histograms mean:

* `pairpad_push_commit_seconds`: from the moment a push reaches its room
  (before the room's lock) until its INSERT has committed, so lock waits, the
  group-commit queue and the fsync are all in it.
* `pairpad_commit_to_socket_seconds{source}`: NOTIFY payloads carry no
  timestamp, and processes on other hosts share no clock, so the bus is
  measured per process where it can be: `local` runs from the writer's commit
  returning to the frames being queued on every socket of the room here;
  `remote` runs from a notification's arrival at this process's listener to
  the frames being queued (the room's inbox, lock and apply). Postgres's own
  delivery of the NOTIFY (commit to listener) is in neither; the benchmark
  measures the whole edit-to-peer path from outside.
"""

from __future__ import annotations

from service import metrics_dir

metrics_dir.ensure()

# prometheus_client must be imported after the directory is named (see metrics_dir).
import asyncio  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from bisect import bisect_left  # noqa: E402
from typing import Any  # noqa: E402

from prometheus_client import (  # noqa: E402
    Counter,
    Gauge,
    Histogram,
    values,
)
from prometheus_client.multiprocess import mark_process_dead  # noqa: E402


class _ProcessId:
    """The pid, read once and again only after a fork. prometheus-client asks for
    it before every increment and observation, to notice a fork; with
    `os.getpid`, that is a system call each time, several times an edit."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        self.pid = os.getpid()

    def __call__(self) -> int:
        return self.pid


# Before the first metric is made: each takes its value class when constructed.
values.ValueClass = values.MultiProcessValue(process_identifier=_ProcessId())  # type: ignore[no-untyped-call]


# Every tally of this process, for flush().
_TALLIES: list[TalliedCounter | TalliedHistogram] = []


class TalliedCounter:
    """A counter's increments, summed here until the next `flush`."""

    __slots__ = ("_counter", "_pending")

    def __init__(self, counter: Counter) -> None:
        self._counter = counter
        self._pending = 0
        _TALLIES.append(self)

    def inc(self, amount: int = 1) -> None:
        self._pending += amount

    def flush(self) -> None:
        if self._pending:
            self._counter.inc(self._pending)
            self.clear()

    def clear(self) -> None:
        self._pending = 0


class TalliedHistogram:
    """A histogram's observations, counted per bucket here until the next `flush`."""

    __slots__ = ("_bounds", "_counts", "_histogram", "_sum")

    def __init__(self, histogram: Histogram) -> None:
        self._histogram = histogram
        # Prometheus buckets hold what is <= their bound: the first bound not below.
        self._bounds: list[float] = list(histogram._upper_bounds)
        self._counts: list[int] = []
        self._sum = 0.0
        self.clear()
        _TALLIES.append(self)

    def observe(self, amount: float) -> None:
        self._counts[bisect_left(self._bounds, amount)] += 1
        self._sum += amount

    def flush(self) -> None:
        # The histogram's own values: observe() takes one amount at a time.
        histogram: Any = self._histogram
        for bucket, count in zip(histogram._buckets, self._counts, strict=True):
            if count:
                bucket.inc(count)
        if any(self._counts):
            histogram._sum.inc(self._sum)
            self.clear()

    def clear(self) -> None:
        self._counts = [0] * len(self._bounds)
        self._sum = 0.0


def _forget_tallies() -> None:
    """A forked child starts with nothing counted: its parent writes what it had."""
    for tally in _TALLIES:
        tally.clear()


os.register_at_fork(after_in_child=_forget_tallies)


def flush() -> None:
    """Write what the tallies counted since the last flush to this process's file."""
    for tally in _TALLIES:
        tally.flush()


async def flush_every(seconds: float) -> None:
    """Flush the tallies every `seconds`, until cancelled (then once more)."""
    try:
        while True:
            await asyncio.sleep(seconds)
            flush()
    finally:
        flush()


_LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip

EDITS_ACCEPTED = TalliedCounter(Counter("pairpad_edits_accepted", "Updates stored and delivered"))
CONFLICTS = Counter("pairpad_conflicts", "Pushes answered with conflict")
REJECTED = Counter("pairpad_rejected_messages", "Client messages answered with an error", ["code"])
PUSH_COMMIT = TalliedHistogram(
    Histogram(
        "pairpad_push_commit_seconds", "Push received to its commit", buckets=_LATENCY_BUCKETS
    )
)
COMMIT_SOCKET = Histogram(
    "pairpad_commit_to_socket_seconds",
    "Commit (local) or notification arrival (remote) to frames queued on the room's sockets",
    ["source"],
    buckets=_LATENCY_BUCKETS,
)
COMMIT_SOCKET_LOCAL = TalliedHistogram(COMMIT_SOCKET.labels("local"))
COMMIT_SOCKET_REMOTE = TalliedHistogram(COMMIT_SOCKET.labels("remote"))
OPEN_SOCKETS = Gauge(
    "pairpad_open_sockets", "Open room sockets by role", ["role"], multiprocess_mode="livesum"
)
WORKER_SOCKETS = Gauge(
    "pairpad_worker_open_sockets", "Open room sockets of each worker", multiprocess_mode="liveall"
)
LIVE_ROOMS = Gauge(
    "pairpad_live_rooms",
    "Rooms with a socket, summed over processes (a room on two processes counts twice)",
    multiprocess_mode="livesum",
)
LISTENER_RECONNECTS = Counter(
    "pairpad_listener_reconnects", "LISTEN connections re-established after a failure"
)
CATCH_UPS = Counter("pairpad_catch_ups", "Reads of missed updates from the table")
SLOW_CLOSES = Counter("pairpad_slow_socket_closes", "Sockets closed with 1013 for reading slowly")
BATCH_SIZE = TalliedHistogram(
    Histogram(
        "pairpad_group_commit_batch_size",
        "Updates per group-commit transaction",
        buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 500),
    )
)
POOL_IN_USE = Gauge(
    "pairpad_db_pool_in_use", "Query-pool connections in use", multiprocess_mode="livesum"
)
POOL_SIZE = Gauge(
    "pairpad_db_pool_size", "Query-pool connections open", multiprocess_mode="livesum"
)
AUTOCOMPLETE = Histogram(
    "pairpad_autocomplete_seconds", "Time to compute a suggestion", buckets=_LATENCY_BUCKETS
)
RATE_LIMITED = Counter(
    "pairpad_rate_limited", "Requests and sockets refused by a per-client limit", ["limit"]
)
ROOMS_CREATED = Counter("pairpad_rooms_created", "Rooms created")
ROOMS_EXPIRED = Counter("pairpad_rooms_expired", "Rooms deleted by the time-to-live sweep")
SWEEPS = Counter("pairpad_sweeps", "Upkeep sweeps by outcome", ["outcome"])


def pushed(updates: int, started: float, committed: float) -> None:
    """A push of `updates` stored at `committed` and queued to the room's sockets now."""
    EDITS_ACCEPTED.inc(updates)
    PUSH_COMMIT.observe(committed - started)
    COMMIT_SOCKET_LOCAL.observe(time.perf_counter() - committed)


def socket_opened(role: str) -> None:
    OPEN_SOCKETS.labels(role).inc()
    WORKER_SOCKETS.inc()


def socket_closed(role: str) -> None:
    OPEN_SOCKETS.labels(role).dec()
    WORKER_SOCKETS.dec()


def mark_exiting() -> None:
    """A worker that stops cleanly writes its tallies and withdraws its live gauges."""
    flush()
    mark_process_dead(os.getpid())
