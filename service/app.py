"""The Starlette application: routes, and the pool and listener it lives on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from service import collector, http_api, http_errors, ids, logs, metrics
from service.config import Settings, get_settings
from service.lifetime import Upkeep
from service.metrics_http import metrics_endpoint
from service.migrate import migrate
from service.ratelimit import AbuseLimits, Limits
from service.rooms import RoomHub
from service.runner_assets import SandboxPage, immutable_files
from service.store import Store, create_pool
from service.ws import room_socket

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_PLACEHOLDER = """<!doctype html><meta charset="utf-8"><title>Pairpad</title>
<p>The web client is not built. Run <code>make web</code>, then reload.</p>"""


def _web_dist(settings: Settings) -> Path:
    path = Path(settings.web_dist)
    return path if path.is_absolute() else PROJECT_ROOT / path


def _app_page(dist: Path, status_code: int = 200) -> Response:
    index = dist / "index.html"
    if index.is_file():
        return FileResponse(index, status_code=status_code, headers={"cache-control": "no-cache"})
    return HTMLResponse(_PLACEHOLDER, status_code=status_code)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    logs.configure(settings.log_format)
    logs.quiet_socket_chatter()
    dsn = settings.database_url
    if not dsn:
        raise RuntimeError("DATABASE_URL is not set: start through `python -m service`")
    dist = _web_dist(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(dsn, settings.pool_min_size, settings.pool_max_size)
        async with pool.acquire() as conn:
            await migrate(conn)
        store = Store(pool)
        # One id for this process wherever processes are told apart: its row in
        # server_processes, its rate-limit shares, its viewer counts on the bus.
        process_id = ids.new_process_id()
        hub = RoomHub(store, settings, dsn, process_id)
        await hub.start()
        upkeep = Upkeep(pool, settings, process_id, hub.rooms.keys())
        await upkeep.start()
        tallies = asyncio.create_task(metrics.flush_every(1.0), name="metrics flush")
        app.state.settings = settings
        app.state.store = store
        app.state.hub = hub
        app.state.limits = Limits(pool, settings, process_id)
        collector.settle_after_startup()
        try:
            yield
        finally:
            await hub.stop()
            await upkeep.stop()
            tallies.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tallies
            await pool.close()
            metrics.mark_exiting()

    async def app_page(_request: Request) -> Response:
        return _app_page(dist)

    async def not_found(request: Request, exc: Exception) -> Response:
        """A person who follows a bad link gets the page, which says so; a
        program gets the protocol's error body."""
        if request.method in ("GET", "HEAD") and "text/html" in request.headers.get("accept", ""):
            return _app_page(dist, status_code=404)
        return await http_errors.starlette_error(request, exc)

    sandbox = SandboxPage(dist)
    routes = [
        Route("/rooms", http_api.create_room, methods=["POST"]),
        Route("/rooms/{room_id}", http_api.get_room, methods=["GET"]),
        Route("/rooms/{room_id}/history", http_api.get_history, methods=["GET"]),
        Route("/rooms/{room_id}/versions/{version}", http_api.get_version, methods=["GET"]),
        Route("/autocomplete", http_api.autocomplete, methods=["POST"]),
        Route("/healthz", http_api.healthz, methods=["GET"]),
        Route("/readyz", http_api.readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        WebSocketRoute("/ws/{room_id}", room_socket),
        Route("/room/{room_id}", app_page, methods=["GET"]),
        Route("/", app_page, methods=["GET"]),
        # Shared runs: the sandbox iframe's page, and Pyodide's versioned files.
        Route("/sandbox", sandbox.respond, methods=["GET"]),
        Route("/sandbox.html", sandbox.respond, methods=["GET"]),
        Mount("/pyodide", app=immutable_files(dist / "pyodide"), name="pyodide"),
        Mount("/", app=StaticFiles(directory=dist, check_dir=False), name="web"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(AbuseLimits)],
        exception_handlers={**http_errors.exception_handlers(), 404: not_found},
    )
