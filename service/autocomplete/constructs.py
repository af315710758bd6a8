"""Familiar constructs: the idioms a person types the same way every time."""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable

from . import style
from .brackets import open_on_line
from .context import Context
from .declarations import whole_words
from .indent import deeper, leading
from .ranking import entry_name

Construct = Callable[[Context], str | None]

_MAIN_GUARD = 'if __name__ == "__main__":'
_ALIASES = {
    "numpy": "np", "pandas": "pd", "matplotlib.pyplot": "plt", "seaborn": "sns",
    "tensorflow": "tf", "torch.nn": "nn", "torch.nn.functional": "F", "networkx": "nx",
    "datetime": "dt", "polars": "pl", "plotly.express": "px", "sqlalchemy": "sa",
    "tkinter": "tk", "multiprocessing": "mp", "jax.numpy": "jnp", "numpy.typing": "npt",
    "pyplot": "plt", "scipy": "sp", "statsmodels.api": "sm", "xarray": "xr",
}  # fmt: skip
# Modules named after the variable they are imported into; others are the user's guess.
_JS_MODULES = {
    "_": "lodash", "$": "jquery", "styled": "styled-components", "React": "react",
    "ReactDOM": "react-dom", "jwt": "jsonwebtoken", "childProcess": "child_process",
    "io": "socket.io",
}  # fmt: skip
_POPULAR_MODULES = frozenset(
    ("fs", "path", "os", "http", "https", "crypto", "util", "events", "url", "stream",
     "zlib", "assert", "readline", "net", "express", "axios", "lodash", "react", "vue",
     "dayjs", "moment", "chalk", "yargs", "commander", "cors", "dotenv", "mongoose",
     "redux", "uuid", "ws", "bcrypt", "body-parser", "morgan", "helmet", "multer",
     "nodemailer", "sequelize", "knex", "pg", "redis", "zod", "joi", "supertest")
)  # fmt: skip
_IMPORT_AS = re.compile(
    r"^[ \t]*(?:import[ \t]+([\w.]+)|from[ \t]+[\w.]+[ \t]+import[ \t]+(\w+))[ \t]+"
    r"(a|as|as[ \t]+\w*)$"
)
_FOR_IN = re.compile(
    r"^[ \t]*(?:async[ \t]+)?for[ \t]+(\w+)(?:[ \t]*,[ \t]*(\w+))?[ \t]+in[ \t]+(\w*)$"
)
_INDEX_NAMES = frozenset(("i", "j", "k", "n", "idx", "index", "_", "attempt", "step", "ix"))
_C_FOR = re.compile(
    r"\bfor[ \t]*\([ \t]*(?:let|var)?[ \t]*(\w+)[ \t]*=[^;]*;[ \t]*(\w+)[ \t]*(?:<|<=|>|>=|!==)"
    r"[^;]*;([ \t]*)(\w*)(\+?)$"
)
_REQUIRE = re.compile(
    r"^[ \t]*(?:const|let|var)[ \t]+([\w$]+)[ \t]*=[ \t]*(requ|requi|requir|require"
    r"|require\(|require\(['\"][\w@/.-]*)$"
)
_ES_IMPORT = re.compile(
    r"^[ \t]*import[ \t]+(?:([\w$]+)|\{([\w$, \t]+)\})[ \t]+(f|fr|fro|from|from[ \t]+)$"
)
_USE_STATE = re.compile(r"^[ \t]*const[ \t]*\[[ \t]*((?:[^\W\d]|\$)[\w$]*)[ \t]*,[ \t]*(\w*)$")
_WITH_OPEN = re.compile(r"^[ \t]*(?:async[ \t]+)?with[ \t]+open\(.*\)[ \t]+(a|as|as[ \t]+)$")
_METHOD_HEADER = re.compile(r"^([ \t]+)(?:async[ \t]+)?def[ \t]+\w+[ \t]*\($")
_CLASS_NAME = re.compile(r"^[ \t]*class[ \t]+[^\W\d]\w*$")
_CLASS_HEADER = re.compile(r"\n[ \t]*class[ \t]+\w+[ \t]*([(:])")
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+$")
_CALLBACK = re.compile(
    r"([\w$]+)[ \t]*\??\.[ \t]*(forEach|map|filter|find|findIndex|some|every|flatMap)\($"
)
_BARE_ARROW = re.compile(r"(?<![\w$)])[\w$]+[ \t]*=>")
_PAREN_ARROW = re.compile(r"\([\w$]+\)[ \t]*=>")
_TS_PARAMETER = re.compile(
    r"(?:\bfunction\b[^(]*|^[ \t]*(?:(?:public|private|protected|static|async)[ \t]+)*"
    r"[\w$]+[ \t]*|=[ \t]*(?:async[ \t]*)?)\((?:[^()]*,)?[ \t]*([\w$]+)\??[ \t]*:[ \t]*$"
)
_PY_PARAMETER = re.compile(
    r"^[ \t]*(?:async[ \t]+)?def[ \t]+\w+[ \t]*\((?:[^()]*,)?[ \t]*(\w+)[ \t]*:[ \t]*$"
)
# A parameter's usual type by its name, for (Python, TypeScript).
_TYPE_BY_NAME = (
    (("str", "string"), ("name", "title", "message", "text", "label", "url", "email",
                         "username", "description", "prefix", "suffix", "query", "filename")),
    (("int", "number"), ("count", "index", "age", "size", "width", "height", "total",
                         "limit", "offset", "page", "port", "retries", "depth")),
    (("bool", "boolean"), ("enabled", "visible", "done", "force", "verbose", "debug",
                           "recursive", "strict")),
)  # fmt: skip
_PY_DEF_NAME = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w*)$")
_JS_FUNCTION_NAME = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?:default[ \t]+)?(?:async[ \t]+)?function[ \t]*\*?[ \t]+([\w$]*)$"
)
_FLAG_PARAMETER = re.compile(r"(?:is|has|should|can)_?[A-Za-z]")
_PY_OPENER = re.compile(
    r"^[ \t]*(?:if|elif|else|for|while|try|except|finally|with|def|class|async|match|case)\b.*:$"
)


