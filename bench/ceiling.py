"""Scenario 1, the ceiling without the app: Postgres alone doing what Pairpad asks of it.

Each load-generator process here stands in for one server process: a pool of
writer connections (the size of a server's pool) running exactly the statement
the service runs per accepted update (and nothing else: no reset query when a
connection goes back to the pool), and one LISTEN connection on every room's
channel. Each room has two writers, one per simulated process, as a room has two
clients on two processes; they take alternate versions, so no insert conflicts.

Mode `typing_batched` is the typing ceiling for group commit: the same typists,
each process's rows stored by one writer that takes whatever queued while its
previous batch committed, as the service's writer does; its latency is the floor
under Pairpad's edit-to-peer latency (a commit, with the batch it waited for, and
a notification).

Mode `batched` is the ceiling for group commit: each simulated process has one
writer, as a server process has one group-commit writer, inserting batches with
the writer's own statements (service/writer.py: insert_rows, one transaction, every
row still firing the trigger), back to back, at the batch sizes that Pairpad's
writer formed in the run it is compared with (spec["batch_sizes"], cycled).

The writer stamps the send time (CLOCK_MONOTONIC, shared by all processes) into
the update's client id; the AFTER INSERT trigger puts it into the NOTIFY payload,
and each listener computes send -> notification latency as it arrives. A
notification of the other process's writer is the analogue of edit-to-peer.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from typing import Any

import asyncpg

from bench.common import Json, child_main, now, recv_from_parent, sleep_until
from service.writer import insert_rows

INSERT = "INSERT INTO updates (room_id, version, client_id, changes) VALUES ($1, $2, $3, $4)"
# One typed character in the middle of a 40-unit line, as the typing clients send.
CHANGES = '[20,[0,"x"],20]'


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """The writers change no session state, so a released connection needs no reset."""


def main(spec: Json, conn: Any) -> None:
    child_main(spec, conn, run)


async def run(spec: Json, conn: Any) -> None:
    sim: int = spec["sim"]
    rooms: list[str] = spec["rooms"]
    pool = await asyncpg.create_pool(
        spec["db_url"],
        min_size=spec["pool_size"],
        max_size=spec["pool_size"],
        server_settings={"application_name": f"bench-ceiling-{sim}"},
    )
    assert pool is not None
    listener = await asyncpg.connect(spec["db_url"])

    window = [float("inf"), float("-inf")]
    cross: list[float] = []
    own: list[float] = []
    notes_in_window = [0]

    def on_note(_c: object, _pid: int, _channel: str, payload: object) -> None:
        t = time.monotonic_ns()
        client_id = json.loads(str(payload))["clientId"]
        writer_sim = int(client_id[1])
        sent_ns = int(client_id[3:])
        sent = sent_ns / 1e9
        if window[0] <= sent < window[1]:
            notes_in_window[0] += 1
            (own if writer_sim == sim else cross).append((t - sent_ns) / 1e9)

    for room in rooms:
        await listener.add_listener(f"room:{room}", on_note)

    conn.send(("ready", {"rooms": len(rooms)}))
    kind, go = await recv_from_parent(conn)
    assert kind == "go"
    t_start, t_end = go["t_start"], go["t_end"]
    window[0], window[1] = t_start, t_end
    t_begin = t_start - spec["warmup"]
    period: float = spec["period"]
    flat = spec["mode"] not in ("typing", "typing_batched")
    committed = [0]
    errors: list[str] = []

    async def writer(room: str) -> None:
        version = sim + 1
        next_at = t_begin + (random.random() * period if not flat else 0.0)
        while True:
            if not flat:
                await sleep_until(next_at)
                next_at = max(next_at + period, now())
            if now() >= t_end:
                return
            sent_ns = time.monotonic_ns()
            try:
                await pool.execute(INSERT, room, version, f"w{sim}t{sent_ns}", CHANGES)
            except Exception as exc:  # counted and reported, never silent
                if len(errors) < 10:
                    errors.append(repr(exc))
                return
            done = now()
            if t_start <= done < t_end:
                committed[0] += 1
            version += 2

    async def batch_writer() -> None:
        """One writer per simulated process, as the service's group commit has."""
        sizes: list[int] = spec["batch_sizes"] or [1]
        versions = {room: sim + 1 for room in rooms}
        turn = 0
        async with pool.acquire() as connection:
            while now() < t_end:
                size = min(sizes[turn % len(sizes)], len(rooms))
                batch = [rooms[(turn * size + i) % len(rooms)] for i in range(size)]
                # Distinct keys in key order, as the writer takes them.
                batch = sorted(set(batch))
                turn += 1
                sent_ns = time.monotonic_ns()
                try:
                    await insert_rows(
                        connection,
                        batch,
                        [versions[room] for room in batch],
                        [f"w{sim}t{sent_ns}"] * len(batch),
                        [CHANGES] * len(batch),
                    )
                except Exception as exc:  # counted and reported, never silent
                    if len(errors) < 10:
                        errors.append(repr(exc))
                    return
                for room in batch:
                    versions[room] += 2
                if t_start <= now() < t_end:
                    committed[0] += len(batch)

    async def typed_group_commit() -> None:
        """Typists as in `typing` mode, but their rows go through one writer per
        simulated process that stores whatever has queued, in one statement, while
        its previous batch commits: group commit without the app."""
        queue: list[tuple[str, int, int]] = []
        wake = asyncio.Event()
        typing_left = [len(rooms)]

        async def typist(room: str) -> None:
            version = sim + 1
            next_at = t_begin + random.random() * period
            try:
                while True:
                    await sleep_until(next_at)
                    next_at = max(next_at + period, now())
                    if now() >= t_end:
                        return
                    queue.append((room, version, time.monotonic_ns()))
                    version += 2
                    wake.set()
            finally:
                typing_left[0] -= 1
                wake.set()

        async def group_writer() -> None:
            async with pool.acquire() as connection:
                while queue or typing_left[0]:
                    if not queue:
                        wake.clear()
                        await wake.wait()
                        continue
                    batch = sorted(queue)
                    queue.clear()
                    try:
                        await insert_rows(
                            connection,
                            [room for room, _, _ in batch],
                            [version for _, version, _ in batch],
                            [f"w{sim}t{sent_ns}" for _, _, sent_ns in batch],
                            [CHANGES] * len(batch),
                        )
                    except Exception as exc:  # counted and reported, never silent
                        if len(errors) < 10:
                            errors.append(repr(exc))
                        return
                    if t_start <= now() < t_end:
                        committed[0] += len(batch)

        await asyncio.gather(group_writer(), *(typist(room) for room in rooms))

    await sleep_until(t_begin)
    if spec["mode"] == "batched":
        await batch_writer()
    elif spec["mode"] == "typing_batched":
        await typed_group_commit()
    else:
        await asyncio.gather(*(writer(room) for room in rooms))
    await asyncio.sleep(spec.get("drain", 1.0))  # late notifications
    await listener.close()
    await pool.close()
    conn.send(
        (
            "result",
            {
                "sim": sim,
                "committed": committed[0],
                "notes_in_window": notes_in_window[0],
                "cross": cross,
                "own": own,
                "errors": errors,
                "loop": spec["loop"],
            },
        )
    )
