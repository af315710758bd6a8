"""`python -m bench.run [--quick] [--only a,b] [--out DIR]`: Pairpad's benchmark.

Starts a throwaway embedded Postgres (or uses BENCH_DATABASE_URL's server, in a
fresh database), two Pairpad server processes, and load generators in processes of
their own, all on 127.0.0.1; runs the scenarios; writes latest.json, latest.md and
PNG plots to bench/results/ (with --quick, to bench/results/tmp/ unless --out).

Scenarios: ceiling (1), typing (2), saturation (3), hot_room (4), big_doc (5),
sockets (6), peers (7), disk_stall (8), history (bench/history_seek.py). The full
run takes about 11 minutes on 2 cores; --quick about one minute.
`python -m bench.edit_cost --flame` profiles the edit path and redraws
bench/results/flame_process_{a,b}.svg.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import logging
import platform
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import psutil

from bench import report, scenarios
from bench.common import cpu_speed_probe, raise_fd_limit
from bench.infra import (
    SERVER_ENV,
    Postgres,
    clear_logs,
    start_servers,
    stop_servers,
    summarize_logs,
)
from bench.scenarios import Bench, Plan

log = logging.getLogger("bench")

RESULTS = Path(__file__).resolve().parent / "results"

Scenario = Callable[[Bench], Awaitable[None]]


def _peers(bench: Bench) -> Awaitable[None]:
    from bench import peer_systems

    return peer_systems.scenario_peers(bench)


def _history(bench: Bench) -> Awaitable[None]:
    from bench import history_seek

    return history_seek.scenario_history(bench)


def _disk_stall(bench: Bench) -> Awaitable[None]:
    from bench import disk_stall

    return disk_stall.scenario_disk_stall(bench)


SCENARIOS: dict[str, Scenario] = {
    "ceiling": scenarios.scenario_ceiling,
    "typing": scenarios.scenario_typing,
    "saturation": scenarios.scenario_saturation,
    "hot_room": scenarios.scenario_hot_room,
    "big_doc": scenarios.scenario_big_doc,
    "sockets": scenarios.scenario_sockets,
    "peers": _peers,
    "history": _history,
    "disk_stall": _disk_stall,
}


async def main(args: argparse.Namespace) -> int:
    started = time.monotonic()
    fd_limit = raise_fd_limit()  # the servers and load generators inherit it
    selected = list(SCENARIOS) if not args.only else args.only.split(",")
    unknown = [s for s in selected if s not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenarios {unknown}; known: {', '.join(SCENARIOS)}")
    out_dir = Path(args.out) if args.out else (RESULTS / "tmp" if args.quick else RESULTS)
    out_dir.mkdir(parents=True, exist_ok=True)

    clear_logs()
    for setting in args.server_env or []:
        name, _, value = setting.partition("=")
        SERVER_ENV[name] = value
    plan = Plan.make(args.quick)
    for setting in args.set or []:
        plan.override(setting)
    pg_settings = dict(item.partition("=")[::2] for item in args.pg_setting or [])
    postgres = Postgres(pg_settings)
    failures: dict[str, str] = {}
    # Before each scenario, and at the end: how fast the machine was (common.py).
    speed_probe_us: dict[str, float] = {}
    bench: Bench | None = None
    try:
        db_url = await postgres.prepare()
        servers = start_servers(db_url, 2)
        bench = Bench(plan, postgres, servers, selected=selected)
        try:
            for name in selected:
                t0 = time.monotonic()
                speed_probe_us[name] = cpu_speed_probe()
                log.info("scenario %s (speed probe %.0f µs)", name, speed_probe_us[name])
                try:
                    await SCENARIOS[name](bench)
                except Exception as exc:
                    log.exception("scenario %s failed", name)
                    failures[name] = f"{type(exc).__name__}: {exc}"
                log.info("scenario %s took %.1fs", name, time.monotonic() - t0)
        finally:
            stop_servers(servers)
        speed_probe_us["end"] = cpu_speed_probe()
        pg_version = await postgres.version()
    finally:
        await postgres.stop()
    assert bench is not None
    bench.results["logs"] = summarize_logs()
    meta = {
        "git": _git_state(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "scenarios": selected,
        "plan": dataclasses.asdict(plan),
        "wall_seconds": round(time.monotonic() - started, 1),
        "cpus": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "postgres": pg_version,
        "postgres_kind": "BENCH_DATABASE_URL" if postgres.external else "embedded, fsync=on",
        "postgres_settings_over_defaults": pg_settings,
        "fd_limit": fd_limit,
        "server_env": dict(SERVER_ENV),
        "failures": failures,
        "speed_probe_us": speed_probe_us,
    }
    report.write(out_dir, meta, bench.results, bench.samples, bench.timelines)
    log.info("wrote %s (%.0fs)", out_dir / "latest.md", meta["wall_seconds"])
    if failures:
        return 1
    if args.fail_on_problems and report.correctness_problems(bench.results):
        log.error("problems: %s", report.correctness_problems(bench.results))
        return 2
    return 0


def _git_state() -> dict[str, object]:
    """The commit measured, and the files that differed from it (the servers run the
    working tree)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.rstrip("\n")

    changed = [
        line[3:] for line in git("status", "--porcelain", "--", "service", "db").splitlines()
    ]
    return {"commit": git("rev-parse", "--short", "HEAD"), "changed_service_files": changed}


def cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a ~1-minute smoke run with small loads (results to results/tmp/)",
    )
    parser.add_argument("--only", help=f"comma-separated scenarios from: {', '.join(SCENARIOS)}")
    parser.add_argument("--out", help="directory for latest.json, latest.md and the plots")
    parser.add_argument(
        "--fail-on-problems",
        action="store_true",
        help="exit 2 when a run saw protocol errors, gaps, divergence, sockets closed by "
        "the server or errors in the logs (exit 1 when a scenario failed outright)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        metavar="PAIRPAD_NAME=VALUE",
        help="an extra setting for every server process, e.g. PAIRPAD_FOLD_EVERY=1000",
    )
    parser.add_argument(
        "--pg-setting",
        action="append",
        metavar="NAME=VALUE",
        help="a setting for the embedded Postgres over its defaults (service/embedded.py), "
        "e.g. --pg-setting wal_compression=off",
    )
    parser.add_argument(
        "--set",
        action="append",
        metavar="FIELD=VALUE",
        help="override a field of the plan (bench/scenarios.py: Plan), e.g. "
        "--set typing_rooms=100 --set typing_seconds=5",
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sys.exit(asyncio.run(main(args)))


if __name__ == "__main__":
    cli()
