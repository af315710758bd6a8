"""The buffer's indentation style: tabs or spaces, and how many."""

from __future__ import annotations

import re

# Starting with "\n" (over "\n" + text) rather than "^" lets the regex engine skip ahead.
_LEADING = re.compile(r"\n([ \t]*)\S")
_MAX_SAMPLES = 4000


def leading(line: str) -> str:
    """The whitespace a line starts with."""
    return line[: len(line) - len(line.lstrip(" \t"))]


def detect_unit(text: str, default: str) -> str:
    """One level of indentation as the buffer writes it, or ``default`` if it has none."""
    tabs = spaces = 0
    steps: dict[int, int] = {}
    previous = 0
    for count, match in enumerate(_LEADING.finditer("\n" + text)):
        if count >= _MAX_SAMPLES:
            break
        lead = match.group(1)
        if lead.startswith("\t"):
            tabs += 1
            continue
        if lead:
            spaces += 1
        width = len(lead)
        step = width - previous
        # An increase between consecutive lines is one level (or, rarely, a hanging
        # indent); the most frequent increase wins.
        if 2 <= step <= 8:
            steps[step] = steps.get(step, 0) + 1
        previous = width
    if tabs > spaces:
        return "\t"
    if not steps:
        return default
    best = max(steps.items(), key=lambda item: (item[1], -item[0]))
    return " " * best[0]


def deeper(line: str, unit: str) -> str:
    """The indentation of a line one level deeper than ``line``."""
    return leading(line) + unit