def _main_guard(ctx: Context) -> str | None:
    typed = ctx.line_before
    if ctx.language.family != "python" or not typed.startswith("if __") or ctx.line_after.strip():
        return None
    for quote in ('"', "'"):
        target = _MAIN_GUARD.replace('"', quote)
        if target.startswith(typed):
            break
    else:
        return None
    rest = target[len(typed) :]
    following = ctx.next_code_line()
    if following is not None and leading(following):
        return rest  # the body is already there
    return rest + "\n" + ctx.unit + _main_call(ctx)


def _main_call(ctx: Context) -> str:
    mains = [d for d in ctx.scope.decls if d.name == "main" and d.kind == "function"]
    if not mains:
        return ""
    imported = [d.name for d in ctx.scope.decls if d.kind in ("import", "module")]
    if mains[0].is_async:
        return "asyncio.run(main())" if "asyncio" in imported else "main()"
    returns_int = re.search(r"\bdef[ \t]+main\([^)]*\)[ \t]*->[ \t]*int\b", ctx.masked)
    if returns_int and "sys" in imported:
        return "sys.exit(main())"
    if returns_int:
        return "raise SystemExit(main())"
    return "main()"


def _import_alias(ctx: Context) -> str | None:
    if ctx.language.family != "python" or ctx.line_after.strip():
        return None
    match = _IMPORT_AS.match(ctx.masked_before)
    if match is None:
        return None
    module = match.group(1) or match.group(2)
    alias = _ALIASES.get(module)
    if alias is None:
        return None
    typed = match.group(3)
    full = "as " + alias
    if typed == "as":
        return " " + alias
    compact = re.sub(r"[ \t]+", " ", typed)
    return full[len(compact) :] if full.startswith(compact) else ""


