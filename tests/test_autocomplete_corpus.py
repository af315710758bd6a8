"""The autocomplete corpus: accuracy thresholds, determinism, UTF-16 and any language."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from service.autocomplete import complete, utf16_length
from service.autocomplete.corpus import Case, evaluate, load_cases, shares

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE_NAME = re.compile(r"^[a-z0-9+#._-]{1,32}$")
_SUGGESTIONS = (
    "import json, sys\n"
    "from service.autocomplete import complete\n"
    "from service.autocomplete.corpus import load_cases\n"
    "json.dump([complete(c.code, c.cursor, c.language) for c in load_cases()], sys.stdout)\n"
)


def test_corpus_is_large_and_covers_the_three_languages() -> None:
    """At least 60 well-formed cases, with python, javascript and typescript in depth."""
    cases = load_cases()
    assert len(cases) >= 60
    names = [(c.file, c.name) for c in cases]
    assert len(names) == len(set(names))
    for language in ("python", "javascript", "typescript"):
        assert sum(1 for c in cases if c.language == language) >= 15
    for case in cases:
        assert LANGUAGE_NAME.match(case.language), case.name
        assert 0 <= case.cursor <= utf16_length(case.code), case.name


def test_corpus_accuracy_meets_the_thresholds() -> None:
    """At least 70 % of suggestions are exact and fewer than 5 % are wrong."""
    outcomes = evaluate(load_cases(), complete)
    share = shares(outcomes)
    wrong = [f"{o.case.name}: {o.suggestion!r}" for o in outcomes if o.grade == "wrong"]
    assert share["exact"] >= 0.70, share
    assert share["wrong"] < 0.05, wrong


def test_suggestions_do_not_depend_on_the_hash_seed() -> None:
    """Two processes with different PYTHONHASHSEED answer every case identically."""
    answers = []
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", _SUGGESTIONS],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )
        answers.append(json.loads(result.stdout))
    assert answers[0] == answers[1]
    assert answers[0] == [complete(c.code, c.cursor, c.language) for c in load_cases()]


def _with_emoji_line(case: Case) -> tuple[str, int] | None:
    comment = {"python": "# ", "javascript": "// ", "typescript": "// "}.get(case.language)
    if comment is None:
        return None
    line = f"{comment}🎉 released 🚀\n"
    return line + case.code, case.cursor + utf16_length(line)


def test_emoji_before_the_cursor_gives_the_same_suggestions() -> None:
    """A comment line with emoji above every case changes no suggestion."""
    checked = 0
    for case in load_cases():
        shifted = _with_emoji_line(case)
        if shifted is None:
            continue
        code, cursor = shifted
        expected = complete(case.code, case.cursor, case.language)
        assert complete(code, cursor, case.language) == expected, case.name
        checked += 1
    assert checked >= 60


def test_unknown_languages_get_word_based_suggestions() -> None:
    """Made-up language names still finish words from the buffer, and never fail."""
    code = "total_amount = 1\nprint(total_amount)\nreport(total_am"
    for language in ("zzz", "my-lang", "v2.0", "q#", "x+y", "a" * 32):
        assert complete(code, utf16_length(code), language) == "ount"
