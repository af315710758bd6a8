"""Per-client abuse limits hold across processes and honour only trusted proxies."""

from __future__ import annotations

import asyncio
import ipaddress
import json

import asyncpg
import httpx
import websockets

from service.clientaddr import client_address, client_key
from service.config import Settings
from service.ratelimit import Limits
from service.store import create_pool
from tests.harness import ServerProcess, connection, create_room, servers

TRUSTED = '["127.0.0.1"]'


async def _create(server: ServerProcess, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    # A fresh connection each time, so that requests spread over the workers.
    async with httpx.AsyncClient() as http:
        return await http.post(f"{server.http}/rooms", json={}, headers=headers)


async def test_room_creation_answers_429_with_retry_after_then_recovers(
    database_url: str,
) -> None:
    """A burst of 3 holds for the client across both workers; after Retry-After it may
    create again."""
    env = {"PAIRPAD_ROOMS_PER_MINUTE": "60", "PAIRPAD_ROOMS_BURST": "3"}
    with servers(database_url, 1, workers=2, env=env) as (server,):
        responses = [await _create(server) for _ in range(10)]
        assert [r.status_code for r in responses] == [201] * 3 + [429] * 7
        refused = responses[-1]
        assert refused.json()["error"]["code"] == "rate_limited"
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 2
        await asyncio.sleep(retry_after)
        assert (await _create(server)).status_code == 201


async def test_reads_of_rooms_are_limited_across_workers_and_pages_are_not(
    database_url: str,
) -> None:
    """A room's state, history and versions share one bucket per client, across
    both workers (PROTOCOL.md: 429 on any route); the page and its files, which a
    browser fetches by the dozen, are not counted."""
    env = {"PAIRPAD_ROOM_READS_PER_SECOND": "0.5", "PAIRPAD_ROOM_READS_BURST": "5"}
    with servers(database_url, 1, workers=2, env=env) as (server,):
        room = (await _create(server)).json()["roomId"]
        paths = [f"/rooms/{room}", f"/rooms/{room}/history", f"/rooms/{room}/versions/0"]
        statuses = []
        for i in range(8):
            async with httpx.AsyncClient(base_url=server.http) as http:
                statuses.append((await http.get(paths[i % 3])).status_code)
        assert statuses == [200] * 5 + [429] * 3
        async with httpx.AsyncClient(base_url=server.http) as http:
            refused = await http.get(f"/rooms/{room}/versions/0")
            assert refused.json()["error"]["code"] == "rate_limited"
            assert int(refused.headers["retry-after"]) >= 1
            for _ in range(10):
                assert (await http.get(f"/room/{room}")).status_code == 200
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.post("/rooms", json={})).status_code == 201


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(database_url: str) -> None:
    """Behind a trusted proxy each forwarded client has its own bucket, keyed by the
    first untrusted hop from the right; from any other peer the header is ignored."""
    limits = {"PAIRPAD_ROOMS_PER_MINUTE": "1", "PAIRPAD_ROOMS_BURST": "1"}
    trusted_env = {**limits, "PAIRPAD_TRUSTED_PROXIES": TRUSTED}
    with servers(database_url, 1, env=trusted_env) as (server,):
        assert (await _create(server, "198.51.100.1")).status_code == 201
        assert (await _create(server, "198.51.100.1")).status_code == 429
        # A spoofed left part does not change who the proxy saw.
        assert (await _create(server, "203.0.113.5, 198.51.100.1")).status_code == 429
        assert (await _create(server, "198.51.100.2")).status_code == 201
    # 127.0.0.1's own bucket is untouched so far: every request above was forwarded.
    with servers(database_url, 1, env=limits) as (server,):
        assert (await _create(server, "198.51.100.1")).status_code == 201
        # Not a trusted proxy: the header names nobody, the peer (127.0.0.1) is limited.
        assert (await _create(server, "198.51.100.2")).status_code == 429
        assert (await _create(server)).status_code == 429


