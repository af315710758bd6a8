"""The measured corpus: completion cases and how a suggestion is graded against them.

A case file (``cases/*.json``) holds a list of objects with ``name``, ``language``,
``code`` (a string, or a list of lines joined with "\\n") and ``expected``, the text a
person would accept at the cursor. The cursor is marked in ``code`` by ``‸`` (U+2038),
or given as ``cursor`` in UTF-16 units. Conventions for ``expected``: a callable comes
with its "(" (with "()" when it is nearly always called with nothing, as `items()`), a
keyword without a trailing space, "" where guessing would be wrong and where all that
could follow is whitespace (a newline, an indentation): a ghost text of whitespace shows
as a blank line, and Tab would insert it instead of indenting.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from .positions import utf16_length

MARKER = "\u2038"
Grade = Literal["exact", "prefix", "empty", "wrong"]
GRADES: tuple[Grade, ...] = ("exact", "prefix", "empty", "wrong")


@dataclass(frozen=True, slots=True)
class Case:
    """One completion case: the buffer, the cursor in UTF-16 units and the answer."""

    file: str
    name: str
    language: str
    code: str
    cursor: int
    expected: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the engine answered for a case, and its grade."""

    case: Case
    suggestion: str
    grade: Grade


def grade(suggestion: str, expected: str) -> Grade:
    """Exact; a non-empty strict prefix of what was expected; empty; or wrong."""
    if suggestion == expected:
        return "exact"
    if not suggestion:
        return "empty"
    if expected.startswith(suggestion):
        return "prefix"
    return "wrong"


def parse_case(file: str, raw: dict[str, object]) -> Case:
    """A case from its JSON object."""
    code_field = raw["code"]
    code = (
        "\n".join(str(line) for line in code_field)
        if isinstance(code_field, list)
        else str(code_field)
    )
    if MARKER in code:
        at = code.index(MARKER)
        code = code[:at] + code[at + 1 :]
        cursor = utf16_length(code[:at])
    else:
        cursor_field = raw["cursor"]
        if not isinstance(cursor_field, int):
            raise ValueError(f"case {raw.get('name')!r} in {file}: no cursor marker or field")
        cursor = cursor_field
    return Case(file, str(raw["name"]), str(raw["language"]), code, cursor, str(raw["expected"]))


def load_cases() -> list[Case]:
    """Every case of every file in ``cases/``, files in name order."""
    folder = resources.files(__package__).joinpath("cases")
    cases: list[Case] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        for raw in json.loads(entry.read_text(encoding="utf-8")):
            cases.append(parse_case(entry.name, raw))
    return cases


def evaluate(cases: Iterable[Case], engine: Callable[[str, int, str], str]) -> list[Outcome]:
    """Run ``engine`` on every case and grade its answers."""
    outcomes: list[Outcome] = []
    for case in cases:
        suggestion = engine(case.code, case.cursor, case.language)
        outcomes.append(Outcome(case, suggestion, grade(suggestion, case.expected)))
    return outcomes


def shares(outcomes: list[Outcome]) -> dict[Grade, float]:
    """The share of outcomes of each grade, from 0 to 1."""
    total = len(outcomes) or 1
    return {g: sum(1 for o in outcomes if o.grade == g) / total for g in GRADES}
