"""ChunkedText replays change sets exactly as Document applies them (pure logic)."""

from __future__ import annotations

import random
from typing import Any

from service.document import Document
from service.replay import ChunkedText

PIECES = ["a", "é", "字", "😀", "\n", "    ", "xyz\n"]


def _random_changes(doc: Document, rng: random.Random) -> list[Any]:
    """1 to 3 edits: mostly keystrokes, sometimes a paste or a deletion of many KiB
    (and so across chunks)."""
    starts = sorted(rng.sample(range(doc.length + 1), k=min(doc.length + 1, rng.randint(1, 3))))
    changes: list[Any] = []
    pos = 0
    for start in starts:
        if start < pos or doc.splits_pair(start):
            continue
        big = rng.random() < 0.05
        end = min(doc.length, start + (rng.randint(3000, 9000) if big else rng.randint(0, 3)))
        while doc.splits_pair(end):
            end += 1
        size = rng.randint(1000, 6000) if rng.random() < 0.05 else rng.randint(0, 3)
        inserted = "".join(rng.choice(PIECES) for _ in range(size))
        if start > pos:
            changes.append(start - pos)
        changes.append([end - start, *inserted.split("\n")])
        pos = end
    if doc.length > pos:
        changes.append(doc.length - pos)
    return changes


def test_chunked_replay_equals_document_over_random_edits() -> None:
    rng = random.Random(5)
    start = "".join(rng.choice(PIECES) for _ in range(20_000))
    doc, chunked = Document(start), ChunkedText(start)
    for step in range(1500):
        changes = _random_changes(doc, rng)
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
