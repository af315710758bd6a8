"""The garbage collector's settings for a server process (service/collector.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from service import collector


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_what_startup_made_is_out_of_the_full_collections_sight() -> None:
    kept = [{"startup": i} for i in range(20_000)]  # stands in for modules and settings
    walked_before = len(gc.get_objects())
    collector.settle_after_startup()
    walked_after = len(gc.get_objects())
    assert gc.get_freeze_count() >= len(kept)
    assert walked_after < walked_before / 10
    assert gc.get_threshold()[0] == collector.FIRST_GENERATION_THRESHOLD
    made_later = [[i] for i in range(100)]
    assert len(gc.get_objects()) >= walked_after + len(made_later)  # new objects are still seen
