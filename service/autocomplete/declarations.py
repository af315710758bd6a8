"""The names a buffer declares, and small parsing helpers shared by the languages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ANY_BRACKET = re.compile(r"[()\[\]{}]")
_PARAM_NAME = re.compile(
    r"[ \t\n]*(?:\.\.\.|\*{1,2})?[ \t]*(?:(?:public|private|protected|readonly)[ \t]+)*"
    r"((?:[^\W\d]|\$)[\w$]*)"
)
IDENT = re.compile(r"(?:[^\W\d]|\$)[\w$]*")
_UNPACKED = re.compile(r"((?:[^\W\d]|\$)[\w$]*)[ \t]*(?![\w$ \t]*:)")
# Parameters matter only inside their function, and a function that starts further than
# this before the cursor rarely still encloses it: skipping the rest keeps big files fast.
PARAMETERS_REACH = 8_000


@dataclass(frozen=True, slots=True)
class Decl:
    """A name the buffer declares.

    ``kind`` is one of function, method, class, type, variable, parameter, attribute,
    field, key (an object or interface member), import (a name from a module) or module.
    """

    name: str
    pos: int
    kind: str
    in_scope: bool = True
    owner: str = ""
    is_async: bool = False
    # How many scopes deep the declaring scope is, counted from the module (0), when the
    # cursor can see it: a name from the innermost function beats one from outside.
    depth: int = 0


@dataclass(slots=True)
class Scope:
    """The declarations around the cursor (nearest first) and the class it is in."""

    decls: list[Decl] = field(default_factory=list)
    cursor_class: str = ""
    depth: int = 0
    # The cursor is directly inside an object literal, where keys go, not statements.
    in_object: bool = False


@dataclass(slots=True)
class Raw:
    """A declaration before scopes are resolved."""

    name: str
    pos: int
    kind: str
    block: int = 0
    is_async: bool = False


@dataclass(slots=True)
class Block:
    """A scope: a def or class in Python, a brace pair in JavaScript."""

    parent: int
    kind: str
    name: str = ""


def owner_class(blocks: list[Block], block: int) -> str:
    """The name of the class that encloses ``block``, or ""."""
    while block > 0:
        if blocks[block].kind == "class":
            return blocks[block].name
        block = blocks[block].parent
    return ""


def word_start(text: str, pos: int) -> bool:
    """Whether a word may start at ``pos`` (regexes without "\\b" search much faster)."""
    if pos == 0:
        return True
    before = text[pos - 1]
    return not (before.isalnum() or before in "_$")


def whole_words(text: str, pattern: str, also: str = "", flags: int = 0) -> list[re.Match[str]]:
    """Matches of ``pattern``, which starts with a word, where a word may start.

    ``also`` lists more characters that must not come just before (such as ".").
    """
    matches: list[re.Match[str]] = []
    for match in re.finditer(pattern, text, flags):
        start = match.start()
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_$" + also):
            matches.append(match)
    return matches


def closing_paren(text: str, opening: int, limit: int = 3000) -> int:
    """The index of the bracket that closes the one at ``opening``, or -1."""
    depth = 0
    for match in _ANY_BRACKET.finditer(text, opening, min(len(text), opening + limit)):
        if match.group() in "([{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.start()
    return -1


def split_top_level(text: str) -> list[tuple[int, str]]:
    """Comma-separated parts of ``text`` outside brackets, with their offsets."""
    parts: list[tuple[int, str]] = []
    depth = 0
    begin = 0
    for i, ch in enumerate(text):
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((begin, text[begin:i]))
            begin = i + 1
    parts.append((begin, text[begin:]))
    return parts


def may_enclose(position: int, cursor: int) -> bool:
    """Whether a function starting at ``position`` may enclose ``cursor``."""
    return cursor - PARAMETERS_REACH <= position <= cursor


def parameters(text: str, opening: int) -> tuple[list[tuple[str, int]], int]:
    """The parameter names (with positions) of the list opening at ``opening``; its end."""
    closing = closing_paren(text, opening)
    if closing < 0:
        closing = text.find("\n", opening)
        closing = len(text) if closing < 0 else closing
    names: list[tuple[str, int]] = []
    for offset, part in split_top_level(text[opening + 1 : closing]):
        base = opening + 1 + offset
        stripped = part.lstrip()
        if stripped[:1] in ("{", "["):
            # A destructured parameter binds the names inside, not the keys before ":".
            inside = part[: part.find("}" if stripped[0] == "{" else "]") + 1]
            names.extend((m.group(1), base + m.start(1)) for m in _UNPACKED.finditer(inside))
            continue
        match = _PARAM_NAME.match(part)
        if match:
            names.append((match.group(1), base + match.start(1)))
    return names, closing


def parameter_name(part: str) -> str:
    """The name in one parameter declaration, or ""."""
    match = _PARAM_NAME.match(part)
    return match.group(1) if match else ""
