"""`python -m bench.edit_cost`: what one edit costs the two server processes, and where.

Types at R rooms (two clients a room, one on each process, 5 keystrokes/s each:
1,000 edits/s at R=100) through the Node load generator of scenario 7, and reads
the CPU seconds that the two server processes spent over the window, per edit
delivered. Each variant (a set of server settings, e.g. another uvicorn event loop
or WebSocket implementation, or ShareDB for comparison) runs on freshly started
servers, and the variants take turns in rounds, so that a busy machine weighs on
all of them alike; each is reported as the median of its rounds with the spread.

    python -m bench.edit_cost                       # the service as configured, 3 rounds
    python -m bench.edit_cost --variant ws=wsproto --variant loop=asyncio --sharedb
    python -m bench.edit_cost --flame               # + py-spy flame graphs of both processes
    python -m bench.edit_cost --sequential 2000 --variant ws=wsproto   # one edit at a time

A variant is `name:SETTING=VALUE,...` or just `SETTING=VALUE,...`, where SETTING is a
PAIRPAD_ variable without the prefix (`ws=wsproto` is PAIRPAD_UVICORN_WS, see ALIASES).
`--flame` records both server processes with py-spy (`pip install -e '.[dev]'`)
during the first round of the first variant and writes
bench/results/flame_process_a.svg and flame_process_b.svg (process A serves
client 0 of each room, B client 1: each process authors half the edits and
delivers the other half from its notifications).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import peer_systems
from bench.common import Json, dump_json, raise_fd_limit
from bench.infra import (
    CpuMeter,
    Postgres,
    create_rooms,
    server_pid,
    start_servers,
    stop_servers,
)
from bench.scenarios import KIB, Bench, Plan, _code_text, spread
from service.embedded import free_port
from tests.harness import Client

log = logging.getLogger("bench")

RESULTS = Path(__file__).resolve().parent / "results"

# Short names for the settings this benchmark is mostly about.
ALIASES = {
    "loop": "PAIRPAD_UVICORN_LOOP",
    "ws": "PAIRPAD_UVICORN_WS",
    "http": "PAIRPAD_UVICORN_HTTP",
}


@dataclass
class Variant:
    name: str
    env: dict[str, str] = field(default_factory=dict)
    system: str = "pairpad"
    runs: list[Json] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Variant:
        name, sep, settings = text.partition(":")
        if not sep:
            name, settings = text, text
        env = {}
        for item in filter(None, settings.split(",")):
            key, _, value = item.partition("=")
            key = ALIASES.get(key, key if key.startswith("PAIRPAD_") else f"PAIRPAD_{key.upper()}")
            env[key] = value
        return cls(name, env)


def flame_graph(pid: int, seconds: float, out: Path, rate: int = 200) -> subprocess.Popen[bytes]:
    """Start py-spy recording `pid` for `seconds`; the caller waits for it."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            str(rate),
            "--format",
            "flamegraph",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def measure_pairpad(
    bench: Bench, variant: Variant, rooms: int, seconds: float, flame_dir: Path | None
) -> Json:
    servers = start_servers(bench.db_url, 2, **variant.env)
    bench.servers = servers
    spies: list[subprocess.Popen[bytes]] = []
    try:
        ids = await create_rooms(servers[0], rooms, text=_code_text(KIB))
        pids = [server_pid(s) for s in servers]
        if flame_dir is not None:
            # Starts with the load generator's warm-up and covers the window.
            delay = bench.plan.warmup + 3.0
            asyncio.get_running_loop().call_later(
                delay,
                lambda: spies.extend(
                    flame_graph(pid, seconds, flame_dir / f"flame_process_{name}.svg")
                    for pid, name in zip(pids, "ab", strict=True)
                ),
            )
        result = await peer_systems.run_load(
            bench,
            "pairpad",
            f"{variant.name} typing R={rooms}",
            [s.ws for s in servers],
            ids,
            2,
            0.2,
            seconds,
            pids,
        )
        for spy in spies:
            _, err = await asyncio.to_thread(spy.communicate)
            if spy.returncode != 0:
                log.warning("py-spy failed: %s", err.decode(errors="replace")[-500:])
        return result
    finally:
        stop_servers(servers)


