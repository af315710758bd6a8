"""Helpers shared by the orchestrator and the load generators.

Every time here is `time.monotonic()`: on Linux that is CLOCK_MONOTONIC, one clock
for every process on the machine, so a load generator may stamp a send in one
process and another may stamp the receive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import resource
import time
from collections.abc import Callable, Sequence
from typing import Any

import websockets

Json = dict[str, Any]


def now() -> float:
    return time.monotonic()


def cpu_speed_probe() -> float:
    """Microseconds for one fixed piece of pure-Python work, best of five. On one
    machine it is the same from run to run, except when the shared host lends this
    machine less CPU; that never shows in /proc here (no steal time), so a figure
    well above a run's lowest marks a slow stretch."""
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(20_000):
            total += i * i % 7
        best = min(best, time.perf_counter() - started)
    return round(best * 1e6, 1)


def raise_fd_limit(wanted: int = 65536) -> int:
    """Raise this process's soft RLIMIT_NOFILE towards `wanted` (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of sorted data, linearly interpolated."""
    if not ordered:
        return math.nan
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def summarize_ms(samples_s: Sequence[float]) -> Json:
    """p50/p95/p99/max (and n) of latencies given in seconds, reported in milliseconds."""
    ordered = sorted(samples_s)
    if not ordered:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    return {
        "n": len(ordered),
        "p50": round(percentile(ordered, 50) * 1000, 3),
        "p95": round(percentile(ordered, 95) * 1000, 3),
        "p99": round(percentile(ordered, 99) * 1000, 3),
        "max": round(ordered[-1] * 1000, 3),
        "mean": round(sum(ordered) / len(ordered) * 1000, 3),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or math.isnan(a) or math.isnan(b):
        return None
    return round(a / b, 3)


def jain_index(values: Sequence[float]) -> float | None:
    """Jain's fairness index: 1 when every value is equal, 1/n when one takes all."""
    if not values or not any(values):
        return None
    return round(sum(values) ** 2 / (len(values) * sum(v * v for v in values)), 4)


def try_uvloop() -> str:
    """Use uvloop in a load generator when it is there (uvicorn's extras bring it)."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


# Load generator processes: spawned, driven over a pipe.
#
#   parent -> child: the spec (as the process argument)
#   child -> parent: ("ready", info)
#   parent -> child: ("go", {"t_start": ..., "t_end": ...})
#   child -> parent: ("result", data) or ("error", text)


class Worker:
    """One load-generator process running `target(spec, conn)`."""

    def __init__(self, target: Callable[[Json, Any], None], spec: Json) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=target, args=(spec, child), daemon=True)
        self.proc.start()
        child.close()

    @property
    def pid(self) -> int:
        assert self.proc.pid is not None
        return self.proc.pid

    def _recv(self, timeout: float) -> tuple[str, Any]:
        if not self.conn.poll(timeout):
            raise TimeoutError(f"load generator {self.pid} said nothing in {timeout:.0f}s")
        kind, data = self.conn.recv()
        if kind == "error":
            raise RuntimeError(f"load generator {self.pid} failed:\n{data}")
        return str(kind), data

    async def expect(self, kind: str, timeout: float) -> Any:
        got, data = await asyncio.to_thread(self._recv, timeout)
        if got != kind:
            raise RuntimeError(f"load generator {self.pid}: expected {kind}, got {got}")
        return data

    def send(self, kind: str, data: Any) -> None:
        self.conn.send((kind, data))

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


def child_main(spec: Json, conn: Any, body: Callable[[Json, Any], Any]) -> None:
    """Run an async load generator body in a fresh event loop, reporting any failure."""
    import traceback

    raise_fd_limit()
    loop_name = try_uvloop()
    spec = {**spec, "loop": loop_name}
    try:
        asyncio.run(body(spec, conn))
    except BaseException:
        with contextlib.suppress(Exception):
            conn.send(("error", traceback.format_exc()))
        raise
    finally:
        conn.close()


async def recv_from_parent(conn: Any, timeout: float = 600.0) -> tuple[str, Any]:
    def wait() -> tuple[str, Any]:
        if not conn.poll(timeout):
            raise TimeoutError("the orchestrator said nothing")
        kind, data = conn.recv()
        return str(kind), data

    return await asyncio.to_thread(wait)


async def sleep_until(t: float) -> None:
    delay = t - now()
    if delay > 0:
        await asyncio.sleep(delay)


def dump_json(path: os.PathLike[str] | str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=False)
        out.write("\n")


async def close_socket_and_reader(socket: Any, reader: asyncio.Task[Any] | None) -> None:
    """Close a load-generator client's socket (bounded wait), then stop its reader task."""
    if socket is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(socket.close(), 5)
    if reader is not None:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


async def open_room_socket(url: str, timeout: float) -> tuple[Any, Json]:
    """Open a load-generator socket (no compression, no pings) and read its hello."""
    socket = await websockets.connect(
        url,
        max_size=None,
        compression=None,
        open_timeout=timeout,
        ping_interval=None,
        close_timeout=2,
    )
    hello = json.loads(await asyncio.wait_for(socket.recv(), timeout))
    if hello.get("type") != "hello":
        raise RuntimeError(f"expected hello, got {hello}")
    return socket, hello
