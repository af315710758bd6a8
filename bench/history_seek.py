"""Scenario `history`: seeking through a long history, and what keeping it costs.

Rooms of 100,000 versions (10,000 with --quick) are built straight in the table:
a seeded typist's change sets (mostly one character at a moving cursor, some
deletions, jumps to other lines), with checkpoints exactly where a server
would write them (`rooms.py` `_fold_interval`), so the data has the server's
shape without typing it for an hour. Then:

* seek latency: `GET /rooms/{id}/versions/{v}` for random v, through a server,
  in a room of a 100 KB document and one of a 1 MiB document (p50, p99);
* write cost: the checkpoints' share of the bytes written per edit, at 1 KB and
  1 MiB (stored sizes, after Postgres's compression);
* disk per 1,000 keystrokes kept: the growth of `updates` (table and indexes,
  `pg_total_relation_size`) per 1,000 versions, and of `checkpoints`.
"""

from __future__ import annotations

import random
import secrets
import time
from typing import Any

import asyncpg
import httpx
import msgspec

from bench.common import Json, summarize_ms
from service.config import Settings
from service.replay import ChunkedText
from tests.harness import connection

KIB = 1024
MIB = 1024 * KIB
_WORDS = ("value", "item", "index", "total", "count", "result", "name", "data", "key", "node")


def _code_text(size: int, rng: random.Random) -> str:
    """About `size` bytes of code-like ASCII lines that do not repeat (so that
    compression does not flatter the checkpoints)."""
    lines: list[str] = []
    total = 0
    while total < size:
        indent = "    " * rng.randint(0, 3)
        words = [rng.choice(_WORDS) + str(rng.randint(0, 999)) for _ in range(rng.randint(2, 6))]
        line = f"{indent}{words[0]} = {'('.join(words[1:])}{')' * (len(words) - 2)}\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)[:size]


