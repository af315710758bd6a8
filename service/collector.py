"""Python's cyclic garbage collector, set for a long-running server process.

By the time a worker serves its first socket it holds about 50,000 objects
(modules, classes, settings) that live as long as it does. A full collection
walks every one of them: 15 to 27 ms on this project's 2-core benchmark
machine, during which nothing else runs in the process, and it comes once
enough objects have outlived younger collections, as the in-flight objects of
a busy room do. `gc.freeze()` moves what exists at startup out of the
collector's sight, so a full pass walks only what came since.

Nearly every object an edit makes is freed by reference counting the moment it
is done with, so the youngest generation holds only what is still in use: a
higher first threshold means fewer passes, each about as short.
"""

from __future__ import annotations

import gc

FIRST_GENERATION_THRESHOLD = 10_000


def settle_after_startup() -> None:
    """Freeze what startup made and space the young collections out; call once the
    process is ready to serve."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION_THRESHOLD, second, third)
