"""Where prometheus-client's multiprocess mode keeps every process's figures.

Each uvicorn worker writes its metrics to memory-mapped files named by its pid
in one directory, and a scrape in any process merges them all. The directory
must be named in PROMETHEUS_MULTIPROC_DIR before prometheus_client is first
imported in a process (it picks its value class at import), and emptied when
the server starts, or a previous run's figures would be summed in. This module
imports nothing from prometheus_client for that reason.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
# Set beside ENV when Pairpad drew the directory itself, so that a server started
# from such a process (a test, the demo) draws its own instead of sharing it.
_DRAWN = "PAIRPAD_METRICS_DIR_DRAWN"


def prepare() -> tuple[Path, bool]:
    """Name (drawing a fresh one unless the operator named one) and empty the
    directory; True when drawn here."""
    given = None if os.environ.get(_DRAWN) else os.environ.get(ENV)
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="pairpad-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[ENV] = str(path)
    if not given:
        os.environ[_DRAWN] = "1"
    return path, not given


def ensure() -> None:
    """For an app built without `python -m service` (one process): a directory of its own."""
    if not os.environ.get(ENV):
        prepare()
