"""How fast the autocomplete engine answers on 1 KB, 100 KB and 1 MiB buffers.

Each buffer is real code (the Python standard library; CodeMirror's JavaScript and
TypeScript declarations from web/node_modules when installed, else the corpus cases),
with a word being typed in the middle or at the end. Timings are reported in
milliseconds and as ratios to a baseline measured in the same run on the same buffer:
``code.encode("utf-16-le")``, a cheap pass proportional to the buffer's size, so a
noisy machine moves both alike. Writes bench/results/autocomplete_speed.json.

    .venv/bin/python bench/autocomplete_speed.py [--quick]
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

from service.autocomplete import complete, utf16_length
from service.autocomplete.corpus import load_cases

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "autocomplete_speed.json"
SIZES = {"1KB": 1_024, "100KB": 102_400, "1MiB": 1_048_576}
RUNS = {"1KB": 300, "100KB": 100, "1MiB": 60}
BUDGET_MS = 600.0
_WORD = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]{5,}\b")
_TOP_LEVEL = re.compile(
    r"^(?:def|class|async def|function|export|const|let|var|declare|interface|type) ", re.M
)


def _python_source() -> tuple[str, str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    names = ("argparse.py", "ast.py", "dataclasses.py", "inspect.py", "typing.py",
             "pathlib.py", "subprocess.py", "tarfile.py", "zipfile.py", "shutil.py",
             "logging/__init__.py", "json/decoder.py", "http/client.py", "email/message.py",
             "asyncio/base_events.py", "unittest/case.py", "difflib.py", "pydoc.py")  # fmt: skip
    parts = [(stdlib / n).read_text(encoding="utf-8") for n in names if (stdlib / n).exists()]
    return "\n\n".join(parts), f"Python {sys.version_info.major}.{sys.version_info.minor} stdlib"


def _node_source(suffix: str) -> tuple[str, str] | None:
    folder = ROOT / "web" / "node_modules" / "@codemirror"
    files = sorted(folder.glob(f"*/dist/index{suffix}")) if folder.exists() else []
    if not files:
        return None
    text = "\n\n".join(f.read_text(encoding="utf-8") for f in files)
    return text, f"@codemirror/*/dist/index{suffix}"


def _corpus_source(languages: tuple[str, ...]) -> tuple[str, str]:
    cases = [c for c in load_cases() if c.language in languages]
    return "\n\n".join(c.code for c in cases), "corpus cases"


def _sources() -> dict[str, tuple[str, str]]:
    return {
        "python": _python_source(),
        "javascript": _node_source(".js") or _corpus_source(("javascript", "js")),
        "typescript": _node_source(".d.ts") or _corpus_source(("typescript", "ts", "tsx")),
    }


def _fit(source: str, size: int) -> str:
    """``source`` repeated and cut at a line end to at most ``size`` bytes of UTF-8."""
    text = source
    while len(text.encode("utf-8")) < size:
        text += "\n\n" + source
    cut = text.encode("utf-8")[:size].decode("utf-8", "ignore")
    # End before a top-level statement, not inside a docstring or a comment.
    headers = list(_TOP_LEVEL.finditer(cut))
    if len(headers) > 1:
        return cut[: headers[-1].start()]
    return cut[: cut.rfind("\n") + 1] if "\n" in cut else cut


def _typing_at(code: str, fraction: float) -> tuple[str, int]:
    """The buffer with the start of a nearby word typed on a new top-level line (so in
    code, not in a docstring or comment), and the cursor after it."""
    at = code.rfind("\n", 0, int(len(code) * fraction) + 1) + 1
    header = _TOP_LEVEL.search(code, at) or _TOP_LEVEL.search(code)
    at = header.start() if header and fraction < 1 else len(code)
    near = _WORD.search(code, max(0, at - 2_000)) or _WORD.search(code)
    partial = near.group()[:3] if near else "pri"
    prefix = code[:at] if at < len(code) or code.endswith("\n") else code + "\n"
    typed = prefix + partial
    return typed + "\n" + code[at:], utf16_length(typed)


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _measure(
    code: str, cursor: int, language: str, runs: int
) -> tuple[list[float], list[float], str]:
    engine: list[float] = []
    baseline: list[float] = []
    suggestion = complete(code, cursor, language)
    clock: Callable[[], float] = time.perf_counter
    for _ in range(runs):
        # Interleaved, so that both see the same noise from the rest of the machine.
        start = clock()
        code.encode("utf-16-le")
        baseline.append(clock() - start)
        start = clock()
        complete(code, cursor, language)
        engine.append(clock() - start)
    return engine, baseline, suggestion


def run(quick: bool = False) -> dict[str, object]:
    """Time every language, size and cursor position; the report as a dict."""
    rows: list[dict[str, object]] = []
    sources = _sources()
    for language, (source, origin) in sources.items():
        for size_name, size in SIZES.items():
            code = _fit(source, size)
            for position, fraction in (("middle", 0.5), ("end", 1.0)):
                buffer, cursor = _typing_at(code, fraction)
                runs = max(10, RUNS[size_name] // (5 if quick else 1))
                engine, baseline, suggestion = _measure(buffer, cursor, language, runs)
                base = statistics.median(baseline)
                p50, p99 = _percentile(engine, 0.5), _percentile(engine, 0.99)
                rows.append(
                    {
                        "language": language,
                        "source": origin,
                        "size": size_name,
                        "bytes": len(buffer.encode("utf-8")),
                        "cursor": position,
                        "runs": runs,
                        "p50_ms": round(p50 * 1000, 3),
                        "p99_ms": round(p99 * 1000, 3),
                        "baseline_p50_ms": round(base * 1000, 4),
                        "p50_ratio": round(p50 / base, 1),
                        "p99_ratio": round(p99 / base, 1),
                        "within_budget": p99 * 1000 < BUDGET_MS,
                        "suggestion": suggestion,
                    }
                )
    return {
        "baseline": 'code.encode("utf-16-le") on the same buffer, median of the same run',
        "budget_ms": BUDGET_MS,
        "python": sys.version.split()[0],
        "rows": rows,
    }


def main() -> None:
    """Print the table and write the JSON report."""
    report = run(quick="--quick" in sys.argv)
    print(f"{'language':11} {'size':6} {'cursor':7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'base ms':>8} {'p50 x':>7} {'p99 x':>7}")  # fmt: skip
    rows = report["rows"]
    assert isinstance(rows, list)
    for row in rows:
        print(
            f"{row['language']:11} {row['size']:6} {row['cursor']:7} {row['p50_ms']:8.2f} "
            f"{row['p99_ms']:8.2f} {row['baseline_p50_ms']:8.3f} {row['p50_ratio']:7.1f} "
            f"{row['p99_ratio']:7.1f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
