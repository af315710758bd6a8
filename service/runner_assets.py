"""What browsers run code with: the sandbox page and Pyodide's files.

`/sandbox` is the page of the iframe that runs code (`web/src/sandbox/`). The
page that frames it sets `sandbox="allow-scripts"`, which gives it an opaque
origin; its Content-Security-Policy forbids every kind of network access:

- `default-src 'none'` and `connect-src 'none'`: no fetch, XHR, WebSocket,
  EventSource or beacon, from the page or from its workers (a worker started
  from a blob: URL inherits the page's policy).
- `script-src 'sha256-…' blob: 'wasm-unsafe-eval'`: the page's own script,
  inlined here and allowed by its hash (a module script served from a file
  would be a CORS request from origin `null`); `blob:` because code runs as a
  module that the worker builds in memory, and because Pyodide's Emscripten
  module (`pyodide.asm.mjs`) can only be imported from a blob: URL made of the
  bytes the page hands in, since the sandbox may not fetch it;
  `'wasm-unsafe-eval'` to compile Pyodide's WebAssembly.
- `worker-src blob:`: a worker's script must be same-origin or blob:, and an
  opaque origin has nothing same-origin; the worker script is built in memory.

Pyodide's files live under `/pyodide/<version>/`, a path that changes with
the version, so they are cached for a year and never revalidated.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from os import PathLike
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
_SCRIPT_TAG = re.compile(r'<script type="module"[^>]*\ssrc="/(assets/[^"]+\.js)"></script>')
_PRELOAD_TAG = re.compile(r"<link rel=\"modulepreload\"[^>]*>\s*")


class ImmutableFiles(StaticFiles):
    """Static files whose paths are versioned: cached for good."""

    def file_response(
        self,
        full_path: str | PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = IMMUTABLE
        return response


def sandbox_csp(script_hash: str) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'sha256-{script_hash}' blob: 'wasm-unsafe-eval'",
            "worker-src blob:",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            # The opaque origin must not depend on the embedding page setting the
            # iframe's sandbox attribute, and only Pairpad's own pages may embed it.
            "sandbox allow-scripts",
            "frame-ancestors 'self'",
        ]
    )


def build_sandbox_page(dist: Path) -> tuple[str, str] | None:
    """The built sandbox page with its script inlined, and that script's hash."""
    page = dist / "sandbox.html"
    if not page.is_file():
        return None
    html = page.read_text()
    match = _SCRIPT_TAG.search(html)
    if match is None:
        raise RuntimeError(f"{page}: no module script to inline")
    # `</script` can only occur inside a string, a regex or a comment, where
    # `<\/script` means the same and does not end the element.
    script = (dist / match.group(1)).read_text().replace("</script", "<\\/script")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    inlined = _PRELOAD_TAG.sub(
        "", html.replace(match.group(0), f'<script type="module">{script}</script>')
    )
    return inlined, digest


class SandboxPage:
    """Serves `/sandbox`, rebuilt when the web client is rebuilt."""

    def __init__(self, dist: Path) -> None:
        self._dist = dist
        self._built: tuple[float, str, str] | None = None

    async def respond(self, _request: Request) -> Response:
        page = self._dist / "sandbox.html"
        mtime = page.stat().st_mtime if page.is_file() else 0.0
        if self._built is None or self._built[0] != mtime:
            built = build_sandbox_page(self._dist)
            if built is None:
                return PlainTextResponse("the web client is not built", status_code=503)
            self._built = (mtime, *built)
        _, html, digest = self._built
        return HTMLResponse(
            html,
            headers={
                "content-security-policy": sandbox_csp(digest),
                "cache-control": "no-cache",
                "x-content-type-options": "nosniff",
            },
        )


def immutable_files(scope_dir: Path) -> ImmutableFiles:
    return ImmutableFiles(directory=scope_dir, check_dir=False)
