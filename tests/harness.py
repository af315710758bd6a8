"""Real servers and real Postgres for the tests: nothing here is a stand-in.

`PostgresServer` is either the server named by DATABASE_URL (the tests create
their own databases on it and never restart it) or an embedded cluster that the
tests start, own, and may restart. `ServerProcess` runs `python -m service`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import uvicorn
import websockets
from starlette.types import ASGIApp
from websockets.asyncio.client import ClientConnection

from service import ids
from service.config import Settings
from service.document import Document
from service.embedded import EmbeddedPostgres, free_port
from service.migrate import migrate
from service.rooms import LiveRoom, RoomHub
from service.session import Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@asynccontextmanager
async def connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of its own for a few statements, closed however they end."""
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


class PostgresServer:
    """A Postgres server and the template database the tests clone."""

    def __init__(self, url: str, embedded: EmbeddedPostgres | None) -> None:
        self.url = url
        self.embedded = embedded
        self.template = f"pairpad_template_{secrets.token_hex(4)}"
        self._databases: list[str] = []

    @classmethod
    def start_embedded(cls, settings: dict[str, str] | None = None) -> PostgresServer:
        data_dir = Path(tempfile.mkdtemp(prefix="pairpad-pg-")) / "data"
        embedded = EmbeddedPostgres(data_dir, settings=settings)
        return cls(embedded.start(), embedded)

    async def prepare_template(self) -> None:
        async with connection(self.url) as admin:
            await admin.execute(f'CREATE DATABASE "{self.template}"')
        async with connection(with_database(self.url, self.template)) as conn:
            await migrate(conn)

    async def new_database(self, migrated: bool = True) -> str:
        """A database of its own for one test; returns its URL."""
        name = f"pairpad_test_{secrets.token_hex(6)}"
        async with connection(self.url) as admin:
            template = f' TEMPLATE "{self.template}"' if migrated else ""
            await admin.execute(f'CREATE DATABASE "{name}"{template}')
        self._databases.append(name)
        return with_database(self.url, name)

    async def drop_all(self) -> None:
        async with connection(self.url) as admin:
            for name in [*self._databases, self.template]:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop(mode="immediate")


# Every test and benchmark client comes from 127.0.0.1, so the per-client abuse
# limits are raised out of their way (still checked, through Postgres, on every
# request and socket); tests of the limits pass their own values.
LIMITS_OUT_OF_THE_WAY = {
    "PAIRPAD_ROOMS_PER_MINUTE": "6000000",
    "PAIRPAD_ROOMS_BURST": "100000",
    "PAIRPAD_AUTOCOMPLETE_PER_SECOND": "100000",
    "PAIRPAD_AUTOCOMPLETE_BURST": "100000",
    "PAIRPAD_ROOM_READS_PER_SECOND": "100000",
    "PAIRPAD_ROOM_READS_BURST": "100000",
    "PAIRPAD_SOCKETS_PER_CLIENT": "1000000",
}


class ServerProcess:
    """`python -m service` on a port of its own, talking to `database_url`."""

    def __init__(self, database_url: str, workers: int = 1, **env: str) -> None:
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.env = {**LIMITS_OUT_OF_THE_WAY, **env}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="pairpad-server-", suffix=".log")[1])

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        env = {**os.environ, "DATABASE_URL": self.database_url, **self.env}
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_ready(self, timeout: float = 30.0) -> ServerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.http}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"server not ready in {timeout}s:\n{self.log()}")

    async def ready(self, timeout: float = 30.0) -> ServerProcess:
        await asyncio.to_thread(self.wait_ready, timeout)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def pause(self, paused: bool = True) -> None:
        """Freeze the whole process group (SIGSTOP), or let it run on (SIGCONT)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP if paused else signal.SIGCONT)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=15)

    def terminate(self) -> int:
        """SIGTERM, as a supervisor stops a process; returns its exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


@contextmanager
def servers(
    database_url: str, count: int = 2, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[list[ServerProcess]]:
    procs = [ServerProcess(database_url, workers, **(env or {})).start() for _ in range(count)]
    try:
        for proc in procs:
            proc.wait_ready()
        yield procs
    finally:
        for proc in procs:
            proc.kill()


# Clients.


async def create_room(server: ServerProcess, text: str = "", language: str = "python") -> str:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{server.http}/rooms", json={"text": text, "language": language}
        )
        response.raise_for_status()
        return str(response.json()["roomId"])


