"""Who is in a room: its local sockets, the editors heard of from other
processes, and how many watch.

Editors are announced on the room's channel and listed; viewers are only
counted (see `viewers.py`). `RoomPresence` knows nothing of rooms or
WebSockets: it sees each local socket through the small `LocalPeer` interface,
shows things to them through `send`, and asks its owner to publish notes.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from service import errors, messages
from service.fanout import SlicedFanOut
from service.messages import Peer, PresenceNote
from service.viewers import Throttle, ViewerTally

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


class LocalPeer(Protocol):
    """What presence needs of one of this process's sockets (a `Session`)."""

    client_id: str
    socket_id: str
    joined_at_ms: int
    replaced: bool
    # The last viewer count this socket was told, so that nobody hears it twice.
    viewers_seen: int

    @property
    def watches_only(self) -> bool: ...

    @property
    def closing(self) -> bool: ...

    def send(self, message: str) -> None: ...

    def close(self, code: int, reason: str) -> None: ...

    def presence(self) -> messages.Presence: ...

    def presence_note(self, joining: bool = False) -> PresenceNote: ...


def _joined_after(local: LocalPeer, joined_at_ms: int, socket_id: str) -> bool:
    """Whether a local socket joined after another socket of the same client (the
    socket id breaks a tie of the clocks)."""
    return (local.joined_at_ms, local.socket_id) > (joined_at_ms, socket_id)


P = TypeVar("P", bound=LocalPeer)


@dataclass
class Notes:
    """Notes for the room's channel; `viewers` is this process's viewer count when
    one of them carries it, for the owner to record as well (see viewers.py)."""

    payloads: list[str]
    viewers: int | None = None


# A viewer count reaches sockets at most this often (PROTOCOL.md).
VIEWERS_INTERVAL_SECONDS = 1.0
# This process's count reaches the others (and `room_viewers`) at most this often.
# A hello on another process counts the viewers as of the last note, so the
# pace is how stale its count may be; a join storm costs four notes a second.
COUNT_NOTE_INTERVAL_SECONDS = 0.25
# Joined viewers named per count note: at most ~130 bytes each, so a note stays
# well under the 8,000 bytes of NOTIFY; a burst of joins takes several notes.
JOINED_PER_NOTE = 50