def _future_import(ctx: Context) -> str | None:
    target = "from __future__ import annotations"
    typed = ctx.line_before
    if ctx.language.family != "python" or len(typed) < 8 or ctx.line_after.strip():
        return None
    if target.startswith(typed) and typed.startswith("from __f") and typed != target:
        return target[len(typed) :]
    return None


def _for_range(ctx: Context) -> str | None:
    if ctx.language.family == "js":
        return _c_for(ctx)
    if ctx.language.family != "python" or not ctx.in_code:
        return None
    match = _FOR_IN.match(ctx.masked_before)
    if match is None:
        return None
    first, second, typed = match.groups()
    if first not in _INDEX_NAMES:
        return None
    function = "enumerate" if second else "range"
    if not function.startswith(typed) or ctx.after.startswith(function[len(typed) :]):
        return None
    clashes = [
        d for d in ctx.scope.decls if d.in_scope and d.name.startswith(typed) and d.name != typed
    ]
    if typed and clashes and len(typed) < 2:
        return None
    return function[len(typed) :] + "("


def _c_for(ctx: Context) -> str | None:
    match = _C_FOR.search(ctx.masked_before)
    if match is None or match.group(1) != match.group(2) or ctx.line_after.strip():
        return None
    name, space, typed, plus = match.group(1), match.group(3), match.group(4), match.group(5)
    if typed and typed != name:
        return None
    rest = name + "++) {"
    if not typed:
        return ("" if space else " ") + rest
    return rest[len(typed) + len(plus) :]


def _module_for(name: str) -> str | None:
    """The package a variable called ``name`` is usually imported from, if well known."""
    if name in _JS_MODULES:
        return _JS_MODULES[name]
    kebab = re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).lower()
    return kebab if kebab in _POPULAR_MODULES else None


def _require(ctx: Context) -> str | None:
    if ctx.language.family != "js" or ctx.line_after.strip():
        return None
    match = _REQUIRE.match(ctx.line_before)
    if match is None:
        return None
    name, typed = match.groups()
    module = _module_for(name)
    if module is None:
        return None
    quote = style.preferred_quote(ctx.text)
    if "(" in typed and typed[-1:] != "(":
        quote = typed[typed.index("(") + 1]
    target = f"require({quote}{module}{quote})"
    if not target.startswith(typed):
        return None if typed.startswith("require(") else ""
    end = ";" if style.uses_semicolons(ctx.masked) else ""
    return target[len(typed) :] + end


def _es_import(ctx: Context) -> str | None:
    if ctx.language.family != "js" or ctx.line_after.strip():
        return None
    match = _ES_IMPORT.match(ctx.line_before)
    if match is None:
        return None
    default, named, typed = match.groups()
    module: str | None = None
    if default:
        module = _module_for(default)
    elif named and all(n.strip().startswith("use") for n in named.split(",") if n.strip()):
        module = "react"
    if module is None:
        return None
    quote = style.preferred_quote(ctx.text)
    end = ";" if style.uses_semicolons(ctx.masked) else ""
    target = f"from {quote}{module}{quote}{end}"
    compact = re.sub(r"[ \t]+", " ", typed)
    if compact == "from":
        return target[4:]
    return target[len(compact) :] if target.startswith(compact) else None


def _use_state(ctx: Context) -> str | None:
    if ctx.language.family != "js" or ctx.line_after.strip():
        return None
    match = _USE_STATE.match(ctx.masked_before)
    if match is None:
        return None
    value, typed = match.groups()
    setter = "set" + value[:1].upper() + value[1:]
    if not setter.startswith(typed):
        return None
    uses_hooks = re.search(r"\buseState\b", ctx.masked) is not None
    return setter[len(typed) :] + ("] = useState(" if uses_hooks else "]")


def _with_open(ctx: Context) -> str | None:
    if ctx.language.family != "python" or ctx.line_after.strip():
        return None
    match = _WITH_OPEN.match(ctx.masked_before)
    if match is None:
        return None
    typed = match.group(1)
    return {"a": "s f:", "as": " f:"}.get(typed, "f:")


