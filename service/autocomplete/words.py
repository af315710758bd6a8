"""Finishing the word at the cursor from the buffer's names, keywords and builtins."""

from __future__ import annotations

import re

from . import members, ranking
from .context import Context
from .declarations import whole_words
from .languages import Language
from .ranking import Candidate, Pool

_LONGEST_WORD = 80
_MEMBER_KINDS = frozenset(("attribute", "method", "field", "key"))
# Where the user is inventing a name, nothing can be finished.
_NEW_NAME_PY = re.compile(
    r"(?:^|[^\w.])(?:def|class|import|as|lambda|for|global|nonlocal)[ \t]+\*{0,2}$"
)
_NEW_NAME_JS = re.compile(
    r"(?:^|[^\w$.])(?:function\*?|class|const|let|var|interface|type|enum|namespace|import)"
    r"[ \t]+\*?$|\bcatch[ \t]*\([ \t]*$|\b(?:const|let|var)[ \t]*[\[{][^\]}=]*$"
    r"|^[ \t]*import\b.*\bas[ \t]+$"
)
_DEF_PARAMS = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+\w+[ \t]*\(([^)]*)$")
_FUNCTION_PARAMS = re.compile(r"\bfunction\b[^(]*\(([^)]*)$")
# Where a module's name goes: `import o`, `import os, s`, `from pa`.
_MODULE_NAME = re.compile(r"^[ \t]*(?:import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*|from[ \t]+)$")
_MODULE_TIER = (1.0, 0.6, 0.2)
_FROM_MODULE = re.compile(r"^[ \t]*from[ \t]+[\w.]+[ \t]+$")
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?(?:[\w \t]+,[ \t]*)*$")
_RECEIVER = re.compile(r"((?:[^\W\d]|\$)[\w$]*(?:\??\.(?:[^\W\d]|\$)[\w$]*)*)\??\.$")
_NO_CALL = re.compile(
    r"(?:\bexcept[ \t]*\(?|\bisinstance\([^,]*,[ \t]*\(?|->[ \t]*|\b(?:key|target|"
    r"default_factory|callback|handler)=|\btypeof[ \t]+|\binstanceof[ \t]+|\bextends[ \t]+|"
    r"\bimplements[ \t]+|\.(?:then|catch|map|filter|forEach|sort)\(|\b(?:map|filter|sorted)"
    r"\(|addEventListener\([^,]*,[ \t]*|@|\bimport[ \t]+.*|\bfrom[ \t]+.*|\{[ \t]*)$"
)
_INSTANTIATE = re.compile(r"(?:=|\bnew|\braise|\breturn|\bawait|\byield|\bthrow)[ \t]*$")
_PY_ANNOTATION = re.compile(
    r"(?:^[ \t]*[^\W\d]\w*[ \t]*:[ \t]*|->[ \t]*|\bisinstance\([^,]*,[ \t]*\(?"
    r"|\bexcept[ \t]*\(?)$"
)
_TS_ANNOTATION = re.compile(
    r"(?:(?:\b(?:const|let|var|readonly)[ \t]+[\w$]+|[(,][ \t]*[\w$]+\??|\)|^[ \t]*[\w$]+\??)"
    r"[ \t]*:[ \t]*|\b(?:as|extends|implements|keyof|is)[ \t]+|<[ \t]*|\|[ \t]*)$"
)
_RAISING = re.compile(r"\b(?:raise|except|throw|catch|new)\b[^=]*$|\bisinstance\(")
_GENERIC_DEFINITION = r"(?:func|fn|fun|function|def|defp|sub|proc)[ \t]+([^\W\d]\w*)[ \t]*\("
_ARGUMENT = re.compile(r"[,&][ \t]*$")
_VALUE_KEYWORDS = frozenset(
    ("None", "True", "False", "null", "undefined", "true", "false", "this", "self")
)
_LOOP_TARGETS_PY = re.compile(r"\bfor[ \t]+([\w, \t()]+?)[ \t]+in[ \t]+\w*$")
_LOOP_TARGETS_JS = re.compile(
    r"\bfor[ \t]*\([ \t]*(?:const|let|var)[ \t]+([\w$]+)[ \t]+(?:of|in)[ \t]+[\w$]*$"
)
_AFTER_BLOCK = frozenset(("catch", "finally", "else"))
# The statements that start most lines of code, so most likely at a line's start.
_FREQUENT_KEYWORDS = frozenset(("return", "if", "for", "const", "let", "def", "import"))
_BRACELESS_IF = re.compile(
    r"[ \t]*(?:\}[ \t]*)?(?:else[ \t]+)?if[ \t]*\(.*\)[ \t]*[^\s{].*;[ \t]*$"
)
_IF_HEADER = re.compile(r"[ \t]*(?:\}[ \t]*)?(?:else[ \t]+)?if[ \t]*\(.*\)[ \t]*$")
_DUNDERS = ("__init__", "__repr__", "__str__", "__eq__", "__len__", "__iter__", "__enter__",
            "__exit__", "__call__", "__getitem__", "__post_init__", "__hash__")  # fmt: skip


