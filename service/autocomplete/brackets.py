"""Closing what is open at the cursor: strings, brackets, blocks."""

from __future__ import annotations

import re

from . import style, words
from .context import Context
from .declarations import whole_words
from .indent import leading
from .ranking import entry_name

PAIRS = {"(": ")", "[": "]", "{": "}"}
_OPENERS = frozenset("([{")
_BRACKET = re.compile(r"[()\[\]{}]")
_CLOSERS = frozenset(")]}")
# After these the user is plainly still typing the expression.
_CONTINUES = frozenset(",+-*/%=<>&|^~!.:?@\\")
_CONTINUE_WORDS = frozenset(
    ("and", "or", "not", "in", "is", "lambda", "if", "else", "return", "await", "new",
     "typeof", "of", "as", "yield", "for", "from", "import", "instanceof", "case")
)  # fmt: skip
# Only headers whose brackets usually end the header: `if len(items` goes on with `> 3`.
_PY_BLOCK = re.compile(r"^[ \t]*(?:for|def|class|except|async[ \t]+(?:def|for))\b")
_JS_BLOCK = re.compile(
    r"^[ \t]*(?:\}[ \t]*)?(?:else[ \t]+)?(?:if|for|while|switch|catch)\b"
    r"|^[ \t]*(?:export[ \t]+)?(?:default[ \t]+)?(?:async[ \t]+)?function\b"
)
_JS_STATEMENT = re.compile(
    r"^[ \t]*(?:await[ \t]+|return[ \t]+|throw[ \t]+|(?:const|let|var)[ \t]+[\w$]+[ \t]*=[ \t]*"
    r"(?:await[ \t]+)?|[\w$.]+[ \t]*=[ \t]*(?:await[ \t]+)?)?[\w$.]+[ \t]*\("
)
_JS_VALUE_STATEMENT = re.compile(
    r"^[ \t]*(?:return|throw|(?:const|let|var)[ \t]+[\w$]+[ \t]*(?::[^=]+)?=|[\w$.]+[ \t]*=)"
)
# Headers whose condition can end at the cursor (not `with … as f`: the name is being
# invented; a loop's only once its target and `in` are written).
_PY_HEADER = re.compile(r"^[ \t]*(?:(?:el)?if|while|for[ \t]+[^\n]*?[ \t]in)[ \t]+\S")
_PY_TEST = re.compile(r"(?:[=!<>]=|[<>]|\b(?:is|in|not)\b)")
_PY_FLAG = re.compile(
    r"^(?:not[ \t]+)?(?:(?:is|has|should|can|use|allow)_\w+|done|ok|found|running)$"
)
_PY_PREDICATE = re.compile(
    r"(?:is|has|exists|startswith|endswith|match|search|fullmatch|any|all|callable|hasattr"
    r"|isinstance|issubclass|can|should)"
)
_RECEIVERS = frozenset(("self", "cls"))
_PY_SIGNATURE = re.compile(
    r"^[ \t]*(?:async[ \t]+)?(def|class)[ \t]+\w+[ \t]*\((?=.*(?:\)|->[ \t]*[\w.\[\], |]+)$)"
)
_RETURNS = re.compile(r"\n[ \t]*(?:async[ \t]+)?def[ \t]+\w+[ \t]*\([^)]*\)[ \t]*(->)?")
_PY_BARE_HEADER = re.compile(r"^[ \t]*(?:else|try|finally)[ \t]*$")
_AFTER_CLOSING = ")]}\"'`:;, "
_FINISHED = re.compile(r"(?:[.!?:;)\]}>%\d/]|\w+\.\w+)$")


def open_on_line(masked_before: str) -> list[tuple[str, int]]:
    """Brackets opened on this line before the cursor and still open, innermost last."""
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(masked_before):
        if ch in _OPENERS:
            stack.append((ch, i))
        elif ch in _CLOSERS and stack and PAIRS[stack[-1][0]] == ch:
            stack.pop()
    return stack