async def _socket(server: ServerProcess, room_id: str, client: str) -> websockets.ClientConnection:
    return await websockets.connect(
        f"{server.ws}/ws/{room_id}", additional_headers={"X-Forwarded-For": client}
    )


async def test_the_201st_socket_of_a_client_is_closed_1008_and_not_anothers(
    database_url: str,
) -> None:
    """The documented default cap (200 a client) across two workers: the 201st socket
    of one client is closed with 1008, another client still connects, and a closed
    socket frees a place."""
    proc = ServerProcess(database_url, workers=2, PAIRPAD_TRUSTED_PROXIES=TRUSTED)
    del proc.env["PAIRPAD_SOCKETS_PER_CLIENT"]  # the service's own default
    proc.start()
    try:
        await proc.ready()
        room_id = await create_room(proc)
        first = "192.0.2.10"
        sockets = []
        for _ in range(10):
            sockets += await asyncio.gather(*(_socket(proc, room_id, first) for _ in range(20)))
        for socket in sockets:
            assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "hello"
        extra = await _socket(proc, room_id, first)
        try:
            await asyncio.wait_for(extra.recv(), 10)
            raise AssertionError("the 201st socket was served")
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1008
        other = await _socket(proc, room_id, "192.0.2.11")
        assert json.loads(await asyncio.wait_for(other.recv(), 10))["type"] == "hello"
        await sockets.pop().close()
        for _ in range(50):  # the count drops once the server has seen the close
            again = await _socket(proc, room_id, first)
            try:
                if json.loads(await asyncio.wait_for(again.recv(), 10))["type"] == "hello":
                    break
            except websockets.ConnectionClosed:
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("a closed socket never freed its place")
        await asyncio.gather(*(s.close() for s in [*sockets, other, again]))
    finally:
        proc.kill()


async def test_autocomplete_limit_is_per_client(database_url: str) -> None:
    """20 a second with a burst: past the burst the client waits, others do not."""
    env = {
        "PAIRPAD_AUTOCOMPLETE_PER_SECOND": "1",
        "PAIRPAD_AUTOCOMPLETE_BURST": "2",
        "PAIRPAD_TRUSTED_PROXIES": TRUSTED,
    }
    body = {"code": "x", "cursorPosition": 1, "language": "python"}
    with servers(database_url, 1, env=env) as (server,):
        async with httpx.AsyncClient() as http:

            async def ask(client: str) -> int:
                response = await http.post(
                    f"{server.http}/autocomplete", json=body, headers={"X-Forwarded-For": client}
                )
                return response.status_code

            assert [await ask("192.0.2.1") for _ in range(3)] == [200, 200, 429]
            assert await ask("192.0.2.2") == 200


def test_client_address_rules() -> None:
    """Pure logic: the peer unless it is trusted; then the first untrusted hop from the right."""
    proxies = ("10.0.0.0/8", "::1")
    assert str(client_address("192.0.2.7", "198.51.100.1", proxies)) == "192.0.2.7"
    assert str(client_address("10.1.2.3", "198.51.100.1", proxies)) == "198.51.100.1"
    chain = "203.0.113.9, 198.51.100.1, 10.0.0.5"
    assert str(client_address("10.1.2.3", chain, proxies)) == "198.51.100.1"
    assert str(client_address("10.1.2.3", "10.0.0.4, 10.0.0.5", proxies)) == "10.0.0.4"
    assert str(client_address("::1", "[2001:db8::1]:443", proxies)) == "2001:db8::1"
    assert client_address("10.1.2.3", "garbage", proxies) is None
    assert client_key(None) == "unknown"
    assert client_key(ipaddress.ip_address("2001:db8::1")) == "2001:db8::/64"
    assert client_key(ipaddress.ip_address("::ffff:192.0.2.1")) == "192.0.2.1"