def _self_parameter(ctx: Context) -> str | None:
    if ctx.language.family != "python" or not ctx.scope.cursor_class:
        return None
    match = _METHOD_HEADER.match(ctx.masked_before)
    if match is None:
        return None
    previous = ctx.previous_code_line() or ""
    if previous.strip() == "@staticmethod":
        return ""
    return "cls" if previous.strip() == "@classmethod" else "self"


def _usual_import(ctx: Context) -> str | None:
    if ctx.language.family != "python" or ctx.line_after.strip():
        return None
    match = _FROM_IMPORT.match(ctx.masked_before)
    if match is None:
        return None
    return ctx.language.usual_imports.get(match.group(1), "")


def _class_colon(ctx: Context) -> str | None:
    # Whether a class takes a base is the buffer's habit; with no habit, nothing.
    if ctx.language.family != "python" or ctx.line_after.strip():
        return None
    if _CLASS_NAME.match(ctx.masked_before) is None:
        return None
    headers = [m.group(1) for m in _CLASS_HEADER.finditer("\n" + ctx.masked)]
    bare = headers.count(":")
    return ":" if bare > len(headers) - bare else ""


def _called_not_defined(ctx: Context) -> str | None:
    # `def ` most likely defines what the file already calls but does not define yet: a
    # method called on `self` inside a class, a function outside.
    if not ctx.whole or ctx.line_after.strip() not in ("", "()", "():", "() {"):
        return None
    family = ctx.language.family
    pattern = _PY_DEF_NAME if family == "python" else _JS_FUNCTION_NAME
    match = pattern.match(ctx.masked_before) if family != "generic" else None
    if match is None:
        return None
    typed = match.group(1)
    owner = ctx.scope.cursor_class if family == "python" else ""
    if owner:
        body = _class_body(ctx, owner)
        if body is None:
            return None
        calls = whole_words(body, rf"self\.({re.escape(typed)}\w*)\(")
        declared = {d.name for d in ctx.scope.decls if d.owner == owner}
    else:
        calls = whole_words(ctx.masked, rf"({re.escape(typed)}[\w$]*)[ \t]*\(", also=".")
        language = ctx.language
        known = language.builtins + language.rare_builtins + language.types
        declared = {d.name for d in ctx.scope.decls} | {entry_name(e) for e in known}
        declared.update(language.statement_keywords + language.expression_keywords)
        if family == "python":
            declared.update(dir(builtins))
    names = sorted({m.group(1) for m in calls} - declared - {typed})
    if len(names) != 1 or (not owner and not _only_called(ctx, names[0])):
        return None
    return names[0][len(typed) :] + ("(self" if owner else "(")


def _only_called(ctx: Context, name: str) -> bool:
    # A function yet to be written is only called; a name also used bare is a parameter
    # or a variable whose declaration the scan did not reach.
    uses = whole_words(ctx.masked, rf"{re.escape(name)}(?![\w$])[ \t]*(\(?)", also=".")
    return all(use.group(1) for use in uses)


def _class_body(ctx: Context, owner: str) -> str | None:
    """The masked text of the class ``owner`` around the cursor (other classes call
    their own methods on `self`); None when it has a base, which may define them."""
    masked = ctx.masked
    pattern = rf"\n([ \t]*)class[ \t]+{re.escape(owner)}\b[ \t]*(\((?:[ \t]*object[ \t]*)?\))?:"
    headers = list(re.finditer(pattern, "\n" + masked[: ctx.pos]))
    if not headers:
        return None
    header = headers[-1]
    start, indent = header.start(), len(header.group(1))
    end = re.compile(rf"\n[ \t]{{0,{indent}}}(?=[^\s])")
    found = end.search(masked, max(start + 1, ctx.line_end))
    return masked[start : found.start() if found else len(masked)]


