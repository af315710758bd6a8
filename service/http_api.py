"""HTTP routes: rooms, autocomplete, health. Thin adapters over the store and engine."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service import history, ids, messages, metrics
from service.autocomplete import complete
from service.config import Settings
from service.dbfailures import DATABASE_FAILURES
from service.document import Document, normalize_newlines
from service.errors import RoomNotFound
from service.http_errors import ApiError
from service.roles import RoomRef
from service.rooms import RoomHub
from service.store import Store
from service.utf16 import utf16_length


class NewRoom(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    language: str = ids.DEFAULT_LANGUAGE
    text: str = ""


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, populate_by_name=True)
    code: str
    cursor_position: int = Field(alias="cursorPosition", ge=0)
    language: str = Field(pattern=r"^[a-z0-9+#._-]{1,32}$")


async def _json_body(request: Request, settings: Settings, *, empty_ok: bool = False) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > settings.max_frame_bytes:
        raise ApiError(413, "request_too_large", f"body over {settings.max_frame_bytes} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > settings.max_frame_bytes:
            raise ApiError(413, "request_too_large", f"body over {settings.max_frame_bytes} bytes")
    if not body.strip() and empty_ok:
        return {}
    try:
        # Decoded as UTF-8 first: json.loads would also guess UTF-16 and UTF-32.
        # NaN and Infinity are Python's extensions, not JSON.
        return messages.loads_standard_json(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "malformed_json", f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "body is JSON nested too deeply") from None


def _invalid(exc: ValidationError) -> ApiError:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return ApiError(422, "invalid_fields", f"{where}: {first['msg']}")


def _check_size(text: str, field: str, limit: int) -> None:
    """413 for text over the document limit (UTF-8 bytes); 422 for a lone surrogate."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise ApiError(422, "invalid_fields", f"{field}: contains a lone surrogate") from None
    if size > limit:
        raise ApiError(
            413, f"{field}_too_large", f"{field} holds {size} bytes of UTF-8, the limit is {limit}"
        )