async def room_state(server: ServerProcess, room_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.http}/rooms/{room_id}")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


class Client:
    """A protocol client that keeps every message it receives, by type."""

    def __init__(self, socket: ClientConnection, hello: dict[str, Any]) -> None:
        self.socket = socket
        self.hello = hello
        self.client_id: str = hello["clientId"]

    @classmethod
    async def connect(cls, server: ServerProcess, room_id: str, **params: Any) -> Client:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        socket = await websockets.connect(
            f"{server.ws}/ws/{room_id}" + (f"?{query}" if query else ""), max_size=None
        )
        hello = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert hello["type"] == "hello", hello
        return cls(socket, hello)

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def push(self, version: int, *changes: Any) -> None:
        updates = [{"clientId": self.client_id, "changes": c} for c in changes]
        await self.send({"type": "push", "version": version, "updates": updates})

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        return message

    async def recv_type(self, *types: str, timeout: float = 10) -> dict[str, Any]:
        """The next message of one of `types`, skipping others (presence, say)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            message = await self.recv(max(left, 0.001))
            if message["type"] in types:
                return message

    async def close_code(self, timeout: float = 10) -> int | None:
        """Wait for the server to close the socket; returns the close code."""
        try:
            while True:
                await asyncio.wait_for(self.socket.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    async def close(self) -> None:
        await self.socket.close()


def insert(doc_length: int, at: int, text: str) -> list[Any]:
    """The JSON change set inserting `text` (one line or several) at `at`."""
    sections: list[Any] = []
    if at:
        sections.append(at)
    sections.append([0, *text.split("\n")])
    if doc_length - at:
        sections.append(doc_length - at)
    return sections


# What random text is made of: multi-byte, astral and line breaks included.
PIECES = ["a", "é", "字", "😀", "\n", "    ", "xyz\n"]


def random_change_set(doc: Document, rng: random.Random) -> list[Any]:
    """A valid change set against `doc`, 1 to 3 edits: mostly keystrokes, sometimes
    a paste or a deletion of many KiB (across ChunkedText's chunks, in replay)."""
    starts = sorted(rng.sample(range(doc.length + 1), k=min(doc.length + 1, rng.randint(1, 3))))
    changes: list[Any] = []
    pos = 0
    for start in starts:
        if start < pos or doc.splits_pair(start):
            continue
        big = rng.random() < 0.05
        end = min(doc.length, start + (rng.randint(3000, 9000) if big else rng.randint(0, 3)))
        while doc.splits_pair(end):
            end += 1
        size = rng.randint(1000, 6000) if rng.random() < 0.05 else rng.randint(0, 3)
        inserted = "".join(rng.choice(PIECES) for _ in range(size))
        if start > pos:
            changes.append(start - pos)
        changes.append([end - start, *inserted.split("\n")])
        pos = end
    if doc.length > pos:
        changes.append(doc.length - pos)
    return changes


async def stored_edit_counts(database_url: str, room_id: str) -> dict[str, int]:
    """How many stored updates each client authored in a room."""
    async with connection(database_url) as conn:
        rows = await conn.fetch(
            "SELECT client_id, count(*) AS n FROM updates WHERE room_id = $1 GROUP BY 1", room_id
        )
    return {r["client_id"]: r["n"] for r in rows}


@asynccontextmanager
async def uvicorn_serving(app: ASGIApp, **config: Any) -> AsyncIterator[int]:
    """uvicorn in this event loop, with the service's WebSocket protocol, serving
    `app` (for tests of that protocol itself); yields the port."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws=Settings(database_url="unused").uvicorn_ws,
            interface="asgi3",
            **config,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


# One process's rooms run in the test (the `hub` fixture).


async def joined_in_process(hub: RoomHub, text: str) -> tuple[LiveRoom, Session]:
    """A new room with `text`, and Ada's session in it."""
    room_id = ids.new_room_id()
    ref = await hub.store.create_room(room_id, "python", text)
    session = Session("ada", "Ada", hub.settings, ref)
    room = await hub.join(room_id, session, None)
    return room, session


def sent_messages(session: Session) -> list[dict[str, Any]]:
    """What the session has queued for its socket since last asked, decoded."""
    out: list[dict[str, Any]] = []
    while session._outbox:
        out.append(json.loads(session._outbox.popleft()))
    return out
