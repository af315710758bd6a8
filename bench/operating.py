"""What operating Pairpad costs per edit and per request.

1. The metrics hooks one accepted edit runs (a counter increment and two histogram
   observations in prometheus-client's multiprocess mode), in microseconds, beside
   a baseline from the same run: one `msgspec.json.encode` of an update message,
   which every edit pays once per socket anyway.
2. A scrape: rendering /metrics merged from 2 and 8 processes' files.
3. The shared limits in Postgres: one `pairpad_take_token` (every rate-limited
   request), and one socket's open and close (`pairpad_open_socket` plus the
   decrement), alone and with 16 callers at once, p50/p99 in milliseconds, beside
   `SELECT 1` on the same pool.

Writes bench/results/operating.json. Uses BENCH_DATABASE_URL, else a throwaway
embedded Postgres.

    .venv/bin/python -m bench.operating [--quick]
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from bench.infra import Postgres
from service import metrics, metrics_http
from service.ratelimit import PROCESS_ALIVE_SECONDS

RESULTS = Path(__file__).resolve().parent / "results" / "operating.json"


def _per_call_us(fn: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(runs):
            fn()
        best = min(best, (time.perf_counter() - start) / runs)
    return best * 1e6


def _hooks(runs: int) -> dict[str, float]:
    message = {
        "type": "update",
        "version": 12345,
        "clientId": "abcdefgh",
        "changes": [5, [0, "x"], 9],
    }

    def one_edit() -> None:
        now = time.perf_counter()
        metrics.pushed(1, now, now)

    hooks = _per_call_us(one_edit, runs)
    baseline = _per_call_us(lambda: msgspec.json.encode(message), runs)
    return {"hooks_us": hooks, "encode_us": baseline, "ratio": hooks / baseline}


def _child_writes(_: int) -> None:
    metrics.pushed(1, 0.0, 0.0)
    metrics.socket_opened("editor")


def _scrape(processes: int, runs: int) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        pool.map(_child_writes, range(processes * 4))
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            metrics_http.render()
            timings.append((time.perf_counter() - start) * 1000)
    return {"processes": processes, "p50_ms": statistics.median(timings)}


async def _latency(
    call: Callable[[], Awaitable[object]], runs: int, parallel: int
) -> dict[str, float]:
    timings: list[float] = []

    async def worker() -> None:
        for _ in range(runs // parallel):
            start = time.perf_counter()
            await call()
            timings.append((time.perf_counter() - start) * 1000)

    await asyncio.gather(*(worker() for _ in range(parallel)))
    timings.sort()
    return {
        "parallel": parallel,
        "p50_ms": timings[len(timings) // 2],
        "p99_ms": timings[int(len(timings) * 0.99)],
    }


async def _limits(db_url: str, runs: int) -> dict[str, Any]:
    pool = await asyncpg.create_pool(db_url, min_size=16, max_size=16)
    assert pool is not None
    counter = iter(range(10**9))

    async def select_one() -> None:
        await pool.fetchval("SELECT 1")

    async def take() -> None:
        # A bucket per caller, as for distinct clients; never refused.
        await pool.fetchval(
            "SELECT pairpad_take_token($1, 1e6, 1e6)", f"bench:{next(counter) % 64}"
        )

    async def socket_open_close() -> None:
        client = f"192.0.2.{next(counter) % 64}"
        await pool.fetchval(
            "SELECT pairpad_open_socket($1, 'bench', 1000000, make_interval(secs => $2))",
            client,
            PROCESS_ALIVE_SECONDS,
        )
        await pool.execute(
            "UPDATE client_sockets SET sockets = greatest(sockets - 1, 0) "
            "WHERE client = $1 AND process = 'bench'",
            client,
        )

    result: dict[str, Any] = {}
    try:
        for name, call in (
            ("select_1", select_one),
            ("take_token", take),
            ("socket_open_close", socket_open_close),
        ):
            result[name] = [await _latency(call, runs, p) for p in (1, 16)]
    finally:
        await pool.close()
    return result


async def main(quick: bool) -> None:
    runs = 2_000 if quick else 20_000
    report: dict[str, Any] = {"hooks_per_edit": _hooks(runs * 5)}
    report["scrape"] = [_scrape(n, 20 if quick else 100) for n in (2, 8)]
    postgres = Postgres()
    try:
        report["limits"] = await _limits(await postgres.prepare(), runs // 4)
        report["postgres"] = await postgres.version()
    finally:
        await postgres.stop()
    report["quick"] = quick
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    asyncio.run(main("--quick" in sys.argv))
