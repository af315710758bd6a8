"""The web client end to end: headless Chromium against real server processes.

Each page talks to its own process; both processes share one database, so every
keystroke that reaches the other page went through Postgres. Needs `web/dist`
(`cd web && npm ci && npm run build`) and Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.harness import PROJECT_ROOT, ServerProcess, create_room, room_state, servers

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WEB_DIST = PROJECT_ROOT / "web" / "dist" / "index.html"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# Generous: two shared cores run two servers, Postgres and two browser pages.
SETTLE_SECONDS = 20.0


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    assert WEB_DIST.is_file(), "build the web client first: cd web && npm ci && npm run build"
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


PageOpener = Callable[..., Awaitable[Page]]


@pytest.fixture
async def open_page(browser: Browser) -> AsyncIterator[PageOpener]:
    """Opens a page in a browser context of its own (its own storage: another person)."""
    contexts = []
    errors: list[str] = []

    async def open_(url: str, name: str | None = None, wait_connected: bool = True) -> Page:
        context = await browser.new_context(viewport={"width": 1280, "height": 720})
        contexts.append(context)
        if name is not None:
            await context.add_init_script(
                f"localStorage.setItem('pairpad.name', {json.dumps(name)})"
            )
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{url}: {error}"))
        await page.goto(url)
        if wait_connected:
            await expect_connected(page)
        return page

    yield open_
    for context in contexts:
        await context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


async def expect_connected(page: Page, timeout: float = SETTLE_SECONDS) -> None:
    status = page.get_by_test_id("connection-status")
    await expect(status).to_have_attribute("data-status", "connected", timeout=timeout * 1000)


async def editor_text(page: Page) -> str | None:
    text: str | None = await page.evaluate("window.pairpad?.text() ?? null")
    return text


async def pending_edits(page: Page) -> int | None:
    pending: int | None = await page.evaluate("window.pairpad?.pending() ?? null")
    return pending


async def wait_converged(
    pages: list[Page], server: ServerProcess, room_id: str, timeout: float = SETTLE_SECONDS
) -> str:
    """Until every page and the server hold one text and no page has unsent edits."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        texts = [await editor_text(page) for page in pages]
        pending = [await pending_edits(page) for page in pages]
        stored = (await room_state(server, room_id))["text"]
        if all(t == stored for t in texts) and all(p == 0 for p in pending):
            return str(stored)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"not converged: pages {texts!r}, pending {pending}, server {stored!r}"
            )
        await asyncio.sleep(0.2)


async def place_cursor(page: Page, line: int, end: bool = True) -> None:
    """Focus the editor and put the cursor at the end (or start) of `line` (1-based)."""
    await page.locator(".cm-content").click()
    await page.keyboard.press("Control+Home")
    for _ in range(line - 1):
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("End" if end else "Home")


def room_url(server: ServerProcess, room_id: str) -> str:
    return f"{server.http}/room/{room_id}"


