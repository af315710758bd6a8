"""Running code together, end to end: two Chromium pages on two server processes.

The runner's page runs the code in its sandbox (a worker in an opaque-origin
iframe whose CSP forbids the network); the other page sees the same console.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.test_editor import (  # noqa: F401  (a fixture)
    SETTLE_SECONDS,
    PageOpener,
    browser,
    editor_text,
    expect_connected,
    room_url,
)
from tests.harness import ServerProcess, create_room

pytestmark = pytest.mark.browser


@pytest.fixture
async def open_page(browser: Browser) -> AsyncIterator[PageOpener]:  # noqa: F811
    """As test_editor's, but the name goes to the top page's storage only: the
    sandbox frame has none (reading it there throws, as it should)."""
    contexts = []
    errors: list[str] = []

    async def open_(url: str, name: str) -> Page:
        context = await browser.new_context(viewport={"width": 1280, "height": 720})
        contexts.append(context)
        await context.add_init_script(
            f"if (window === window.top) localStorage.setItem('pairpad.name', {json.dumps(name)})"
        )
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{url}: {error}"))
        await page.goto(url)
        await expect_connected(page)
        return page

    yield open_
    for context in contexts:
        await context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


# The first Python run downloads and starts Pyodide: generous on two busy cores.
PYTHON_SECONDS = 90.0


def last_entry(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("run-entry").last


async def run_and_wait(page: Page, status: str, timeout: float = SETTLE_SECONDS) -> str:
    """Run, then wait for this run's own entry (not the previous one) to end."""
    entries = page.get_by_test_id("run-entry")
    before = await entries.count()
    await page.get_by_test_id("run-button").click()
    await expect(entries).to_have_count(before + 1)
    entry = entries.nth(before)
    await expect(entry).to_have_attribute("data-status", status, timeout=timeout * 1000)
    return str(await entry.get_by_test_id("run-output").inner_text())


async def replace_code(page: Page, language: str, code: str) -> None:
    await page.get_by_test_id("language-select").select_option(language)
    await page.locator(".cm-content").click()
    await page.keyboard.press("Control+a")
    await page.keyboard.press("Delete")
    await page.keyboard.insert_text(code)


