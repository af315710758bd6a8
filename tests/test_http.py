"""The HTTP routes of PROTOCOL.md and every error they document."""

from __future__ import annotations

import httpx
import pytest

from tests.harness import ServerProcess


@pytest.fixture
async def http(server: ServerProcess) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.http, timeout=30)


async def test_create_room_with_defaults(http: httpx.AsyncClient) -> None:
    response = await http.post("/rooms")
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 0
    assert body["language"] == "python"
    assert body["url"] == f"/room/{body['roomId']}"
    assert len(body["roomId"]) >= 22  # 128 random bits


async def test_create_room_with_text_and_language(http: httpx.AsyncClient) -> None:
    created = await http.post("/rooms", json={"text": "let a\r\nb\rc", "language": "typescript"})
    room = (await http.get(f"/rooms/{created.json()['roomId']}")).json()
    assert room["text"] == "let a\nb\nc"  # \r\n and \r become \n
    assert (room["language"], room["version"]) == ("typescript", 0)


async def test_room_ids_are_distinct(http: httpx.AsyncClient) -> None:
    ids = {(await http.post("/rooms")).json()["roomId"] for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{oops", 400, "malformed_json"),
        (b'{"text": 5}', 422, "invalid_fields"),
        (b'{"language": "klingon"}', 422, "invalid_fields"),
        (b'{"language": 3}', 422, "invalid_fields"),
        (b'{"colour": "red"}', 422, "invalid_fields"),
        (b'["text"]', 422, "invalid_fields"),
        (b'{"text": "a\\u0000b"}', 422, "invalid_fields"),
        (b'{"text": "\\ud800"}', 422, "invalid_fields"),
        # Python's json module takes these; JSON does not.
        (b'{"text": NaN}', 400, "malformed_json"),
        (b"Infinity", 400, "malformed_json"),
        ('{"text": "x"}'.encode("utf-16"), 400, "malformed_json"),
        (b'{"text": "\xed\xa0\x80"}', 400, "malformed_json"),  # a surrogate in UTF-8
    ],
)
async def test_create_room_rejects_bad_bodies(
    http: httpx.AsyncClient, body: bytes, status: int, code: str
) -> None:
    response = await http.post("/rooms", content=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


async def test_create_room_text_over_one_mib_is_413(http: httpx.AsyncClient) -> None:
    response = await http.post("/rooms", json={"text": "é" * (512 * 1024 + 1)})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "text_too_large"


async def test_body_over_eight_mib_is_413(http: httpx.AsyncClient) -> None:
    response = await http.post("/rooms", content=b" " * (8 * 1024 * 1024 + 1))
    assert response.status_code == 413


async def test_get_room_errors(http: httpx.AsyncClient) -> None:
    bad = await http.get("/rooms/no")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_room_id")
    missing = await http.get("/rooms/NoSuchRoom_1234")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "room_not_found")


async def test_json_deeper_than_the_parser_is_400_and_the_connection_serves_on(
    http: httpx.AsyncClient,
) -> None:
    for path, body in [  # all on one keep-alive connection
        ("/autocomplete", b"[" * 100_000 + b"]" * 100_000),
        ("/rooms", b'{"text": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"),
        ("/rooms", b'{"a": ' * 5_000 + b"1" + b"}" * 5_000),
    ]:
        deep = await http.post(path, content=body)
        assert (deep.status_code, deep.json()["error"]["code"]) == (400, "malformed_json")
    assert (await http.post("/rooms")).status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/rooms/NoSuchRoom_1234/", 404, "not_found"),
        ("GET", "/rooms/NoSuchRoom_1234/comments", 404, "not_found"),
        ("GET", "/no/such/path", 404, "not_found"),
        ("PUT", "/rooms", 405, "method_not_allowed"),
        ("DELETE", "/rooms/NoSuchRoom_1234", 405, "method_not_allowed"),
    ],
)
async def test_what_no_route_answers_has_the_error_body(
    http: httpx.AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await http.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


async def test_a_browser_that_asks_for_no_page_gets_the_app_with_404(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/no/such/page", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).status_code == 200
    assert (await http.get("/readyz")).status_code == 200


async def test_room_page_is_served(http: httpx.AsyncClient) -> None:
    room = (await http.post("/rooms")).json()["roomId"]
    page = await http.get(f"/room/{room}")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]


async def test_autocomplete_answers_a_suggestion(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/autocomplete", json={"code": "print(len(x", "cursorPosition": 11, "language": "python"}
    )
    assert response.status_code == 200
    assert isinstance(response.json()["suggestion"], str)


async def test_autocomplete_counts_utf16_units(http: httpx.AsyncClient) -> None:
    code = "# 😀\nprint(len(x"
    response = await http.post(
        "/autocomplete", json={"code": code, "cursorPosition": len(code) + 1, "language": "python"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"nope", 400),
        (b'{"code": "x", "cursorPosition": 2, "language": "python"}', 422),
        (b'{"code": "x", "cursorPosition": -1, "language": "python"}', 422),
        (b'{"code": "x", "cursorPosition": "0", "language": "python"}', 422),
        (b'{"code": "x", "cursorPosition": true, "language": "python"}', 422),
        (b'{"code": 1, "cursorPosition": 0, "language": "python"}', 422),
        (b'{"code": "x", "cursorPosition": 0, "language": "Py thon"}', 422),
        (b'{"code": "x", "cursorPosition": 0, "language": ""}', 422),
        (b'{"code": "x", "cursorPosition": 0}', 422),
        ('{"code": "a😀b", "cursorPosition": 2, "language": "python"}'.encode(), 422),
    ],
)
async def test_autocomplete_rejects_bad_requests(
    http: httpx.AsyncClient, body: bytes, status: int
) -> None:
    response = await http.post("/autocomplete", content=body)
    assert response.status_code == status
    assert response.json()["error"]["message"]


async def test_autocomplete_code_over_limit_is_413(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/autocomplete",
        json={"code": "x" * (1024 * 1024 + 1), "cursorPosition": 0, "language": "python"},
    )
    assert response.status_code == 413
