"""Completing a member after a dot: `self.`, `console.`, `config.`, `items.`."""

from __future__ import annotations

import re

from . import ranking
from .context import Context
from .declarations import whole_words
from .ranking import Pool

_MEMBER_KINDS = frozenset(("attribute", "method", "field", "key"))
_SELF = frozenset(("self", "cls", "this"))
# `queue = []`: a literal initialiser tells the receiver's type.
_LITERAL_INIT = (
    r"[ \t]*(?::[^=\n]+)?=[ \t]*(?:[\[{\"'`]|new[ \t]+(?:Map|Set|Array)\b|(?:dict|list|set|str)\()"
)


def candidates(ctx: Context, pool: Pool, receiver: str, exact: bool) -> None:
    """Add the members that may follow ``receiver.``; ``exact`` when the receiver is the
    whole expression before the dot (not the tail of `a().b`)."""
    language = ctx.language
    extra = re.escape(language.ident_extra)
    prefix = re.escape(pool.prefix)
    known = exact and receiver in language.members
    if receiver in _SELF:
        owner = ctx.scope.cursor_class
        # Outside a class, `this` is the object literal around the method.
        kinds = ("attribute", "method", "field") if owner else ("method", "key")
        for decl in ctx.scope.decls:
            if decl.kind in kinds and pool.matches(decl.name):
                weight = ranking.CLASS_MEMBER if decl.owner == owner and owner else 1.0
                if not owner and decl.in_scope:
                    weight = ranking.DECLARED_MEMBER
                candidate = pool.get(decl.name)
                candidate.decl = max(candidate.decl, weight)
                candidate.function = candidate.function or decl.kind == "method"
    if known:
        for entry in language.members[receiver]:
            pool.entry(entry, ranking.MEMBER_TABLE)
    elif exact and receiver in language.conventional:
        # `response.` is an HTTP response whatever the library.
        for entry in language.conventional[receiver]:
            pool.entry(entry, ranking.CONVENTIONAL)
    if receiver:
        same = rf"{re.escape(receiver)}\??\.[ \t]*({prefix}[\w{extra}]*)"
        weight = ranking.SAME_RECEIVER
        pool.count_uses(ctx, same, weight, 3 * weight, also=".")
    other = rf"\.[ \t]*({prefix}[\w{extra}]*)"
    pool.count_uses(ctx, other, ranking.OTHER_RECEIVER, 1.2, also=None)
    if receiver in _SELF or known:
        return
    for decl in ctx.scope.decls:
        if decl.kind in _MEMBER_KINDS and pool.matches(decl.name):
            candidate = pool.get(decl.name)
            owned = decl.owner == receiver and receiver != ""
            weight = ranking.CLASS_MEMBER if owned else ranking.DECLARED_MEMBER
            candidate.decl = max(candidate.decl, weight)
            candidate.function = candidate.function or decl.kind == "method"
    # Guessing from the generic method list needs a longer prefix, or a receiver whose
    # literal initialiser shows its type.
    literal = bool(receiver) and bool(
        whole_words(ctx.masked, re.escape(receiver) + _LITERAL_INIT, also=".")
    )
    weight = ranking.COMMON_METHOD * (1.0 if literal or len(pool.prefix) >= 3 else 0.6)
    for entry in language.common_methods:
        pool.entry(entry, weight)


def default(ctx: Context, receiver: str) -> str:
    """The member to suggest right after the dot, before any letter is typed: for a
    well-known object, the one the buffer uses on it most, else the usual one."""
    language = ctx.language
    if receiver not in language.members:
        return ""  # `self.`, `user.`: too many members to guess from
    extra = re.escape(language.ident_extra)
    uses = whole_words(ctx.masked, rf"{re.escape(receiver)}\.([^\W\d][\w{extra}]*)", also=".")
    counts: dict[str, int] = {}
    for use in uses:
        counts[use.group(1)] = counts.get(use.group(1), 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    usual = language.usual_members.get(receiver, "")
    if any(d.name == receiver and d.kind in ("variable", "parameter") for d in ctx.scope.decls):
        usual = ""  # `const document = await db.find(…)` is not the DOM's
    if ranked and ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]):
        name = ranked[0][0]
        called = any(ctx.masked[use.end() : use.end() + 1] == "(" for use in uses)
        usual = name + "(" if called else name
    elif ranked and ranked[0][1] >= 2 and ranked[0][0] != ranking.entry_name(usual):
        return ""  # the buffer writes other members here
    if not usual or ctx.after.startswith(ranking.entry_name(usual)):
        return ""
    return usual
