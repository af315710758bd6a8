"""JavaScript and TypeScript declarations, and which the cursor can see (brace scopes)."""

from __future__ import annotations

import re

from .declarations import (
    IDENT,
    PARAMETERS_REACH,
    Block,
    Decl,
    Raw,
    Scope,
    may_enclose,
    owner_class,
    parameter_name,
    parameters,
    split_top_level,
    word_start,
)

# Patterns start with a literal (a keyword, "\n") so the regex engine can skip ahead; the
# ones that start with "\n" run over "\n" + masked text, hence the -1 on their positions.
_ID = r"(?:[^\W\d]|\$)[\w$]*"
_VAR = re.compile(rf"(?:const|let|var)[ \t]+({_ID})")
_DESTRUCTURE = re.compile(r"(?:const|let|var)[ \t]*[\[{]([^\]}=]*)[\]}]")
_DESTRUCTURED_NAME = re.compile(rf"({_ID})[ \t]*(?![\w$ \t]*:)")
_FUNCTION_VALUE = re.compile(
    rf"[ \t]*(?::[^=\n]+)?=[ \t]*(?:async[ \t]*)?(?:function\b|\([^()]*\)[ \t]*(?::[^=\n]+)?=>"
    rf"|{_ID}[ \t]*=>)"
)
_FUNCTION = re.compile(rf"function\b[ \t]*\*?[ \t]*({_ID})?[ \t]*(?:<[^>\n]*>)?[ \t]*\(")
_CLASS = re.compile(rf"class[ \t]+({_ID})")
_CLASS_BODY = re.compile(r"class\b[^{;]*\{")
_OBJECT = re.compile(rf"(?:const|let|var)[ \t]+({_ID})[ \t]*(?::[^=\n]+)?=[ \t]*\{{")
# A method's signature fits on its line and ends with "{"; a call statement does not.
_METHOD = re.compile(
    r"\n[ \t]*(?:(?:async|static|get|set|public|private|protected|readonly|override|abstract)"
    rf"[ \t]+)*\*?#?({_ID})[ \t]*(?:<[^>\n]*>)?(\((?:[^()\n]|\([^()\n]*\))*\))"
    r"[ \t]*(?::[^{\n]+)?\{[ \t]*\}?[ \t]*(?=\n|\Z)"
)
# TypeScript: `constructor(private readonly repo: Repo)` declares the field `repo`.
_PARAMETER_PROPERTY = re.compile(
    rf"(?:public|private|protected|readonly)[ \t]+(?:readonly[ \t]+)?({_ID})"
)
# An interface's method signature: `info(message: string): void;`
_SIGNATURE = re.compile(rf"\n[ \t]*({_ID})\??[ \t]*(?:<[^>\n]*>)?\([^)\n]*\)[ \t]*:[^;\n{{]*;")
_ARROW = re.compile(r"=>")
_ARROW_TYPED = re.compile(r"\)[ \t]*:[^=;\n()]*$")
_IMPORT = re.compile(
    rf"\n[ \t]*import[ \t]+(?:type[ \t]+)?({_ID})?[ \t]*,?[ \t]*"
    rf"(?:\{{([^}}]*)\}}|\*[ \t]+as[ \t]+({_ID}))?"
)
_THIS = re.compile(rf"this\.#?({_ID})[ \t]*=(?!=)")
_FIELD = re.compile(
    r"\n[ \t]*(?:(?:public|private|protected|readonly|static|declare|override)[ \t]+)*"
    rf"#?({_ID})[ \t]*[?!]?[ \t]*[:=;]"
)
_TYPE = re.compile(rf"(?:interface|type|enum)[ \t]+({_ID})")
_KEY = re.compile(rf"[\n{{,][ \t]*({_ID})[ \t]*\??:(?!:)")
_ENUM = re.compile(rf"enum[ \t]+{_ID}[ \t]*\{{([^}}]*)\}}")
_CATCH = re.compile(rf"catch[ \t]*\([ \t]*({_ID})")
_BRACE = re.compile(r"[{}]")
_BODY_STOP = re.compile(r";|=>[ \t]*[^\s{]")
_NOT_METHODS = frozenset(
    ("if", "for", "while", "switch", "catch", "function", "return", "typeof", "await", "new",
     "super", "else", "do", "try", "with")
)  # fmt: skip
KEYWORDS = frozenset(
    ("case", "default", "return", "const", "let", "var", "if", "else", "new", "this", "true",
     "false", "null", "undefined", "await", "typeof", "async", "function", "class")
)  # fmt: skip


