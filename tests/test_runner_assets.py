"""What the browser runs code with: the sandbox page's policy and Pyodide's caching."""

from __future__ import annotations

import json

import httpx

from tests.harness import PROJECT_ROOT, ServerProcess

PYODIDE = json.loads(
    (PROJECT_ROOT / "web" / "node_modules" / "pyodide" / "package.json").read_text()
)


async def test_sandbox_page_forbids_the_network(server: ServerProcess) -> None:
    """`/sandbox` carries a CSP with no connect, no default source, and only its own
    inlined script (by hash), blob: workers and WebAssembly allowed."""
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.http}/sandbox")
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'none'"
    assert policy["worker-src"] == "blob:"
    assert policy["sandbox"] == "allow-scripts"  # opaque origin, whoever embeds it
    assert policy["frame-ancestors"] == "'self'"
    assert policy["script-src"].startswith("'sha256-")
    assert "'self'" not in policy["script-src"] and "unsafe-inline" not in policy["script-src"]
    assert '<script type="module">' in response.text and " src=" not in response.text


async def test_pyodide_files_are_served_under_their_version_for_good(
    server: ServerProcess,
) -> None:
    """Every file the runner needs comes from Pairpad, cached immutably for a year."""
    base = f"{server.http}/pyodide/{PYODIDE['version']}"
    async with httpx.AsyncClient() as http:
        for name in [
            "pyodide.asm.mjs",
            "pyodide.asm.wasm",
            "python_stdlib.zip",
            "pyodide-lock.json",
        ]:
            response = await http.get(f"{base}/{name}")
            assert response.status_code == 200, name
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        missing = await http.get(f"{server.http}/pyodide/0.0.0/pyodide.asm.wasm")
    assert missing.status_code == 404