def word_pattern(language: Language) -> str:
    """A regular expression for one word of ``language``."""
    extra = re.escape(language.ident_extra)
    start = rf"(?:[^\W\d]|[{extra}])" if extra else r"[^\W\d]"
    return rf"{start}[\w{extra}]*"


def word_before(ctx: Context, before: str | None = None) -> str:
    """The part of a word that ends at the cursor ("" when there is none)."""
    text = ctx.masked_before if before is None else before
    match = re.search(word_pattern(ctx.language) + r"$", text)
    return match.group() if match else ""


def _declared(ctx: Context, pool: Pool, before: str, annotation: bool) -> None:
    pos = ctx.pos
    excluded = _loop_targets(ctx, before)
    visible: dict[str, bool] = {}
    for decl in ctx.scope.decls:
        if decl.kind in _MEMBER_KINDS or not pool.matches(decl.name) or decl.name in excluded:
            continue
        visible[decl.name] = visible.get(decl.name, False) or decl.in_scope
        weight = ranking.DECL_IN_SCOPE if decl.in_scope else ranking.DECL_OUT_OF_SCOPE
        if decl.pos > pos and decl.kind in ("variable", "parameter") and decl.in_scope:
            weight *= 0.5  # not assigned yet where the cursor is
        distance = abs(decl.pos - pos) if decl.pos >= 0 else 1 << 20
        weight += ranking.DECL_NEAR * ranking.near(distance)
        if decl.in_scope and ctx.scope.depth:
            weight += ranking.INNER_SCOPE * decl.depth / ctx.scope.depth
        if annotation and decl.kind in ("class", "type", "import"):
            weight += 1.0
        elif annotation and decl.kind in ("module", "variable", "parameter"):
            weight *= 0.5  # a type goes here, rarely a module or a value
        candidate = pool.get(decl.name)
        if weight > candidate.decl:
            candidate.decl = weight
            # A name imported from a module is a function when lowercase (`jsonify`,
            # `readFile`), a class when capitalised (`Path`); a module itself is neither.
            imported = decl.kind == "import"
            lower = decl.name[:1].islower()
            candidate.function = (
                decl.kind in ("function", "method") or _is_hook(decl.name) or (imported and lower)
            )
            candidate.cls = decl.kind == "class" or (imported and not lower)
    for name, seen in visible.items():
        pool.get(name).hidden = not seen
    for name in excluded:
        pool.items.pop(name, None)


def _keys(ctx: Context, pool: Pool) -> None:
    # At the start of a line in an object literal a key goes, not a statement: keys the
    # buffer uses, and names for shorthand properties, but no keywords.
    extra = re.escape(ctx.language.ident_extra)
    key = rf"({re.escape(pool.prefix)}[\w{extra}]*)[ \t]*\??:(?!:)"
    pool.count_uses(ctx, key, ranking.OCCURRENCE, ranking.OCCURRENCE_CAP, also=".")
    for decl in ctx.scope.decls:
        if decl.kind == "key" and pool.matches(decl.name):
            candidate = pool.get(decl.name)
            candidate.decl = max(candidate.decl, ranking.DECLARED_MEMBER)


def _language_words(ctx: Context, pool: Pool, before: str, annotation: bool) -> None:
    language = ctx.language
    statement_start = _statement_start(ctx, before)
    after_block = language.family == "js" and statement_start and _after_block(ctx, before)
    for keyword in language.statement_keywords if statement_start else ():
        if keyword in _AFTER_BLOCK and language.family == "js":
            if after_block:
                pool.entry(keyword, ranking.AFTER_BLOCK)
            continue
        frequent = keyword in _FREQUENT_KEYWORDS
        pool.entry(keyword, ranking.FREQUENT_KEYWORD if frequent else ranking.STATEMENT_KEYWORD)
    for keyword in language.expression_keywords if not annotation else ():
        value = keyword in _VALUE_KEYWORDS
        weight = ranking.VALUE_KEYWORD if value else ranking.EXPRESSION_KEYWORD
        pool.entry(keyword, weight * (0.7 if statement_start else 1.0))
    raising = _RAISING.search(before) is not None
    for builtin in language.builtins:
        if ranking.entry_name(builtin).endswith(("Error", "Exception")) and not raising:
            pool.entry(builtin, ranking.RARE_BUILTIN)  # exceptions are raised or caught
            continue
        function_in_type = annotation and builtin.endswith("(") and builtin[0].islower()
        pool.entry(builtin, ranking.BUILTIN * (0.3 if function_in_type else 1.0))
    for builtin in language.rare_builtins:
        pool.entry(builtin, ranking.RARE_BUILTIN)
    for type_name in language.types:
        pool.entry(type_name, ranking.TYPE_NAME * (1.6 if annotation else 1.0))


