"""docker-compose.yml is valid against the Compose specification, checked offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_compose_file_matches_the_compose_spec() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_service_waits_for_a_healthy_postgres() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "condition: service_healthy" in text
    assert "/readyz" in text


def test_compose_publishes_metrics_and_offers_prometheus_as_a_profile() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert 'PAIRPAD_METRICS_PORT: "9100"' in text
    assert "127.0.0.1:9100:9100" in text
    assert 'profiles: ["monitoring"]' in text
    assert (ROOT / "deploy" / "prometheus.yml").read_text().count("pairpad:9100") == 1