def _callback(ctx: Context) -> str | None:
    # `users.forEach(` takes an arrow function of one `user`.
    if ctx.language.family != "js" or ctx.line_after.strip() not in ("", ")", ");"):
        return None
    match = _CALLBACK.search(ctx.masked_before)
    if match is None:
        return None
    receiver, method = match.groups()
    name = _singular(receiver)
    if not name or any(d.name == name and d.in_scope for d in ctx.scope.decls):
        return ""
    bare = len(_BARE_ARROW.findall(ctx.masked)) > len(_PAREN_ARROW.findall(ctx.masked))
    head = f"{name} =>" if bare else f"({name}) =>"
    return head + (" {" if method == "forEach" else " ")


def _singular(plural: str) -> str:
    if plural in ("arr", "array", "list", "values", "data"):
        return "item"
    if len(plural) < 4 or not plural.endswith("s") or plural.endswith(("ss", "us", "is")):
        return ""  # `status`, `axis`: not plurals
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith(("xes", "ches", "shes", "sses")):
        return plural[:-2]
    return plural[:-1]


def _parameter_type(ctx: Context) -> str | None:
    # `function greet(name: ` is a string: what the buffer annotates the same name with,
    # else what the name usually holds.
    family = ctx.language.family
    if ctx.line_after.strip() not in ("", ")", "):", ") {"):
        return None
    if family == "python":
        match = _PY_PARAMETER.match(ctx.masked_before)
    elif ctx.language.typescript:
        match = _TS_PARAMETER.search(ctx.masked_before)
    else:
        return None
    if match is None:
        return None
    name = match.group(1)
    annotated = re.findall(
        rf"(?<![\w$.]){re.escape(name)}\??[ \t]*:[ \t]*([\w$.]+(?:\[[\w$., ]*\])?)[ \t]*[,)=]",
        ctx.masked[: ctx.line_start] + ctx.masked[ctx.line_end :],
    )
    if annotated:
        best = max(set(annotated), key=lambda t: (annotated.count(t), t))
        return best if 2 * annotated.count(best) > len(annotated) else ""
    python = family == "python"
    if _FLAG_PARAMETER.match(name):
        return "bool" if python else "boolean"
    for types, names in _TYPE_BY_NAME:
        if name in names:
            return types[0] if python else types[1]
    return ""


def line_construct(ctx: Context) -> str | None:
    """The first familiar construct that fits the cursor's line, if any."""
    if ctx.state.kind == "comment":
        return None
    for construct in _CONSTRUCTS:
        found = construct(ctx)
        if found is not None:
            return found
    return None


def layout(ctx: Context) -> str | None:
    """Nothing after a block opener, nor on the blank first line of its body.

    What goes there is a newline or indentation, which the editor gives on Enter; as a
    ghost text it shows as a blank line and Tab inserts it instead of indenting. The ""
    keeps the later rules from closing the block the user is about to fill.
    """
    if not ctx.in_code or ctx.line_after.strip():
        return None
    before = ctx.masked_before
    if before.strip():
        return "" if _opens_block(ctx, before) else None
    previous = ctx.previous_code_line()
    if previous is None or not _opens_block(ctx, previous.rstrip()):
        return None
    expected = deeper(previous, ctx.unit)
    if expected.startswith(ctx.line_before) and len(expected) > len(ctx.line_before):
        return ""
    return None


def _opens_block(ctx: Context, line: str) -> bool:
    # Not after "(": arguments mostly follow on the same line.
    if line.endswith(("[", "{")):
        return open_on_line(line)[-1:] == [(line[-1], len(line) - 1)]
    if ctx.language.family == "python" and line.endswith(":"):
        return _PY_OPENER.match(line) is not None and not open_on_line(line)
    return False


_CONSTRUCTS: tuple[Construct, ...] = (
    _main_guard,
    _future_import,
    _usual_import,
    _import_alias,
    _with_open,
    _for_range,
    _require,
    _es_import,
    _use_state,
    _self_parameter,
    _class_colon,
    _callback,
    _parameter_type,
    _called_not_defined,
)