def checkpoint_interval(utf8_size: int, fold_every: int) -> int:
    """The server's spacing (service/rooms.py `LiveRoom._fold_interval`)."""
    return max(fold_every, 1 << (utf8_size // 1024).bit_length())


def _typing(text: str, versions: int, rng: random.Random) -> Any:
    """Yield (changes JSON, text after or None) for `versions` keystrokes; the text
    is produced only when asked for with send(True)."""
    doc = ChunkedText(text)
    length = len(text)
    cursor = rng.randrange(length + 1)
    for _ in range(versions):
        roll = rng.random()
        if roll < 0.02:
            cursor = rng.randrange(length + 1)  # a jump elsewhere
        if roll < 0.85 or length == 0:
            typed = rng.choice("abcdefghij (),.=_\n")
            lines = typed.split("\n")
            changes: list[Any] = [cursor] if cursor else []
            changes.append([0, *lines])
            if length - cursor:
                changes.append(length - cursor)
            cursor += 1
            length += 1
        else:
            cursor = max(cursor, 1)
            changes = [cursor - 1, [1]] if cursor - 1 else [[1]]
            if length - cursor:
                changes.append(length - cursor)
            cursor -= 1
            length -= 1
        doc.apply(changes)
        want = yield msgspec.json.encode(changes).decode()
        if want:
            yield doc.text


async def build_room(
    conn: asyncpg.Connection, size: int, versions: int, fold_every: int, seed: int
) -> tuple[str, int]:
    """A room of `versions` keystrokes on a `size`-byte document, with its checkpoints;
    returns (room id, checkpoint bytes as stored)."""
    rng = random.Random(seed)
    room_id = f"hist{secrets.token_hex(10)}"
    text = _code_text(size, rng)
    await conn.execute(
        """WITH r AS (INSERT INTO rooms (id, snapshot) VALUES ($1, $2)
                      RETURNING id, created_at)
           INSERT INTO checkpoints (room_id, version, text, at)
           SELECT id, 0, $2, created_at FROM r""",
        room_id,
        text,
    )
    await conn.execute(
        """INSERT INTO authors (room_id, client_id, from_version, name)
           VALUES ($1, 'typist', 1, 'Ada')""",
        room_id,
    )
    interval = checkpoint_interval(len(text), fold_every)
    typist = _typing(text, versions, rng)
    rows: list[tuple[str, int, str, str]] = []
    checkpoints: list[tuple[str, int, str]] = []
    for version in range(1, versions + 1):
        changes = next(typist)
        rows.append((room_id, version, "typist", changes))
        if version % interval == 0:
            after = typist.send(True)
            checkpoints.append((room_id, version, after))
            interval = checkpoint_interval(len(after), fold_every)
        if len(rows) >= 20_000:
            await _copy(conn, rows, checkpoints)
            rows, checkpoints = [], []
    await _copy(conn, rows, checkpoints)
    stored = await conn.fetchval(
        "SELECT sum(pg_column_size(text)) FROM checkpoints WHERE room_id = $1 AND version > 0",
        room_id,
    )
    return room_id, int(stored or 0)


async def _copy(
    conn: asyncpg.Connection,
    rows: list[tuple[str, int, str, str]],
    checkpoints: list[tuple[str, int, str]],
) -> None:
    if rows:
        await conn.execute(
            """INSERT INTO updates (room_id, version, client_id, changes)
               SELECT $1, v, 'typist', c::json FROM unnest($2::bigint[], $3::text[]) AS u(v, c)""",
            rows[0][0],
            [r[1] for r in rows],
            [r[3] for r in rows],
        )
    for room_id, version, text in checkpoints:
        await conn.execute(
            "INSERT INTO checkpoints (room_id, version, text, at) VALUES ($1, $2, $3, now())",
            room_id,
            version,
            text,
        )


async def _relation_bytes(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch(
        """SELECT relname, pg_total_relation_size(oid) AS size FROM pg_class
           WHERE relname IN ('updates', 'checkpoints', 'authors') AND relkind = 'r'"""
    )
    return {r["relname"]: int(r["size"]) for r in rows}


async def _seek(http_base: str, room_id: str, versions: int, samples: int, seed: int) -> Json:
    rng = random.Random(seed)
    times: list[float] = []
    async with httpx.AsyncClient(base_url=http_base, timeout=60) as http:
        for _ in range(samples):
            v = rng.randrange(versions + 1)
            t0 = time.perf_counter()
            response = await http.get(f"/rooms/{room_id}/versions/{v}")
            times.append(time.perf_counter() - t0)
            response.raise_for_status()
    return summarize_ms(times)


async def run(db_url: str, http_base: str, quick: bool) -> Json:
    versions = 10_000 if quick else 100_000
    samples = 60 if quick else 500
    fold_every = Settings().fold_every
    async with connection(db_url) as conn:
        # The bulk load announces nothing: no one could be listening to these rooms.
        await conn.execute("SET session_replication_role = replica")
        out: Json = {"versions": versions, "fold_every": fold_every, "seek": {}, "write": {}}
        for label, size in (("100 KB", 100 * KIB), ("1 MiB", MIB - 8 * KIB)):
            before = await _relation_bytes(conn)
            t0 = time.monotonic()
            room_id, cp_bytes = await build_room(conn, size, versions, fold_every, seed=size)
            await conn.execute("ANALYZE updates")
            after = await _relation_bytes(conn)
            built = round(time.monotonic() - t0, 1)
            seek = await _seek(http_base, room_id, versions, samples, seed=size)
            out["seek"][label] = {
                "document_bytes": size,
                "checkpoint_every": checkpoint_interval(size, fold_every),
                "build_seconds": built,
                "versions_ms": seek,
            }
            grew = {k: after.get(k, 0) - before.get(k, 0) for k in after}
            out["seek"][label]["disk_per_1000_versions"] = {
                "updates_bytes": round(grew.get("updates", 0) / versions * 1000),
                "checkpoints_bytes": round(grew.get("checkpoints", 0) / versions * 1000),
            }
        for label, size in (("1 KB", KIB), ("1 MiB", MIB - 8 * KIB)):
            n = 4 * checkpoint_interval(size, fold_every)
            room_id, cp_bytes = await build_room(conn, size, n, fold_every, seed=size + 1)
            update_bytes = await conn.fetchval(
                "SELECT sum(pg_column_size(u.*)) FROM updates u WHERE room_id = $1", room_id
            )
            per_edit_updates = int(update_bytes) / n
            per_edit_checkpoints = cp_bytes / n
            out["write"][label] = {
                "versions": n,
                "update_bytes_per_edit": round(per_edit_updates, 1),
                "checkpoint_bytes_per_edit": round(per_edit_checkpoints, 1),
                "checkpoint_share": round(
                    per_edit_checkpoints / (per_edit_updates + per_edit_checkpoints), 3
                ),
            }
    return out


async def scenario_history(bench: Any) -> None:
    bench.results["history"] = await run(bench.db_url, bench.servers[0].http, bench.plan.quick)


def targets(history: Json) -> list[Json]:
    out: list[Json] = []
    for label, seek in history["seek"].items():
        p99 = seek["versions_ms"]["p99"]
        out.append(
            {
                "name": f"history seek versions/{{v}} p99, {history['versions']:,} versions "
                f"of a {label} document, ms",
                "measured": p99,
                "goal": "< 50",
                "met": p99 is not None and p99 < 50,
            }
        )
    return out


def markdown(history: Json) -> list[str]:
    lines = [
        "",
        f"## History ({history['versions']:,} versions a room)",
        "",
        "| document | checkpoint every | versions/{v} p50 / p99 / max | updates disk per "
        "1,000 versions | checkpoints disk per 1,000 versions |",
        "|---|---|---|---|---|",
    ]
    for label, seek in history["seek"].items():
        ms = seek["versions_ms"]
        disk = seek["disk_per_1000_versions"]
        lines.append(
            f"| {label} | {seek['checkpoint_every']} | {ms['p50']} / {ms['p99']} / {ms['max']} | "
            f"{disk['updates_bytes'] / 1024:.1f} KiB | {disk['checkpoints_bytes'] / 1024:.1f} KiB |"
        )
    lines += [
        "",
        "| document | update bytes per edit | checkpoint bytes per edit | checkpoints' share |",
        "|---|---|---|---|",
    ]
    for label, write in history["write"].items():
        lines.append(
            f"| {label} | {write['update_bytes_per_edit']} | "
            f"{write['checkpoint_bytes_per_edit']} | {write['checkpoint_share'] * 100:.1f} % |"
        )
    return lines
