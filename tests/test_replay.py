"""ChunkedText replays change sets exactly as Document applies them (pure logic)."""

from __future__ import annotations

import random
from typing import Any

from service.document import Document
from service.replay import ChunkedText
from tests.harness import PIECES, random_change_set


def test_chunked_replay_equals_document_over_random_edits() -> None:
    rng = random.Random(5)
    start = "".join(rng.choice(PIECES) for _ in range(20_000))
    doc, chunked = Document(start), ChunkedText(start)
    for step in range(1500):
        changes = random_change_set(doc, rng)
        doc.apply(doc.check(changes, 1 << 40))
        chunked.apply(changes)
        if step % 100 == 0:
            assert chunked.text == doc.text, f"step {step}"
            assert chunked.length == doc.length
    assert chunked.text == doc.text


def test_chunked_replay_of_edge_cases() -> None:
    cases: list[tuple[str, list[Any], str]] = [
        ("", [[0, "a", "b"]], "a\nb"),
        ("abc", [[3]], ""),
        ("abc", [3, [0, "😀"]], "abc😀"),
        ("a😀b", [1, [2, "x"], 1], "axb"),
    ]
    for text, changes, after in cases:
        chunked = ChunkedText(text)
        chunked.apply(changes)
        assert chunked.text == after
