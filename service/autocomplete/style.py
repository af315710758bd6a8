"""The buffer's punctuation habits: semicolons and quotes."""

from __future__ import annotations

import re

_SAMPLE = 20_000
# Starting with "\n" (over "\n" + text) rather than "^" lets the regex engine skip ahead.
_BRACED_HEADER = re.compile(
    r"\n[ \t]*(?:\}[ \t]*)?(?:else[ \t]+)?(?:if|for|while)[ \t]*\([^\n]*\)[ \t]*\{[ \t]*(?=\n)"
)
_BARE_HEADER = re.compile(
    r"\n[ \t]*(?:\}[ \t]*)?(?:else[ \t]+)?(?:if|for|while)[ \t]*\([^\n]*\)[ \t]*(?=\n)"
)


def uses_semicolons(masked: str) -> bool:
    """Whether the buffer ends its JavaScript statements with ";" (default: yes)."""
    ends = [line.rstrip()[-1:] for line in masked[-_SAMPLE:].split("\n")]
    statements = [end for end in ends if end and (end in ";)]'\"`" or end.isalnum())]
    if len(statements) < 3:
        return True
    return 2 * statements.count(";") >= len(statements)


def braces_after_headers(masked: str) -> bool:
    """Whether `if (…)` headers open a "{" block (default), or the buffer mostly puts a
    lone statement on the next line instead (compiled or terse code)."""
    sample = "\n" + masked[-_SAMPLE:] + "\n"
    braced = len(_BRACED_HEADER.findall(sample))
    bare = len(_BARE_HEADER.findall(sample))
    return braced >= bare


def preferred_quote(text: str) -> str:
    """The quote the buffer uses most for strings."""
    sample = text[-_SAMPLE:]
    return "'" if sample.count("'") > sample.count('"') else '"'
