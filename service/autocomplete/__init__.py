"""Rule-based autocomplete: the text a person would most likely type next.

Pure functions, no I/O: ``complete(code, cursor, language)`` answers the suggestion to
insert at ``cursor``, a UTF-16 offset as the browser counts it, or "" when unsure.
"""

from __future__ import annotations

from .engine import complete
from .positions import utf16_length, utf16_to_index

__all__ = ["complete", "utf16_length", "utf16_to_index"]
