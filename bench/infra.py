"""The benchmark's fixtures: Postgres, server processes, rooms, CPU and memory meters."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import httpx
import psutil

from bench.common import Json, Worker, now, sleep_until
from tests.harness import PostgresServer, ServerProcess, connection

# Server and Postgres logs of the latest run (git ignores results/tmp/).
LOG_DIR = Path(__file__).resolve().parent / "results" / "tmp" / "logs"

# High enough that no benchmark client is ever rate limited; everything else is the
# service's default.
SERVER_ENV = {
    "PAIRPAD_MESSAGES_PER_SECOND": "1000000",
    "PAIRPAD_MESSAGE_BURST": "1000000",
    "PAIRPAD_PRESENCE_PER_SECOND": "1000",
}


class Postgres:
    """An embedded throwaway cluster, or the server at BENCH_DATABASE_URL."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        url = os.environ.get("BENCH_DATABASE_URL")
        self.external = bool(url)
        self.server = PostgresServer(url, None) if url else PostgresServer.start_embedded(settings)
        self.db_url = ""

    async def prepare(self) -> str:
        await self.server.prepare_template()
        self.db_url = await self.server.new_database()
        return self.db_url

    @property
    def postmaster_pid(self) -> int | None:
        embedded = self.server.embedded
        if embedded is None:
            return None
        pid_file = embedded.data_dir / "postmaster.pid"
        try:
            return int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def pids(self) -> list[int]:
        master = self.postmaster_pid
        if master is None:
            return []
        try:
            parent = psutil.Process(master)
            return [master, *(p.pid for p in parent.children(recursive=True))]
        except psutil.Error:
            return []

    async def version(self) -> str:
        async with connection(self.db_url) as conn:
            return str(await conn.fetchval("SHOW server_version"))

    async def stop(self) -> None:
        try:
            await self.server.drop_all()
        finally:
            self.server.stop()
            embedded = self.server.embedded
            if embedded is not None:
                LOG_DIR.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(OSError):
                    shutil.copy(embedded.data_dir / "server.log", LOG_DIR / "postgres.log")
                shutil.rmtree(embedded.data_dir.parent, ignore_errors=True)


def start_servers(db_url: str, count: int, **env: str) -> list[ServerProcess]:
    settings = {**SERVER_ENV, **env}
    procs = [ServerProcess(db_url, workers=1, **settings).start() for _ in range(count)]
    for proc in procs:
        proc.wait_ready(60)
    return procs


def stop_servers(procs: Iterable[ServerProcess]) -> None:
    """Kill the servers; their logs go to bench/results/tmp/logs/ (kept for a look)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for proc in procs:
        proc.kill()
        with contextlib.suppress(OSError):
            shutil.move(proc.log_path, LOG_DIR / f"server-{proc.port}.log")


def clear_logs() -> None:
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)


# What in the logs is worth a line in the report: the server's own warnings (its log
# format carries no level) and Postgres's errors.
_SERVER_PATTERNS = [
    (re.compile(r"push by \S+ failed in the database: (.*)$"), "push failed in the database: {}"),
    (re.compile(r"could not handle notification"), "could not handle a notification"),
    (re.compile(r"database unavailable during catch-up: (.*)$"), "catch-up failed: {}"),
    (re.compile(r"listener connection lost \((.*?)\)"), "listener connection lost: {}"),
    (re.compile(r"fold at version \d+ failed: (.*)$"), "fold failed: {}"),
    (re.compile(r"^Traceback"), "traceback"),
]
_PG_ERROR = re.compile(r"\] (ERROR|FATAL|PANIC):  (.*)$")


def summarize_logs() -> dict[str, dict[str, int]]:
    """Counts of notable lines in this run's server and Postgres logs."""
    servers: Counter[str] = Counter()
    for path in sorted(LOG_DIR.glob("server-*.log")):
        for line in path.read_text(errors="replace").splitlines():
            for pattern, label in _SERVER_PATTERNS:
                found = pattern.search(line)
                if found:
                    servers[label.format(*found.groups())[:160]] += 1
    postgres: Counter[str] = Counter()
    pg_log = LOG_DIR / "postgres.log"
    if pg_log.exists():
        for line in pg_log.read_text(errors="replace").splitlines():
            found = _PG_ERROR.search(line)
            if found:
                message = re.sub(r"\d+", "N", found.group(2))[:160]
                postgres[f"{found.group(1)}: {message}"] += 1
    return {"servers": dict(servers.most_common(20)), "postgres": dict(postgres.most_common(20))}


def server_pid(proc: ServerProcess) -> int:
    assert proc.proc is not None
    return proc.proc.pid


async def create_rooms(
    server: ServerProcess, count: int, text: str = "", concurrency: int = 16
) -> list[str]:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60) as http:

        async def one() -> str:
            async with gate:
                response = await http.post(f"{server.http}/rooms", json={"text": text})
                response.raise_for_status()
                return str(response.json()["roomId"])

        return list(await asyncio.gather(*(one() for _ in range(count))))


async def room_state(server: ServerProcess, room_id: str) -> Json:
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.get(f"{server.http}/rooms/{room_id}")
        response.raise_for_status()
        state: Json = response.json()
        return state