def _loop_targets(ctx: Context, before: str) -> tuple[str, ...]:
    # `for filename in filen…` iterates over something other than its own target.
    pattern = _LOOP_TARGETS_PY if ctx.language.family == "python" else _LOOP_TARGETS_JS
    match = pattern.search(before)
    if match is None:
        return ()
    return tuple(re.findall(r"(?:[^\W\d]|\$)[\w$]*", match.group(1)))


def _is_hook(name: str) -> bool:
    # React hooks are always called.
    return len(name) > 3 and name.startswith("use") and name[3].isupper()


def _statement_start(ctx: Context, before: str) -> bool:
    stripped = before.rstrip(" \t")
    if not stripped.strip():
        return True
    if ctx.language.family == "js":
        return stripped.endswith((";", "{", "}"))
    return ctx.language.family == "python" and stripped.endswith(":") and " " not in stripped


def _after_block(ctx: Context, before: str) -> bool:
    # `catch`, `finally` and `else` follow a "}" or, for `else`, a braceless `if` body.
    if before.rstrip().endswith("}"):
        return True
    if before.strip():
        return False
    previous = ctx.previous_code_line()
    if previous is None:
        return False
    if previous.rstrip().endswith("}") or _BRACELESS_IF.match(previous):
        return True
    start = ctx.masked.rfind(previous, 0, ctx.line_start)
    earlier = ctx.previous_code_line(start) if start >= 0 else None
    return earlier is not None and _IF_HEADER.match(earlier) is not None


def _wants_call(ctx: Context, best: Candidate, before: str, annotation: bool) -> bool:
    if ctx.after.startswith("(") or annotation or _NO_CALL.search(before):
        return False
    if best.cls:
        if before.rstrip().endswith("new"):
            return True
        if _INSTANTIATE.search(before) is None:
            return False
        # `Decoration.set(…)`, `Path.home()`: a class used mostly through its members.
        uses = whole_words(ctx.masked, re.escape(best.name) + r"(?![\w$])[ \t]*([(.]?)")
        calls = sum(1 for use in uses if use.group(1) == "(")
        members = sum(1 for use in uses if use.group(1) == ".")
        return calls >= members
    if best.function:
        uses = whole_words(ctx.masked, re.escape(best.name) + r"(?![\w$])[ \t]*(\(?)")
        calls = sum(1 for use in uses if use.group(1))
        total = len(uses) - sum(1 for use in uses if _on_import_line(ctx.masked, use.start()))
        if total - calls <= 0 and calls <= 1 and _ARGUMENT.search(before):
            return False  # never used yet, and a later argument: most likely a callback
        # A function is called more often than it is passed around; the +1 is that prior.
        return (calls + 1) / (max(total, 0) + 1) >= 0.5
    if best.call and ctx.language.family == "python" and best.name[:1].isupper():
        return _INSTANTIATE.search(before) is not None  # an exception: raise X(…), except X
    if best.call:
        return True
    # A member or word the buffer always calls, such as `logger.info(`; one use could be
    # the definition alone.
    return best.seen >= 2 and best.called == best.seen


