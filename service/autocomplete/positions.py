"""Converting the browser's UTF-16 offsets to Python string indices."""

from __future__ import annotations

from service.utf16 import utf16_length

__all__ = ["utf16_length", "utf16_to_index"]


def utf16_to_index(code: str, cursor: int) -> int:
    """The index into ``code`` of the UTF-16 offset ``cursor``.

    An offset that falls between the two halves of a surrogate pair is rounded down,
    to just before the character. Offsets outside the text are clamped to it.
    """
    if cursor <= 0:
        return 0
    # isascii() is O(1) in CPython, so the common case costs nothing.
    if code.isascii():
        return min(cursor, len(code))
    # The first `cursor` characters hold at least `cursor` units, so this prefix suffices.
    units = code[:cursor].encode("utf-16-le", "surrogatepass")[: 2 * cursor]
    decoded = units.decode("utf-16-le", "surrogatepass")
    index = len(decoded)
    if index and "\ud800" <= decoded[-1] <= "\udbff" and code[index - 1] != decoded[-1]:
        index -= 1
    return index
