"""Change-set arithmetic in UTF-16 units (pure logic, no database)."""

from __future__ import annotations

import random

import pytest

from service.document import Document
from service.errors import InvalidChanges
from service.utf16 import utf16_length
from tests.harness import insert, random_change_set


def apply(text: str, changes: object, limit: int = 1 << 20) -> str:
    doc = Document(text)
    doc.apply(doc.check(changes, limit))
    return doc.text


def test_protocol_examples() -> None:
    assert apply("hello world", [5, [0, ","], 6]) == "hello, world"
    assert apply("hello world", [[5, "goodbye"], 6]) == "goodbye world"
    assert apply("", [[0, "a", "b"]]) == "a\nb"


def test_positions_count_utf16_units() -> None:
    assert apply("😀a", [2, [1, "b"]]) == "😀b"
    assert Document("😀a").length == 3


def test_check_changes_nothing() -> None:
    doc = Document("abc")
    doc.check([3, [0, "d"]], 100)
    assert doc.text == "abc"


def test_size_limit_counts_utf8_bytes() -> None:
    doc = Document("")
    with pytest.raises(InvalidChanges, match="limit is 4"):
        doc.check([[0, "éé£"]], 4)
    doc.check([[0, "éé"]], 4)


def test_deleting_frees_room_under_the_limit() -> None:
    assert apply("é" * 4, [[4, "abcdefgh"]], limit=8) == "abcdefgh"


@pytest.mark.parametrize(
    "changes",
    [[1, [0, "x"], 2], [[5]], [2, [0, "\ud83d"], 2], [2, [1], 1], True, [None], [[True, "x"], 4]],
)
def test_invalid_changes(changes: object) -> None:
    with pytest.raises(InvalidChanges):
        Document("ab😀").check(changes, 100)


def test_random_edits_match_python_string_arithmetic() -> None:
    """Applying random inserts and deletes agrees with slicing the equivalent str."""
    rng = random.Random(7)
    text = ""
    doc = Document()
    alphabet = ["a", "b", "\n", "😀", "é", "字"]
    for _ in range(500):
        units = text.encode("utf-16-le")
        length = len(units) // 2
        # Only cut at positions that do not split a surrogate pair.
        cuts = [i for i in range(length + 1) if not doc.splits_pair(i)]
        start = rng.choice(cuts)
        end = rng.choice([c for c in cuts if c >= start][:4])
        new = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3)))
        sections: list[object] = [start] if start else []
        sections.append([end - start, *new.split("\n")])
        if length - end:
            sections.append(length - end)
        doc.apply(doc.check(sections, 1 << 20))
        text = units[: 2 * start].decode("utf-16-le") + new + units[2 * end :].decode("utf-16-le")
        assert doc.text == text
        assert doc.utf8_size == len(text.encode())
    assert utf16_length(text) == doc.length
    assert insert(0, 0, "x") == [[0, "x"]]


def test_stored_change_sets_apply_as_checked_ones_do() -> None:
    """apply_stored (for what the table holds) ends where check + apply ends."""
    rng = random.Random(11)
    checked, stored = Document("start 😀\n"), Document("start 😀\n")
    for _ in range(400):
        changes = random_change_set(checked, rng)
        checked.apply(checked.check(changes, 1 << 20))
        stored.apply_stored(changes)
        assert stored.text == checked.text
        assert stored.utf8_size == checked.utf8_size


@pytest.mark.parametrize("changes", [[5], [[1, "x"]], [None], 7])
def test_a_stored_change_set_of_the_wrong_length_changes_nothing(changes: object) -> None:
    doc = Document("abc")
    with pytest.raises(InvalidChanges):
        doc.apply_stored(changes)
    assert doc.text == "abc" and doc.utf8_size == 3
