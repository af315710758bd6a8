"""Every HTTP error in PROTOCOL.md's body, `{"error": {"code", "message"}}`.

Routes raise `ApiError`. The handlers here give the same body to what Starlette
answers by itself (an unknown path, a method a route does not take), to a database
that failed mid-request (503, try again), and to anything unexpected (500), which
Starlette still logs with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ExceptionHandler

from service.dbfailures import DATABASE_FAILURES

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message)


async def starlette_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _CODES.get(exc.status_code, "http_error")
    message = {
        404: f"no such path: {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }.get(exc.status_code, str(exc.detail))
    return error_response(exc.status_code, code, message, exc.headers)


async def _database_failed(request: Request, exc: Exception) -> Response:
    if request.scope["type"] != "http":
        raise exc  # a socket's failures are the socket's to answer (1011)
    log.warning("%s %s: database failed: %r", request.method, request.url.path, exc)
    return error_response(
        503, "database_unavailable", "the database did not answer; try again", {"Retry-After": "1"}
    )


async def _unexpected(_request: Request, _exc: Exception) -> Response:
    return error_response(500, "internal_error", "the server failed; the failure is logged")


def exception_handlers() -> dict[type[Exception] | int, ExceptionHandler]:
    handlers: dict[type[Exception] | int, ExceptionHandler] = {
        ApiError: _api_error,
        HTTPException: starlette_error,
        Exception: _unexpected,
    }
    for failure in DATABASE_FAILURES:
        handlers[failure] = _database_failed
    return handlers
