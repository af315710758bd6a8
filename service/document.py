"""A room's text in UTF-16 code units, and change sets checked against it.

Positions on the wire count UTF-16 code units, as JavaScript and CodeMirror do.
Keeping the text as UTF-16-LE bytes makes every position a plain offset (two
bytes a unit), so checking and applying a change costs the size of the change
plus one memmove, never a walk over the whole document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.errors import InvalidChanges

_HIGH_SURROGATES = range(0xD800, 0xDC00)
_LOW_SURROGATES = range(0xDC00, 0xE000)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace units `start..end` of the base document with `units` (UTF-16-LE)."""

    start: int
    end: int
    units: bytes
    utf8_inserted: int


@dataclass(frozen=True, slots=True)
class CheckedChanges:
    """A change set proven valid against one document; edits run left to right."""

    edits: tuple[Edit, ...]
    utf8_size_after: int
    length_after: int


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Document:
    """Mutable text addressed in UTF-16 code units."""

    __slots__ = ("_units", "utf8_size")

    def __init__(self, text: str = "") -> None:
        self._units = bytearray(text.encode("utf-16-le"))
        self.utf8_size = len(text.encode("utf-8"))

    @property
    def length(self) -> int:
        return len(self._units) // 2

    @property
    def text(self) -> str:
        return self._units.decode("utf-16-le")

    def copy(self) -> Document:
        clone = Document.__new__(Document)
        clone._units = bytearray(self._units)
        clone.utf8_size = self.utf8_size
        return clone

    def _unit(self, pos: int) -> int:
        return self._units[2 * pos] | (self._units[2 * pos + 1] << 8)

    def splits_pair(self, pos: int) -> bool:
        """True when `pos` falls between the two halves of a surrogate pair."""
        if pos <= 0 or pos >= self.length:
            return False
        # A low surrogate's high byte is 0xDC to 0xDF: one look rules out nearly all.
        if not 0xDC <= self._units[2 * pos + 1] <= 0xDF:
            return False
        return self._unit(pos) in _LOW_SURROGATES and self._unit(pos - 1) in _HIGH_SURROGATES

    def _utf8_size_of(self, start: int, end: int) -> int:
        if start == end:
            return 0  # an insertion deletes nothing
        return len(self._units[2 * start : 2 * end].decode("utf-16-le").encode("utf-8"))

    def check(self, changes: Any, max_utf8_size: int) -> CheckedChanges:
        """Validate a change set's JSON form against this document, changing nothing."""
        if not isinstance(changes, list):
            raise InvalidChanges(f"changes must be an array, got {_json_type(changes)}")
        pos = 0
        length = self.length
        edits: list[Edit] = []
        utf8_size = self.utf8_size
        length_after = 0
        walked_past = True  # until the walk below gets through every section
        for index, section in enumerate(changes):
            # `type() is int` is _is_count's test without the calls (bool is not int).
            if type(section) is int and section >= 0:
                pos += section
                length_after += section
                continue
            # The same test for the count a replacement deletes.
            if (
                not isinstance(section, list)
                or not section
                or type(section[0]) is not int
                or section[0] < 0
            ):
                raise InvalidChanges(
                    f"section {index} must be a count or [count, ...lines], "
                    f"got {_json_type(section)}"
                )
            deleted = section[0]
            lines = section[1:]
            for line in lines:
                if type(line) is not str:
                    raise InvalidChanges(f"section {index} inserts something that is not a string")
            end = pos + deleted
            if end > length:
                break  # reported below with the full count
            if self.splits_pair(pos) or self.splits_pair(end):
                raise InvalidChanges(f"section {index} splits a surrogate pair")
            inserted = "\n".join(lines)
            units = _encode_insert(inserted, index)
            utf8_inserted = len(inserted) if inserted.isascii() else len(inserted.encode("utf-8"))
            utf8_size += utf8_inserted - self._utf8_size_of(pos, end)
            edits.append(Edit(pos, end, units, utf8_inserted))
            length_after += len(units) // 2
            pos = end
        else:
            walked_past = False
        if walked_past or pos != length:
            covered = sum(
                s if _is_count(s) else s[0] for s in changes if _is_count(s) or isinstance(s, list)
            )
            raise InvalidChanges(f"change set covers {covered} units, document has {length}")
        if utf8_size > max_utf8_size:
            raise InvalidChanges(
                f"document would hold {utf8_size} bytes of UTF-8, the limit is {max_utf8_size}"
            )
        return CheckedChanges(tuple(edits), utf8_size, length_after)

    def apply_stored(self, changes: Any) -> None:
        """Apply a change set that the table holds: `check` passed it when it was
        pushed, against this very state, so only its length is checked again here
        (a peer's update costs the process that delivers it about half of `check`)."""
        pos = 0
        edits: list[tuple[int, int, str]] = []
        try:
            for section in changes:
                if type(section) is int:
                    pos += section
                    continue
                end = pos + section[0]
                edits.append((pos, end, "\n".join(section[1:])))
                pos = end
        except (TypeError, IndexError) as exc:
            raise InvalidChanges(f"stored change set is malformed: {exc}") from None
        if pos != self.length:
            raise InvalidChanges(
                f"stored change set covers {pos} units, document has {self.length}"
            )
        utf8_size = self.utf8_size
        for start, end, inserted in reversed(edits):
            utf8_size += len(inserted.encode("utf-8")) - self._utf8_size_of(start, end)
            self._units[2 * start : 2 * end] = inserted.encode("utf-16-le")
        self.utf8_size = utf8_size

    def apply(self, checked: CheckedChanges) -> None:
        """Apply changes that `check` accepted against this very state."""
        # Right to left, so that each edit's offsets still refer to the base document.
        for edit in reversed(checked.edits):
            self._units[2 * edit.start : 2 * edit.end] = edit.units
        self.utf8_size = checked.utf8_size_after


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _encode_insert(text: str, index: int) -> bytes:
    if "\r" in text:
        raise InvalidChanges(f"section {index} inserts a carriage return; lines break with \\n")
    if "\x00" in text:
        raise InvalidChanges(f"section {index} inserts U+0000, which cannot be stored")
    try:
        return text.encode("utf-16-le")
    except UnicodeEncodeError:
        raise InvalidChanges(f"section {index} inserts a lone surrogate") from None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
