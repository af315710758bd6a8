"""The default with no DATABASE_URL: an embedded Postgres, started once by the parent
process before its workers, whose data outlives the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from service.demo import wait_ready
from service.embedded import EmbeddedPostgres, free_port
from tests.harness import PROJECT_ROOT


def _start(data_dir: Path, port: int, pg_port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PAIRPAD_EMBEDDED_DATA_DIR"] = str(data_dir)
    env["PAIRPAD_EMBEDDED_PORT"] = str(pg_port)
    return subprocess.Popen(
        [sys.executable, "-m", "service", "--port", str(port), "--workers", "2"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_rooms_survive_a_restart_of_server_and_embedded_postgres() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="pairpad-embedded-")) / "pgdata"
    port, pg_port = free_port(), free_port()
    proc = _start(data_dir, port, pg_port)
    try:
        wait_ready(port, proc)
        created = httpx.post(f"http://127.0.0.1:{port}/rooms", json={"text": "kept"}).json()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        # The parent stopped its Postgres on the way out.
        assert EmbeddedPostgres(data_dir).running_port() is None

        proc = _start(data_dir, port, pg_port)
        wait_ready(port, proc)
        room = httpx.get(f"http://127.0.0.1:{port}/rooms/{created['roomId']}").json()
        assert room["text"] == "kept"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        EmbeddedPostgres(data_dir).stop()