async def test_python_javascript_and_typescript_runs_are_shared(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """Each run's output, stdout and stderr apart, reaches the other page's console."""
    room = await create_room(
        two_servers[0], 'print("hello from python")\nraise ValueError("boom")\n', "python"
    )
    ada = await open_page(room_url(two_servers[0], room), "Ada")
    bob = await open_page(room_url(two_servers[1], room), "Bob")
    await ada.get_by_test_id("run-button").click()
    await expect(ada.get_by_test_id("pyodide-progress")).to_be_visible(timeout=10_000)
    entry = last_entry(ada)
    await expect(entry).to_have_attribute("data-status", "error", timeout=PYTHON_SECONDS * 1000)
    output = await entry.get_by_test_id("run-output").inner_text()
    assert "hello from python" in output and "ValueError: boom" in output
    # The traceback starts at the room's code, not in Pyodide's own frames.
    assert 'File "<room>", line 2, in <module>' in output and "_pyodide" not in output
    assert 'raise ValueError("boom")' in output  # the line itself, quoted as CPython would
    stderr = await entry.locator('[data-stream="stderr"]').all_inner_texts()
    assert any("ValueError: boom" in text for text in stderr)
    theirs = last_entry(bob)
    await expect(theirs).to_have_attribute("data-status", "error", timeout=SETTLE_SECONDS * 1000)
    assert await theirs.get_by_test_id("run-output").inner_text() == output
    await expect(theirs).to_contain_text("Ada")

    # Python again, warm this time.
    await replace_code(
        ada, "python", "import sys\nprint(sum(range(10)))\nprint('e', file=sys.stderr)\n"
    )
    assert "45" in await run_and_wait(ada, "ok")

    await replace_code(ada, "javascript", "console.log('js', 1 + 1);\nconsole.error('careful');\n")
    assert await run_and_wait(ada, "ok") == "js 2\ncareful\n"
    bobs = last_entry(bob)
    await expect(bobs.get_by_test_id("run-output")).to_have_text(
        "js 2\ncareful\n", timeout=SETTLE_SECONDS * 1000
    )
    await expect(bobs).to_have_attribute("data-status", "ok", timeout=SETTLE_SECONDS * 1000)

    # A JavaScript error's stack names the room's code, not the blob: URL it ran from.
    await replace_code(
        ada, "javascript", 'const x = 1;\nfunction f() { throw new Error("bad"); }\nf();\n'
    )
    failed = await run_and_wait(ada, "error")
    assert "Error: bad" in failed and "<room>:2:" in failed and "blob:" not in failed

    ts = "interface P { x: number }\nconst p: P = { x: 41 };\nconsole.log(`ts ${p.x + 1}`);\n"
    await replace_code(ada, "typescript", ts)
    assert await run_and_wait(ada, "ok") == "ts 42\n"
    await expect(last_entry(bob)).to_contain_text("ts 42", timeout=SETTLE_SECONDS * 1000)
    # Several runs, each its own entry, on both pages.
    assert await bob.get_by_test_id("run-entry").count() >= 4
    # Someone who comes later sees the room's last run, from hello.
    await expect(last_entry(bob)).to_have_attribute("data-status", "ok", timeout=10_000)
    cy = await open_page(room_url(two_servers[1], room), "Cy")
    await expect(cy.get_by_test_id("run-entry")).to_have_count(1)
    await expect(last_entry(cy)).to_contain_text("the room's last run")
    await expect(last_entry(cy).get_by_test_id("run-output")).to_have_text("ts 42\n")


async def test_endless_loops_end_at_the_limit_or_on_stop_and_the_editor_stays_live(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """An endless loop is ended by the time limit or by Stop, a print flood by the
    room's output limit; meanwhile the editor takes keystrokes."""
    room = await create_room(two_servers[0], "while (true) {}\n", "javascript")
    ada = await open_page(room_url(two_servers[0], room) + "?runTimeLimitMs=2000", "Ada")
    bob = await open_page(room_url(two_servers[1], room), "Bob")
    await expect(ada.get_by_test_id("run-limit")).to_have_text("limit 2 s")
    await ada.get_by_test_id("run-button").click()
    await expect(last_entry(ada)).to_have_attribute("data-status", "running")
    await ada.locator(".cm-content").click()
    await ada.keyboard.press("Control+End")
    await ada.keyboard.type("// typed while it ran")
    assert "typed while it ran" in (await editor_text(ada) or "")
    await expect(last_entry(ada)).to_have_attribute("data-status", "timeout", timeout=10_000)
    await expect(last_entry(bob)).to_have_attribute("data-status", "timeout", timeout=10_000)
    # The typing made a new version: the run says which one it ran.
    await expect(last_entry(ada).get_by_test_id("run-version")).to_have_text(
        " — ran version 0; the text has changed since", timeout=10_000
    )

    # A print flood ends itself where the room stops sharing its output.
    await replace_code(bob, "javascript", "let i = 0;\nwhile (true) console.log(i++);\n")
    await bob.get_by_test_id("run-button").click()
    await expect(last_entry(bob)).to_have_attribute("data-status", "stopped", timeout=10_000)
    await expect(last_entry(ada)).to_have_attribute("data-status", "stopped", timeout=10_000)
    await expect(bob.get_by_test_id("shared-limit")).to_be_visible(timeout=10_000)

    # Bob's page has the default 10 s limit: Stop ends his endless loop first.
    await replace_code(bob, "javascript", "while (true) {}\n")
    await bob.get_by_test_id("run-button").click()
    await expect(last_entry(bob)).to_have_attribute("data-status", "running")
    await bob.locator(".cm-content").click()
    await bob.keyboard.press("Control+End")
    await bob.keyboard.type("\n// still typing")
    await expect(bob.locator(".cm-content")).to_contain_text("still typing")
    await bob.get_by_test_id("stop-button").click()
    await expect(last_entry(bob)).to_have_attribute("data-status", "stopped")
    await expect(last_entry(ada)).to_have_attribute("data-status", "stopped", timeout=10_000)


async def test_code_in_the_sandbox_cannot_reach_the_network(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """fetch and XMLHttpRequest to Pairpad's own server fail inside the sandbox."""
    target = f"{two_servers[0].http}/rooms"
    code = f"""
try {{ await fetch("{target}"); console.log("fetch reached the server"); }}
catch (e) {{ console.log("fetch refused"); }}
try {{
  const x = new XMLHttpRequest();
  x.open("GET", "{target}", false);
  x.send();
  console.log("xhr reached the server", x.status);
}} catch (e) {{ console.log("xhr refused"); }}
try {{ new Worker("data:text/javascript,1"); console.log("forked"); }}
catch (e) {{ console.log("no workers"); }}
"""
    room = await create_room(two_servers[0], code, "javascript")
    ada = await open_page(room_url(two_servers[0], room), "Ada")
    output = await run_and_wait(ada, "ok")
    assert output == "fetch refused\nxhr refused\nno workers\n"
    await asyncio.sleep(0)
