"""The order in which the rules are tried, and the final clean-up."""

from __future__ import annotations

from . import brackets, constructs, words
from .context import Context
from .languages import resolve
from .positions import utf16_to_index

_CLOSING = frozenset(")]}\"'`")


def _word(ctx: Context) -> str | None:
    if ctx.in_code:
        return words.finish(ctx)
    interpolation = brackets.open_interpolation(ctx)
    if interpolation >= 0:
        return words.finish(ctx, ctx.text[interpolation : ctx.pos])
    return None


_RULES = (constructs.line_construct, _word, constructs.layout, brackets.close)


def _own_closers(suggestion: str) -> int:
    """How many characters at the end of ``suggestion`` may be dropped at most: none of
    them may close a bracket that the suggestion itself opens."""
    stack: list[str] = []
    last_own = -1
    for i, ch in enumerate(suggestion):
        if ch in brackets.PAIRS:
            stack.append(brackets.PAIRS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
            last_own = i
    return len(suggestion) - 1 - last_own


def _without_overlap(suggestion: str, after: str) -> str:
    """Drop the end of the suggestion that the text after the cursor already has."""
    # `now()` before the ")" of `print(Date.n‸)`: that ")" closes print, not now.
    droppable = _own_closers(suggestion)
    for size in range(min(droppable, len(after)), 0, -1):
        if suggestion.endswith(after[:size]):
            return suggestion[:-size]
    if suggestion and after and suggestion[0] == after[0] and suggestion[0] in _CLOSING:
        return ""  # what would come next is already there
    return suggestion


def complete(code: str, cursor: int, language: str) -> str:
    """The text to insert at ``cursor`` (UTF-16 units into ``code``), or "".

    ``language`` is any name; python, javascript and typescript (and their usual
    aliases) get the full set of rules, every other name a word-based suggestion.
    """
    index = utf16_to_index(code, cursor)
    if index < len(code) and (code[index].isalnum() or code[index] in "_$"):
        return ""  # in the middle of a word: anything would split it
    ctx = Context(code, index, resolve(language))
    if ctx.state.kind == "comment":
        return ""
    for rule in _RULES:
        suggestion = rule(ctx)
        if suggestion is not None:
            suggestion = _without_overlap(suggestion, ctx.after)
            # Whitespace alone shows as a blank ghost line, and Tab would insert a newline.
            return suggestion if suggestion.strip() else ""
    return ""
