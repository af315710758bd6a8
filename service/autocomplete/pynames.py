"""Python declarations, and which of them the cursor can see (scopes by indentation)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from .declarations import (
    IDENT,
    Block,
    Decl,
    Raw,
    Scope,
    may_enclose,
    owner_class,
    parameters,
    split_top_level,
    word_start,
)

# Patterns start with a literal ("\n", a keyword) so that the regex engine can skip ahead
# quickly; they run over "\n" + masked text, hence the -1 on every position.
_HEADER = re.compile(r"[ \t]*(?:async[ \t]+)?(def|class)[ \t]+(\w+)")
_DEF = re.compile(r"\n[ \t]*(async[ \t]+)?def[ \t]+(\w+)[ \t]*\(")
_CLASS = re.compile(r"\n[ \t]*class[ \t]+(\w+)")
_ASSIGN = re.compile(
    r"\n[ \t]*(\*?[^\W\d]\w*(?:[ \t]*,[ \t]*\*?[^\W\d]\w*)*)[ \t]*(?::[^=\n]+)?=(?!=)"
)
_ANNOTATION = re.compile(r"\n[ \t]*([^\W\d]\w*)[ \t]*:[ \t]*[^\W\d][\w.\[\], |]*(?=\n|\Z)")
_FOR = re.compile(r"for[ \t]+([\w, \t()]+?)[ \t]+in\b")
_AS = re.compile(r"as[ \t]+([^\W\d]\w*)")
_IMPORT = re.compile(r"\n[ \t]*import[ \t]+([^\n]+)")
_FROM = re.compile(r"\n[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)?|[^\n]+)")
_SELF = re.compile(r"self\.([^\W\d]\w*)[ \t]*(?::[^=\n]+)?=(?!=)")
_WALRUS = re.compile(r":=")
_NAME_BEFORE = re.compile(r"([^\W\d]\w*)[ \t]*$")
_IMPORT_LINE = re.compile(r"[ \t]*(?:import|from)\b")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def _blocks(
    masked: str, starts: list[int], cursor: int, cursor_indent: int
) -> tuple[list[int], list[Block], dict[int, int], list[int]]:
    """Per line its innermost def/class; the blocks; header line -> own block; the chain
    of blocks around the cursor."""
    blocks = [Block(-1, "module")]
    line_block: list[int] = []
    own: dict[int, int] = {}
    stack: list[tuple[int, int]] = []
    chain: list[int] = [0]
    cursor_line = bisect_right(starts, cursor) - 1
    count = len(starts)
    for i in range(count):
        end = starts[i + 1] - 1 if i + 1 < count else len(masked)
        line = masked[starts[i] : end]
        stripped = line.lstrip(" \t")
        if i == cursor_line:
            # The cursor's own indentation decides which blocks it is still inside.
            chain = [0, *(b for w, b in stack if w < cursor_indent)]
        if not stripped:
            line_block.append(stack[-1][1] if stack else 0)
            continue
        width = len(line) - len(stripped)
        while stack and width <= stack[-1][0]:
            stack.pop()
        parent = stack[-1][1] if stack else 0
        line_block.append(parent)
        if stripped.startswith(("def", "class", "async")):
            header = _HEADER.match(line)
            if header:
                blocks.append(Block(parent, header.group(1), header.group(2)))
                own[i] = len(blocks) - 1
                stack.append((width, len(blocks) - 1))
    return line_block, blocks, own, chain


def imports(lined: str, block_at: Callable[[int], int]) -> list[Raw]:
    """Names bound by import statements in ``lined`` ("\\n" + masked text)."""
    raw: list[Raw] = []
    for m in _IMPORT.finditer(lined):
        for offset, part in split_top_level(m.group(1)):
            name = IDENT.search(part)
            if name and " as " not in part:
                pos = m.start(1) + offset + name.start() - 1
                raw.append(Raw(name.group(), pos, "module", block_at(pos)))
    for m in _FROM.finditer(lined):
        for offset, part in split_top_level(m.group(1).strip("()")):
            name = IDENT.search(part)
            if name and " as " not in part:
                pos = m.start(1) + offset + name.start() - 1
                raw.append(Raw(name.group(), pos, "import", block_at(pos)))
    return raw


def _raw(
    masked: str, cursor: int, starts: list[int], own: dict[int, int], line_block: list[int]
) -> list[Raw]:
    lined = "\n" + masked
    raw: list[Raw] = []

    def block_at(pos: int) -> int:
        return line_block[bisect_right(starts, pos) - 1]

    for m in _DEF.finditer(lined):
        line = bisect_right(starts, m.start(2) - 1) - 1
        raw.append(Raw(m.group(2), m.start(2) - 1, "function", line_block[line], bool(m.group(1))))
        if may_enclose(m.start(), cursor):
            params, _ = parameters(masked, m.end() - 2)
            inner = own.get(line, line_block[line])
            raw.extend(Raw(name, pos, "parameter", inner) for name, pos in params)
    for m in _CLASS.finditer(lined):
        raw.append(Raw(m.group(1), m.start(1) - 1, "class", block_at(m.start(1) - 1)))
    for m in _ASSIGN.finditer(lined):
        pos = m.start(1) - 1
        for part in IDENT.finditer(m.group(1)):
            raw.append(Raw(part.group(), pos + part.start(), "variable", block_at(pos)))
    for m in _ANNOTATION.finditer(lined):
        raw.append(Raw(m.group(1), m.start(1) - 1, "variable", block_at(m.start(1) - 1)))
    for m in _FOR.finditer(masked):
        if word_start(masked, m.start()):
            for part in IDENT.finditer(m.group(1)):
                pos = m.start(1) + part.start()
                raw.append(Raw(part.group(), pos, "variable", block_at(pos)))
    for m in _AS.finditer(masked):
        if word_start(masked, m.start()):
            line_start = masked.rfind("\n", 0, m.start()) + 1
            kind = "module" if _IMPORT_LINE.match(masked, line_start) else "variable"
            raw.append(Raw(m.group(1), m.start(1), kind, block_at(m.start(1))))
    for m in _WALRUS.finditer(masked):
        name = _NAME_BEFORE.search(masked, max(0, m.start() - 80), m.start())
        if name:
            raw.append(Raw(name.group(1), name.start(1), "variable", block_at(m.start())))
    raw.extend(imports(lined, block_at))
    for m in _SELF.finditer(masked):
        if word_start(masked, m.start()):
            raw.append(Raw(m.group(1), m.start(1), "attribute", block_at(m.start())))
    return raw


def python_scope(masked: str, cursor: int, cursor_indent: int) -> Scope:
    """The Python declarations in ``masked`` and what the cursor can see of them."""
    starts = _line_starts(masked)
    line_block, blocks, own, chain = _blocks(masked, starts, cursor, cursor_indent)
    innermost = chain[-1]
    # Class bodies do not enclose their methods' names; only the innermost one counts.
    visible = [b for b in chain if b == 0 or blocks[b].kind == "def" or b == innermost]
    decls: list[Decl] = []
    for r in _raw(masked, cursor, starts, own, line_block):
        kind, owner = r.kind, ""
        in_class = r.block > 0 and blocks[r.block].kind == "class"
        if kind == "attribute":
            owner = owner_class(blocks, r.block)
        elif kind == "function" and in_class:
            kind, owner = "method", blocks[r.block].name
        elif kind == "variable" and in_class:
            kind, owner = "field", blocks[r.block].name
        depth = visible.index(r.block) if r.block in visible else 0
        seen = r.block in visible
        decls.append(Decl(r.name, r.pos, kind, seen, owner, r.is_async, depth))
    return Scope(decls, owner_class(blocks, innermost), len(visible) - 1)
