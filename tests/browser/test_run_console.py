"""The run console, end to end in Chromium: what a run's JavaScript prints and how
it fails, Python's asyncio tracebacks, whose run an entry is, and the console's
size on a short window."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.test_editor import (  # noqa: F401  (a fixture)
    SETTLE_SECONDS,
    PageOpener,
    browser,
    room_url,
)
from tests.browser.test_runner import (  # noqa: F401  (a fixture)
    PYTHON_SECONDS,
    last_entry,
    open_page,
    replace_code,
    run_and_wait,
)
from tests.harness import ServerProcess, create_room

pytestmark = pytest.mark.browser


async def test_unhandled_rejections_fail_the_run_for_everyone(
    two_servers: list[ServerProcess],
    open_page: PageOpener,  # noqa: F811  (the fixture imported above)
) -> None:
    """An async function's error or a rejected promise nobody awaits ends the run as
    failed, with Chromium's `Uncaught (in promise)` line, on every page."""
    code = "async function main() { throw new Error('boom') }\nmain();\n"
    room = await create_room(two_servers[0], code, "javascript")
    ada = await open_page(room_url(two_servers[0], room), "Ada")
    bob = await open_page(room_url(two_servers[1], room), "Bob")
    output = await run_and_wait(ada, "error")
    assert output.startswith("Uncaught (in promise) Error: boom\n    at main (<room>:1:")
    theirs = last_entry(bob)
    await expect(theirs).to_have_attribute("data-status", "error", timeout=SETTLE_SECONDS * 1000)
    await expect(theirs.get_by_test_id("run-output")).to_contain_text(
        "Uncaught (in promise) Error: boom"
    )

    await replace_code(ada, "javascript", "Promise.reject(new Error('x'));\n")
    assert (await run_and_wait(ada, "error")).startswith("Uncaught (in promise) Error: x")

    # A timer set by another timer's callback still runs before the run ends.
    nested = "setTimeout(() => setTimeout(() => console.log('late'), 30), 30);\n"
    await replace_code(ada, "javascript", nested)
    assert await run_and_wait(ada, "ok") == "late\n"


async def test_javascript_values_print_as_in_a_console(
    two_servers: list[ServerProcess],
    open_page: PageOpener,  # noqa: F811  (the fixture imported above)
) -> None:
    """console.log shows values as Node's util.inspect does, not as JSON, and the
    other console methods work."""
    code = "\n".join(
        [
            "const cycle = { name: 'c' }; cycle.self = cycle;",
            "console.log([undefined, NaN, -0], 1n, new Map([['a', 1]]), new Set([2]));",
            "console.log(cycle, new Date(0), { s: 'x' });",
            "console.log('%s is %d', 'answer', 42);",
            "console.assert(1 === 2, 'maths');",
            "console.group('g'); console.count(); console.groupEnd();",
            "console.table([{ a: 1 }]);",
        ]
    )
    room = await create_room(two_servers[0], code, "javascript")
    ada = await open_page(room_url(two_servers[0], room), "Ada")
    assert await run_and_wait(ada, "ok") == "\n".join(
        [
            "[ undefined, NaN, -0 ] 1n Map(1) { 'a' => 1 } Set(1) { 2 }",
            "{ name: 'c', self: [Circular] } 1970-01-01T00:00:00.000Z { s: 'x' }",
            "answer is 42",
            "Assertion failed: maths",
            "g",
            "  default: 1",
            "┌─────────┬───┐",
            "│ (index) │ a │",
            "├─────────┼───┤",
            "│ 0       │ 1 │",
            "└─────────┴───┘",
            "",
        ]
    )


async def test_asyncio_tracebacks_show_the_rooms_frames_only(
    two_servers: list[ServerProcess],
    open_page: PageOpener,  # noqa: F811  (the fixture imported above)
) -> None:
    """An error inside asyncio.run shows the room's frames, not Pyodide's event loop."""
    code = (
        "import asyncio\n\nasync def main():\n    await asyncio.sleep(0)\n"
        "    raise ValueError('boom')\n\nasyncio.run(main())\n"
    )
    room = await create_room(two_servers[0], code, "python")
    ada = await open_page(room_url(two_servers[0], room), "Ada")
    output = await run_and_wait(ada, "error", timeout=PYTHON_SECONDS)
    assert 'File "<room>", line 7, in <module>' in output
    assert 'File "<room>", line 5, in main' in output
    assert output.rstrip().endswith("ValueError: boom")
    for internal in ("pyodide", "webloop", "blob:"):
        assert internal not in output, output


async def test_a_run_keeps_its_runners_name_after_they_leave(
    two_servers: list[ServerProcess],
    open_page: PageOpener,  # noqa: F811  (the fixture imported above)
) -> None:
    """Bob's console names Ada's run after Ada, before and after she leaves."""
    room = await create_room(two_servers[0], "console.log('hi');\n", "javascript")
    ada = await open_page(room_url(two_servers[0], room), "Ada")
    bob = await open_page(room_url(two_servers[1], room), "Bob")
    await expect(bob.get_by_test_id("peer")).to_have_count(1, timeout=SETTLE_SECONDS * 1000)
    await run_and_wait(ada, "ok")
    header = last_entry(bob).locator(".run-entry-header")
    await expect(header).to_contain_text("Ada ran javascript", timeout=SETTLE_SECONDS * 1000)
    await ada.close()
    await expect(bob.get_by_test_id("peer")).to_have_count(0, timeout=SETTLE_SECONDS * 1000)
    await expect(header).to_contain_text("Ada ran javascript")


async def test_the_console_leaves_the_editor_room_and_resizes_by_keyboard(
    two_servers: list[ServerProcess],
    open_page: PageOpener,  # noqa: F811  (the fixture imported above)
) -> None:
    """On a phone held sideways the console takes 35% of the height, and its top
    edge takes the focus and the arrow keys."""
    room = await create_room(two_servers[0], "print(1)\n", "python")
    page = await open_page(room_url(two_servers[0], room), "Ada")
    console = page.get_by_test_id("run-console")
    await expect(console).to_have_css("height", "220px")
    await page.set_viewport_size({"width": 740, "height": 360})
    await expect(console).to_have_css("height", "126px")
    editor = await page.locator(".cm-editor").bounding_box()
    assert editor is not None and editor["height"] > 120, editor

    edge = page.get_by_role("separator", name="Resize the console")
    await edge.focus()
    await expect(edge).to_be_focused()
    await expect(edge).to_have_attribute("aria-valuenow", "126")
    await page.keyboard.press("ArrowUp")
    await expect(console).to_have_css("height", "136px")
    await page.keyboard.press("Home")
    await expect(console).to_have_css("height", "60px")
    await expect(edge).to_have_attribute("aria-valuenow", "60")
    await page.keyboard.press("End")
    await expect(edge).to_have_attribute("aria-valuemax", "240")
    await expect(console).to_have_css("height", "240px")
