"""The WebSocket endpoint: adapts a Starlette socket to a room session."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from service import errors, ids, metrics
from service.config import Settings
from service.dbfailures import DATABASE_FAILURES
from service.errors import RoomNotFound
from service.rooms import RoomHub
from service.session import Close, Session
from service.wire import DirectWire

log = logging.getLogger(__name__)

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


def origin_allowed(origin: str | None, host: str | None, settings: Settings) -> bool:
    """Same origin as the Host header, a configured origin, or none at all
    (PROTOCOL.md); any localhost origin only when the operator allows it."""
    if origin is None:
        return True  # not a browser
    if origin in settings.allowed_origins:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https"):
        return False
    if host is not None and parts.netloc == host:
        return True
    return settings.allow_localhost_origins and parts.hostname in _LOCAL_HOSTS


def _since_version(since: str | None) -> int | None:
    """`since` as a number. One of more than 18 digits is past any room's version
    (and past what int() parses, for thousands), so it means "start over"."""
    if since is None:
        return None
    digits = since.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else _PAST_ANY_VERSION


_PAST_ANY_VERSION = 10**18


def _query_error(websocket: WebSocket) -> str | None:
    params = websocket.query_params
    name = params.get("name")
    if name is not None and len(name) > 40:
        return "name is longer than 40 characters"
    client_id = params.get("clientId")
    if client_id is not None and not ids.is_client_id(client_id):
        return "clientId must match [A-Za-z0-9_-]{1,64}"
    since = params.get("since")
    if since is not None and not (since.isascii() and since.isdigit()):
        return "since must be a version: a whole number"
    return None


async def _refuse(websocket: WebSocket, code: int, reason: str) -> None:
    # The client may already have gone; there is nobody left to tell then.
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await websocket.close(code, reason)


class RoomSocket:
    """The ASGI app at `/ws/{room_id}`. Starlette's `WebSocket` does the handshake
    (query, headers, accept, refusals); once the session runs, each frame goes
    straight through the ASGI `receive` and `send`, without the wrapper's state
    checks and exception layer: it is paid on every message in and out."""

    def __init__(self) -> None:
        self._announced = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._announced:
            # Once a process: which event loop and WebSocket implementation are in
            # force (uvicorn's choice is a setting; see config.py).
            self._announced = True
            loop = type(asyncio.get_running_loop())
            protocol = type(getattr(receive, "__self__", receive))
            log.info(
                "websockets served by %s.%s on %s.%s",
                protocol.__module__,
                protocol.__qualname__,
                loop.__module__,
                loop.__qualname__,
            )
        await _room_socket(WebSocket(scope, receive, send), receive, send)


room_socket = RoomSocket()


async def _room_socket(websocket: WebSocket, receive: Receive, send: Send) -> None:
    hub: RoomHub = websocket.app.state.hub
    settings: Settings = websocket.app.state.settings
    room_id = websocket.path_params["room_id"]
    await websocket.accept()
    if not origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host"), settings):
        log.info("refused origin %s for room %s", websocket.headers.get("origin"), room_id)
        await _refuse(websocket, errors.WS_FORBIDDEN_ORIGIN, "origin not allowed")
        return
    if not ids.is_room_id(room_id):
        await _refuse(websocket, errors.WS_BAD_REQUEST, "malformed room id")
        return
    problem = _query_error(websocket)
    if problem is not None:
        await _refuse(websocket, errors.WS_BAD_REQUEST, problem)
        return
    params = websocket.query_params
    since = params.get("since")
    try:
        ref = await hub.store.resolve(room_id)
        session = Session(
            params.get("clientId") or ids.new_client_id(), params.get("name"), settings, ref
        )
        session.wire = DirectWire.behind(receive)
        room = await hub.join(ref.room_id, session, _since_version(since))
    except RoomNotFound:
        await _refuse(websocket, errors.WS_ROOM_NOT_FOUND, "room not found")
        return
    except DATABASE_FAILURES as exc:
        log.warning(
            "room %s: join failed, closing with 1013: %s",
            room_id,
            exc,
            extra={"event": "join_failed", "room": room_id, "code": errors.WS_TRY_AGAIN_LATER},
        )
        await _refuse(websocket, errors.WS_TRY_AGAIN_LATER, "database unavailable")
        return
    log.info(
        "open room=%s client=%s role=%s",
        ref.room_id,
        session.client_id,
        ref.role,
        extra={"event": "socket_open", "room": ref.room_id, "client": session.client_id},
    )
    metrics.socket_opened(ref.role)
    close: Close | None = None
    try:
        close = await _serve(receive, send, session)
    finally:
        await hub.leave(room, session)
        metrics.socket_closed(ref.role)
        code = close.code if close else "client"
        log.info(
            "close room=%s client=%s code=%s",
            ref.room_id,
            session.client_id,
            code,
            extra={
                "event": "socket_close",
                "room": ref.room_id,
                "client": session.client_id,
                "code": code,
            },
        )


async def _serve(asgi_receive: Receive, asgi_send: Send, session: Session) -> Close | None:
    """Run the receiver and the sender; when either ends, the other is cancelled."""

    async def receive() -> None:
        try:
            while not session.closing:
                message = await asgi_receive()
                if message["type"] == "websocket.disconnect":
                    return
                frame = message.get("text")
                await session.receive(frame if frame is not None else message.get("bytes", b""))
        except WebSocketDisconnect:
            return
        except Exception:
            log.exception("client %s: unexpected failure", session.client_id)
            session.close(errors.WS_INTERNAL_ERROR, "internal error")
            await asyncio.Event().wait()  # the sender closes the socket and ends us

    async def send() -> Close:
        while True:
            item = await session.next_outgoing()
            if isinstance(item, Close):
                with contextlib.suppress(Exception):
                    await asgi_send(
                        {"type": "websocket.close", "code": item.code, "reason": item.reason}
                    )
                return item
            # A socket that went away raises here (uvicorn's ClientDisconnected is an
            # OSError), which ends the sender and so the session.
            session.in_flight = True
            await asgi_send({"type": "websocket.send", "text": item})
            session.in_flight = False

    receiver = asyncio.create_task(receive())
    sender = asyncio.create_task(send())
    done, pending = await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    if sender in done and not sender.cancelled() and sender.exception() is None:
        return sender.result()
    return None
