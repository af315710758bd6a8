"""Serving /metrics, and who may read it.

On the main port (the default), `/metrics` answers a request that carries
`Authorization: Bearer <PAIRPAD_METRICS_TOKEN>` when a token is set, and
otherwise only a loopback peer whose request came through no proxy (no
`X-Forwarded-For` or `Forwarded` header: a proxy on the same host would
otherwise hand the world a loopback peer). With `PAIRPAD_METRICS_PORT`,
/metrics leaves the main port and is served by the parent process on
`PAIRPAD_METRICS_HOST:PAIRPAD_METRICS_PORT` instead (the token, when set, is
required there too); the parent sees every worker's files like any worker.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from starlette.requests import Request
from starlette.responses import Response

from service import metrics_dir
from service.config import Settings
from service.http_errors import error_response

metrics_dir.ensure()

# After the directory is named; this module defines no metric, so the parent
# process that serves the metrics port writes no figures of its own.
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest  # noqa: E402
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead  # noqa: E402

log = logging.getLogger(__name__)


_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_dead_workers() -> None:
    """Drop the live gauges of workers that died without saying so (a SIGKILL, an
    OOM kill): their counters stay, since what they counted did happen."""
    path = Path(os.environ[metrics_dir.ENV])
    pids = {
        int(m.group(1)) for f in path.glob("gauge_live*.db") if (m := _LIVE_FILE.search(f.name))
    }
    for pid in pids:
        if not _alive(pid):
            mark_process_dead(pid, str(path))


def render() -> bytes:
    """Every process's metrics, merged, in Prometheus's text format."""
    reap_dead_workers()
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return generate_latest(registry)


def _token_ok(header: str | None, token: str) -> bool:
    return header is not None and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())


async def metrics_endpoint(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.metrics_enabled or settings.metrics_port is not None:
        return error_response(404, "not_found", "metrics are not served on this port")
    if settings.metrics_token:
        if not _token_ok(request.headers.get("authorization"), settings.metrics_token):
            return error_response(401, "unauthorized", "metrics need Authorization: Bearer <token>")
    else:
        peer = request.client.host if request.client else ""
        proxied = "x-forwarded-for" in request.headers or "forwarded" in request.headers
        if proxied or not _is_loopback(peer):
            return error_response(
                403,
                "forbidden",
                "metrics answer loopback peers only; set PAIRPAD_METRICS_TOKEN or "
                "PAIRPAD_METRICS_PORT to read them from elsewhere",
            )
    body = await asyncio.to_thread(render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The separate port: a small threaded WSGI server in the parent process.

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # a scrape every 15 s is not news


def _wsgi_app(token: str | None) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"only /metrics here\n"]
        if token and not _token_ok(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"metrics need Authorization: Bearer <token>\n"]
        body = render()
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [body]

    return app


def serve_on_own_port(settings: Settings) -> WSGIServer | None:
    """Serve /metrics on `metrics_port` from a daemon thread of this process."""
    if not settings.metrics_enabled or settings.metrics_port is None:
        return None
    server = make_server(
        settings.metrics_host,
        settings.metrics_port,
        _wsgi_app(settings.metrics_token),
        server_class=_Server,
        handler_class=_QuietHandler,
    )
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics at http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    return server
