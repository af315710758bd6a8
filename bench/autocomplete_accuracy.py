"""How often the autocomplete engine answers what a person would accept.

Runs every case of service/autocomplete/cases/*.json and grades each suggestion:

- exact:  the suggestion is the expected text (both may be "");
- prefix: a non-empty suggestion that is a strict prefix of the expected text
          (right as far as it goes, the user types the rest);
- empty:  "" where something was expected (no help, but no harm);
- wrong:  a non-empty suggestion that is not a prefix of the expected text, including
          any suggestion where "" was expected.

Prints the shares overall and per file, and lists every case that is not exact.

The corpus is hand-written, so it also replays real code the engine has never been tuned
on (Python's standard library; CodeMirror's compiled JavaScript from web/node_modules
when installed): at sampled points it cuts the text as if the user were typing there and
grades the suggestion against what the file really says next. Three kinds of point:
2 letters into a word (the line's rest removed); the end of a header that opens a block,
just before its ":" or "{" (the file cut there; expected: that ":" or " {"); before the
closing brackets that end a line (expected: those closers). The newline and indentation
after a header are not graded: the engine never suggests whitespace alone, which would
show as a blank ghost line. Sampling is by fixed stride, so the figures are deterministic.
Writes bench/results/autocomplete_accuracy.json.

    .venv/bin/python bench/autocomplete_accuracy.py
"""

from __future__ import annotations

import json
import re
import sysconfig
from collections.abc import Iterator
from pathlib import Path

from service.autocomplete import complete, utf16_length
from service.autocomplete.corpus import GRADES, Outcome, evaluate, grade, load_cases, shares

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "autocomplete_accuracy.json"


def _summary(outcomes: list[Outcome]) -> dict[str, object]:
    counts = {g: sum(1 for o in outcomes if o.grade == g) for g in GRADES}
    return {
        "cases": len(outcomes),
        "counts": counts,
        "shares": {g: round(share, 4) for g, share in shares(outcomes).items()},
    }


_WORD = re.compile(r"(?<![\w$.])[A-Za-z_$][\w$]{3,}")
_OPENS = {
    "python": re.compile(
        r"^[ \t]*(?:if|elif|else|for|while|try|except|finally|with|def|class)\b[^\n#]*:[ \t]*$",
        re.M,
    ),
    "javascript": re.compile(r"^[^\n]*\{[ \t]*$", re.M),
}
_CLOSES = re.compile(r"^[ \t]*[^\n#/]*\((?:[^\n]*?)([)\]}]+[;:]?)[ \t]*$", re.M)
_HEADER_END = re.compile(r"[ \t]*[:{][ \t]*$")


def _replay_files() -> dict[str, list[Path]]:
    stdlib = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))[::6][:25]
    node = ROOT / "web" / "node_modules" / "@codemirror"
    return {"python": stdlib, "javascript": sorted(node.glob("*/dist/index.js"))}


def _points(text: str, language: str, kind: str) -> Iterator[tuple[str, int, str]]:
    """(buffer, cursor index, what the file really has next) for each sampled point."""
    if kind == "word":
        for m in list(_WORD.finditer(text))[::37][:60]:
            cut = m.start() + 2
            line_end = text.find("\n", cut)
            line_end = len(text) if line_end < 0 else line_end
            yield text[:cut] + text[line_end:], cut, text[cut:line_end]
    elif kind == "header":
        for m in list(_OPENS[language].finditer(text))[::7][:25]:
            end = _HEADER_END.search(m.group())
            if end is not None:
                cut = m.start() + end.start()
                yield text[:cut], cut, text[cut : m.end()].rstrip()
    else:
        for m in list(_CLOSES.finditer(text))[::7][:25]:
            cut = m.start(1)
            yield text[:cut] + text[m.end() :], cut, text[cut : m.end()].rstrip()


def replay() -> dict[str, object]:
    """Grade suggestions at sampled points of real code against what follows there."""
    report: dict[str, object] = {}
    for language, files in _replay_files().items():
        for kind in ("word", "header", "closing"):
            counts = dict.fromkeys(GRADES, 0)
            for path in files:
                text = path.read_text(encoding="utf-8", errors="replace")
                for buffer, cut, actual in _points(text, language, kind):
                    suggestion = complete(buffer, utf16_length(buffer[:cut]), language)
                    # After a word the whole rest of the line is the truth; a suggestion
                    # is right if it is where that rest begins.
                    if kind == "word" and suggestion and actual.startswith(suggestion):
                        counts["exact"] += 1
                    else:
                        counts[grade(suggestion, actual)] += 1
            total = sum(counts.values())
            if total:
                report[f"{language}/{kind}"] = {
                    "points": total,
                    "files": len(files),
                    "shares": {g: round(n / total, 4) for g, n in counts.items()},
                }
    return report


def run() -> dict[str, object]:
    """Grade the whole corpus and replay real code; the report as a dict."""
    outcomes = evaluate(load_cases(), complete)
    files = sorted({o.case.file for o in outcomes})
    return {
        "definitions": {
            "exact": "suggestion == expected",
            "prefix": "non-empty suggestion, strict prefix of expected",
            "empty": 'suggestion "" where expected is non-empty',
            "wrong": 'non-empty suggestion that is not a prefix of expected (or expected "")',
        },
        "total": _summary(outcomes),
        "files": {f: _summary([o for o in outcomes if o.case.file == f]) for f in files},
        "cases": [
            {
                "file": o.case.file,
                "name": o.case.name,
                "language": o.case.language,
                "expected": o.case.expected,
                "suggestion": o.suggestion,
                "grade": o.grade,
            }
            for o in outcomes
        ],
        "replay": replay(),
    }


def _line(label: str, summary: object) -> str:
    assert isinstance(summary, dict)
    share = summary["shares"]
    return f"{label:28} {summary['cases']:4} " + " ".join(f"{share[g] * 100:6.1f}%" for g in GRADES)


def main() -> None:
    """Print the figures and write the JSON report."""
    report = run()
    print(f"{'':28} {'n':>4} " + " ".join(f"{g:>7}" for g in GRADES))
    files = report["files"]
    assert isinstance(files, dict)
    for name, summary in files.items():
        print(_line(name, summary))
    print(_line("total", report["total"]))
    cases = report["cases"]
    assert isinstance(cases, list)
    for case in cases:
        if case["grade"] != "exact":
            print(
                f"  {case['grade']:6} {case['file']}:{case['name']}: "
                f"got {case['suggestion']!r}, expected {case['expected']!r}"
            )
    print("replay on real code (a word's accepted suggestions count as exact):")
    replayed = report["replay"]
    assert isinstance(replayed, dict)
    for name, summary in replayed.items():
        print(_line(name, {"cases": summary["points"], "shares": summary["shares"]}))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