def _closed_after(ctx: Context, stack: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Drop the brackets that continuation lines after the cursor's line close.

    The rest of the cursor's own line is left to the engine, which never suggests what
    already follows the cursor.
    """
    remaining = list(stack)
    masked = ctx.masked
    line_indent = len(leading(ctx.text[ctx.line_start : ctx.line_end]))
    depth = 0
    i = ctx.line_end
    end = min(len(masked), ctx.pos + 4000)
    while i < end and remaining:
        ch = masked[i]
        if ch == "\n":
            # Only continuation lines (deeper, or starting with a closer) belong here.
            line_end = masked.find("\n", i + 1, end)
            following = masked[i + 1 : end if line_end < 0 else line_end]
            body = following.lstrip(" \t")
            if body and len(following) - len(body) <= line_indent and body[0] not in _CLOSERS:
                break
        elif ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            if depth:
                depth -= 1
            elif PAIRS[remaining[-1][0]] == ch:
                remaining.pop()
            else:
                break
        i += 1
    return remaining


def _is_value(ctx: Context, before: str) -> bool:
    stripped = before.rstrip(" \t")
    if not stripped or stripped != before:
        return False
    last = stripped[-1]
    if last in _CONTINUES or last in _OPENERS:
        return False
    if last in _CLOSERS or last in "\"'`" or last.isdigit():
        return True
    word = words.word_before(ctx, stripped)
    if not word:
        return False
    if word in _CONTINUE_WORDS:
        return False
    return known_name(ctx, word)


def known_name(ctx: Context, word: str) -> bool:
    """Whether ``word`` is a name the buffer or the language already knows."""
    language = ctx.language
    if word in language.expression_keywords or word[0].isdigit():
        return True
    tables = (language.builtins, language.types)
    if any(word == entry_name(entry) for table in tables for entry in table):
        return True
    if any(d.name == word for d in ctx.scope.decls):
        return True
    extra = re.escape(language.ident_extra)
    return len(whole_words(ctx.masked, rf"{re.escape(word)}(?![\w{extra}])")) >= 2


def _suffix(
    ctx: Context,
    line_before: str,
    all_closed: bool,
    closed_string: bool,
    line_start: int | None = None,
) -> str:
    """What usually follows the closing brackets of the statement that ``line_before``
    (the line starting at ``line_start``, by default the cursor's) begins."""
    if not all_closed or ctx.line_after.strip():
        return ""
    language = ctx.language
    if language.family == "python" and _PY_BLOCK.match(line_before):
        return ":"
    if language.family == "js" or language.semicolons:
        if _JS_BLOCK.match(line_before):
            return " {" if style.braces_after_headers(ctx.masked) else ""
        previous = ctx.previous_code_line(line_start)
        starts_statement = previous is None or previous.rstrip().endswith((";", "{", "}"))
        statement = _JS_STATEMENT.match(line_before) or _JS_VALUE_STATEMENT.match(line_before)
        if starts_statement and statement and style.uses_semicolons(ctx.masked):
            return ";"
    return ""


def close_brackets(ctx: Context, before: str, value_checked: bool = False) -> str:
    """The closing brackets for what this line opened, if the expression looks done.

    ``value_checked`` says the caller just closed a string, which is a finished value.
    """
    stack = open_on_line(before)
    rest = ctx.line_after.strip()
    if rest and rest.strip(_AFTER_CLOSING):
        return ""  # the line goes on after the cursor: an edit in the middle
    if not stack:
        if value_checked and not _opened_before_line(ctx):
            return _suffix(ctx, ctx.masked_before, all_closed=True, closed_string=True)
        if value_checked:
            return ""
        return _close_continuation(ctx, before) or _header_colon(ctx, before)
    if not value_checked and not _is_value(ctx, before):
        return _empty_call(ctx, before, stack)
    remaining = _closed_after(ctx, stack)
    if not remaining:
        return ""
    closing = ""
    for opener, index in reversed(remaining):
        if opener == "{" and ctx.language.family == "js":
            spaced = before[index + 1 : index + 2] == " "
            closing += " }" if spaced else "}"
        else:
            closing += PAIRS[opener]
    outer = _opened_before_line(ctx)
    all_closed = remaining == stack and not outer
    return closing + _suffix(ctx, ctx.masked_before, all_closed, value_checked)


def _close_continuation(ctx: Context, before: str) -> str:
    """`}, 1000` ends a callback: close the call opened at this indentation lines above."""
    body = before.lstrip(" \t")
    if not body or body[0] not in _CLOSERS or not _is_value(ctx, before):
        return ""
    masked = ctx.masked
    stack: list[int] = []
    for match in _BRACKET.finditer(masked, 0, ctx.pos):
        if match.group() in _OPENERS:
            stack.append(match.start())
        elif stack and PAIRS[masked[stack[-1]]] == match.group():
            stack.pop()
    if not stack:
        return ""
    opener_start = masked.rfind("\n", 0, stack[-1]) + 1
    opener_end = masked.find("\n", stack[-1])
    opener_line = masked[opener_start:opener_end]
    if opener_start >= ctx.line_start or leading(opener_line) != leading(before):
        return ""
    openers = [(masked[p], p) for p in stack if p >= opener_start]
    remaining = _closed_after(ctx, openers)
    if not remaining:
        return ""
    closing = "".join(PAIRS[opener] for opener, _ in reversed(remaining))
    all_closed = remaining == openers and not _opened_before_line(ctx, opener_start)
    return closing + _suffix(ctx, opener_line, all_closed, False, opener_start)


def _header_colon(ctx: Context, before: str) -> str:
    """The ":" that ends a Python header whose condition looks complete: `while True`,
    `if not done`, `for row in rows`, `else`."""
    if ctx.language.family != "python" or ctx.line_after.strip() or _opened_before_line(ctx):
        return ""
    if _PY_BARE_HEADER.match(before):
        return ":"
    signature = _PY_SIGNATURE.match(before)
    if signature is not None:
        if before.endswith(")") and _opener_of_last(before) != signature.end() - 1:
            return ""
        if before.endswith(")") and signature.group(1) == "def" and _annotates_returns(ctx):
            return ""  # ` -> int` comes first
        return ":" if before.endswith(")") or _is_value(ctx, before) else ""
    header = _PY_HEADER.match(before)
    if header is None or before.rstrip(" \t") != before or not _is_value(ctx, before):
        return ""
    # Replayed on the standard library, `if key` goes on (`is None`, `in seen`, `.attr`)
    # more often than it ends: the condition must already test something, end with a
    # closed value, or be a flag's name. Only its last clause counts: in
    # `if a == 1 and b`, `b` may still be compared.
    condition = re.split(r"\b(?:and|or)\b", before[header.end() - 1 :])[-1].lstrip(" \t")
    last = words.word_before(ctx, condition)
    if last in _RECEIVERS or any(d.name == last and d.kind == "module" for d in ctx.scope.decls):
        return ""
    if before.lstrip().startswith("for") or last in ("True", "False", "None"):
        return ":"
    if condition[-1] in ")]":
        # `len(items)` is compared next; `isinstance(x, int)` is a test in itself.
        opener = _opener_of_last(condition)
        tested = condition[:opener]
        name = words.word_before(ctx, tested)
        tested_already = _PY_TEST.search(tested) is not None
        return ":" if tested_already or _PY_PREDICATE.match(name) else ""
    tested = condition[: len(condition) - len(last)]
    if _PY_TEST.search(tested) or _PY_FLAG.match(condition):
        return ":"
    return ""


def _annotates_returns(ctx: Context) -> bool:
    arrows = [m.group(1) for m in _RETURNS.finditer("\n" + ctx.masked[: ctx.line_start])]
    return 2 * arrows.count("->") > len(arrows)


def _opener_of_last(text: str) -> int:
    """Where the bracket that ``text``'s last character closes opens (0 if unknown)."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in _CLOSERS:
            depth += 1
        elif text[i] in _OPENERS:
            depth -= 1
            if depth == 0:
                return i
    return 0


def _opened_before_line(ctx: Context, line_start: int | None = None) -> bool:
    # A line inside a bracket opened on an earlier line is a continuation, not a statement.
    previous = ctx.previous_code_line(line_start)
    if previous is None:
        return False
    previous = previous.rstrip()
    if previous.endswith(("(", "[", ",")):
        return True
    return re.search(r"(?:[=(:,\[]|\breturn)[ \t]*\{$", previous) is not None


def _empty_call(ctx: Context, before: str, stack: list[tuple[str, int]]) -> str:
    # `ping(` where `def ping():` takes nothing: the call is complete once closed.
    if not before.endswith("(") or stack[-1][1] != len(before) - 1:
        return ""
    name = words.word_before(ctx, before[:-1])
    if not name or before[: -1 - len(name)].endswith("."):
        return ""
    if _takes_nothing(ctx, name) and not ctx.after.startswith(")"):
        remaining = _closed_after(ctx, stack)
        if remaining and remaining[-1] == stack[-1]:
            rest = close_brackets(ctx, before + ")", value_checked=True)
            return ")" + rest
    return ""


def _takes_nothing(ctx: Context, name: str) -> bool:
    escaped = re.escape(name)
    definitions = whole_words(
        ctx.masked, rf"(?:def|function)[ \t]+{escaped}[ \t]*\(([^)]*)\)"
    ) + whole_words(ctx.masked, rf"{escaped}[ \t]*=[ \t]*(?:async[ \t]*)?\(([^)]*)\)[ \t]*=>")
    return bool(definitions) and all(not d.group(1).strip() for d in definitions)


def open_interpolation(ctx: Context) -> int:
    """Where the expression of an open f-string or template interpolation starts, or -1."""
    state = ctx.state
    if state.kind != "string":
        return -1
    content_start = state.start + len(state.delimiter)
    content = ctx.text[content_start : ctx.pos]
    if state.delimiter == "`":
        opening = content.rfind("${")
        if opening >= 0 and "}" not in content[opening:]:
            return content_start + opening + 2
        return -1
    if "f" not in state.prefix:
        return -1
    opening = content.rfind("{")
    if opening < 0 or "}" in content[opening:] or content[opening - 1 : opening] == "{":
        return -1
    return content_start + opening + 1


def close_string(ctx: Context) -> str:
    """Close the string the cursor is in, then the brackets around it."""
    state = ctx.state
    if state.closed or state.start < ctx.line_start:
        return ""
    delimiter = state.delimiter
    content = ctx.text[state.start + len(delimiter) : ctx.pos]
    interpolation = open_interpolation(ctx)
    prefix = ""
    if interpolation >= 0:
        expression = ctx.text[interpolation : ctx.pos]
        if not expression.strip() or not _is_value(ctx, expression):
            return ""
        prefix = "}"
    elif not _looks_finished(ctx, content):
        return ""
    if len(delimiter) == 3 and not content.endswith("."):
        return ""
    if ctx.language.prose or (ctx.language.family == "generic" and delimiter == "'"):
        return ""
    masked_line = ctx.masked_before
    return prefix + delimiter + close_brackets(ctx, masked_line, value_checked=True)


def _looks_finished(ctx: Context, content: str) -> bool:
    # Closing "Saving rep" would be wrong; "Saved!" or a known word is done.
    if not content or content[-1].isspace():
        return False
    if _FINISHED.search(content):
        return True
    last = re.search(r"\w+$", content)
    if last is None:
        return True
    # A word of four letters or more that the buffer has elsewhere is finished; "in" or
    # "cl" are as likely the start of something longer.
    word = last.group()
    return len(word) >= 4 and len(whole_words(ctx.text, rf"{re.escape(word)}(?!\w)")) >= 2


def close_block(ctx: Context) -> str | None:
    """On a blank line back at the indentation of an unclosed "{", close it."""
    if ctx.language.family == "python" or ctx.line_before.strip() or ctx.line_after.strip():
        return None
    stack: list[int] = []
    masked = ctx.masked
    for match in re.finditer(r"[{}]", masked[: ctx.line_start]):
        if match.group() == "{":
            stack.append(match.start())
        elif stack:
            stack.pop()
    if not stack:
        return None
    opener = stack[-1]
    opener_line = masked[masked.rfind("\n", 0, opener) + 1 : opener]
    if leading(opener_line) != ctx.line_before:
        return None
    depth = 0
    for match in re.finditer(r"[{}]", masked[ctx.pos : ctx.pos + 4000]):
        if match.group() == "{":
            depth += 1
        elif depth:
            depth -= 1
        else:
            return None  # already closed further down
    return "}"


def close(ctx: Context) -> str | None:
    """Close what is open at the cursor; None when nothing is."""
    if ctx.state.kind == "comment":
        return None
    if ctx.state.kind == "string":
        return close_string(ctx)
    return close_brackets(ctx, ctx.masked_before) or close_block(ctx)
