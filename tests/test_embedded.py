"""The default with no DATABASE_URL: an embedded Postgres, started once by the parent
process before its workers, whose data outlives the server."""

from __future__ import annotations

import os
import signal
import socket
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


def test_a_second_server_on_the_same_data_leaves_the_first_ones_postgres_running() -> None:
    """A second `make run` finds the embedded Postgres running and uses it; when it
    stops, the Postgres (which the first server started) stays up for the first."""
    data_dir = Path(tempfile.mkdtemp(prefix="pairpad-embedded-")) / "pgdata"
    first_port, second_port, pg_port = free_port(), free_port(), free_port()
    first = _start(data_dir, first_port, pg_port)
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_ready(first_port, first)
        second = _start(data_dir, second_port, pg_port)
        wait_ready(second_port, second)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
        assert EmbeddedPostgres(data_dir).running_port() == pg_port
        assert httpx.get(f"http://127.0.0.1:{first_port}/readyz").status_code == 200
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
        EmbeddedPostgres(data_dir).stop()


def test_a_port_held_only_by_closed_connections_is_free() -> None:
    """Restarting within a minute finds the embedded Postgres's port in TIME_WAIT;
    Postgres binds it regardless (SO_REUSEADDR), so it is not passed over."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server's side closes first: it is the one in TIME_WAIT
        client.close()
    assert free_port(port) == port