async def create_bare_rooms(db_url: str, count: int, prefix: str) -> list[str]:
    """Rooms inserted straight into the table, for the no-app ceiling."""
    ids = [f"{prefix}{secrets.token_hex(8)}" for _ in range(count)]
    async with connection(db_url) as conn:
        await conn.execute("INSERT INTO rooms (id) SELECT unnest($1::text[])", ids)
    return ids


def _cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    out: dict[int, float] = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        out[pid] = times.user + times.system
    return out


class CpuMeter:
    """CPU seconds used by groups of processes (and the whole machine) over a window."""

    def __init__(self, groups: dict[str, list[int]], postgres: Postgres | None = None) -> None:
        self.groups = groups
        self.postgres = postgres
        self._start: dict[str, dict[int, float]] = {}
        self._machine_start = 0.0
        self._t0 = 0.0
        # The window in wall-clock seconds, to find the rows it stored (created_at).
        self.wall: tuple[float, float] = (0.0, 0.0)
        self.result: dict[str, float | None] = {}

    def _snap(self) -> dict[str, dict[int, float]]:
        snap = {name: _cpu_seconds(pids) for name, pids in self.groups.items()}
        if self.postgres is not None and self.postgres.postmaster_pid is not None:
            snap["postgres"] = _cpu_seconds(self.postgres.pids())
        return snap

    @staticmethod
    def _machine_busy() -> float:
        t = psutil.cpu_times()
        return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))

    def start(self) -> None:
        self._start = self._snap()
        self._machine_start = self._machine_busy()
        self._t0 = now()
        self.wall = (time.time(), 0.0)

    def stop(self) -> dict[str, float | None]:
        end = self._snap()
        wall = now() - self._t0
        self.wall = (self.wall[0], time.time())
        result: dict[str, float | None] = {"wall": round(wall, 3)}
        for name, pids in end.items():
            begin = self._start.get(name, {})
            used = sum(cpu - begin.get(pid, 0.0) for pid, cpu in pids.items())
            result[name] = round(used, 3)
        result["machine"] = round(self._machine_busy() - self._machine_start, 3)
        if self.postgres is not None and "postgres" not in result:
            result["postgres"] = None
        self.result = result
        return result

    def other_cores(self) -> float | None:
        """CPU the machine spent outside the measured processes (other people's work)."""
        wall = self.result.get("wall")
        machine = self.result.get("machine")
        if not wall or machine is None:
            return None
        ours = sum(v or 0.0 for k, v in self.result.items() if k not in ("wall", "machine"))
        return round(max(machine - ours, 0.0) / wall, 3)

    def cores(self, name: str) -> float | None:
        used = self.result.get(name)
        wall = self.result.get("wall")
        if used is None or not wall:
            return None
        return round(used / wall, 3)


async def batch_sizes(db_url: str, room_ids: list[str], wall: tuple[float, float]) -> list[int]:
    """How many rows each transaction stored in these rooms during the window: the
    batches that group commit formed (rows of one transaction share its xmin and,
    through now(), its created_at)."""
    async with connection(db_url) as conn:
        rows = await conn.fetch(
            """SELECT count(*) AS n FROM updates
               WHERE room_id = ANY($1::text[])
                 AND created_at >= to_timestamp($2) AND created_at < to_timestamp($3)
               GROUP BY xmin::text""",
            room_ids,
            wall[0],
            wall[1],
        )
    return sorted(int(r["n"]) for r in rows)


def summarize_batches(sizes: list[int]) -> Json:
    if not sizes:
        return {"transactions": 0}
    rows = sum(sizes)
    histogram: dict[str, int] = {}
    for n in sizes:
        key = str(n) if n <= 8 else ("9-32" if n <= 32 else ">32")
        histogram[key] = histogram.get(key, 0) + 1
    return {
        "transactions": len(sizes),
        "rows": rows,
        "mean": round(rows / len(sizes), 2),
        # The batch the typical edit travels in (weighted by rows, not by transactions).
        "row_weighted_median": _weighted_median(sizes),
        "max": sizes[-1],
        "histogram": histogram,
    }


def _weighted_median(sorted_sizes: list[int]) -> int:
    half = sum(sorted_sizes) / 2
    seen = 0
    for n in sorted_sizes:
        seen += n
        if seen >= half:
            return n
    return sorted_sizes[-1]


def rss(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


async def drive(
    workers: list[Worker],
    warmup: float,
    duration: float,
    meter: CpuMeter | None,
    ready_timeout: float = 180.0,
    extra: float = 60.0,
) -> tuple[list[Json], list[Json]]:
    """Wait for every load generator, start them together, measure CPU over the window,
    and collect their results."""
    try:
        infos = [await w.expect("ready", ready_timeout) for w in workers]
        t_start = now() + warmup + 0.3
        t_end = t_start + duration
        for w in workers:
            w.send("go", {"t_start": t_start, "t_end": t_end})
        await sleep_until(t_start)
        if meter is not None:
            meter.start()
        await sleep_until(t_end)
        if meter is not None:
            meter.stop()
        results = [await w.expect("result", duration + extra) for w in workers]
        return infos, results
    finally:
        for w in workers:
            w.stop()
