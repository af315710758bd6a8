"""Collecting the names the buffer declares around the cursor, nearest first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import jsnames, pynames
from .declarations import Decl, Scope
from .tokens import scan

if TYPE_CHECKING:
    from .context import Context


def _head_imports(ctx: Context) -> list[Decl]:
    # The window may start after the imports at the top of a long file.
    if not ctx.head:
        return []
    lined = "\n" + scan(ctx.head, -1, ctx.language.syntax).masked
    if ctx.language.family == "python":
        found = pynames.imports(lined, lambda pos: 0)
    else:
        found = jsnames.imports(lined)
    return [Decl(r.name, -1, r.kind) for r in found]


def collect(ctx: Context) -> Scope:
    """The declarations around the cursor, nearest first, and the class it is in."""
    family = ctx.language.family
    if family == "python":
        before = ctx.masked_before
        indent = len(before) - len(before.lstrip(" \t"))
        scope = pynames.python_scope(ctx.masked, ctx.pos, indent)
    elif family == "js":
        scope = jsnames.js_scope(ctx.masked, ctx.pos)
    else:
        return Scope()
    scope.decls.extend(_head_imports(ctx))
    pos = ctx.pos
    scope.decls.sort(key=lambda d: (abs(d.pos - pos) if d.pos >= 0 else 1 << 30, d.name))
    return scope
