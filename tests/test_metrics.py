"""/metrics: every worker's figures in one scrape, guarded, usable by the dashboard."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from pathlib import Path

import httpx
import pytest

from service.embedded import free_port
from tests.harness import Client, ServerProcess, connection, create_room, insert, servers
from tests.metrics_scrape import Scrape, scrape

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2


async def _sockets_on_both_workers(server: ServerProcess, room_id: str) -> list[Client]:
    """Open sockets until the scrape shows both workers holding some."""
    clients: list[Client] = []
    for _ in range(20):
        clients += await asyncio.gather(*(Client.connect(server, room_id) for _ in range(8)))
        per_worker = (await scrape(f"{server.http}/metrics")).labelled(
            "pairpad_worker_open_sockets", "pid"
        )
        if len([n for n in per_worker.values() if n > 0]) == WORKERS:
            return clients
    raise AssertionError(f"the kernel never gave the second worker a socket: {per_worker}")


async def test_scrape_shows_both_workers_and_the_histograms_move(database_url: str) -> None:
    """Edits through two workers of one port are all counted in any worker's scrape,
    and every panel of the Grafana dashboard reads metrics that the scrape has."""
    env = {
        "PAIRPAD_AUTOCOMPLETE_PER_SECOND": "0.5",
        "PAIRPAD_AUTOCOMPLETE_BURST": "2",
        "PAIRPAD_ROOM_SWEEP_SECONDS": "1",
    }
    with servers(database_url, 1, workers=WORKERS, env=env) as (server,):
        room_id = await create_room(server)
        clients = await _sockets_on_both_workers(server, room_id)
        text = ""
        for client in clients:
            await client.push(len(text), insert(len(text), len(text), "x"))
            text += "x"
            while client.hello["version"] < len(text):  # others' edits, then its own
                client.hello["version"] = (await client.recv_type("update"))["version"]
        async with httpx.AsyncClient() as http:
            body = {"code": "impo", "cursorPosition": 4, "language": "python"}
            codes = [
                (await http.post(f"{server.http}/autocomplete", json=body)).status_code
                for _ in range(3)
            ]
        assert codes == [200, 200, 429]
        # Every socket has seen every edit; the remote path has run on some worker.
        for client in clients:
            while client.hello["version"] < len(text):
                client.hello["version"] = (await client.recv_type("update"))["version"]
        await clients[0].push(0, insert(len(text), 0, "stale"))
        assert (await clients[0].recv_type("conflict"))["type"] == "conflict"
        await clients[1].socket.send("{not json")
        assert (await clients[1].recv_type("error"))["code"] == "malformed_json"
        await asyncio.sleep(2)  # one upkeep tick: pool gauges and a sweep

        result = await scrape(f"{server.http}/metrics")
        edits = len(clients)
        assert result.value("pairpad_edits_accepted_total") == edits
        assert result.value("pairpad_push_commit_seconds_count") == edits
        assert result.value("pairpad_push_commit_seconds_sum") > 0
        assert result.value("pairpad_commit_to_socket_seconds_count", source="local") == edits
        # Each worker's edits reached the other's sockets through the bus.
        assert result.value("pairpad_commit_to_socket_seconds_count", source="remote") > 0
        assert result.value("pairpad_group_commit_batch_size_count") >= 1
        assert result.value("pairpad_conflicts_total") == 1
        assert result.value("pairpad_rejected_messages_total", code="malformed_json") == 1
        assert result.value("pairpad_autocomplete_seconds_count") == 2
        assert result.value("pairpad_rate_limited_total", limit="autocomplete") == 1
        assert result.value("pairpad_open_sockets", role="editor") == len(clients)
        assert result.value("pairpad_live_rooms") == WORKERS  # one room, live on both
        assert result.value("pairpad_db_pool_size") >= WORKERS
        assert result.value("pairpad_rooms_created_total") == 1
        per_worker = result.labelled("pairpad_worker_open_sockets", "pid")
        assert len(per_worker) == WORKERS and sum(per_worker.values()) == len(clients)

        used = _dashboard_metrics()
        missing = {name for name in used if name not in result.names}
        assert not missing, f"dashboard panels use metrics the scrape lacks: {missing}"
        await asyncio.gather(*(client.close() for client in clients))


def _dashboard_metrics() -> set[str]:
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "pairpad.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 12
    return {name for e in exprs for name in re.findall(r"\bpairpad_[a-z0-9_]+", e)}


async def test_a_killed_workers_gauges_leave_the_scrape(database_url: str) -> None:
    """A worker that dies without a word no longer counts its sockets as open."""
    with servers(database_url, 1, workers=WORKERS) as (server,):
        room_id = await create_room(server)
        clients = await _sockets_on_both_workers(server, room_id)
        before = (await scrape(f"{server.http}/metrics")).labelled(
            "pairpad_worker_open_sockets", "pid"
        )
        victim = min(before, key=lambda pid: before[pid])
        os.kill(int(victim), signal.SIGKILL)
        survivor_sockets = sum(v for pid, v in before.items() if pid != victim)
        for _ in range(100):
            try:
                result = await scrape(f"{server.http}/metrics")
            except httpx.HTTPError:
                await asyncio.sleep(0.1)  # the dead worker's accepted connection
                continue
            if victim not in result.labelled("pairpad_worker_open_sockets", "pid"):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"worker {victim} is still in the scrape")
        assert result.value("pairpad_open_sockets", role="editor") == survivor_sockets
        await asyncio.gather(*(client.close() for client in clients))


async def test_metrics_are_guarded(database_url: str) -> None:
    """Loopback peers only by default (never through a proxy); a token opens it."""
    with servers(database_url, 1) as (plain,):
        async with httpx.AsyncClient() as http:
            ok = await http.get(f"{plain.http}/metrics")
            proxied = await http.get(
                f"{plain.http}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}
            )
        assert ok.status_code == 200 and "pairpad_edits_accepted_total" in ok.text
        assert proxied.status_code == 403
        assert proxied.json()["error"]["code"] == "forbidden"
    with servers(database_url, 1, env={"PAIRPAD_METRICS_TOKEN": "s3cret"}) as (tokened,):
        async with httpx.AsyncClient() as http:
            none = await http.get(f"{tokened.http}/metrics")
            wrong = await http.get(
                f"{tokened.http}/metrics", headers={"Authorization": "Bearer nope"}
            )
            right = await http.get(
                f"{tokened.http}/metrics",
                headers={"Authorization": "Bearer s3cret", "X-Forwarded-For": "203.0.113.9"},
            )
        assert (none.status_code, wrong.status_code, right.status_code) == (401, 401, 200)


async def test_metrics_on_their_own_port_or_off(database_url: str) -> None:
    """With a metrics port, the parent serves every worker's figures there, and the
    main port has no /metrics; switched off, neither has."""
    port = free_port()
    env = {"PAIRPAD_METRICS_PORT": str(port), "PAIRPAD_METRICS_TOKEN": "t0k"}
    with servers(database_url, 1, workers=WORKERS, env=env) as (server,):
        for _ in range(4):
            await create_room(server)
        async with httpx.AsyncClient() as http:
            main = await http.get(f"{server.http}/metrics")
            anonymous = await http.get(f"http://127.0.0.1:{port}/metrics")
        assert main.status_code == 404
        assert anonymous.status_code == 401
        result = await scrape(f"http://127.0.0.1:{port}/metrics", Authorization="Bearer t0k")
        assert result.value("pairpad_rooms_created_total") == 4
    with servers(database_url, 1, env={"PAIRPAD_METRICS_ENABLED": "false"}) as (off,):
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{off.http}/metrics")).status_code == 404


def test_scrape_parser_sums_labelled_samples() -> None:
    """The test helper itself: labels filter, values add up."""
    text = 'a_total{code="x"} 2.0\na_total{code="y"} 3.0\n'
    assert Scrape(text).value("a_total") == 5 and Scrape(text).value("a_total", code="y") == 3


async def test_listener_reconnects_and_catch_ups_are_counted(database_url: str) -> None:
    """A terminated LISTEN connection comes back, and its rooms catch up: both counted."""
    with servers(database_url, 1) as (server,):
        room_id = await create_room(server)
        client = await Client.connect(server, room_id)
        before = await scrape(f"{server.http}/metrics")
        async with connection(database_url) as conn:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'pairpad-listener' AND datname = current_database()"
            )
        for _ in range(100):
            after = await scrape(f"{server.http}/metrics")
            if after.value("pairpad_listener_reconnects_total") >= 1:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no listener reconnect counted")
        await asyncio.sleep(0.5)  # the room's catch-up runs in its own task
        after = await scrape(f"{server.http}/metrics")
        assert after.value("pairpad_catch_ups_total") > before.value("pairpad_catch_ups_total")
        await client.close()


def test_a_forked_process_writes_its_figures_under_its_own_pid() -> None:
    """The pid prometheus-client files figures under is read once (not a system
    call per increment), and read again in a forked child, so that parent and
    child never write to one file."""
    from service import metrics

    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        metrics.EDITS_ACCEPTED.inc()
        metrics.flush()
        files = sorted(p.name for p in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"))
        os.write(write, json.dumps(files).encode())
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(child, 0)
    files = json.loads(os.read(read, 65536).decode())
    os.close(read)
    assert status == 0
    assert f"counter_{child}.db" in files


def test_tallied_figures_reach_the_shared_file_on_flush_in_the_right_buckets() -> None:
    from prometheus_client import Counter, Histogram

    from service import metrics

    histogram = Histogram("pairpad_test_tally_seconds", "t", buckets=(0.001, 0.01), registry=None)
    counter = Counter("pairpad_test_tally", "t", registry=None)
    tallied_histogram = metrics.TalliedHistogram(histogram)
    tallied_counter = metrics.TalliedCounter(counter)
    for amount in (0.0005, 0.001, 0.002, 5.0):  # a bound belongs to its own bucket
        tallied_histogram.observe(amount)
    tallied_counter.inc(3)

    def buckets() -> list[float]:
        return [bucket.get() for bucket in histogram._buckets]

    assert buckets() == [0, 0, 0] and counter._value.get() == 0
    metrics.flush()
    assert buckets() == [2, 1, 1]
    assert histogram._sum.get() == pytest.approx(5.0035)
    assert counter._value.get() == 3
    metrics.flush()  # nothing new: nothing written twice
    assert buckets() == [2, 1, 1] and counter._value.get() == 3
