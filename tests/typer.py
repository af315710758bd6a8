"""A randomised protocol client for convergence and fault tests.

It types random edits (emoji and line breaks included), keeps one push in
flight, rebases its pending edit over updates it did not author, and
reconnects with `since` after any close, to whichever server answers. It
records every version it sees so that tests can check order and uniqueness.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field
from typing import Any

import websockets

from service.document import Document
from service.utf16 import utf16_length
from tests.harness import ServerProcess

ALPHABET = ["a", "b", "c", " ", "\n", "😀", "é", "字", "()", "\n    "]
PASTED_LINE = "\n" + "p" * 8_200 + "\n"


@dataclass
class Edit:
    start: int
    end: int
    text: str

    def changes(self, length: int) -> list[Any]:
        sections: list[Any] = [self.start] if self.start else []
        sections.append([self.end - self.start, *self.text.split("\n")])
        if length - self.end:
            sections.append(length - self.end)
        return sections


def map_pos(changes: list[Any], pos: int, after: bool) -> int:
    """Where `pos` of the base document lands after `changes`; `after` puts a
    position at an insertion point behind the inserted text."""
    old = new = 0
    for section in changes:
        if isinstance(section, int):
            if pos < old + section:
                return new + pos - old
            old += section
            new += section
            continue
        deleted, inserted = section[0], utf16_length("\n".join(section[1:]))
        if pos == old or pos < old + deleted:
            return new + inserted if after else new
        old += deleted
        new += inserted
    return new + pos - old


@dataclass
class Typer:
    servers: list[ServerProcess]
    room_id: str
    client_id: str
    edits_to_make: int
    seed: int
    pause: float = 0.0
    # One edit in `paste_every` pastes a block past NOTIFY's payload limit (or cuts
    # one out), so that its note comes truncated and every process reads it from
    # the table; 0: never.
    paste_every: int = 0
    text: str = ""
    version: int = 0
    seen_versions: list[int] = field(default_factory=list)
    # The version of the first hello: another typer may have pushed before this one joined.
    joined_at: int = 0
    edits_made: int = 0
    reconnects: int = 0
    conflicts: int = 0
    _pending: Edit | None = None
    _in_flight: bool = False
    _wait_for: int = 0
    _server_index: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._server_index = self.seed % len(self.servers)

    @property
    def done(self) -> bool:
        return self.edits_made >= self.edits_to_make and self._pending is None

    def _random_edit(self) -> Edit:
        if self.paste_every and self._rng.randrange(self.paste_every) == 0:
            return self._paste_or_cut()
        doc = Document(self.text)
        cuts = [i for i in range(doc.length + 1) if not doc.splits_pair(i)]
        start = self._rng.choice(cuts)
        later = [c for c in cuts if c >= start][:3]
        end = self._rng.choice(later) if self._rng.random() < 0.3 else start
        typed = "".join(self._rng.choice(ALPHABET) for _ in range(self._rng.randint(1, 2)))
        return Edit(start, end, typed)

    def _paste_or_cut(self) -> Edit:
        """Cut the text's first 8,200-character pasted line, or paste one at the end
        when there is none (so that the text stays small, and a room folds often)."""
        block = self.text.find(PASTED_LINE)
        if block >= 0:
            start = utf16_length(self.text[:block])
            return Edit(start, start + utf16_length(PASTED_LINE), "")
        end = utf16_length(self.text)
        return Edit(end, end, PASTED_LINE)

    def _apply(self, message: dict[str, Any]) -> None:
        assert message["version"] == self.version + 1, (
            f"{self.client_id}: got version {message['version']} after {self.version}"
        )
        doc = Document(self.text)
        doc.apply(doc.check(message["changes"], 1 << 30))
        self.text = doc.text
        self.version = message["version"]
        self.seen_versions.append(self.version)
        if self._pending is None:
            return
        if message["clientId"] == self.client_id:
            self._pending = None  # ours, confirmed (possibly from before a reconnect)
            self._in_flight = False
        else:
            edit, changes = self._pending, message["changes"]
            start = map_pos(changes, edit.start, after=False)
            end = max(start, map_pos(changes, edit.end, after=False))
            self._pending = Edit(start, end, edit.text)

    async def _connect(self, since: int | None) -> Any:
        while True:
            server = self.servers[self._server_index % len(self.servers)]
            query = f"clientId={self.client_id}" + (f"&since={since}" if since is not None else "")
            try:
                socket = await websockets.connect(
                    f"{server.ws}/ws/{self.room_id}?{query}", open_timeout=3, max_size=None
                )
                hello = json.loads(await asyncio.wait_for(socket.recv(), 5))
                if hello.get("type") == "hello":
                    return socket, hello
            except (OSError, TimeoutError, websockets.WebSocketException):
                pass
            self._server_index += 1
            await asyncio.sleep(0.1)

    async def run(self, stop: asyncio.Event) -> None:
        """Type until done, then keep applying updates until `stop` is set."""
        socket, hello = await self._connect(None)
        self.text, self.version = hello["text"], hello["version"]
        self.joined_at = self.version
        while not (stop.is_set() and self.done):
            try:
                await self._step(socket)
            except (websockets.ConnectionClosed, OSError):
                self.reconnects += 1
                self._in_flight = False
                socket, hello = await self._connect(self.version)
                if hello["text"] is not None:
                    raise AssertionError(
                        f"{self.client_id}: history lost at {self.version}"
                    ) from None
        await socket.close()

    async def _step(self, socket: Any) -> None:
        if self._pending is None and self.edits_made < self.edits_to_make:
            if self.pause:
                await asyncio.sleep(self.pause)  # a person thinking between keystrokes
            self._pending = self._random_edit()
            self.edits_made += 1
        if self._pending is not None and not self._in_flight and self.version >= self._wait_for:
            changes = self._pending.changes(utf16_length(self.text))
            await socket.send(
                json.dumps(
                    {
                        "type": "push",
                        "version": self.version,
                        "updates": [{"clientId": self.client_id, "changes": changes}],
                    }
                )
            )
            self._in_flight = True
        try:
            raw = await asyncio.wait_for(socket.recv(), 0.05)
        except TimeoutError:
            return
        message = json.loads(raw)
        if message["type"] == "update":
            self._apply(message)
        elif message["type"] == "conflict":
            self.conflicts += 1
            self._in_flight = False
            self._wait_for = message["version"]
        elif message["type"] == "error":
            raise AssertionError(f"{self.client_id}: server error {message}")


async def run_typers(typers: list[Typer], head_version: Any, timeout: float = 120) -> None:
    """Run every typer until all are done and all have seen the room's final version."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(t.run(stop)) for t in typers]

    async def finish() -> None:
        while not all(t.done for t in typers):
            for task in tasks:
                if task.done():
                    task.result()
            await asyncio.sleep(0.05)
        final = await head_version()
        while any(t.version < final for t in typers):
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*tasks)

    try:
        await asyncio.wait_for(finish(), timeout)
    finally:
        for task in tasks:
            task.cancel()
