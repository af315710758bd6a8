"""Replaying many stored change sets onto a big text, cheaply.

`Document` keeps a room's text in one buffer, so each change moves the tail of
the text: replaying 2,000 updates onto a 1 MiB room would copy gigabytes.
`ChunkedText` keeps the same UTF-16-LE units in chunks of a few KiB instead,
so a change costs the chunk it lands in, whatever the document's size. It
trusts its input: only updates that the server checked when they were pushed
are replayed.
"""

from __future__ import annotations

from typing import Any

# Chunks of about 8 KiB (4,096 UTF-16 units); one grows to twice that before it splits.
_CHUNK_BYTES = 8192


class ChunkedText:
    __slots__ = ("_chunks", "_hint", "_hint_start", "_lengths")

    def __init__(self, text: str = "") -> None:
        units = text.encode("utf-16-le")
        self._chunks = [
            bytearray(units[i : i + _CHUNK_BYTES]) for i in range(0, len(units), _CHUNK_BYTES)
        ] or [bytearray()]
        self._lengths = [len(c) for c in self._chunks]  # in bytes
        # Typing is local: the next change usually falls in the chunk of the last.
        self._hint = 0
        self._hint_start = 0

    @property
    def length(self) -> int:
        return sum(self._lengths) // 2

    @property
    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-16-le")

    def apply(self, changes: list[Any]) -> None:
        """Apply one change set's JSON form (PROTOCOL.md "Change sets")."""
        shift = 0  # bytes that earlier sections of this change set added
        pos = 0  # in the base document, bytes
        for section in changes:
            if type(section) is int:
                pos += 2 * section
                continue
            deleted = 2 * section[0]
            inserted = "\n".join(section[1:]).encode("utf-16-le") if len(section) > 1 else b""
            start = pos + shift
            self._replace(start, start + deleted, inserted)
            shift += len(inserted) - deleted
            pos += deleted

    def _locate(self, at: int) -> tuple[int, int]:
        """The chunk holding byte `at` (the last chunk for the end) and where it starts."""
        index, start = self._hint, self._hint_start
        lengths = self._lengths
        if at < start:
            index, start = 0, 0
        last = len(lengths) - 1
        while index < last and at >= start + lengths[index]:
            start += lengths[index]
            index += 1
        return index, start

    def _replace(self, start: int, end: int, units: bytes) -> None:
        index, chunk_start = self._locate(start)
        chunk = self._chunks[index]
        if end <= chunk_start + len(chunk):
            chunk[start - chunk_start : end - chunk_start] = units
        else:
            # The deletion runs past this chunk: merge the chunks it covers.
            last, last_start = index, chunk_start
            while end > last_start + self._lengths[last]:
                last_start += self._lengths[last]
                last += 1
            merged = bytearray(chunk[: start - chunk_start])
            merged += units
            merged += self._chunks[last][end - last_start :]
            self._chunks[index : last + 1] = [merged]
            self._lengths[index : last + 1] = [0]
            chunk = merged
        self._lengths[index] = len(chunk)
        if len(chunk) > 2 * _CHUNK_BYTES:
            pieces = [chunk[i : i + _CHUNK_BYTES] for i in range(0, len(chunk), _CHUNK_BYTES)]
            self._chunks[index : index + 1] = pieces
            self._lengths[index : index + 1] = [len(p) for p in pieces]
        self._hint, self._hint_start = index, chunk_start
