"""Who holds which id of a room: the room id edits, the view id only watches.

Every entry point (page, socket, HTTP) resolves the id it was given to a
`RoomRef` once; from there on the room id is used internally and only
`RoomRef.public_id` (the id the holder already has) is ever sent back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["editor", "viewer"]
EDITOR: Role = "editor"
VIEWER: Role = "viewer"


@dataclass(frozen=True, slots=True)
class RoomRef:
    room_id: str
    view_id: str
    role: Role

    @property
    def public_id(self) -> str:
        """The id its holder already knows: a viewer never learns the room id."""
        return self.room_id if self.role == EDITOR else self.view_id

    @property
    def can_edit(self) -> bool:
        return self.role == EDITOR