class RoomPresence(Generic[P]):
    """One room's people as this process sees them.

    `local` holds every socket of the room on this process, editors and viewers,
    by client id. `schedule_announce` asks the owner to announce the local
    editors (and the local viewer count) soon, for a newcomer elsewhere;
    `publish` hands the owner notes to send on the room's channel.
    """

    def __init__(
        self,
        process: str,
        schedule_announce: Callable[[], None],
        publish: Callable[[Notes], None],
    ) -> None:
        self.process = process
        self.local: dict[str, P] = {}
        # `local` split by role: editors are served first, viewers in slices.
        self._editors: dict[str, P] = {}
        self._watchers: dict[str, P] = {}
        self._fanout = SlicedFanOut()
        self.remote: dict[str, RemotePeer] = {}
        # The presence each peer was last shown to our sockets as, so that
        # heartbeats cost nothing per socket while nothing changes.
        self._shown: dict[str, messages.Presence] = {}
        self._schedule_announce = schedule_announce
        self._publish = publish
        self.viewers = ViewerTally()
        self._viewers_published = 0
        # Viewer sockets that joined since the last count note, which names them.
        self._joined: list[messages.JoinedViewer] = []
        # Trailing: a burst of joins (a class opening the link) costs each socket
        # one count per second of the burst, not one more at its start.
        self._show_viewers = Throttle(VIEWERS_INTERVAL_SECONDS, self._send_viewers, leading=False)
        self._publish_viewers = Throttle(COUNT_NOTE_INTERVAL_SECONDS, self._send_viewers_note)

    # Local sockets.

    def peers_for(self, client_id: str) -> list[Peer]:
        """The editors that a socket joining as `client_id` is told of in its hello."""
        local = [s.presence() for s in self._editors.values() if s.client_id != client_id]
        return [
            Peer(client_id=p.client_id, name=p.name, color=p.color, selection=p.selection)
            for p in local
        ] + [r.as_peer() for r in self.remote.values() if r.presence.client_id != client_id]

    def add(self, peer: P) -> None:
        """Register a socket (replacing an older one of the same client, which the
        caller has closed) and count it when it watches."""
        previous = self.local.get(peer.client_id)
        if previous is not None:
            self._by_role(previous).pop(previous.client_id, None)
        self.local[peer.client_id] = peer
        self._by_role(peer)[peer.client_id] = peer
        if not peer.watches_only:
            # An editor that moved here from another process: what that process
            # told us of its old socket is stale (a second entry in hellos, a
            # leave ignored for its socket id, a false leave when it expires).
            self.remote.pop(peer.client_id, None)
        change = int(peer.watches_only) - int(previous is not None and previous.watches_only)
        self._count_local(change)
        if peer.watches_only:
            # Named in the next count note: an older socket of this client on
            # another process is replaced then (a viewer reconnecting elsewhere).
            self._joined.append(
                messages.JoinedViewer(peer.client_id, peer.socket_id, peer.joined_at_ms)
            )
            self._publish_viewers.request()

    def remove(self, peer: P) -> bool:
        """Forget a socket; True when it was current (not replaced) and so left."""
        if self.local.get(peer.client_id) is not peer:
            return False
        del self.local[peer.client_id]
        del self._by_role(peer)[peer.client_id]
        self._count_local(-int(peer.watches_only))
        return True

    def _by_role(self, peer: P) -> dict[str, P]:
        return self._watchers if peer.watches_only else self._editors

    def _replace(self, local: P) -> None:
        """Close a local socket whose client joined again through another process."""
        self.remove(local)
        local.replaced = True
        local.close(errors.WS_REPLACED, "replaced by a newer connection")

    def broadcast(self, message: str, exclude: str | None = None) -> None:
        """To every local socket but `exclude` (an editor's client id): editors at
        once, viewers in slices (see `fanout.py`), all in order."""
        for client_id, peer in self._editors.items():
            if client_id != exclude:
                peer.send(message)
        if self._watchers:
            self._fanout.send(message, list(self._watchers.values()))

    # What other processes tell us.

    def heard_presence(self, note: PresenceNote) -> None:
        # Notes are about editors: a local viewer that claims the same client id
        # neither hides the editor's presence nor is replaced by it.
        local = self._editors.get(note.client_id)
        if local is not None and local.socket_id != note.socket:
            if note.joined_at is None or _joined_after(local, note.joined_at, note.socket):
                return  # news of an older socket of this client elsewhere
            # The client reconnected through another process: that socket wins.
            self._replace(local)
            local = None
        if local is None:
            known = self.remote.get(note.client_id)
            self.remote[note.client_id] = RemotePeer(note)
            if known is None or note.joined_at is not None:
                # Someone (re)joined through another process: tell them who is here.
                self._schedule_announce()
        presence = note.for_clients()
        if self._shown.get(note.client_id) == presence:
            return  # a heartbeat or re-announce: nothing new for our sockets
        self._shown[note.client_id] = presence
        self.broadcast(messages.encode(presence), exclude=note.client_id)

    def heard_leave(self, note: messages.LeaveNote) -> None:
        if note.client_id in self._editors:
            return  # the client is here now, through a newer socket
        known = self.remote.get(note.client_id)
        if known is not None:
            if known.presence.socket != note.socket:
                return  # the leave of a socket that was already replaced
            del self.remote[note.client_id]
        self._shown.pop(note.client_id, None)
        self.broadcast(messages.encode(messages.Leave(client_id=note.client_id)))

    def heard_viewers(self, note: messages.ViewersNote) -> None:
        if note.process == self.process:
            return  # our own count, back from the channel
        for joined in note.joined:
            # Editors are never replaced by a viewer claiming their id, nor
            # viewers by an editor (see `heard_presence`).
            local = self._watchers.get(joined.client_id)
            if local is not None and not _joined_after(local, joined.joined_at, joined.socket):
                self._replace(local)  # the viewer reconnected through another process
        if self.viewers.heard(note.process, note.count):
            # A process new to this room: it learns our count (and editors) soon.
            self._schedule_announce()
        self._show_viewers.request()

    def expire(self, older_than: float) -> None:
        """Forget what processes that went quiet told us: their editors leave, their
        viewers stop counting."""
        for client_id, peer in list(self.remote.items()):
            if peer.heard_at < older_than:
                del self.remote[client_id]
                self._shown.pop(client_id, None)
                self.broadcast(messages.encode(messages.Leave(client_id=client_id)))
        if self.viewers.expire(older_than):
            self._show_viewers.request()

    # What we tell other processes.

    def announcement(self, peers: Iterable[P] | None = None, joining: bool = False) -> Notes:
        """Notes announcing `peers` (default: every local editor) and, for a full
        announce, this process's viewer count while it has viewers."""
        chosen = self.local.values() if peers is None else peers
        notes = Notes(
            [
                messages.encode(p.presence_note(joining))
                for p in chosen
                if not p.watches_only and not p.closing
            ]
        )
        if peers is None and self.viewers.local:
            notes.payloads.extend(self._viewers_notes([]))
            notes.viewers = self.viewers.local
        return notes

    async def close(self) -> None:
        """Stop the timers and the fan-out; a count not yet published goes out now
        (a room that empties has no viewers left here)."""
        self._show_viewers.cancel()
        self._publish_viewers.cancel()
        # Closed with viewers still counted only when the process shuts down, and
        # they go with it: other processes should stop counting them now.
        self.viewers.local = 0
        if self._viewers_published != self.viewers.local:
            self._send_viewers_note()
        await self._fanout.close()

    # Viewer counts.

    def _count_local(self, change: int) -> None:
        if change:
            self.viewers.local += change
            self._publish_viewers.request()
            self._show_viewers.request()

    def _viewers_notes(self, joined: list[messages.JoinedViewer]) -> list[str]:
        """This process's count, in one note, or in several that name `joined`."""
        self._viewers_published = count = self.viewers.local
        chunks = [joined[i : i + JOINED_PER_NOTE] for i in range(0, len(joined), JOINED_PER_NOTE)]
        return [
            messages.encode(messages.ViewersNote(count=count, process=self.process, joined=chunk))
            for chunk in chunks or [[]]
        ]

    def _send_viewers_note(self) -> None:
        if self._viewers_published != self.viewers.local or self._joined:
            joined, self._joined = self._joined, []
            self._publish(Notes(self._viewers_notes(joined), self.viewers.local))

    def _send_viewers(self) -> None:
        """Tell each socket the room's count, once, and only when it is news to it."""
        total = self.viewers.total
        message: str | None = None
        for peer in self.local.values():
            if peer.viewers_seen != total:
                peer.viewers_seen = total
                message = message or messages.encode(messages.Viewers(count=total))
                peer.send(message)
