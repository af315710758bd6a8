"""One dedicated LISTEN connection per process, kept alive across faults.

The query pool cannot listen: asyncpg resets a released connection with
`UNLISTEN *`. So each process holds one more connection (`application_name`
pairpad-listener) that listens on the channels of the rooms it has sockets
for. When that connection drops, notifications sent meanwhile are lost for
good, so after reconnecting the owner is told to catch every room up from the
table (`on_reconnect`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

import asyncpg

from service import metrics
from service.dbfailures import DATABASE_FAILURES

log = logging.getLogger(__name__)

APPLICATION_NAME = "pairpad-listener"
_HEALTH_CHECK_SECONDS = 5.0
_MAX_BACKOFF_SECONDS = 2.0

NoteHandler = Callable[[str, str], None]


class Listener:
    def __init__(
        self,
        dsn: str,
        on_note: NoteHandler,
        on_reconnect: Callable[[], Awaitable[None]],
    ) -> None:
        self._dsn = dsn
        self._on_note = on_note
        self._on_reconnect = on_reconnect
        self._channels: set[str] = set()
        self._connection: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pairpad-listener")
        await self._connected.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.close(timeout=2)

    async def subscribe(self, channel: str) -> None:
        """LISTEN on `channel`; returns once Postgres will deliver its notifications,
        or at once while disconnected (the reconnect then listens and catches up)."""
        self._channels.add(channel)
        await self._on_connection(lambda conn: conn.add_listener(channel, self._deliver))

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        await self._on_connection(lambda conn: conn.remove_listener(channel, self._deliver))

    async def _on_connection(
        self, operation: Callable[[asyncpg.Connection], Awaitable[object]]
    ) -> None:
        # One operation at a time: asyncpg refuses a second while one is in progress.
        async with self._lock:
            conn = self._connection
            if conn is None or not self.connected:
                return
            try:
                await operation(conn)
            except DATABASE_FAILURES as exc:
                # A LISTEN that failed would silently starve its room: start over,
                # which re-listens on every channel and catches every room up.
                log.warning("listener operation failed (%s); reconnecting", exc)
                self._mark_lost()

    def _deliver(self, _conn: object, _pid: int, channel: str, payload: object) -> None:
        # Callbacks only hand over: fan-out happens in the rooms' own tasks.
        self._on_note(channel, str(payload))

    def _mark_lost(self, _conn: object = None) -> None:
        self._connected.clear()
        self._lost.set()

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                await self._connect()
                if attempt:
                    metrics.LISTENER_RECONNECTS.inc()
                attempt = 0
                await self._on_reconnect()
                await self._watch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._mark_lost()
                delay = min(_MAX_BACKOFF_SECONDS, 0.05 * 2**attempt) * random.uniform(0.5, 1.0)
                attempt += 1
                log.warning("listener connection lost (%s); retrying in %.2fs", exc, delay)
                await self._discard_connection()
                await asyncio.sleep(delay)

    async def _connect(self) -> None:
        conn = await asyncpg.connect(
            self._dsn, server_settings={"application_name": APPLICATION_NAME}, timeout=5
        )
        self._lost.clear()
        conn.add_termination_listener(self._mark_lost)
        async with self._lock:
            self._connection = conn
            for channel in sorted(self._channels):
                await conn.add_listener(channel, self._deliver)
            self._connected.set()
        log.info("listener connected, listening on %d channels", len(self._channels))

    async def _watch(self) -> None:
        """Return only by raising, when the connection is found dead."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), _HEALTH_CHECK_SECONDS)
            if self._lost.is_set():
                raise ConnectionError("listener connection terminated")
            async with self._lock:
                conn = self._connection
                assert conn is not None
                # A half-open TCP connection never reports termination: ask.
                await conn.fetchval("SELECT 1", timeout=_HEALTH_CHECK_SECONDS)

    async def _discard_connection(self) -> None:
        conn, self._connection = self._connection, None
        if conn is not None:
            conn.terminate()
