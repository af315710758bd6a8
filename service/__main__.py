"""`python -m service --host H --port P --workers N`: start Pairpad.

With no DATABASE_URL, an embedded Postgres is started here, once, in the parent
process, before uvicorn starts its workers; they inherit its URL.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys

import uvicorn

from service import logs, metrics_dir
from service.config import get_settings
from service.embedded import EmbeddedPostgres


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--workers", type=int, default=settings.workers)
    args = parser.parse_args()
    logs.configure(settings.log_format)
    # Before anything imports prometheus_client, here and in every worker.
    metrics_path, own_metrics_path = metrics_dir.prepare()

    embedded = None
    if not settings.database_url:
        from service.app import PROJECT_ROOT

        data_dir = PROJECT_ROOT / settings.embedded_data_dir
        embedded = EmbeddedPostgres(data_dir, settings.embedded_port)
        os.environ["DATABASE_URL"] = embedded.start()
        logging.getLogger("service").info("embedded postgres at %s", os.environ["DATABASE_URL"])
        get_settings.cache_clear()
    # uvicorn shuts down gracefully on SIGTERM (closing sockets with 1012), then
    # raises the signal again; exit normally then, so the embedded Postgres stops.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from service.metrics_http import serve_on_own_port

    metrics_server = serve_on_own_port(settings)
    try:
        uvicorn.run(
            "service.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            loop=settings.uvicorn_loop,
            ws=settings.uvicorn_ws,
            http=settings.uvicorn_http,
            ws_max_size=settings.max_frame_bytes,
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=5,
            log_level="info",
            access_log=False,
            # uvicorn would believe X-Forwarded-For from 127.0.0.1 and rewrite the peer;
            # Pairpad reads it itself, from PAIRPAD_TRUSTED_PROXIES only (clientaddr.py).
            proxy_headers=False,
            log_config=logs.uvicorn_config(settings.log_format) or uvicorn.config.LOGGING_CONFIG,
        )
    finally:
        if metrics_server is not None:
            metrics_server.shutdown()
        if own_metrics_path:
            shutil.rmtree(metrics_path, ignore_errors=True)
        if embedded is not None:
            embedded.release()


if __name__ == "__main__":
    main()