async def measure_sequential(bench: Bench, variant: Variant, edits: int) -> Json:
    """`edits` edits one at a time: a client on process A pushes, and the next push
    waits until its echo and the peer's copy (on process B) have arrived. Nothing is
    ever batched, so the CPU per edit here is the whole path's, whatever the machine's
    load does to latency (which at 1,000 edits/s changes how much is batched)."""
    servers = start_servers(bench.db_url, 2, **variant.env)
    try:
        [room] = await create_rooms(servers[0], 1, text=_code_text(KIB))
        author = await Client.connect(servers[0], room, clientId="seqauthor")
        peer = await Client.connect(servers[1], room, clientId="seqpeer")
        version, length = author.hello["version"], len(author.hello["text"])
        pids = [server_pid(s) for s in servers]
        meter = CpuMeter({"servers": pids}, bench.postgres)

        async def one() -> None:
            nonlocal version, length
            await author.push(version, [length // 2, [0, "x"], length - length // 2])
            await author.recv_type("update")
            await peer.recv_type("update")
            version, length = version + 1, length + 1

        for _ in range(50):  # warm-up
            await one()
        t0 = time.monotonic()
        meter.start()
        for _ in range(edits):
            await one()
        meter.stop()
        seconds = time.monotonic() - t0
        await author.close()
        await peer.close()
    finally:
        stop_servers(servers)
    used = meter.result.get("servers") or 0.0
    return {
        "label": f"{variant.name} sequential",
        "edits": edits,
        "edit_round_trip_ms": round(seconds / edits * 1000, 3),
        "cpu": {
            "server_us_per_edit": round(used / edits * 1e6, 1),
            "other_cores": meter.other_cores(),
        },
        "edit_to_peer_ms": {"p50": round(seconds / edits * 1000, 3), "p99": None},
        "accepted_per_s": round(edits / seconds, 1),
    }


async def measure_peer(bench: Bench, system: str, rooms: int, seconds: float, db_url: str) -> Json:
    script = {"sharedb": "sharedb-server.mjs", "hocuspocus": "hocuspocus-server.mjs"}[system]
    port = free_port()
    server = peer_systems.NodeProcess(script, str(port), db_url)
    try:
        await server.line(60)
        ids = [f"doc{i}x{time.monotonic_ns()}" for i in range(rooms)]
        return await peer_systems.run_load(
            bench,
            system,
            f"{system} typing R={rooms}",
            [f"ws://127.0.0.1:{port}"],
            ids,
            2,
            0.2,
            seconds,
            [server.pid],
        )
    finally:
        server.stop()


def summary(variants: list[Variant]) -> list[Json]:
    out = []
    for v in variants:

        def pick(run: Json, *keys: str) -> Any:
            value: Any = run
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            return value

        def values(*keys: str, runs: list[Json] = v.runs) -> list[float]:
            return [x for x in (pick(r, *keys) for r in runs) if x is not None]

        out.append(
            {
                "variant": v.name,
                "system": v.system,
                "env": v.env,
                "server_us_per_edit": spread(values("cpu", "server_us_per_edit"), digits=1),
                "edit_to_peer_p50_ms": spread(values("edit_to_peer_ms", "p50"), digits=1),
                "edit_to_peer_p99_ms": spread(values("edit_to_peer_ms", "p99"), digits=1),
                "edits_per_s": spread(values("accepted_per_s"), digits=1),
                "other_cores": spread(values("cpu", "other_cores"), digits=1),
            }
        )
    return out


async def main(args: argparse.Namespace) -> int:
    raise_fd_limit()
    problem = peer_systems.ensure_installed()
    if problem is not None:
        raise SystemExit(problem)
    variants = [Variant("as configured")] + [Variant.parse(v) for v in args.variant or []]
    for system in ("sharedb", "hocuspocus"):
        if getattr(args, system):
            variants.append(Variant(system, system=system))
    plan = Plan.make(quick=False)
    plan.warmup = args.warmup
    postgres = Postgres()
    flame_dir = Path(args.flame_dir) if args.flame else None
    if flame_dir is not None:
        flame_dir.mkdir(parents=True, exist_ok=True)
    try:
        await postgres.prepare()
        bench = Bench(plan, postgres, [])
        peers_url = (
            await peer_systems.prepare_database(bench)
            if any(v.system != "pairpad" for v in variants)
            else ""
        )
        for round_ in range(args.rounds):
            for i, v in enumerate(variants):
                flame = flame_dir if (round_ == 0 and i == 0) else None
                if v.system == "pairpad" and args.sequential:
                    run = await measure_sequential(bench, v, args.sequential)
                elif v.system == "pairpad":
                    run = await measure_pairpad(bench, v, args.rooms, args.seconds, flame)
                else:
                    run = await measure_peer(bench, v.system, args.rooms, args.seconds, peers_url)
                v.runs.append(run)
                log.info(
                    "round %d %s: %s µs/edit, p50 %s ms",
                    round_ + 1,
                    v.name,
                    run["cpu"]["server_us_per_edit"],
                    run["edit_to_peer_ms"]["p50"],
                )
    finally:
        with contextlib.suppress(Exception):
            await postgres.stop()
    result = {
        "rooms": args.rooms,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "variants": summary(variants),
        "runs": {v.name: v.runs for v in variants},
    }
    if args.out:
        dump_json(args.out, result)
    for row in result["variants"]:
        cpu, p50 = row["server_us_per_edit"], row["edit_to_peer_p50_ms"]
        print(
            f"{row['variant']:>32}: {cpu['median']} µs/edit ({cpu['min']} to {cpu['max']}), "
            f"p50 {p50['median']} ms ({p50['min']} to {p50['max']}), "
            f"other load {row['other_cores']['median']} cores"
        )
    return 0


def cli() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.edit_cost",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--variant", action="append", help="server settings to compare, e.g. ws=wsproto"
    )
    parser.add_argument("--sharedb", action="store_true", help="add ShareDB as a variant")
    parser.add_argument("--hocuspocus", action="store_true", help="add Hocuspocus as a variant")
    parser.add_argument(
        "--sequential",
        type=int,
        metavar="EDITS",
        help="instead of typing at R rooms, this many edits one at a time (no batching): "
        "Pairpad variants only",
    )
    parser.add_argument("--flame", action="store_true", help="record py-spy flame graphs")
    parser.add_argument("--flame-dir", default=str(RESULTS))
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sys.exit(asyncio.run(main(args)))


if __name__ == "__main__":
    cli()