async def create_room(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    body = await _json_body(request, settings, empty_ok=True)
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_fields", "body must be a JSON object")
    try:
        fields = NewRoom.model_validate(body)
    except ValidationError as exc:
        raise _invalid(exc) from None
    if fields.language not in ids.ROOM_LANGUAGES:
        known = ", ".join(sorted(ids.ROOM_LANGUAGES))
        raise ApiError(
            422, "invalid_fields", f"language: unknown {fields.language[:40]!r}; known: {known}"
        )
    text = normalize_newlines(fields.text)
    if "\x00" in text:
        raise ApiError(422, "invalid_fields", "text: U+0000 cannot be stored")
    _check_size(text, "text", settings.max_document_bytes)
    room = await store.create_room(ids.new_room_id(), fields.language, text)
    metrics.ROOMS_CREATED.inc()
    return JSONResponse(
        {
            "roomId": room.room_id,
            "url": f"/room/{room.room_id}",
            "viewId": room.view_id,
            "viewUrl": f"/room/{room.view_id}",
            "version": 0,
            "language": fields.language,
        },
        status_code=201,
    )


async def resolve_room(request: Request) -> RoomRef:
    """The room that the path's `room_id` (a room id or a view id) opens; 400 or 404."""
    some_id = request.path_params["room_id"]
    if not ids.is_room_id(some_id):
        raise ApiError(400, "invalid_room_id", "a room id matches [A-Za-z0-9_-]{8,58}")
    store: Store = request.app.state.store
    try:
        return await store.resolve(some_id)
    except RoomNotFound:
        raise ApiError(404, "room_not_found", f"no room {some_id}") from None


async def get_room(request: Request) -> Response:
    room = await resolve_room(request)
    store: Store = request.app.state.store
    state = await store.load_room_or_none(room.room_id)
    if state is None:
        raise ApiError(404, "room_not_found", f"no room {room.public_id}")
    ids_shown = (
        {"roomId": room.room_id, "viewId": room.view_id}
        if room.can_edit
        else {"viewId": room.view_id}
    )
    return JSONResponse(
        {
            **ids_shown,
            "role": room.role,
            "version": state.version,
            "text": state.text,
            "language": state.language,
        }
    )


def _whole_number(raw: str | None, field: str, default: int) -> int:
    """A whole number from the query or path, clamped past any real version."""
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise ApiError(422, "invalid_fields", f"{field}: expected a whole number, got {raw[:40]!r}")
    # Past 19 digits it is past any version (and int() refuses beyond 4,300 digits).
    digits = raw.lstrip("0") or "0"
    return min(int(digits), history.MAX_VERSION) if len(digits) <= 19 else history.MAX_VERSION


async def get_history(request: Request) -> Response:
    room = await resolve_room(request)
    after = _whole_number(request.query_params.get("after"), "after", 0)
    limit = _whole_number(request.query_params.get("limit"), "limit", history.DEFAULT_LIMIT)
    if not 1 <= limit <= history.MAX_LIMIT:
        raw = request.query_params["limit"]
        raise ApiError(
            422, "invalid_fields", f"limit: expected 1 to {history.MAX_LIMIT}, got {raw[:40]}"
        )
    store: Store = request.app.state.store
    try:
        page = await history.history(store.pool, room.room_id, after, limit)
    except RoomNotFound:
        raise ApiError(404, "room_not_found", f"no room {room.public_id}") from None
    return JSONResponse(
        {
            "version": page.version,
            "oldest": page.oldest,
            "updates": [
                {
                    "version": u.version,
                    "clientId": u.client_id,
                    "name": u.name,
                    "at": history.iso_ms(u.at),
                    "changes": json.loads(u.changes),
                }
                for u in page.updates
            ],
        }
    )


async def get_version(request: Request) -> Response:
    room = await resolve_room(request)
    asked = request.path_params["version"]
    version = _whole_number(asked, "v", 0)
    store: Store = request.app.state.store
    try:
        found = await history.text_at(store.pool, room.room_id, version)
    except RoomNotFound:
        raise ApiError(404, "room_not_found", f"no room {room.public_id}") from None
    except history.VersionNotFound as exc:
        # Named as asked: a number past any version was clamped on the way in.
        raise ApiError(404, "version_not_found", exc.describe(asked[:40])) from None
    # msgspec writes a 1 MiB text several times faster than the json module.
    body = {"version": found.version, "text": found.text, "at": history.iso_ms(found.at)}
    return Response(msgspec.json.encode(body), media_type="application/json")


async def autocomplete(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    body = await _json_body(request, settings)
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_fields", "body must be a JSON object")
    try:
        fields = CompletionRequest.model_validate(body)
    except ValidationError as exc:
        raise _invalid(exc) from None
    _check_size(fields.code, "code", settings.max_document_bytes)
    length = utf16_length(fields.code)
    if fields.cursor_position > length:
        raise ApiError(
            422,
            "invalid_fields",
            f"cursorPosition: {fields.cursor_position} is past the end of code "
            f"({length} UTF-16 units)",
        )
    if Document(fields.code).splits_pair(fields.cursor_position):
        raise ApiError(
            422,
            "invalid_fields",
            "cursorPosition: splits a surrogate pair (positions count UTF-16 units)",
        )
    with metrics.AUTOCOMPLETE.time():
        suggestion = complete(fields.code, fields.cursor_position, fields.language)
    return JSONResponse({"suggestion": suggestion})


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    hub: RoomHub = request.app.state.hub
    store: Store = request.app.state.store
    if not hub.ready:
        return JSONResponse({"status": "not listening for notifications"}, status_code=503)
    try:
        await store.ping()
    except DATABASE_FAILURES as exc:
        return JSONResponse({"status": f"database unavailable: {exc}"}, status_code=503)
    return JSONResponse({"status": "ready"})
