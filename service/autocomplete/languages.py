"""Per-language tables: syntax, keywords, builtins and well-known members."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Literal

Family = Literal["python", "js", "generic"]

# Table entries that end with "(" are callables: the suggestion includes the parenthesis.
# Those that end with "()" are nearly always called without arguments: it includes both.


@dataclass(frozen=True, slots=True)
class Syntax:
    """How strings and comments are spelled, so that the scanner can skip them."""

    line_comments: tuple[str, ...] = ()
    block_comments: tuple[tuple[str, str], ...] = ()
    quotes: tuple[str, ...] = ('"',)
    triple_quotes: bool = False
    template_literals: bool = False
    regex_literals: bool = False


@dataclass(frozen=True, slots=True)
class Language:
    """Everything the engine knows about one language name."""

    name: str
    family: Family
    syntax: Syntax
    default_indent: str
    statement_keywords: tuple[str, ...] = ()
    expression_keywords: tuple[str, ...] = ()
    builtins: tuple[str, ...] = ()
    rare_builtins: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Members of variables by their conventional name (`response`, `res`), any library.
    conventional: dict[str, tuple[str, ...]] = field(default_factory=dict)
    common_methods: tuple[str, ...] = ()
    typescript: bool = False
    prose: bool = False
    ignore_case: bool = False
    # Characters besides letters, digits and "_" that belong to a word.
    ident_extra: str = ""
    # Whether statements end with ";" (the C family, outside the languages in depth).
    semicolons: bool = False
    # Modules to import, by how often they are: the first tuple most.
    modules: tuple[tuple[str, ...], ...] = ()
    # What follows `from <module> import ` when one name is by far the usual one.
    usual_imports: dict[str, str] = field(default_factory=dict)
    # The member that follows `<receiver>.` when one is by far the usual one.
    usual_members: dict[str, str] = field(default_factory=dict)


PYTHON_SYNTAX = Syntax(line_comments=("#",), quotes=('"', "'"), triple_quotes=True)
JS_SYNTAX = Syntax(
    line_comments=("//",),
    block_comments=(("/*", "*/"),),
    quotes=('"', "'"),
    template_literals=True,
    regex_literals=True,
)
C_SYNTAX = Syntax(line_comments=("//",), block_comments=(("/*", "*/"),), quotes=('"', "'"))
HASH_SYNTAX = Syntax(line_comments=("#",), quotes=('"', "'"))
DASH_SYNTAX = Syntax(line_comments=("--",), block_comments=(("/*", "*/"),), quotes=('"', "'"))
SEMICOLON_SYNTAX = Syntax(line_comments=(";",))
PERCENT_SYNTAX = Syntax(line_comments=("%",))
MARKUP_SYNTAX = Syntax(block_comments=(("<!--", "-->"),))
PLAIN_SYNTAX = Syntax()
RUST_SYNTAX = Syntax(line_comments=("//",), block_comments=(("/*", "*/"),))
CSS_SYNTAX = Syntax(block_comments=(("/*", "*/"),), quotes=('"', "'"))

_PY_STATEMENT = (
    "return", "def", "class", "if", "elif", "else", "for", "while", "try", "except",
    "finally", "with", "import", "from", "raise", "pass", "break", "continue", "assert",
    "yield", "global", "nonlocal", "del", "async", "await", "lambda", "match", "case",
)  # fmt: skip
_PY_EXPRESSION = (
    "None", "True", "False", "not", "and", "or", "in", "is", "lambda", "await", "if",
    "else", "for", "yield", "async",
)  # fmt: skip
_PY_BUILTINS = (
    "print(", "len(", "range(", "enumerate(", "isinstance(", "sorted(", "zip(", "open(",
    "super(", "getattr(", "setattr(", "hasattr(", "min(", "max(", "sum(", "abs(", "any(",
    "all(", "map(", "filter(", "reversed(", "round(", "repr(", "input(", "iter(", "next(",
    "id(", "hash(", "format(", "chr(", "ord(", "__name__", "__file__",
    "Exception(", "ValueError(", "TypeError(", "KeyError(", "IndexError(", "AttributeError(",
    "RuntimeError(", "NotImplementedError(", "OSError(", "FileNotFoundError(",
    "ImportError(", "PermissionError(", "TimeoutError(", "property", "staticmethod",
    "classmethod",
)  # fmt: skip
_PY_RARE = (
    "divmod(", "issubclass(", "callable(", "vars(", "dir(", "breakpoint(", "NotImplemented",
    "Ellipsis", "StopIteration(", "ZeroDivisionError(", "AssertionError(",
    "KeyboardInterrupt", "BaseException(", "ascii(", "bin(", "hex(", "oct(", "memoryview(",
    "globals(", "locals(", "exec(", "eval(", "compile(", "delattr(", "aiter(", "anext(",
)  # fmt: skip
_PY_TYPES = (
    "str", "int", "float", "bool", "list", "dict", "set", "tuple", "bytes", "object",
    "type", "frozenset", "bytearray", "complex",
)  # fmt: skip
_PY_MEMBERS: dict[str, tuple[str, ...]] = {
    "os": ("path", "environ", "getcwd()", "listdir(", "makedirs(", "remove(", "rename(",
           "walk(", "getenv(", "mkdir(", "sep", "chdir(", "system("),
    "os.path": ("join(", "exists(", "dirname(", "basename(", "abspath(", "isfile(",
                "isdir(", "splitext(", "expanduser(", "getsize(", "realpath("),
    "sys": ("argv", "exit(", "path", "stdin", "stdout", "stderr", "version", "platform",
            "modules", "executable"),
    "json": ("dumps(", "loads(", "dump(", "load(", "JSONDecodeError"),
    "re": ("compile(", "match(", "search(", "findall(", "finditer(", "sub(", "split(",
           "fullmatch(", "escape(", "IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE"),
    "math": ("sqrt(", "pi", "floor(", "ceil(", "log(", "exp(", "sin(", "cos(", "tan(",
             "inf", "isclose(", "hypot(", "gcd("),
    "time": ("time(", "sleep(", "perf_counter()", "monotonic()", "strftime("),
    "random": ("random()", "randint(", "choice(", "shuffle(", "sample(", "uniform(", "seed("),
    "typing": ("Any", "Optional", "Union", "List", "Dict", "Tuple", "Callable", "Iterable",
               "Iterator", "Sequence", "Mapping", "TypeVar", "Generic", "Protocol",
               "Literal", "cast", "overload", "TYPE_CHECKING", "ClassVar", "Final",
               "NamedTuple", "TypedDict", "Awaitable", "AsyncIterator"),
    "collections": ("defaultdict(", "Counter(", "OrderedDict(", "deque(", "namedtuple("),
    "itertools": ("chain(", "groupby(", "islice(", "product(", "permutations(",
                  "combinations(", "count(", "cycle(", "accumulate(", "zip_longest("),
    "functools": ("partial(", "reduce(", "wraps(", "lru_cache(", "cache", "cached_property",
                  "total_ordering"),
    "pathlib": ("Path(", "PurePath("),
    "datetime": ("datetime", "date", "timedelta(", "timezone", "time"),
    "asyncio": ("run(", "sleep(", "gather(", "create_task(", "Queue(", "Lock(", "Event(",
                "wait_for(", "get_event_loop()", "TimeoutError", "TaskGroup("),
    "subprocess": ("run(", "Popen(", "PIPE", "check_output(", "CalledProcessError",
                   "DEVNULL", "check_call("),
    "logging": ("getLogger(", "basicConfig(", "DEBUG", "INFO", "WARNING", "ERROR",
                "debug(", "info(", "warning(", "error(", "exception("),
    "dataclasses": ("dataclass", "field(", "asdict(", "replace(", "fields("),
}  # fmt: skip
_PY_MODULES = (
    ("os", "sys", "re", "json", "math", "time", "random", "typing", "collections",
     "itertools", "functools", "pathlib", "datetime", "asyncio", "subprocess", "logging",
     "numpy", "pandas", "requests"),
    ("dataclasses", "argparse", "shutil", "csv", "sqlite3", "unittest", "threading",
     "multiprocessing", "socket", "hashlib", "base64", "copy", "pickle", "string",
     "textwrap", "tempfile", "glob", "io", "enum", "abc", "contextlib", "uuid", "urllib",
     "http", "email", "decimal", "fractions", "statistics", "heapq", "bisect", "operator",
     "inspect", "traceback", "warnings", "struct", "secrets", "signal", "platform",
     "getpass", "pprint", "zipfile", "tarfile", "gzip", "queue", "weakref", "types",
     "matplotlib", "scipy", "sklearn", "torch", "flask", "django", "fastapi", "pydantic",
     "pytest", "yaml", "click", "sqlalchemy", "aiohttp", "httpx", "bs4", "PIL", "tqdm",
     "rich", "jinja2", "boto3", "redis", "starlette", "uvicorn", "attrs", "seaborn"),
    tuple(sorted(name for name in sys.stdlib_module_names if not name.startswith("_"))),
)  # fmt: skip
_PY_USUAL_IMPORTS = {
    "__future__": "annotations", "pathlib": "Path", "dataclasses": "dataclass",
    "datetime": "datetime", "enum": "Enum", "contextlib": "contextmanager",
    "copy": "deepcopy", "decimal": "Decimal", "fractions": "Fraction", "pprint": "pprint",
    "argparse": "ArgumentParser", "glob": "glob", "abc": "ABC", "bs4": "BeautifulSoup",
}  # fmt: skip
_PY_RESPONSE = ("json(", "status_code", "text", "raise_for_status()", "headers", "content")
_PY_CONVENTIONAL: dict[str, tuple[str, ...]] = {"response": _PY_RESPONSE, "resp": _PY_RESPONSE}
_JS_RESPONSE = ("json(", "text(", "status", "ok", "headers", "blob(")
_JS_CONVENTIONAL: dict[str, tuple[str, ...]] = {
    "response": _JS_RESPONSE, "res": _JS_RESPONSE, "resp": _JS_RESPONSE,
    "event": ("preventDefault()", "target", "key", "stopPropagation()", "currentTarget"),
    "e": ("preventDefault()", "target", "key", "stopPropagation()", "currentTarget"),
    "error": ("message", "stack", "name", "cause"),
    "err": ("message", "stack", "name", "code"),
}  # fmt: skip
_PY_COMMON_METHODS = (
    "append(", "extend(", "pop(", "items()", "keys()", "values()", "get(", "split(", "join(",
    "strip()", "startswith(", "endswith(", "replace(", "lower()", "upper()", "format(",
    "encode(", "decode(", "read(", "write(", "close()", "readlines()", "update(", "add(",
    "remove(", "insert(", "sort(", "count(", "index(", "find(", "copy()", "setdefault(",
    "splitlines()", "rstrip()", "lstrip()",
)  # fmt: skip

_JS_STATEMENT = (
    "return", "const", "let", "var", "function", "class", "if", "else", "for", "while",
    "do", "switch", "case", "default", "break", "continue", "try", "catch", "finally",
    "throw", "import", "export", "async", "await", "yield", "new", "delete", "typeof",
    "debugger",
)  # fmt: skip
_JS_EXPRESSION = (
    "null", "undefined", "true", "false", "this", "new", "typeof", "instanceof", "in", "of",
    "await", "async", "function", "void", "yield", "super", "class",
)  # fmt: skip
_TS_STATEMENT = (
    "interface", "type", "enum", "namespace", "declare", "abstract", "implements",
    "readonly", "private", "protected", "public", "static",
)  # fmt: skip
_TS_EXPRESSION = ("as", "keyof", "satisfies", "extends")
_JS_BUILTINS = (
    "console", "Math", "JSON", "Object", "Array", "Promise", "String", "Number", "Boolean",
    "Date", "Error", "Map", "Set", "RegExp", "Symbol", "parseInt(", "parseFloat(",
    "setTimeout(", "setInterval(", "clearTimeout(", "clearInterval(", "fetch(", "require(",
    "document", "window", "process", "module", "exports", "globalThis", "isNaN(",
    "encodeURIComponent(", "decodeURIComponent(", "structuredClone(", "queueMicrotask(",
    "TypeError", "RangeError", "WeakMap", "localStorage", "navigator", "Intl", "Buffer",
    "URL", "URLSearchParams", "AbortController", "Event", "HTMLElement",
)  # fmt: skip
_TS_TYPES = (
    "string", "number", "boolean", "void", "unknown", "never", "any", "object", "Record",
    "Partial", "Readonly", "Pick", "Omit", "ReturnType", "Awaited", "Required", "Exclude",
    "Extract", "NonNullable", "Parameters", "Promise", "Array", "ReadonlyArray", "bigint",
)  # fmt: skip
_JS_MEMBERS: dict[str, tuple[str, ...]] = {
    "console": ("log(", "error(", "warn(", "info(", "debug(", "table(", "dir(", "time(",
                "timeEnd(", "trace(", "assert(", "group(", "groupEnd()"),
    "Math": ("floor(", "ceil(", "round(", "random()", "max(", "min(", "abs(", "sqrt(",
             "pow(", "PI", "trunc(", "sign(", "log(", "hypot("),
    "JSON": ("stringify(", "parse("),
    "Object": ("keys(", "values(", "entries(", "assign(", "freeze(", "fromEntries(",
               "create(", "defineProperty(", "getPrototypeOf("),
    "Array": ("isArray(", "from(", "of("),
    "Promise": ("all(", "resolve(", "reject(", "race(", "allSettled(", "any("),
    "Number": ("isInteger(", "parseFloat(", "parseInt(", "isNaN(", "isFinite(",
               "MAX_SAFE_INTEGER", "EPSILON"),
    "document": ("getElementById(", "querySelector(", "querySelectorAll(", "createElement(",
                 "addEventListener(", "body", "title", "createTextNode(",
                 "getElementsByClassName(", "documentElement", "cookie"),
    "window": ("addEventListener(", "location", "localStorage", "setTimeout(", "innerWidth",
               "innerHeight", "requestAnimationFrame(", "removeEventListener(", "open(",
               "scrollTo(", "matchMedia("),
    "process": ("env", "argv", "exit(", "cwd()", "on(", "stdout", "stderr", "platform",
                "nextTick(", "exitCode"),
    "fs": ("readFileSync(", "writeFileSync(", "existsSync(", "readFile(", "writeFile(",
           "mkdirSync(", "promises", "readdirSync(", "unlinkSync(", "statSync("),
    "path": ("join(", "resolve(", "dirname(", "basename(", "extname(", "relative(", "sep"),
    "localStorage": ("getItem(", "setItem(", "removeItem(", "clear()"),
    "Date": ("now()", "parse(", "UTC("),
    "String": ("fromCharCode(", "raw"),
}  # fmt: skip
# `console.` is nearly always `console.log(`; `document.` is most often a look-up by id.
_JS_USUAL_MEMBERS = {"console": "log(", "document": "getElementById(", "process": "env"}
_JS_COMMON_METHODS = (
    "push(", "map(", "filter(", "forEach(", "reduce(", "find(", "includes(", "indexOf(",
    "slice(", "splice(", "join(", "split(", "length", "then(", "catch(", "finally(",
    "toString(", "trim()", "replace(", "startsWith(", "endsWith(", "toLowerCase()",
    "toUpperCase()", "some(", "every(", "concat(", "sort(", "get(", "set(", "has(",
    "delete(", "addEventListener(", "preventDefault()", "json(", "querySelector(",
    "padStart(", "findIndex(", "flatMap(", "pop()", "shift()", "unshift(", "test(",
)  # fmt: skip

# Smaller tables for languages outside the three in depth: buffer words matter more there.
_GENERIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "go": ("break", "case", "chan", "const", "continue", "default", "defer", "else",
           "fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map",
           "package", "range", "return", "select", "struct", "switch", "type", "var", "nil",
           "true", "false", "make(", "append(", "panic(", "recover(", "string", "error",
           "float64", "int64", "fmt"),
    "rust": ("break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
             "for", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
             "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
             "unsafe", "use", "where", "while", "async", "await", "dyn", "Some(", "None",
             "Ok(", "Err(", "Vec", "String", "Option", "Result", "Box", "println!(",
             "vec!", "format!("),
    "java": ("abstract", "boolean", "break", "case", "catch", "class", "continue", "default",
             "double", "else", "enum", "extends", "final", "finally", "float", "for", "if",
             "implements", "import", "instanceof", "interface", "long", "new", "null",
             "package", "private", "protected", "public", "return", "static", "super",
             "switch", "this", "throw", "throws", "try", "void", "while", "true", "false",
             "String", "System", "Integer", "ArrayList", "HashMap", "Override"),
    "c": ("break", "case", "char", "const", "continue", "default", "double", "else", "enum",
          "extern", "float", "for", "if", "int", "long", "return", "short", "signed",
          "sizeof(", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
          "while", "NULL", "include", "define", "printf(", "malloc(", "free("),
    "ruby": ("def", "end", "class", "module", "if", "elsif", "else", "unless", "while",
             "until", "do", "begin", "rescue", "ensure", "return", "yield", "puts", "require",
             "attr_accessor", "attr_reader", "nil", "true", "false", "self", "initialize"),
    "shell": ("then", "else", "elif", "fi", "for", "while", "do", "done", "case", "esac",
              "function", "echo", "export", "local", "return", "exit", "readonly", "shift"),
    "sql": ("SELECT", "FROM", "WHERE", "INSERT", "INTO", "VALUES", "UPDATE", "DELETE",
            "CREATE", "TABLE", "JOIN", "LEFT", "INNER", "GROUP", "ORDER", "LIMIT",
            "AND", "NULL", "PRIMARY", "KEY", "DISTINCT", "HAVING", "RETURNING", "INDEX",
            "REFERENCES", "DEFAULT", "UNIQUE", "OFFSET", "BETWEEN", "EXISTS", "COUNT("),
}  # fmt: skip
_GENERIC_KEYWORDS["cpp"] = (*_GENERIC_KEYWORDS["c"], "class", "namespace", "template",
                            "typename", "public", "private", "protected", "virtual",
                            "override", "nullptr", "std", "cout", "endl", "vector", "bool",
                            "true", "false", "using", "auto")  # fmt: skip

_ALIASES = {
    "py": "python", "python3": "python", "py3": "python", "pyw": "python", "pyi": "python",
    "ipython": "python", "sage": "python",
    "js": "javascript", "jsx": "javascript", "mjs": "javascript", "cjs": "javascript",
    "node": "javascript", "nodejs": "javascript", "javascriptreact": "javascript",
    "es6": "javascript", "ecmascript": "javascript",
    "ts": "typescript", "tsx": "typescript", "mts": "typescript", "cts": "typescript",
    "typescriptreact": "typescript",
    "golang": "go", "rs": "rust", "rb": "ruby", "h": "c", "c++": "cpp", "cc": "cpp",
    "cxx": "cpp", "hpp": "cpp", "sh": "shell", "bash": "shell", "zsh": "shell",
    "postgres": "sql", "postgresql": "sql", "psql": "sql", "mysql": "sql", "sqlite": "sql",
    "plsql": "sql", "tsql": "sql",
}  # fmt: skip

_SYNTAX_BY_NAME: tuple[tuple[Syntax, tuple[str, ...]], ...] = (
    (C_SYNTAX, ("c", "cpp", "java", "go", "csharp", "c#", "cs", "kotlin", "kt", "swift",
                "scala", "dart", "php", "groovy", "zig", "json5", "jsonc", "proto",
                "solidity", "sol", "objective-c", "objc", "glsl", "hlsl", "v", "d")),
    (RUST_SYNTAX, ("rust",)),
    (HASH_SYNTAX, ("ruby", "shell", "fish", "perl", "pl", "r", "yaml", "yml", "toml",
                   "make", "makefile", "dockerfile", "elixir", "ex", "exs", "julia", "jl",
                   "nim", "coffee", "coffeescript", "powershell", "ps1", "tcl", "cmake",
                   "nix", "graphql", "gql", "crystal", "cr", "conf", "gitignore")),
    (DASH_SYNTAX, ("sql", "lua", "haskell", "hs", "elm", "ada", "vhdl", "purescript")),
    (SEMICOLON_SYNTAX, ("lisp", "clojure", "clj", "cljs", "scheme", "scm", "elisp",
                        "racket", "rkt", "asm", "nasm", "ini")),
    (PERCENT_SYNTAX, ("tex", "latex", "erlang", "erl", "matlab", "prolog", "octave")),
    (MARKUP_SYNTAX, ("html", "htm", "xml", "svg", "vue", "svelte", "xhtml")),
    (CSS_SYNTAX, ("css", "scss", "less", "sass")),
)  # fmt: skip
_SEMICOLON_LANGUAGES = frozenset(
    ("c", "cpp", "java", "csharp", "c#", "cs", "rust", "php", "dart", "solidity", "sol",
     "objective-c", "objc", "glsl", "hlsl", "d")
)  # fmt: skip
_HYPHEN_WORDS = frozenset(
    ("css", "scss", "less", "sass", "html", "htm", "xml", "svg", "vue", "svelte", "lisp",
     "clojure", "clj", "cljs", "scheme", "scm", "elisp", "racket", "rkt")
)  # fmt: skip
_PROSE = frozenset(
    ("markdown", "md", "text", "txt", "plaintext", "plain", "rst", "asciidoc", "adoc", "org")
)

PYTHON = Language(
    name="python",
    family="python",
    syntax=PYTHON_SYNTAX,
    default_indent="    ",
    statement_keywords=_PY_STATEMENT,
    expression_keywords=_PY_EXPRESSION,
    builtins=_PY_BUILTINS,
    rare_builtins=_PY_RARE,
    types=_PY_TYPES,
    members=_PY_MEMBERS,
    conventional=_PY_CONVENTIONAL,
    common_methods=_PY_COMMON_METHODS,
    modules=_PY_MODULES,
    usual_imports=_PY_USUAL_IMPORTS,
    usual_members={"os": "path"},
)
JAVASCRIPT = Language(
    name="javascript",
    family="js",
    syntax=JS_SYNTAX,
    default_indent="  ",
    statement_keywords=_JS_STATEMENT,
    expression_keywords=_JS_EXPRESSION,
    builtins=_JS_BUILTINS,
    members=_JS_MEMBERS,
    conventional=_JS_CONVENTIONAL,
    common_methods=_JS_COMMON_METHODS,
    usual_members=_JS_USUAL_MEMBERS,
    ident_extra="$",
)
TYPESCRIPT = Language(
    name="typescript",
    family="js",
    syntax=JS_SYNTAX,
    default_indent="  ",
    statement_keywords=_JS_STATEMENT + _TS_STATEMENT,
    expression_keywords=_JS_EXPRESSION + _TS_EXPRESSION,
    builtins=_JS_BUILTINS,
    types=_TS_TYPES,
    members=_JS_MEMBERS,
    conventional=_JS_CONVENTIONAL,
    common_methods=_JS_COMMON_METHODS,
    usual_members=_JS_USUAL_MEMBERS,
    typescript=True,
    ident_extra="$",
)
_IN_DEPTH = {"python": PYTHON, "javascript": JAVASCRIPT, "typescript": TYPESCRIPT}


def resolve(name: str) -> Language:
    """The language for a request's name; an unknown name gets a generic profile."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    known = _IN_DEPTH.get(key)
    if known is not None:
        return known
    syntax = PLAIN_SYNTAX
    for candidate, names in _SYNTAX_BY_NAME:
        if key in names:
            syntax = candidate
            break
    prose = key in _PROSE
    if prose:
        syntax = MARKUP_SYNTAX if key in ("markdown", "md") else PLAIN_SYNTAX
    elif syntax is PLAIN_SYNTAX and key not in ("asm",):
        # An unknown programming language most likely writes strings in double quotes.
        syntax = Syntax(quotes=('"',))
    return Language(
        name=key,
        family="generic",
        syntax=syntax,
        default_indent="    ",
        builtins=_GENERIC_KEYWORDS.get(key, ()),
        prose=prose,
        ignore_case=key == "sql",
        ident_extra="-" if key in _HYPHEN_WORDS else "",
        semicolons=key in _SEMICOLON_LANGUAGES,
    )
