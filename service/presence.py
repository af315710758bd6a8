"""Who is in a room: colours, names, and peers heard of from other processes."""

from __future__ import annotations

import hashlib
import time
import unicodedata
from dataclasses import dataclass, field

from service.messages import Peer, PresenceNote

# Distinct on both light and dark backgrounds.
PALETTE = (
    "#e5534b",
    "#2f81f7",
    "#3fb950",
    "#d29922",
    "#a371f7",
    "#db61a2",
    "#39c5cf",
    "#f0883e",
    "#8b949e",
    "#56d364",
    "#ff7b72",
    "#79c0ff",
)
MAX_NAME_LENGTH = 40


def color_for(client_id: str) -> str:
    """The same colour for a client on every process (unlike `hash`, which is salted)."""
    digest = hashlib.blake2b(client_id.encode(), digest_size=2).digest()
    return PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]


def clean_name(name: str | None, client_id: str) -> str:
    """A display name without control characters, or a stable guest name."""
    if name is not None:
        name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:MAX_NAME_LENGTH] if name else f"Guest {client_id[:4]}"


@dataclass
class RemotePeer:
    """A peer connected to another process, known from its presence notifications."""

    presence: PresenceNote
    heard_at: float = field(default_factory=time.monotonic)

    def as_peer(self) -> Peer:
        p = self.presence
        return Peer(client_id=p.client_id, name=p.name, color=p.color, selection=p.selection)
