"""The benchmark's quick run: every scenario but the npm peers, under real load.

No timing is asserted here (speed is reported by `make bench`, as ratios).
What must hold is correctness under load: no gaps, no divergence, no protocol
errors, no sockets closed by the server, nothing alarming in the logs.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.harness import PROJECT_ROOT


def test_quick_benchmark_runs_clean_and_reports_every_target() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--fail-on-problems",
            "--only",
            "ceiling,typing,saturation,hot_room,big_doc,sockets,history",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((PROJECT_ROOT / "bench/results/tmp/latest.json").read_text())
    names = " ".join(target["name"] for target in report["targets"])
    for fragment in (
        "saturation",
        "typing R=",
        "1 MiB",
        "idle socket",
        "history seek",
        "big room",
    ):
        assert fragment in names
    # How fast the shared machine was before each scenario, for reading the figures.
    assert set(report["meta"]["speed_probe_us"]) == {*report["meta"]["scenarios"], "end"}
    assert "Machine speed" in (PROJECT_ROOT / "bench/results/tmp/latest.md").read_text()
