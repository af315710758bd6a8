"""Per-client abuse limits that hold across every server process.

uvicorn's workers share one port, so one client's requests and sockets land
on different processes; a limit kept in one process's memory would let a
client through N times over. Both kinds of limit therefore live in Postgres,
in UNLOGGED tables (migration 000004):

* `POST /rooms`, `POST /autocomplete` and the reads of a room (`GET /rooms/…`:
  its state, history and old versions, which cost a replay) take a token from
  the client's bucket for that route with one call of `pairpad_take_token` (an
  atomic upsert: concurrent takers queue on the row). Refused: 429
  `rate_limited` with `Retry-After`. Pages, scripts and the other static files
  are not limited: they cost a file read, and the browser asks for dozens at once.
* WebSockets: each process counts its own open sockets per client
  (`client_sockets`); opening one checks the sum over live processes under a
  per-client advisory lock. Over the cap: accepted, then closed with 1008.
  A process that dies stops counting: rows of processes silent for 30 s are
  ignored, then deleted by the sweep (`service/lifetime.py`).

If Postgres cannot answer, the limit lets the request through (and logs it):
a limiter must not turn a database hiccup into an outage of autocomplete. A
socket's close that cannot be counted then is owed, and counted once the
database answers again, so that a hiccup does not shrink a client's cap for
the life of the process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import asyncpg
from starlette.types import ASGIApp, Receive, Scope, Send

from service import errors, metrics
from service.clientaddr import client_key, scope_client
from service.config import Settings
from service.dbfailures import DATABASE_FAILURES

log = logging.getLogger(__name__)

# A process unheard of for this long no longer counts toward anyone's cap.
PROCESS_ALIVE_SECONDS = 30.0
# Waits between attempts to count the closes owed after a database failure.
_OWED_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True, slots=True)
class Rate:
    name: str
    per_second: float
    burst: float
    what: str  # for the refusal's message


_ROOM_READS = "GET /rooms/*"


def http_rates(settings: Settings) -> dict[str, Rate]:
    """The rate-limited requests, by `METHOD path` (`/*`: every path under it)."""
    rates = {
        "POST /rooms": Rate(
            "rooms", settings.rooms_per_minute / 60.0, settings.rooms_burst, "rooms created"
        ),
        "POST /autocomplete": Rate(
            "autocomplete",
            settings.autocomplete_per_second,
            settings.autocomplete_burst,
            "suggestions asked for",
        ),
        _ROOM_READS: Rate(
            "room_reads",
            settings.room_reads_per_second,
            settings.room_reads_burst,
            "reads of rooms and their history",
        ),
    }
    return {route: r for route, r in rates.items() if r.per_second > 0 and r.burst >= 1}


def longest_refill_seconds(settings: Settings) -> float:
    """After this long untouched, any bucket is full again, so its row can go."""
    return max((r.burst / r.per_second for r in http_rates(settings).values()), default=0.0)


class Limits:
    """The limits of one process, against the shared tables."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings, process_id: str) -> None:
        self.pool = pool
        self.settings = settings
        self.process_id = process_id
        self.rates = http_rates(settings)
        self._proxies = tuple(settings.trusted_proxies)
        # Socket closes not yet counted in the database, by client.
        self._owed: Counter[str] = Counter()
        self._settling: asyncio.Task[None] | None = None

    def rate_for(self, scope: Scope) -> Rate | None:
        """The rate that an HTTP request is counted against, if any."""
        method, path = scope["method"], scope["path"]
        rate = self.rates.get(f"{method} {path}")
        if rate is None and method in ("GET", "HEAD") and path.startswith("/rooms/"):
            rate = self.rates.get(_ROOM_READS)
        return rate

    def client_of(self, scope: Scope) -> str:
        return client_key(scope_client(scope, self._proxies))

    async def take(self, rate: Rate, client: str) -> float:
        """0 when the client may go on, else the seconds to wait."""
        try:
            wait = await self.pool.fetchval(
                "SELECT pairpad_take_token($1, $2, $3)",
                f"{rate.name}:{client}",
                rate.per_second,
                float(rate.burst),
            )
        except DATABASE_FAILURES as exc:
            log.warning("rate limit %s not checked (database: %s)", rate.name, exc)
            return 0.0
        return float(wait)

    async def open_socket(self, client: str) -> bool | None:
        """True: counted; False: over the cap; None: not counted (no cap, or no database)."""
        cap = self.settings.sockets_per_client
        if cap <= 0:
            return None
        try:
            return bool(
                await self.pool.fetchval(
                    "SELECT pairpad_open_socket($1, $2, $3, make_interval(secs => $4))",
                    client,
                    self.process_id,
                    cap,
                    PROCESS_ALIVE_SECONDS,
                )
            )
        except DATABASE_FAILURES as exc:
            log.warning("socket cap not checked (database: %s)", exc)
            return None

    async def close_socket(self, client: str) -> None:
        try:
            await self._count_close(client)
        except DATABASE_FAILURES as exc:
            log.warning("socket count of %s not lowered yet (database: %s)", client, exc)
            self._owed[client] += 1
            if self._settling is None or self._settling.done():
                self._settling = asyncio.create_task(self._settle_owed(), name="owed closes")

    async def _count_close(self, client: str) -> None:
        await self.pool.execute("SELECT pairpad_close_socket($1, $2)", client, self.process_id)

    async def _settle_owed(self) -> None:
        """Count the owed closes, waiting longer after each failure, until none is left."""
        failures = 0
        while self._owed:
            await asyncio.sleep(_OWED_RETRY_SECONDS[min(failures, len(_OWED_RETRY_SECONDS) - 1)])
            try:
                for client in list(self._owed):
                    while self._owed[client] > 0:
                        await self._count_close(client)
                        self._owed[client] -= 1
                    del self._owed[client]
            except DATABASE_FAILURES:
                failures += 1
            else:
                failures = 0


class AbuseLimits:
    """ASGI middleware applying `Limits` before a request reaches its route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limits: Limits | None = (
            getattr(scope["app"].state, "limits", None) if "app" in scope else None
        )
        rate = limits.rate_for(scope) if limits is not None and scope["type"] == "http" else None
        if limits is None:
            await self.app(scope, receive, send)
        elif rate is not None:
            wait = await limits.take(rate, limits.client_of(scope))
            if wait > 0:
                metrics.RATE_LIMITED.labels(rate.name).inc()
                await _too_many(send, rate.what, wait)
                return
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._socket(limits, scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _socket(self, limits: Limits, scope: Scope, receive: Receive, send: Send) -> None:
        client = limits.client_of(scope)
        counted = await limits.open_socket(client)
        if counted is False:
            metrics.RATE_LIMITED.labels("sockets").inc()
            log.info(
                "refused socket: %s has %d open",
                client,
                limits.settings.sockets_per_client,
                extra={"event": "socket_cap", "peer": client},
            )
            await _refuse_socket(receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            if counted:
                await limits.close_socket(client)


async def _too_many(send: Send, what: str, wait: float) -> None:
    seconds = max(1, math.ceil(wait))
    message = f"Too many {what} from your address; try again in {seconds} s."
    body = json.dumps({"error": {"code": "rate_limited", "message": message}}).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse_socket(receive: Receive, send: Send) -> None:
    message: dict[str, Any] = dict(await receive())
    if message.get("type") != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send(
        {
            "type": "websocket.close",
            "code": errors.WS_POLICY_VIOLATION,
            "reason": "too many connections from this client",
        }
    )