def _on_import_line(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    return text[line_start:pos].lstrip(" \t").startswith(("import ", "from "))


def _annotation(ctx: Context, before: str) -> bool:
    if ctx.language.family == "python":
        params = _DEF_PARAMS.search(before)
        if params and ":" in params.group(1).rsplit(",", 1)[-1]:
            return "=" not in params.group(1).rsplit(",", 1)[-1]
        return _PY_ANNOTATION.search(before) is not None
    return ctx.language.typescript and _TS_ANNOTATION.search(before) is not None


def _new_name(ctx: Context, before: str) -> bool:
    family = ctx.language.family
    new_name = _NEW_NAME_PY if family == "python" else _NEW_NAME_JS
    if new_name.search(before):
        return True
    params = (_DEF_PARAMS if family == "python" else _FUNCTION_PARAMS).search(before)
    if params is None:
        return False
    last = params.group(1).rsplit(",", 1)[-1]  # a parameter's name, not its type or default
    return ":" not in last and "=" not in last


def finish(ctx: Context, before: str | None = None) -> str | None:
    """The rest of the word at the cursor, "" when unsure, None when there is no word.

    ``before`` replaces the code before the cursor on its line, for an interpolation
    inside a string.
    """
    before = ctx.masked_before if before is None else before
    language = ctx.language
    prefix = word_before(ctx, before)
    if len(prefix) > _LONGEST_WORD:
        return ""  # generated or minified text, not something a person types
    head = before[: len(before) - len(prefix)]
    receiver_match = _RECEIVER.search(head, max(0, len(head) - 200)) if head.endswith(".") else None
    member = head.endswith(".") and (receiver_match is not None or language.family != "generic")
    if (not prefix and not member) or prefix[:1].isdigit():
        return None
    if language.family == "generic":
        return _finish_generic(ctx, prefix, head)
    if language.family == "python" and _MODULE_NAME.search(head):
        return _module(ctx, prefix)
    if language.family == "python" and _FROM_MODULE.search(head):
        return "import"[len(prefix) :] if "import".startswith(prefix) else ""
    from_import = _FROM_IMPORT.search(head) if language.family == "python" else None
    if from_import is None and _new_name(ctx, head):
        return _dunder(ctx, prefix, head)
    pool = Pool(prefix, language.ignore_case)
    annotation = False
    if from_import is not None:
        for entry in language.members.get(from_import.group(1), ()):
            pool.entry(ranking.entry_name(entry), ranking.MEMBER_TABLE)
    elif member:
        receiver = receiver_match.group(1).replace("?.", ".") if receiver_match else ""
        start = receiver_match.start(1) if receiver_match else 0
        exact = start == 0 or not (head[start - 1].isalnum() or head[start - 1] in "_$.)]")
        if not prefix:
            return members.default(ctx, receiver if exact else "")
        members.candidates(ctx, pool, receiver, exact)
    elif ctx.scope.in_object and _statement_start(ctx, head):
        _keys(ctx, pool)
        _declared(ctx, pool, head, annotation=False)  # shorthand `{ parse }`
    else:
        annotation = _annotation(ctx, head)
        extra = re.escape(language.ident_extra)
        word = rf"({re.escape(prefix)}[\w{extra}]*)"
        pool.count_uses(ctx, word, ranking.OCCURRENCE, ranking.OCCURRENCE_CAP, also=".")
        _declared(ctx, pool, head, annotation)
        _language_words(ctx, pool, head, annotation)
    return ranking.decide(pool, lambda best: _wants_call(ctx, best, head, annotation))


def _module(ctx: Context, prefix: str) -> str:
    # The well-known modules, the more common ones first; a module the buffer already
    # imports is not imported again. Two letters fit too many modules for popularity to
    # decide (`co`: collections, contextlib, copy), so then only a unique one counts.
    pool = Pool(prefix, ignore_case=False)
    tiers = _MODULE_TIER if len(prefix) >= 3 else (1.0, 1.0, 1.0)
    line = range(ctx.line_start, ctx.line_end + 1)
    imported = {d.name for d in ctx.scope.decls if d.kind == "module" and d.pos not in line}
    for tier, names in enumerate(ctx.language.modules):
        for name in names:
            if (name not in imported or name == prefix) and name not in pool.items:
                pool.entry(name, ranking.MEMBER_TABLE * tiers[tier])
    return ranking.decide(pool, lambda best: False) or ""


def _dunder(ctx: Context, prefix: str, head: str) -> str:
    # Method names are the user's to invent, except the well-known special ones.
    if ctx.language.family != "python" or not prefix.startswith("__"):
        return ""
    owner = ctx.scope.cursor_class
    if not owner or not re.search(r"^[ \t]+def[ \t]+$", head):
        return ""
    defined = [d.name for d in ctx.scope.decls if d.owner == owner]
    options = [name for name in _DUNDERS if name.startswith(prefix) and name not in defined]
    if not options:
        return ""
    # A class without __init__ most likely gets one next; otherwise only a unique match.
    if options[0] == "__init__" or len(options) == 1:
        rest = options[0][len(prefix) :]
        return rest if ctx.after.startswith("(") else rest + "(self"
    return ranking.common_prefix(options)[len(prefix) :]


def _finish_generic(ctx: Context, prefix: str, head: str) -> str | None:
    language = ctx.language
    if len(prefix) < (3 if language.prose else 2):
        return None
    pool = Pool(prefix, language.ignore_case)
    extra = re.escape(language.ident_extra)
    pool.count_uses(ctx, rf"({re.escape(prefix)}[\w{extra}]*)", 0.6, 2.4, also="")
    for builtin in language.builtins:
        pool.entry(builtin, 1.2)
    defined = {m.group(1): True for m in whole_words(ctx.masked, _GENERIC_DEFINITION)}
    for candidate in pool.items.values():
        if len(candidate.name) < len(prefix) + 2 and candidate.fixed == 0:
            candidate.uses *= 0.5  # finishing one letter saves little and risks much
        candidate.function = candidate.name in defined
    return ranking.decide(pool, lambda best: _wants_call(ctx, best, head, False))
