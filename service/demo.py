"""`make demo`: two Pairpad processes on two ports sharing one database and one room.

Open both printed links side by side: each browser talks to a different
process, and every keystroke still reaches the other through Postgres.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from service.app import PROJECT_ROOT
from service.config import get_settings
from service.embedded import EmbeddedPostgres


def main() -> None:
    settings = get_settings()
    ports = (settings.port, settings.port + 1)
    embedded = None
    env = dict(os.environ)
    if not settings.database_url:
        embedded = EmbeddedPostgres(
            PROJECT_ROOT / settings.embedded_data_dir, settings.embedded_port
        )
        env["DATABASE_URL"] = embedded.start()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "service", "--port", str(port), "--workers", "1"],
            cwd=PROJECT_ROOT,
            env=env,
        )
        for port in ports
    ]
    try:
        for port in ports:
            wait_ready(port)
        room = httpx.post(
            f"http://127.0.0.1:{ports[0]}/rooms",
            json={"language": "python", "text": "def greet(name):\n    return f'hi {name}'\n"},
        ).json()["roomId"]
        print("\nPairpad demo: one room, two processes. Open both:\n")
        for port in ports:
            print(f"  http://127.0.0.1:{port}/room/{room}")
        print(
            f"\nWatch the bus:  psql {env['DATABASE_URL']}\n"
            f'  then  LISTEN "room:{room}";\n'
            "  and   SELECT 1 \\watch 1   (psql prints what arrived after each command)\n"
            "Ctrl-C stops.\n"
        )
        for proc in procs:
            proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=15)
        if embedded is not None:
            embedded.release()


def wait_ready(port: int, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until the process on `port` answers /readyz (and has not exited)."""
    for _ in range(600):
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"process on port {port} exited")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"process on port {port} did not become ready")


if __name__ == "__main__":
    main()
