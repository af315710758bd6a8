"""PAIRPAD_LOG_FORMAT=json: every line one JSON object, with room, client and event."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.harness import Client, ServerProcess, create_room, servers


async def _visit(server: ServerProcess) -> tuple[str, str]:
    room_id = await create_room(server)
    client = await Client.connect(server, room_id)
    await client.socket.send("{not json")
    assert (await client.recv_type("error"))["code"] == "malformed_json"
    await client.close()
    await asyncio.sleep(0.5)  # the server logs the close after the socket ends
    return room_id, client.client_id


async def test_json_logs_carry_room_client_and_event(database_url: str) -> None:
    env = {"PAIRPAD_LOG_FORMAT": "json"}
    with servers(database_url, 1, workers=2, env=env) as (server,):
        room_id, client_id = await _visit(server)
        lines = [line for line in server.log_path.read_text().splitlines() if line.strip()]
    entries: list[dict[str, Any]] = [json.loads(line) for line in lines]  # every line
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
    by_event = {e.get("event"): e for e in entries if e.get("client") == client_id}
    assert by_event["socket_open"]["room"] == room_id
    assert by_event["rejected"]["code"] == "malformed_json"
    assert by_event["socket_close"]["room"] == room_id
    assert any(e["logger"].startswith("uvicorn") for e in entries)


async def test_default_logs_stay_readable(database_url: str) -> None:
    with servers(database_url, 1) as (server,):
        room_id, client_id = await _visit(server)
        text = server.log_path.read_text()
    assert f"open room={room_id} client={client_id} role=editor" in text
    assert not any(line.startswith("{") for line in text.splitlines())
    # uvicorn's own lines for each socket (its path, and so the room id, in the
    # clear) are left out: Pairpad's open and close lines say it all.
    assert f'"WebSocket /ws/{room_id}' not in text
    assert "connection open" not in text