async def test_concurrent_typing_converges_without_loss(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """Two people on two processes type at once, on separate lines and on one: nothing is lost."""
    initial = "first line\nsecond line\nthird line\n"
    room_id = await create_room(two_servers[0], initial)
    ada = await open_page(room_url(two_servers[0], room_id), "Ada")
    bob = await open_page(room_url(two_servers[1], room_id), "Bob")

    # Different lines: each word lands whole, where its typist put it.
    await place_cursor(ada, 1)
    await place_cursor(bob, 3)
    ada_words, bob_words = " alpha beta gamma", " vwxyz vyz wxz"
    await asyncio.gather(
        ada.keyboard.type(ada_words, delay=15), bob.keyboard.type(bob_words, delay=15)
    )
    text = await wait_converged([ada, bob], two_servers[0], room_id)
    assert text == f"first line{ada_words}\nsecond line\nthird line{bob_words}\n"

    # One line, one position: the order is the server's, but every character arrives.
    await place_cursor(ada, 2)
    await place_cursor(bob, 2)
    ada_same, bob_same = " aaaa bbbb " * 3, " zzzz yyyy " * 3
    await asyncio.gather(
        ada.keyboard.type(ada_same, delay=10), bob.keyboard.type(bob_same, delay=10)
    )
    text = await wait_converged([ada, bob], two_servers[0], room_id)
    expected = Counter(initial + ada_words + bob_words + ada_same + bob_same)
    assert Counter(text) == expected
    lines = text.split("\n")
    assert lines[0] == f"first line{ada_words}" and lines[2] == f"third line{bob_words}"
    assert lines[1].startswith("second line")


async def test_peer_cursor_label_and_screenshot(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """A peer's caret carries their name and follows a rename; the room is saved as a picture."""
    code = (
        "def fizzbuzz(n):\n"
        "    for i in range(1, n + 1):\n"
        "        if i % 15 == 0:\n"
        "            print('FizzBuzz')\n"
        "        elif i % 3 == 0:\n"
        "            print('Fizz')\n"
        "        else:\n"
        "            print(i)\n"
    )
    room_id = await create_room(two_servers[0], code)
    ada = await open_page(room_url(two_servers[0], room_id), "Ada Lovelace")
    grace = await open_page(room_url(two_servers[1], room_id), "Grace")

    await place_cursor(grace, 4)
    await grace.keyboard.press("Shift+Home")
    label_on_ada = ada.get_by_test_id("peer-label")
    await expect(label_on_ada).to_have_text("Grace", timeout=SETTLE_SECONDS * 1000)
    await expect(grace.get_by_test_id("peer-list")).to_contain_text("Ada Lovelace")

    name = grace.get_by_test_id("name-input")
    await name.fill("Grace Hopper")
    await expect(label_on_ada).to_have_text("Grace Hopper", timeout=SETTLE_SECONDS * 1000)
    await expect(ada.get_by_test_id("peer-list")).to_contain_text("Grace Hopper")

    await place_cursor(ada, 1)
    await ada.keyboard.type("  # n > 0", delay=20)
    await expect(grace.get_by_test_id("peer-label")).to_have_text(
        "Ada Lovelace", timeout=SETTLE_SECONDS * 1000
    )
    await wait_converged([ada, grace], two_servers[1], room_id)
    ARTIFACTS.mkdir(exist_ok=True)
    await ada.screenshot(path=str(ARTIFACTS / "two-person-room.png"))


async def test_ghost_text_appears_and_tab_accepts_it(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """After a pause in typing, a suggestion shows; Tab inserts it and one undo removes it."""
    room_id = await create_room(two_servers[0], "")
    ada = await open_page(room_url(two_servers[0], room_id), "Ada")
    bob = await open_page(room_url(two_servers[1], room_id), "Bob")

    await place_cursor(ada, 1)
    typed = "if __name__"
    await ada.keyboard.type(typed, delay=20)
    ghost = ada.get_by_test_id("ghost-text")
    await expect(ghost).to_be_visible(timeout=SETTLE_SECONDS * 1000)
    suggestion = await ghost.text_content()
    assert suggestion
    before = await editor_text(ada)
    assert before == typed

    await ada.keyboard.press("Tab")
    await expect(ghost).to_have_count(0)
    assert await editor_text(ada) == typed + suggestion
    assert await ada.evaluate("window.pairpad.selection().head") == len(typed + suggestion)
    text = await wait_converged([ada, bob], two_servers[1], room_id)
    assert text == typed + suggestion

    await ada.keyboard.press("Control+z")
    assert await editor_text(ada) == typed
    await wait_converged([ada, bob], two_servers[0], room_id)

    # Typing dismisses a suggestion; so does Escape.
    await ada.keyboard.type(" ", delay=20)
    await ada.keyboard.press("Backspace")
    await expect(ghost).to_be_visible(timeout=SETTLE_SECONDS * 1000)
    await ada.keyboard.press("Escape")
    await expect(ghost).to_have_count(0)
    assert await editor_text(ada) == typed


async def test_page_reconnects_after_its_server_is_killed(
    database_url: str, open_page: PageOpener
) -> None:
    """SIGKILL a page's server while it types; restarted on its port, the page catches up alone."""
    with servers(database_url, 2) as (first, second):
        room_id = await create_room(first, "shared\n")
        ada = await open_page(room_url(first, room_id), "Ada")
        bob = await open_page(room_url(second, room_id), "Bob")
        await place_cursor(ada, 1)
        await ada.keyboard.type(" online", delay=15)
        await wait_converged([ada, bob], second, room_id)

        first.kill()
        status = ada.get_by_test_id("connection-status")
        await expect(status).not_to_have_attribute("data-status", "connected", timeout=10_000)
        await expect(status).to_contain_text("Reconnecting")
        await place_cursor(bob, 2)
        offline, meanwhile = " typed while the server was down", "bob kept typing"
        await asyncio.gather(
            ada.keyboard.type(offline, delay=15), bob.keyboard.type(meanwhile, delay=15)
        )
        await expect(ada.get_by_test_id("sync-status")).not_to_have_attribute("data-pending", "0")
        assert await editor_text(ada) == f"shared online{offline}\n"

        first.start()
        await first.ready()
        await expect_connected(ada, timeout=30)
        text = await wait_converged([ada, bob], second, room_id, timeout=30)
        assert text == f"shared online{offline}\n{meanwhile}"
        await expect(ada.get_by_test_id("sync-status")).to_have_attribute("data-pending", "0")
        # "synced" carries the round trip of Ada's last acknowledged edit.
        await expect(ada.get_by_test_id("sync-status")).to_have_text(re.compile(r"synced · \d+ ms"))


async def test_status_tells_the_truth_when_the_connection_dies_without_a_close(
    database_url: str, open_page: PageOpener
) -> None:
    """A network gone or a frozen server sends no close: the page notices by
    itself, says so, keeps what is typed meanwhile and delivers it once, after."""
    with servers(database_url, 2) as (first, second):
        room_id = await create_room(first, "shared\n")
        ada = await open_page(room_url(first, room_id), "Ada")
        bob = await open_page(room_url(second, room_id), "Bob")
        status = ada.get_by_test_id("connection-status")

        await ada.context.set_offline(True)  # Chromium keeps the open socket
        await expect(status).to_have_attribute("data-status", "offline", timeout=2_000)
        await place_cursor(ada, 1)
        await ada.keyboard.type(" offline", delay=15)
        await ada.context.set_offline(False)
        await expect_connected(ada)
        assert await wait_converged([ada, bob], second, room_id) == "shared offline\n"

        # A server that stops answering: the push waits, then the page gives up
        # the socket (SILENCE_LIMIT_MS, 8 s) and reconnects once the server is back.
        first.pause()
        try:
            await ada.keyboard.type(" frozen", delay=15)
            await expect(status).not_to_have_attribute("data-status", "connected", timeout=12_000)
        finally:
            first.pause(False)
        await expect_connected(ada, timeout=30)
        text = await wait_converged([ada, bob], second, room_id, timeout=30)
        assert text == "shared offline frozen\n"


async def test_page_starts_over_when_the_server_lacks_its_history(
    database_url: str, open_page: PageOpener
) -> None:
    """Back after its missed updates were folded away, a page takes the server's text, says so."""
    history_off = {"PAIRPAD_FOLD_EVERY": "1", "PAIRPAD_HISTORY_KEEP": "0"}
    with servers(database_url, 2, env=history_off) as (first, second):
        room_id = await create_room(first, "base\n")
        ada = await open_page(room_url(first, room_id), "Ada")
        bob = await open_page(room_url(second, room_id), "Bob")

        first.kill()
        await expect(ada.get_by_test_id("connection-status")).not_to_have_attribute(
            "data-status", "connected", timeout=10_000
        )
        await place_cursor(ada, 1)
        await ada.keyboard.type(" offline", delay=15)
        await place_cursor(bob, 2)
        await bob.keyboard.type("bob online", delay=15)
        await wait_converged([bob], second, room_id)

        first.start()
        await first.ready()
        await expect_connected(ada, timeout=30)
        notice = ada.get_by_test_id("notice")
        await expect(notice).to_contain_text("could not be merged", timeout=SETTLE_SECONDS * 1000)
        text = await wait_converged([ada, bob], second, room_id)
        assert text == "base\nbob online"

        # The page works on from the server's text.
        await place_cursor(ada, 1)
        await ada.keyboard.type("!", delay=15)
        assert await wait_converged([ada, bob], second, room_id) == "base!\nbob online"


async def test_language_change_reaches_everyone(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """Picking a language on one page changes it on the other page and in the stored room."""
    room_id = await create_room(two_servers[0], "const x: number = 1;\n", language="python")
    ada = await open_page(room_url(two_servers[0], room_id), "Ada")
    bob = await open_page(room_url(two_servers[1], room_id), "Bob")
    await expect(bob.get_by_test_id("language-select")).to_have_value("python")
    type_name = bob.locator(".cm-line span", has_text="number")
    await expect(type_name).to_have_count(0)

    await ada.get_by_test_id("language-select").select_option("typescript")
    await expect(bob.get_by_test_id("language-select")).to_have_value(
        "typescript", timeout=SETTLE_SECONDS * 1000
    )
    assert (await room_state(two_servers[0], room_id))["language"] == "typescript"
    # The TypeScript grammar highlights the type annotation on both pages.
    for page in (ada, bob):
        await expect(page.locator(".cm-line span", has_text="number").first).to_be_visible()


async def test_unknown_and_malformed_rooms_get_a_page(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """A room that does not exist, or an id that cannot be one, shows a page that says so."""
    missing = await open_page(f"{two_servers[0].http}/room/NoSuchRoom123", wait_connected=False)
    problem = missing.get_by_test_id("room-problem")
    await expect(problem).to_have_attribute(
        "data-reason", "room_not_found", timeout=SETTLE_SECONDS * 1000
    )
    await expect(problem).to_contain_text("does not exist")

    malformed = await open_page(f"{two_servers[0].http}/room/bad.id", wait_connected=False)
    await expect(malformed.get_by_test_id("room-problem")).to_have_attribute(
        "data-reason", "invalid_room"
    )

    # A path that is no page gets the app's "not found", with status 404.
    for path in ("/no/such/page", "/room/", "/room/NoSuchRoom123/extra"):
        lost = await open_page(f"{two_servers[0].http}{path}", wait_connected=False)
        await expect(lost.get_by_test_id("page-not-found")).to_be_visible()


async def test_home_creates_a_room_and_joins_by_link(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """The home page makes a room and opens it; pasting that link on another process joins it."""
    ada = await open_page(two_servers[0].http + "/", wait_connected=False)
    await ada.get_by_test_id("create-room").click()
    await expect_connected(ada)
    room_id = ada.url.rsplit("/room/", 1)[1]

    bob = await open_page(two_servers[1].http + "/", wait_connected=False)
    await bob.get_by_test_id("join-input").fill(ada.url)
    await bob.get_by_test_id("join-room").click()
    await expect_connected(bob)
    assert bob.url == f"{two_servers[1].http}/room/{room_id}"
    await expect(bob.get_by_test_id("peer-list")).to_contain_text("Guest")


async def test_copy_link_menu_closes_on_escape_and_on_a_click_outside(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """The Copy link menu closes on Escape (the keyboard back on its button) and on
    a click anywhere else, and stays open for a click inside it."""
    room_id = await create_room(two_servers[0], "text\n")
    ada = await open_page(room_url(two_servers[0], room_id), "Ada")
    toggle = ada.get_by_test_id("copy-link")
    edit_link = ada.get_by_test_id("copy-edit-link")

    await toggle.click()
    await edit_link.focus()
    await ada.keyboard.press("Escape")
    await expect(edit_link).to_have_count(0)
    await expect(toggle).to_be_focused()
    await expect(toggle).to_have_attribute("aria-expanded", "false")

    await toggle.click()
    await edit_link.click()
    await expect(edit_link).to_be_visible()
    await ada.locator(".cm-content").click()
    await expect(edit_link).to_have_count(0)
    await expect(toggle).to_have_attribute("aria-expanded", "false")


async def test_name_field_takes_as_many_characters_as_the_server_keeps(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """The server keeps 40 characters of a name: the field takes 40 emoji (not the
    20 that 40 UTF-16 units hold), no more, and the peer sees all 40."""
    room_id = await create_room(two_servers[0], "text\n")
    ada = await open_page(room_url(two_servers[0], room_id), "Ada")
    bob = await open_page(room_url(two_servers[1], room_id), "Bob")
    name = "😀" * 40

    await ada.get_by_test_id("name-input").fill(name + "😀")
    await expect(ada.get_by_test_id("name-input")).to_have_value(name)
    await expect(bob.get_by_test_id("peer-list")).to_contain_text(
        name, timeout=SETTLE_SECONDS * 1000
    )