def _body_start(masked: str, closing: int) -> int:
    """Just inside the "{" of a function body after its parameters, else ``closing``."""
    brace = masked.find("{", closing + 1, closing + 300)
    if brace < 0 or _BODY_STOP.search(masked, closing + 1, brace) is not None:
        return closing
    return brace + 1


def _name_before(text: str) -> str:
    end = len(text)
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$"):
        start -= 1
    return text[start:end] if start < end and not text[start].isdigit() else ""


def _arrow_params(masked: str, arrow: int, inner: int) -> list[Raw]:
    """The parameters of the arrow function whose "=>" is at ``arrow``."""
    begin = max(0, arrow - 300)
    before = masked[begin:arrow].rstrip()
    closing = before.rfind(")")
    if 0 <= closing < len(before) - 1 and _ARROW_TYPED.match(before, closing):
        before = before[: closing + 1]  # `(a: T): R =>`
    if not before.endswith(")"):
        single = _name_before(before)
        return [Raw(single, inner, "parameter")] if single and single not in KEYWORDS else []
    depth = 0
    for i in range(len(before) - 1, -1, -1):
        ch = before[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                params, _ = parameters(masked, begin + i)
                return [Raw(name, inner, "parameter") for name, _ in params]
    return []


def imports(lined: str) -> list[Raw]:
    """Names bound by import statements in ``lined`` ("\\n" + masked text)."""
    raw: list[Raw] = []
    for m in _IMPORT.finditer(lined):
        for group in (1, 3):
            if m.group(group):
                raw.append(Raw(m.group(group), m.start(group) - 1, "module"))
        if m.group(2):
            for offset, part in split_top_level(m.group(2)):
                names = IDENT.findall(part)
                if names:
                    raw.append(Raw(names[-1], m.start(2) - 1 + offset, "import"))
    return raw


def _raw(masked: str, cursor: int) -> list[Raw]:
    lined = "\n" + masked
    raw: list[Raw] = []
    for m in _VAR.finditer(masked):
        if word_start(masked, m.start()):
            kind = "function" if _FUNCTION_VALUE.match(masked, m.end()) else "variable"
            raw.append(Raw(m.group(1), m.start(1), kind))
    for m in _DESTRUCTURE.finditer(masked):
        if word_start(masked, m.start()):
            for found in _DESTRUCTURED_NAME.finditer(m.group(1)):
                raw.append(Raw(found.group(1), m.start(1) + found.start(1), "variable"))
    for m in _FUNCTION.finditer(masked):
        if not word_start(masked, m.start()):
            continue
        if m.group(1):
            raw.append(Raw(m.group(1), m.start(1), "function"))
        if may_enclose(m.start(), cursor):
            params, closing = parameters(masked, m.end() - 1)
            inner = _body_start(masked, closing)
            raw.extend(Raw(name, inner, "parameter") for name, _ in params)
    for m in _METHOD.finditer(lined):
        if m.group(1) in _NOT_METHODS:
            continue
        raw.append(Raw(m.group(1), m.start(1) - 1, "method"))
        if m.group(1) == "constructor":
            for found in _PARAMETER_PROPERTY.finditer(m.group(2)):
                raw.append(Raw(found.group(1), m.start(2) - 1 + found.start(1), "field"))
        if may_enclose(m.start(), cursor):
            params, _ = parameters(masked, m.start(2) - 1)
            raw.extend(Raw(p, m.end() - 1, "parameter") for p, _ in params)
    for m in _ARROW.finditer(masked, max(0, cursor - PARAMETERS_REACH), cursor):
        raw.extend(_arrow_params(masked, m.start(), _body_start(masked, m.end() - 1)))
    for pattern, kind in ((_CLASS, "class"), (_TYPE, "type"), (_THIS, "attribute")):
        for m in pattern.finditer(masked):
            if word_start(masked, m.start()):
                raw.append(Raw(m.group(1), m.start(1), kind))
    raw.extend(imports(lined))
    for m in _ENUM.finditer(masked):
        for offset, part in split_top_level(m.group(1)):
            name = parameter_name(part)
            if name and word_start(masked, m.start()):
                raw.append(Raw(name, m.start(1) + offset, "key"))
    for m in _CATCH.finditer(masked):
        if word_start(masked, m.start()):
            raw.append(Raw(m.group(1), _body_start(masked, m.end()), "variable"))
    for pattern, kind in ((_FIELD, "field"), (_KEY, "key"), (_SIGNATURE, "method")):
        for m in pattern.finditer(lined):
            if m.group(1) not in KEYWORDS:
                raw.append(Raw(m.group(1), m.start(1) - 1, kind))
    return raw


def _object_literal(masked: str, brace: int) -> bool:
    """Whether the "{" at ``brace`` opens an object literal rather than a block."""
    i = brace - 1
    while i >= 0 and masked[i] in " \t\n":
        i -= 1
    if i < 0:
        return False
    return masked[i] in "=(,:[?" or masked.endswith("return", 0, i + 1)


def _special_braces(masked: str) -> dict[int, str]:
    """The "{" that open class bodies (value "") or object literals (the variable)."""
    special = {
        m.end() - 1: "" for m in _CLASS_BODY.finditer(masked) if word_start(masked, m.start())
    }
    for m in _OBJECT.finditer(masked):
        if word_start(masked, m.start()):
            special.setdefault(m.end() - 1, m.group(1))
    return special


def js_scope(masked: str, cursor: int) -> Scope:
    """The JavaScript declarations in ``masked`` and what the cursor can see of them."""
    raw = _raw(masked, cursor)
    raw.sort(key=lambda r: (r.pos, r.name))
    special = _special_braces(masked)
    blocks = [Block(-1, "module")]
    stack = [0]
    braces = [(m.start(), m.group()) for m in _BRACE.finditer(masked)]
    index = 0

    def advance(limit: int) -> None:
        nonlocal index
        while index < len(braces) and braces[index][0] < limit:
            pos, ch = braces[index]
            if ch == "{":
                name = special.get(pos)
                if name == "":
                    found = _CLASS.search(masked, max(0, pos - 200), pos)
                    blocks.append(Block(stack[-1], "class", found.group(1) if found else ""))
                elif name is not None or _object_literal(masked, pos):
                    blocks.append(Block(stack[-1], "object", name or ""))
                else:
                    blocks.append(Block(stack[-1], "block"))
                stack.append(len(blocks) - 1)
            elif len(stack) > 1:
                stack.pop()
            index += 1

    chain: list[int] | None = None
    for r in raw:
        if chain is None and r.pos >= cursor:
            advance(cursor)
            chain = list(stack)
        advance(r.pos)
        r.block = stack[-1]
    if chain is None:
        advance(cursor)
        chain = list(stack)
    decls: list[Decl] = []
    for r in raw:
        kind, owner = r.kind, ""
        block = blocks[r.block]
        if kind == "attribute":
            owner = owner_class(blocks, r.block)
        elif kind == "field" and block.kind != "class":
            continue  # a plain statement such as `x = 1;`, not a class field
        elif kind == "key" and block.kind == "class":
            continue  # a typed class field, already a field
        elif kind in ("method", "field", "key") and block.kind in ("class", "object"):
            owner = block.name
        depth = chain.index(r.block) if r.block in chain else 0
        decls.append(Decl(r.name, r.pos, kind, r.block in chain, owner, depth=depth))
    in_object = blocks[chain[-1]].kind == "object"
    return Scope(decls, owner_class(blocks, chain[-1]), len(chain) - 1, in_object)
