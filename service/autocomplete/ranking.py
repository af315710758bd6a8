"""Scoring candidate words, and deciding whether one is clear enough to suggest."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .context import Context
from .declarations import whole_words

# Evidence weights. A candidate's score is the sum of its evidence; the best one is
# suggested only when it clearly beats the runner-up, because an empty answer is better
# than a wrong one.
DECL_IN_SCOPE = 3.0
DECL_OUT_OF_SCOPE = 0.8
DECL_NEAR = 1.5
OCCURRENCE = 0.5
OCCURRENCE_CAP = 2.0
OCCURRENCE_NEAR = 1.0
STATEMENT_KEYWORD = 2.0
FREQUENT_KEYWORD = 3.0
# `else`, `catch`, `finally` right after a "}".
AFTER_BLOCK = 4.0
EXPRESSION_KEYWORD = 1.2
VALUE_KEYWORD = 2.0
BUILTIN = 1.5
RARE_BUILTIN = 0.6
TYPE_NAME = 1.2
MEMBER_TABLE = 2.5
CLASS_MEMBER = 3.0
DECLARED_MEMBER = 1.8
SAME_RECEIVER = 1.2
OTHER_RECEIVER = 0.3
COMMON_METHOD = 1.0
CONVENTIONAL = 1.4
# Per scope level between the module and the cursor's innermost scope.
INNER_SCOPE = 1.0
# A name declared only where the cursor cannot see it (another function's local).
HIDDEN = 0.4
# The best candidate must beat the runner-up by this factor (more for a 1-letter prefix).
MARGIN = 1.6
MARGIN_SHORT = 2.5
MIN_SCORE = 1.0
MIN_SCORE_SHORT = 2.5
CHARS_PER_LINE = 32


@dataclass(slots=True)
class Candidate:
    """A word that could finish the prefix, with its evidence."""

    name: str
    decl: float = 0.0
    uses: float = 0.0
    fixed: float = 0.0
    call: bool = False
    # A callable that is nearly always called with nothing: `now()`, `items()`.
    no_args: bool = False
    function: bool = False
    cls: bool = False
    called: int = 0
    seen: int = 0
    hidden: bool = False

    @property
    def score(self) -> float:
        """The sum of the evidence."""
        total = self.decl + self.uses + self.fixed
        return total * HIDDEN if self.hidden else total


def entry_name(entry: str) -> str:
    """The name of a table entry, without its "(" or "()"."""
    return entry.removesuffix("()").removesuffix("(")


def near(distance: int) -> float:
    """1 next to the cursor, 0.5 some 20 lines away, falling off after."""
    return 1.0 / (1.0 + distance / CHARS_PER_LINE / 20.0)


class Pool:
    """Candidates by name, in first-seen order (never a set: hash order varies)."""

    def __init__(self, prefix: str, ignore_case: bool) -> None:
        self.prefix = prefix
        self.ignore_case = ignore_case
        self.items: dict[str, Candidate] = {}

    def matches(self, name: str) -> bool:
        """Whether ``name`` starts with the prefix."""
        if self.ignore_case:
            return name.lower().startswith(self.prefix.lower())
        return name.startswith(self.prefix)

    def get(self, name: str) -> Candidate:
        """The candidate for ``name``, created on first use."""
        found = self.items.get(name)
        if found is None:
            found = self.items[name] = Candidate(name)
        return found

    def entry(self, entry: str, weight: float) -> None:
        """Add a table entry (a trailing "(" marks a callable, "()" one that takes no
        arguments) if it matches."""
        name = entry_name(entry)
        if self.matches(name):
            candidate = self.get(name)
            candidate.fixed = max(candidate.fixed, weight)
            candidate.call = candidate.call or entry.endswith(("(", "()"))
            candidate.no_args = candidate.no_args or entry.endswith("()")

    def count_uses(
        self, ctx: Context, pattern: str, weight: float, cap: float, also: str | None
    ) -> None:
        """Add the words that group 1 of ``pattern`` captures in the buffer as evidence.

        ``also`` is as in ``whole_words``; None for a pattern that does not start with
        the word.
        """
        text, pos = ctx.masked, ctx.pos
        counts: dict[str, tuple[int, int, int]] = {}
        flags = re.IGNORECASE if self.ignore_case else 0
        found = (
            re.finditer(pattern, text, flags)
            if also is None
            else whole_words(text, pattern, also, flags)
        )
        for match in found:
            start, end = match.span(1)
            if start <= pos <= end:
                continue  # the word being typed
            name = match.group(1)
            count, nearest, calls = counts.get(name, (0, 1 << 30, 0))
            called = text[end : end + 1] == "("
            counts[name] = (count + 1, min(nearest, abs(start - pos)), calls + called)
        for name, (count, nearest, calls) in counts.items():
            candidate = self.get(name)
            candidate.uses += min(cap, weight * count) + OCCURRENCE_NEAR * near(nearest) * weight
            candidate.called += calls
            candidate.seen += count


def common_prefix(names: list[str]) -> str:
    """The longest prefix that all ``names`` share."""
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def render(prefix: str, name: str, ignore_case: bool) -> str:
    """The rest of ``name`` after ``prefix``; in a case-insensitive language (SQL), in
    the case the user types in."""
    rest = name[len(prefix) :]
    if ignore_case and prefix.isupper() and not name.isupper():
        return rest.upper()
    if ignore_case and prefix.islower() and name.isupper():
        return rest.lower()
    return rest


def decide(pool: Pool, wants_call: Callable[[Candidate], bool]) -> str | None:
    """The suggestion from the pool: the clear winner, else what the likely ones share.

    None when the typed word is itself the best answer (it is complete), "" when no
    candidate is clear enough.
    """
    prefix = pool.prefix
    ranked = sorted(pool.items.values(), key=lambda c: (-c.score, c.name))
    others = [c for c in ranked if c.name != prefix]
    typed = pool.items.get(prefix)
    declared = typed is not None and typed.decl >= DECL_IN_SCOPE
    if typed is not None and (not others or declared or typed.score >= 0.5 * others[0].score):
        # A complete name in its own right: the user may be done (None lets the next
        # rule close brackets), unless longer names are about as likely.
        return None if not others or others[0].score < 0.5 * typed.score else ""
    if not others:
        return None
    best = others[0]
    # Leading underscores say little: `_d` is as ambiguous as `d`.
    short = len(prefix.lstrip("_")) <= 1
    if best.score < (MIN_SCORE_SHORT if short else MIN_SCORE):
        return ""
    runner_up = others[1].score if len(others) > 1 else 0.0
    if best.score >= (MARGIN_SHORT if short else MARGIN) * runner_up:
        rest = render(prefix, best.name, pool.ignore_case)
        if not wants_call(best):
            return rest
        # With nothing to type between them, the ")" saves a keystroke and leaves
        # nothing open; otherwise the user types the arguments, then the closer rule.
        return rest + ("()" if best.no_args else "(")
    shared = common_prefix([c.name for c in others if c.score >= 0.35 * best.score])
    return render(prefix, shared, pool.ignore_case) if len(shared) > len(prefix) else ""
