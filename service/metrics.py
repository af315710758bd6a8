"""Prometheus metrics, merged across uvicorn's worker processes.

Hooks in the hot path are one counter increment or histogram observation
each: a write to this process's memory-mapped file, no await, no lock shared
with other processes. Gauges that describe a process's present (sockets, rooms,
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
import os  # noqa: E402
import time  # noqa: E402

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

_LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip

EDITS_ACCEPTED = Counter("pairpad_edits_accepted", "Updates stored and delivered")
CONFLICTS = Counter("pairpad_conflicts", "Pushes answered with conflict")
REJECTED = Counter("pairpad_rejected_messages", "Client messages answered with an error", ["code"])
PUSH_COMMIT = Histogram(
    "pairpad_push_commit_seconds", "Push received to its commit", buckets=_LATENCY_BUCKETS
)
COMMIT_SOCKET = Histogram(
    "pairpad_commit_to_socket_seconds",
    "Commit (local) or notification arrival (remote) to frames queued on the room's sockets",
    ["source"],
    buckets=_LATENCY_BUCKETS,
)
COMMIT_SOCKET_LOCAL = COMMIT_SOCKET.labels("local")
COMMIT_SOCKET_REMOTE = COMMIT_SOCKET.labels("remote")
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
BATCH_SIZE = Histogram(
    "pairpad_group_commit_batch_size",
    "Updates per group-commit transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 500),
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
    """A worker that stops cleanly withdraws its live gauges at once."""
    mark_process_dead(os.getpid())
