"""Lengths as the browser counts them: positions on the wire are UTF-16 code units."""

from __future__ import annotations


def utf16_length(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, as JavaScript counts it."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