async def test_a_dead_processs_sockets_stop_counting_and_are_swept(database_url: str) -> None:
    """Counts left by a process that died (silent for over 30 s) do not hold its clients
    back, and the sweep deletes them and any long-full rate bucket."""
    async with connection(database_url) as conn:
        await conn.execute(
            """INSERT INTO server_processes (id, seen_at)
               VALUES ('gone/1/x', now() - interval '1 hour');
               INSERT INTO client_sockets (client, process, sockets)
               VALUES ('192.0.2.30', 'gone/1/x', 5);
               INSERT INTO rate_buckets (key, tokens, updated_at)
               VALUES ('rooms:192.0.2.30', 0, now() - interval '1 day')"""
        )
        env = {
            "PAIRPAD_TRUSTED_PROXIES": TRUSTED,
            "PAIRPAD_SOCKETS_PER_CLIENT": "1",
            "PAIRPAD_ROOM_SWEEP_SECONDS": "1",
        }
        with servers(database_url, 1, env=env) as (server,):
            room_id = await create_room(server)
            socket = await _socket(server, room_id, "192.0.2.30")
            assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "hello"
            for _ in range(50):
                left = await conn.fetchval(
                    "SELECT count(*) FROM server_processes WHERE id = 'gone/1/x'"
                )
                if left == 0:
                    break
                await asyncio.sleep(0.2)
            assert left == 0
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM client_sockets WHERE process = 'gone/1/x'"
                )
                == 0
            )
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM rate_buckets WHERE key = 'rooms:192.0.2.30'"
                )
                == 0
            )
            await socket.close()


async def test_a_clients_count_leaves_no_row_once_its_sockets_close(database_url: str) -> None:
    """Each open counts, each close counts down, and the last close deletes the row:
    a process keeps no row for the clients it served before."""
    env = {"PAIRPAD_TRUSTED_PROXIES": TRUSTED, "PAIRPAD_SOCKETS_PER_CLIENT": "5"}
    client = "192.0.2.40"
    async with connection(database_url) as conn:

        async def count() -> int | None:
            total: int | None = await conn.fetchval(
                "SELECT sum(sockets) FROM client_sockets WHERE client = $1", client
            )
            return total

        async def settled(expected: int | None) -> None:
            for _ in range(50):  # the server sees a close a moment after the client
                if await count() == expected:
                    return
                await asyncio.sleep(0.1)
            raise AssertionError(f"count stayed {await count()}, expected {expected}")

        with servers(database_url, 1, env=env) as (server,):
            room_id = await create_room(server)
            sockets = [await _socket(server, room_id, client) for _ in range(3)]
            for socket in sockets:
                assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "hello"
            await settled(3)
            await sockets.pop().close()
            await settled(2)
            await asyncio.gather(*(socket.close() for socket in sockets))
            await settled(None)
            rows = await conn.fetchval(
                "SELECT count(*) FROM client_sockets WHERE client = $1", client
            )
            assert rows == 0


class _DroppedStatements:
    """A pool whose next `failures` statements fail as on a dropped connection."""

    def __init__(self, pool: asyncpg.Pool, failures: int) -> None:
        self.pool = pool
        self.failures = failures

    async def execute(self, query: str, *args: object) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionResetError("connection dropped")
        return str(await self.pool.execute(query, *args))


async def test_closes_the_database_missed_are_counted_once_it_answers(database_url: str) -> None:
    """A database hiccup while sockets close must not shrink the client's cap for
    the life of the process: the closes are owed, and counted when it answers."""
    client = "192.0.2.50"
    pool = await create_pool(database_url, 1, 2)
    try:
        limits = Limits(pool, Settings(sockets_per_client=5), "process-a")
        for _ in range(3):
            assert await limits.open_socket(client) is True
        limits.pool = _DroppedStatements(pool, failures=3)  # type: ignore[assignment]
        await limits.close_socket(client)
        await limits.close_socket(client)
        count = "SELECT sum(sockets) FROM client_sockets WHERE client = $1"
        assert await pool.fetchval(count, client) == 3
        for _ in range(50):  # the first retry fails too; the next one counts both
            if await pool.fetchval(count, client) == 1:
                break
            await asyncio.sleep(0.1)
        assert await pool.fetchval(count, client) == 1
    finally:
        await pool.close()
