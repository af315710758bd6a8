"""The rooms this process serves: their text and their sockets.

A `LiveRoom` mirrors one room's state at some version and delivers every
update to its local sessions in strictly increasing version order. Updates
arrive two ways: pushes that this process stored (delivered right after their
commit) and notifications from other processes (delivered by the room's pump
task). Both go through the room's lock and the same rule: apply the next
version, drop what is already applied, read any gap from the table.
Who is in a room, and how many watch it, is `presence.RoomPresence`'s job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine, Iterable
from typing import Any

import msgspec

from service import errors, ids, lifetime, messages, metrics, viewers
from service.config import Settings
from service.dbfailures import DATABASE_FAILURES
from service.document import CheckedChanges, Document
from service.errors import ProtocolError
from service.listener import Listener
from service.presence import Notes, RoomPresence, clean_name
from service.run_store import load_last_run
from service.runs import RoomRuns, RoomTarget
from service.session import Session
from service.store import RoomState, Store, StoredUpdate, VersionTaken, retention_of
from service.writer import UpdateWriter

log = logging.getLogger(__name__)


_CATCH_UP = "catch-up"
# After the listener's reconnect: the run notes sent meanwhile are gone as well.
_CATCH_UP_WITH_RUNS = "catch-up-with-runs"
# How the trigger's json_build_object() starts an update note.
_UPDATE_NOTE_PREFIX = '{"type" : "update", "version" : '


class LiveRoom:
    def __init__(self, room_id: str, hub: RoomHub) -> None:
        self.id = room_id
        self.channel = ids.channel_for(room_id)
        self.hub = hub
        self.doc = Document()
        self.version = 0
        self.snapshot_version = 0
        self.language = ids.DEFAULT_LANGUAGE
        self.presence: RoomPresence[Session] = RoomPresence(
            hub.process, lambda: hub.schedule_announce(self), self._publish
        )
        # Every socket of the room on this process, editors and viewers, by client id.
        self.sessions = self.presence.local
        self.lock = asyncio.Lock()
        # Orders this process's viewer-count notes for the room (RoomHub._send).
        self.counting = asyncio.Lock()
        self.loaded = False
        self.closed = False
        # Each note with its arrival time (perf_counter), for the bus-lag histogram.
        self._inbox: asyncio.Queue[tuple[str, float]] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None
        # The version that this process's push is storing right now (0: none), and
        # a note of that version that came before the push ended (see push).
        self._storing = 0
        self._early_note: tuple[int, str, float] | None = None
        self.announce_pending = False
        # The name each client's updates were last recorded under (service/history.py).
        self._author_names: dict[str, str] = {}
        # The room's last shared run, for hello.
        self.runs = RoomRuns()

    @property
    def _settings(self) -> Settings:
        return self.hub.settings

    @property
    def _store(self) -> Store:
        return self.hub.store

    # Loading and keeping up.

    async def load(self) -> None:
        """Read the snapshot and the log after it; the caller holds the lock and is
        already subscribed, so no notification can fall between the two."""
        self._take_state(await self._store.load_room(self.id))
        self.runs.load(await load_last_run(self._store.pool, self.id))
        # Viewers that other processes serve already: the first hello counts them.
        now = time.monotonic()
        for process, count, age in await viewers.counts_elsewhere(
            self._store.pool, self.id, self.hub.process, self._settings.presence_expiry_seconds
        ):
            self.presence.viewers.heard(process, count, now - age)
        self.loaded = True
        self._pump = asyncio.create_task(self._run_pump(), name=f"pump {self.id}")

    def _take_state(self, state: RoomState) -> None:
        self.doc = Document(state.snapshot)
        self.version = self.snapshot_version = state.snapshot_version
        self.language = state.language
        for update in state.updates:
            self._apply_stored(update)

    def _apply_stored(self, update: StoredUpdate) -> str:
        """Apply the next stored update; returns its `update` message."""
        if update.version != self.version + 1:
            raise RuntimeError(
                f"room {self.id}: expected version {self.version + 1}, read {update.version}"
            )
        self.doc.apply_stored(msgspec.json.decode(update.changes))
        self.version = update.version
        return _update_message(update)

    async def catch_up(self) -> None:
        """Deliver every stored update after ours (the caller holds the lock)."""
        metrics.CATCH_UPS.inc()
        updates = await self._store.updates_after(self.id, self.version)
        if updates and updates[0].version != self.version + 1:
            await self._start_over()
            return
        for update in updates:
            self._broadcast(self._apply_stored(update))

    async def _start_over(self) -> None:
        """The table no longer has the updates after our version: history retention
        cut past it while this process was behind (its listener away, say). Read the
        room afresh from its newest checkpoint, and send our sockets to join again,
        as what they missed is gone: they start over from the text, as a `since`
        below `oldest` does (the caller holds the lock)."""
        log.warning(
            "room %s: history was cut past version %d while this process was behind; "
            "reloading the room and reconnecting its %d sockets",
            self.id,
            self.version,
            len(self.sessions),
        )
        self._take_state(await self._store.load_room(self.id))
        for session in list(self.sessions.values()):
            session.close(errors.WS_TRY_AGAIN_LATER, "the room's history moved on; reconnect")

    def deliver_note(self, payload: str) -> None:
        arrived = time.perf_counter()
        # Most update notes announce what this process stored and delivered
        # itself; drop those here rather than after the queue, decode and lock.
        if payload.startswith(_UPDATE_NOTE_PREFIX):
            digits = payload[len(_UPDATE_NOTE_PREFIX) : payload.find(",", len(_UPDATE_NOTE_PREFIX))]
            if digits.isdigit():
                version = int(digits)
                if version <= self.version:
                    return
                if version == self.version + 1 and self.loaded and self._inbox.empty():
                    # The next version while nothing is queued before it and nobody
                    # holds the room: deliver it now, sparing the hop through the pump.
                    if not self.lock.locked():
                        if self._deliver_next_now(payload):
                            metrics.COMMIT_SOCKET_REMOTE.observe(time.perf_counter() - arrived)
                            return
                    elif version == self._storing and self._early_note is None:
                        # Nearly always our own push's note: Postgres sends it to
                        # the listener as the writer's commit returns, and it often
                        # comes first. The push settles it when it ends, under the
                        # lock that it holds, rather than the pump after it.
                        self._early_note = (version, payload, arrived)
                        return
        self._inbox.put_nowait((payload, arrived))

    def _settle_early_note(self) -> None:
        """At the end of a push (under the lock): the note that came while it was
        stored is the push's own, already delivered, or, when the push lost its
        version, the winner's, delivered now, before anything queued after it."""
        early, self._early_note = self._early_note, None
        if early is None:
            return
        version, payload, arrived = early
        if version <= self.version:
            return
        if version == self.version + 1 and self._deliver_next_now(payload):
            metrics.COMMIT_SOCKET_REMOTE.observe(time.perf_counter() - arrived)
            return
        # Not deliverable from its note (truncated, say): the table has it. Notes
        # queued after it find the gap and read the table too.
        self.request_catch_up()

    def _deliver_next_now(self, payload: str) -> bool:
        """Apply and broadcast the next update from its note, as the pump would under
        the lock (which is free, or held by the push calling this, and nothing here
        awaits); False to leave it to the pump."""
        try:
            note = messages.decode_note(payload)
            if not isinstance(note, messages.UpdateNote) or note.truncated:
                return False
            self._apply_next_note(note, payload)
        except Exception:
            log.exception("room %s: could not handle notification %.200s", self.id, payload)
        return True

    def _apply_next_note(self, note: messages.UpdateNote, payload: str) -> None:
        """Apply the next version from its note and pass the note on to our sockets."""
        self.doc.apply_stored(msgspec.json.decode(note.changes))
        self.version = note.version
        # The payload is the protocol's update message already.
        self._broadcast(payload)

    def request_catch_up(self, runs_too: bool = False) -> None:
        self._inbox.put_nowait((_CATCH_UP_WITH_RUNS if runs_too else _CATCH_UP, 0.0))

    async def _run_pump(self) -> None:
        while True:
            payload, arrived = await self._inbox.get()
            try:
                if payload in (_CATCH_UP, _CATCH_UP_WITH_RUNS):
                    async with self.lock:
                        await self.catch_up()
                        if payload == _CATCH_UP_WITH_RUNS:
                            self.runs.load(await load_last_run(self._store.pool, self.id))
                else:
                    await self._handle_note(payload, arrived)
            except DATABASE_FAILURES as exc:
                # The listener's reconnect will ask for another catch-up.
                log.warning("room %s: database unavailable during catch-up: %s", self.id, exc)
            except Exception:
                log.exception("room %s: could not handle notification %.200s", self.id, payload)

    async def _handle_note(self, payload: str, arrived: float) -> None:
        note = messages.decode_note(payload)
        match note:
            case messages.UpdateNote():
                async with self.lock:
                    if note.version <= self.version:
                        return  # this process stored it, or a catch-up read it
                    if note.version == self.version + 1 and not note.truncated:
                        self._apply_next_note(note, payload)
                        metrics.COMMIT_SOCKET_REMOTE.observe(time.perf_counter() - arrived)
                    else:
                        await self.catch_up()
            case messages.PresenceNote():
                self.presence.heard_presence(note)
            case messages.LeaveNote():
                self.presence.heard_leave(note)
            case messages.ViewersNote():
                self.presence.heard_viewers(note)
            case messages.Language():
                self.language = note.language
                self._broadcast(payload)
            case messages.RunNote():
                message = self.runs.heard(note)
                if message is not None:
                    self._broadcast(message, exclude=note.client_id)

    def _broadcast(self, message: str, exclude: str | None = None) -> None:
        self.presence.broadcast(message, exclude)

    def _publish(self, notes: Notes) -> None:
        self.hub.publish(self, notes)

    # Sessions.

    async def admit(self, session: Session, since: int | None) -> None:
        """Register a session and queue its hello (and catch-up); caller holds the lock."""
        previous = self.sessions.get(session.client_id)
        if previous is not None and previous.ref.can_edit and not session.ref.can_edit:
            # A view link never displaces an editor, whatever client id it claims
            # (editors' ids are in every update): the viewer gets an id of its own.
            session.client_id = ids.new_client_id()
            previous = None
        if previous is not None:
            previous.replaced = True
            previous.close(errors.WS_REPLACED, "replaced by a newer connection")
        session.room = self
        # A new socket names its updates afresh: it may have been renamed elsewhere.
        self._author_names.pop(session.client_id, None)
        backlog = await self._backlog(since)
        catching_up = backlog is not None and since is not None
        ref = session.ref
        self.presence.add(session)
        session.viewers_seen = self.presence.viewers.total
        hello = messages.Hello(
            room_id=ref.room_id if ref.can_edit else None,
            view_id=ref.view_id,
            client_id=session.client_id,
            role=ref.role,
            version=since if catching_up and since is not None else self.version,
            latest_version=self.version if catching_up else None,
            text=None if catching_up else self.doc.text,
            language=self.language,
            peers=self.presence.peers_for(session.client_id),
            viewers=session.viewers_seen,
            last_run=self.runs.hello(),
        )
        session.send_unbounded(messages.encode(hello))
        for message in backlog or ():
            session.send_unbounded(message)

    async def _backlog(self, since: int | None) -> list[str] | None:
        """The update messages after `since`, or None when the table lacks some, or
        when replaying them would cost more than sending the text: history is kept
        whole, and reading a long log holds the room's lock against every push."""
        if since is None:
            return None
        # This process may not have heard of the newest updates yet (their notes
        # are still queued), and the client may have them from another process:
        # read the table first, so that a `since` past what we hold is not taken
        # for one ahead of the room (a client that starts over loses its pending
        # edits), and `latestVersion` is the room's version, not ours.
        await self.catch_up()
        if since > self.version:
            return None
        if self.version - since > self._settings.catch_up_limit:
            return None
        if since == self.version:
            return []
        stored = await self._store.updates_between(self.id, since, self.version)
        if len(stored) != self.version - since:
            return None  # folded away: the client starts over from the text
        return [_update_message(u) for u in stored]

    @property
    def run_target(self) -> RoomTarget:
        return RoomTarget(self._store.pool, self.id, self.channel)

    def remove(self, session: Session) -> bool:
        """Forget a session; True when it was current (not replaced) and so left."""
        return self.presence.remove(session)

    # Requests from sessions.

    async def push(self, session: Session, push: messages.Push) -> None:
        if not push.updates:
            raise ProtocolError("invalid_message", "a push carries at least one update")
        started = time.perf_counter()
        for update in push.updates:
            if update.client_id != session.client_id:
                raise ProtocolError(
                    "invalid_message",
                    f"update clientId {update.client_id!r} is not this socket's "
                    f"{session.client_id!r}",
                )
        async with self.lock:
            if push.version > self.version:
                # We may be behind the table (a notification still in flight).
                await self.catch_up()
            if push.version != self.version:
                metrics.CONFLICTS.inc()
                session.send(messages.encode(messages.Conflict(version=self.version)))
                return
            candidate = self._check_push(push)
            self._storing = self.version + 1
            try:
                await self._store_and_commit(session, push, candidate, started)
            finally:
                self._storing = 0
                self._settle_early_note()

    async def _store_and_commit(
        self,
        session: Session,
        push: messages.Push,
        candidate: CheckedChanges | Document,
        started: float,
    ) -> None:
        """Store a checked push and deliver it, or answer why not (the caller holds
        the lock)."""
        try:
            stored = await self._store_push(push, self._unrecorded_name(session))
            if not stored:
                head = await self._store.head_version(self.id)
                conflict = messages.Conflict(version=max(head, self.version + 1))
                metrics.CONFLICTS.inc()
                session.send(messages.encode(conflict))
                return
        except DATABASE_FAILURES as exc:
            log.warning(
                "room %s: push by %s failed in the database: %s",
                self.id,
                session.client_id,
                exc,
            )
            session.close(errors.WS_INTERNAL_ERROR, "could not tell whether the push was stored")
            return
        committed = time.perf_counter()
        self._commit_push(push, candidate)
        metrics.pushed(len(push.updates), started, committed)

    def _unrecorded_name(self, session: Session) -> str | None:
        """The session's name when its updates from here on must be named anew (its
        first push through this socket, or a rename); None nearly always."""
        name = session.name
        return None if self._author_names.get(session.client_id) == name else name

    async def _store_push(self, push: messages.Push, name: str | None) -> bool:
        """Store the push as the next versions, with an author span when `name` is
        given; False when another writer took one."""
        version = self.version + 1
        client_id = push.updates[0].client_id
        if len(push.updates) == 1:
            changes = bytes(push.updates[0].changes).decode()
            stored = await self.hub.writer.store(self.id, version, client_id, changes, name)
        else:
            # Several updates are all or none: a transaction of their own.
            try:
                await self._store.insert_updates(
                    self.id,
                    version,
                    [(u.client_id, bytes(u.changes).decode()) for u in push.updates],
                    name,
                )
                stored = True
            except VersionTaken:
                stored = False
        if stored and name is not None:
            self._author_names[client_id] = name
        return stored

    def _check_push(self, push: messages.Push) -> CheckedChanges | Document:
        """Validate every change set in order, changing nothing of the room yet: one
        update is checked against the text in place, several are applied to a copy.
        Each update's JSON is compacted on the way (`_compacted_changes`)."""
        limit = self._settings.max_document_bytes
        if len(push.updates) == 1:
            return self.doc.check(_compacted_changes(push.updates[0]), limit)
        candidate = self.doc.copy()
        for update in push.updates:
            candidate.apply(candidate.check(_compacted_changes(update), limit))
        return candidate

    def _commit_push(self, push: messages.Push, checked: CheckedChanges | Document) -> None:
        if isinstance(checked, Document):
            self.doc = checked
        else:
            self.doc.apply(checked)
        first = self.version + 1
        self.version += len(push.updates)
        for offset, update in enumerate(push.updates):
            self._broadcast(
                messages.encode(
                    messages.Update(
                        version=first + offset, client_id=update.client_id, changes=update.changes
                    )
                )
            )
        interval = self._fold_interval()
        # Only the process that stored the version crossing a multiple folds.
        if self.version // interval > (first - 1) // interval:
            self.hub.schedule_fold(self)

    def _fold_interval(self) -> int:
        """Versions between folds: every `fold_every`, stretched for big documents so
        that rewriting the snapshot costs about 1 KiB per update (a 1 MiB room folds
        every 2,048 versions, which a joiner replays in well under 100 ms)."""
        stretch = 1 << (self.doc.utf8_size // 1024).bit_length()
        return max(self._settings.fold_every, stretch)

    def worth_folding_when_idle(self) -> bool:
        """Every checkpoint stays as history, so an idle room writes one only after a
        quarter interval: a visit of a few keystrokes to a big room costs no copy of it."""
        return self.loaded and self.version - self.snapshot_version >= max(
            1, self._fold_interval() // 4
        )

    async def update_presence(self, session: Session, request: messages.PresenceRequest) -> None:
        if request.name is not None:
            session.name = clean_name(request.name, session.client_id)
        if session.watches_only:
            return  # a viewer may name itself; where it looks is nobody's business
        if request.selection is not None:
            sel = request.selection
            if min(sel.anchor, sel.head) < 0:
                raise ProtocolError("invalid_message", "selection positions must not be negative")
        viewport = request.viewport
        if viewport is not None and not 0 <= viewport.start <= viewport.end:
            raise ProtocolError(
                "invalid_message",
                f"viewport needs 0 <= from <= to, got from={viewport.start} to={viewport.end}",
            )
        session.selection = request.selection
        session.viewport = viewport
        await self.hub.announce(self, [session])

    async def change_language(self, session: Session, language: str) -> None:
        if language not in ids.ROOM_LANGUAGES:
            known = ", ".join(sorted(ids.ROOM_LANGUAGES))
            raise ProtocolError(
                "invalid_language", f"unknown language {language[:40]!r}; known: {known}"
            )
        payload = messages.encode(messages.Language(language=language, client_id=session.client_id))
        try:
            await self._store.set_language(self.id, language, payload)
        except DATABASE_FAILURES as exc:
            raise ProtocolError("unavailable", f"could not store the language: {exc}") from None

    async def shut(self) -> None:
        self.closed = True
        await self.presence.close()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump


def _update_message(update: StoredUpdate) -> str:
    return messages.encode(
        messages.Update(
            version=update.version,
            client_id=update.client_id,
            changes=msgspec.Raw(update.changes.encode()),
        )
    )


def _compacted_changes(update: messages.PushedUpdate) -> object:
    """The update's change set, decoded; its JSON is replaced by the compact form
    when that is shorter. The JSON is stored and relayed as it came, so whitespace
    around the sections (a one-character edit padded to a 6 MiB frame) would be
    stored, sent to every joiner and read by every room load; a client's
    JSON.stringify is compact already, and then this costs one small encode."""
    changes = _decode_changes(update.changes)
    compact = msgspec.json.encode(changes)
    if len(compact) < len(update.changes):
        update.changes = msgspec.Raw(compact)
    return changes


def _decode_changes(raw: msgspec.Raw) -> object:
    try:
        return msgspec.json.decode(raw)
    except msgspec.ValidationError as exc:  # a number past 64 bits, such as 1e400
        raise ProtocolError("invalid_changes", f"change set: {exc}") from None


class RoomHub:
    """Every room with a local socket, and the one listener that feeds them."""

    def __init__(self, store: Store, settings: Settings, dsn: str, process_id: str) -> None:
        self.store = store
        self.settings = settings
        self.rooms: dict[str, LiveRoom] = {}
        self.writer = UpdateWriter(store.pool)
        self.listener = Listener(dsn, self._on_note, self._on_listener_reconnect)
        self._tasks: set[asyncio.Task[None]] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        # Tells this process's viewer counts apart from other processes' on a channel.
        self.process = process_id

    async def start(self) -> None:
        await self.listener.start()
        self._heartbeat = asyncio.create_task(self._run_heartbeat(), name="presence heartbeat")

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        for room in list(self.rooms.values()):
            for session in room.sessions.values():
                session.close(errors.WS_SERVICE_RESTART, "server shutting down")
            if room.worth_folding_when_idle():
                with contextlib.suppress(*DATABASE_FAILURES):
                    await self._fold(room.id, room.doc.text, room.version)
            await room.shut()
        self.rooms.clear()
        await self.writer.close()
        await self.listener.stop()
        for task in list(self._tasks):
            task.cancel()

    @property
    def ready(self) -> bool:
        return self.listener.connected

    def _on_note(self, channel: str, payload: str) -> None:
        room = self.rooms.get(channel.removeprefix("room:"))
        if room is not None:
            room.deliver_note(payload)

    async def _on_listener_reconnect(self) -> None:
        # Notifications sent while we were away are gone: read the table instead.
        for room in self.rooms.values():
            if room.loaded:
                room.request_catch_up(runs_too=True)
                self.schedule_announce(room)

    async def join(self, room_id: str, session: Session, since: int | None) -> LiveRoom:
        """Admit `session`; raises RoomNotFound for a room that does not exist."""
        while True:
            room = self.rooms.get(room_id)
            if room is None:
                room = self.rooms[room_id] = LiveRoom(room_id, self)
            async with room.lock:
                if room.closed:
                    continue  # emptied and dropped while we waited: open it again
                if not room.loaded:
                    # Subscribe before reading, so nothing falls in between.
                    await self.listener.subscribe(room.channel)
                    try:
                        # Touched before it is read: a sweep deleting it waits (see lifetime).
                        await lifetime.touch_rooms(self.store.pool, [room.id])
                        await room.load()
                    except BaseException:
                        await self._drop(room)
                        raise
                try:
                    await room.admit(session, since)
                except BaseException:
                    room.remove(session)
                    if not room.sessions:
                        await self._drop(room)  # nobody else keeps it loaded
                    raise
            break
        if not session.watches_only:
            await self.announce(room, [session], joining=True)
        return room

    async def leave(self, room: LiveRoom, session: Session) -> None:
        # A run still going when its socket closes ends as `interrupted`.
        await session.runs.interrupt(room.run_target)
        async with room.lock:
            left = room.remove(session)
            # Also when another process's socket replaced this one: the room may
            # have no local socket left, and nothing else would drop it.
            if not room.sessions and not room.closed:
                await self._drop(room)
            if not left:
                return  # replaced by a newer socket: no leave
        if session.watches_only:
            return  # viewers are counted (the count is published), never announced
        with contextlib.suppress(*DATABASE_FAILURES):
            await self.store.notify(
                room.channel,
                [
                    messages.encode(
                        messages.LeaveNote(client_id=session.client_id, socket=session.socket_id)
                    )
                ],
            )

    async def _drop(self, room: LiveRoom) -> None:
        """Close an empty room: stop listening and fold its log while it is idle."""
        room.closed = True
        if self.rooms.get(room.id) is room:
            del self.rooms[room.id]
        await self.listener.unsubscribe(room.channel)
        self._spawn(lifetime.touch_quietly(self.store.pool, room.id))
        if room.worth_folding_when_idle():
            self._spawn(self._fold(room.id, room.doc.text, room.version))
        self._spawn(room.shut())

    async def announce(
        self, room: LiveRoom, sessions: Iterable[Session] | None = None, joining: bool = False
    ) -> None:
        """Announce `sessions` (default: the room's editors, and its viewer count)."""
        notes = room.presence.announcement(sessions, joining)
        if notes.payloads:
            with contextlib.suppress(*DATABASE_FAILURES):
                await self._send(room, notes)

    def publish(self, room: LiveRoom, notes: Notes) -> None:
        async def notify() -> None:
            with contextlib.suppress(*DATABASE_FAILURES):
                await self._send(room, notes)

        self._spawn(notify())

    async def _send(self, room: LiveRoom, notes: Notes) -> None:
        if notes.viewers is None:
            await self.store.notify(room.channel, notes.payloads)
            return
        # One count at a time, in the order they were taken: a heartbeat's count
        # and a change's, on two pool connections, could otherwise commit in the
        # wrong order, and the stale one would stand (here and in every other
        # process's tally) until it expires.
        async with room.counting:
            await viewers.notify_counted(
                self.store.pool, room.id, self.process, notes.viewers, room.channel, notes.payloads
            )

    def schedule_announce(self, room: LiveRoom) -> None:
        if room.announce_pending:
            return
        room.announce_pending = True

        async def announce_soon() -> None:
            await asyncio.sleep(0.2)  # one answer for a burst of joins
            room.announce_pending = False
            await self.announce(room)

        self._spawn(announce_soon())

    def schedule_fold(self, room: LiveRoom) -> None:
        self._spawn(self._fold(room.id, room.doc.text, room.version))
        room.snapshot_version = room.version

    async def _fold(self, room_id: str, text: str, version: int) -> None:
        try:
            await self.store.fold(room_id, text, version, retention_of(self.settings))
        except DATABASE_FAILURES as exc:
            log.warning("room %s: fold at version %d failed: %s", room_id, version, exc)

    async def _run_heartbeat(self) -> None:
        """Re-announce local editors and viewer counts every heartbeat; every second,
        forget what processes quiet for longer than the expiry told us."""
        next_announce = time.monotonic() + self.settings.presence_heartbeat_seconds
        while True:
            await asyncio.sleep(min(1.0, self.settings.presence_heartbeat_seconds))
            now = time.monotonic()
            for room in list(self.rooms.values()):
                room.presence.expire(now - self.settings.presence_expiry_seconds)
            if now >= next_announce:
                next_announce = now + self.settings.presence_heartbeat_seconds
                for room in list(self.rooms.values()):
                    await self.announce(room)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
