"""Scanning strings and comments, so that the other rules only see code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .languages import Syntax

Kind = Literal["code", "string", "comment"]

_REGEX_BEFORE = frozenset("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORDS = frozenset(
    ("return", "typeof", "case", "in", "of", "delete", "void", "throw", "new", "yield", "await")
)


@dataclass(frozen=True, slots=True)
class CursorState:
    """What the cursor is inside of: code, a string or a comment."""

    kind: Kind = "code"
    start: int = 0
    delimiter: str = ""
    closed: bool = False
    prefix: str = ""


@dataclass(frozen=True, slots=True)
class Scan:
    """The text with strings and comments blanked out (same length, same lines)."""

    masked: str
    state: CursorState


def _lead(opening: str) -> tuple[str, str]:
    # Every alternative starts with a bare literal, outside its group, so that the regex
    # engine can jump from one candidate character to the next instead of trying the whole
    # alternation at every position (ten times faster on a large buffer).
    return re.escape(opening[0]), re.escape(opening[1:])


def _string_pattern(quote: str, group: str, multiline: bool) -> str:
    q = re.escape(quote)
    newline = "" if multiline else r"\n"
    body = rf"(?:[^{q}\\{newline}]|\\[\s\S])*"
    return rf"{q}(?P<{group}>{body}(?P<{group}_end>{q})?)"


@lru_cache(maxsize=32)
def _master(syntax: Syntax) -> re.Pattern[str]:
    parts: list[str] = []
    for i, (opening, closing) in enumerate(syntax.block_comments):
        first, rest = _lead(opening)
        c = re.escape(closing)
        parts.append(rf"{first}(?P<bc{i}>{rest}[\s\S]*?(?P<bc{i}_end>{c})|{rest}[\s\S]*)")
    for i, marker in enumerate(syntax.line_comments):
        first, rest = _lead(marker)
        parts.append(rf"{first}(?P<lc{i}>{rest}[^\n]*)")
    if syntax.triple_quotes:
        for i, q in enumerate(('"', "'")):
            parts.append(
                rf"{q}(?P<tq{i}>{q}{q}(?:[^{q}\\]|\\[\s\S]|{q}(?!{q}{q}))*(?P<tq{i}_end>{q}{q}{q})?)"
            )
    for i, q in enumerate(syntax.quotes):
        parts.append(_string_pattern(q, f"sq{i}", multiline=False))
    if syntax.template_literals:
        parts.append(_string_pattern("`", "tl", multiline=True))
    if syntax.regex_literals:
        parts.append(r"/(?P<rx>(?![*/])(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[A-Za-z]*)")
    if not parts:
        return re.compile(r"(?!)")
    return re.compile("|".join(parts))


def _regex_allowed(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i < 0 or text[i] == "\n" or text[i] in _REGEX_BEFORE:
        return True
    j = i
    while j >= 0 and (text[j].isalnum() or text[j] in "_$"):
        j -= 1
    return text[j + 1 : i + 1] in _REGEX_AFTER_WORDS


def _blank(token: str) -> str:
    # Newlines survive so that line numbers and indentation stay meaningful.
    if "\n" in token:
        return "\n".join(" " * len(part) for part in token.split("\n"))
    return " " * len(token)


def _mask_string(token: str, closed: bool) -> str:
    # A string stays visible as a value: `f("a"` still ends with a value, not with "(".
    if closed and len(token) >= 2:
        return '"' + _blank(token[1:-1]) + '"'
    return '"' + _blank(token[1:])


def _string_prefix(text: str, start: int) -> str:
    i = start
    while i > 0 and text[i - 1].isalpha() and start - i < 3:
        i -= 1
    return text[i:start].lower()


def scan(text: str, cursor: int, syntax: Syntax) -> Scan:
    """Blank out the strings and comments of ``text`` and find what holds ``cursor``."""
    pattern = _master(syntax)
    pieces: list[str] = []
    state = CursorState()
    pos = 0
    search_from = 0
    while True:
        match = pattern.search(text, search_from)
        if match is None:
            break
        group = match.lastgroup or ""
        start, end = match.span()
        if group == "rx" and not _regex_allowed(text, start):
            search_from = start + 1
            continue
        token = match.group()
        is_comment = group.startswith(("lc", "bc"))
        if group.startswith("lc"):
            closed = False
        else:
            closed = group == "rx" or match.group(f"{group}_end") is not None
        pieces.append(text[pos:start])
        pieces.append(_blank(token) if is_comment else _mask_string(token, closed))
        if start < cursor and (cursor < end or (cursor == end and not closed)):
            if is_comment:
                state = CursorState("comment", start, token[:2], closed)
            else:
                delimiter = token[:3] if group.startswith("tq") else token[0]
                prefix = _string_prefix(text, start) if syntax.triple_quotes else ""
                state = CursorState("string", start, delimiter, closed, prefix)
        pos = search_from = end
        if end == start:
            search_from += 1
    pieces.append(text[pos:])
    return Scan("".join(pieces), state)
