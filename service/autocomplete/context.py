"""The view of the buffer around the cursor that every rule works from."""

from __future__ import annotations

import re
from functools import cached_property

from . import indent
from .declarations import Scope
from .languages import Language
from .scope import collect
from .tokens import CursorState, scan

# Work on a window around the cursor so that a 1 MiB buffer costs what a 50 KB one does.
WINDOW_BEFORE = 32_000
WINDOW_AFTER = 6_000
HEAD = 4_000
_LOOK_BACK_LINES = 200
# Where to start scanning: a line that starts at column 0 with a letter, "@" or "}" is
# very likely code rather than the inside of a multi-line string; failing that (a long
# class body), an indented definition.
_SAFE_LINES = (
    re.compile(r"\n(?=[A-Za-z_@}])"),
    re.compile(r"\n(?=[ \t]*(?:def|class|async|function|export|const|let|var|@)\b)"),
)


def _window(code: str, index: int) -> tuple[int, int]:
    start = 0
    if index > WINDOW_BEFORE:
        lower = index - WINDOW_BEFORE
        upper = lower + WINDOW_BEFORE // 2
        for pattern in _SAFE_LINES:
            match = pattern.search(code, lower, upper)
            if match is not None:
                start = match.end()
                break
        else:
            newline = code.find("\n", lower, index)
            start = newline + 1 if newline >= 0 else lower
    end = len(code)
    if end - index > WINDOW_AFTER:
        newline = code.find("\n", index + WINDOW_AFTER, index + 2 * WINDOW_AFTER)
        end = newline if newline >= 0 else index + WINDOW_AFTER
    return start, end


class Context:
    """The cursor's surroundings: window, masked code, current line and style."""

    def __init__(self, code: str, index: int, language: Language) -> None:
        self.language = language
        start, end = _window(code, index)
        self.text = code[start:end]
        # Whether the window is the whole buffer: only then is a name it lacks missing.
        self.whole = start == 0 and end == len(code)
        self.pos = index - start
        result = scan(self.text, self.pos, language.syntax)
        self.masked = result.masked
        self.state: CursorState = result.state
        # The imports at the top of a file the window does not reach.
        head_end = code.rfind("\n", 0, HEAD) if start > HEAD else -1
        self.head = code[:head_end] if head_end > 0 else ""
        text, pos = self.text, self.pos
        self.line_start = text.rfind("\n", 0, pos) + 1
        line_end = text.find("\n", pos)
        self.line_end = len(text) if line_end < 0 else line_end
        self.line_before = text[self.line_start : pos]
        self.line_after = text[pos : self.line_end]
        self.masked_before = self.masked[self.line_start : pos]
        self.after = text[pos:]

    @property
    def in_code(self) -> bool:
        """Whether the cursor is in code (not in a string or a comment)."""
        return self.state.kind == "code"

    @cached_property
    def scope(self) -> Scope:
        """The names declared around the cursor (computed on first use)."""
        return collect(self)

    @cached_property
    def unit(self) -> str:
        """One level of indentation in the buffer's style."""
        return indent.detect_unit(self.masked, self.language.default_indent)

    def next_code_line(self) -> str | None:
        """The first non-blank line after the cursor's line, if any (masked)."""
        for line in self.masked[self.line_end + 1 : self.line_end + 4000].split("\n"):
            if line.strip():
                return line
        return None

    def previous_code_line(self, line_start: int | None = None) -> str | None:
        """The last non-blank masked line before the cursor's line (or the line starting
        at ``line_start``), if any."""
        end = (self.line_start if line_start is None else line_start) - 1
        for _ in range(_LOOK_BACK_LINES):
            if end <= 0:
                break
            begin = self.masked.rfind("\n", 0, end) + 1
            line = self.masked[begin:end]
            if line.strip():
                return line
            end = begin - 1
        return None
