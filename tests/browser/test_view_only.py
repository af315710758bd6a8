"""View-only links and following in Chromium: an editor's page and a viewer's page
on two processes. The viewer sees edits live, cannot type, follows the editor's
cursor off-screen in a long document, and stops following when it scrolls."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser import test_editor
from tests.browser.test_editor import SETTLE_SECONDS, PageOpener, editor_text, room_url
from tests.harness import ServerProcess

# The browser and its pages, as the editor's tests set them up.
browser = test_editor.browser
open_page = test_editor.open_page

pytestmark = pytest.mark.browser

LONG_TEXT = "".join(f"line {n}\n" for n in range(1, 401))


async def new_room(server: ServerProcess, text: str) -> tuple[str, str]:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{server.http}/rooms", json={"text": text})
    response.raise_for_status()
    body = response.json()
    return body["roomId"], body["viewId"]


async def scroll_top(page: Page) -> float:
    top: float = await page.evaluate("document.querySelector('.cm-scroller').scrollTop")
    return top


async def caret_on_screen(page: Page, client_id: str) -> bool:
    """Whether the peer's caret is drawn inside the visible part of the editor."""
    visible: bool = await page.evaluate(
        """(id) => {
            const caret = document.querySelector(
                `[data-testid=peer-caret][data-client-id="${id}"]`);
            if (!caret) return false;
            const box = document.querySelector('.cm-scroller').getBoundingClientRect();
            const at = caret.getBoundingClientRect();
            return at.top >= box.top && at.bottom <= box.bottom;
        }""",
        client_id,
    )
    return visible


async def client_id_in_list(page: Page, name: str) -> str:
    """The client id of the participant called `name` in `page`'s list."""
    entry = page.get_by_test_id("peer").filter(has_text=name)
    await expect(entry).to_have_count(1, timeout=SETTLE_SECONDS * 1000)
    client_id = await entry.get_attribute("data-client-id")
    assert client_id
    return client_id


async def wait_for(predicate: object, what: str, timeout: float = SETTLE_SECONDS) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if await predicate():  # type: ignore[operator]
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.1)


async def test_a_viewer_watches_follows_the_typist_and_stops_when_it_scrolls(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    first, second = two_servers
    room, view = await new_room(first, LONG_TEXT)
    ada = await open_page(room_url(first, room), "Ada")
    viewer = await open_page(room_url(second, view), "Watcher")

    # The page says it only watches; the room id is nowhere in it.
    await expect(viewer.get_by_test_id("view-only")).to_be_visible()
    await expect(viewer.get_by_test_id("editor")).to_have_attribute("data-read-only", "true")
    await expect(viewer.get_by_test_id("language-select")).to_be_disabled()
    assert room not in await viewer.content()
    await expect(ada.get_by_test_id("viewer-count")).to_have_text("1 watching")
    await expect(ada.get_by_test_id("view-only")).to_have_count(0)
    # A viewer watches runs but cannot start one, and may look back but not restore.
    await expect(viewer.get_by_test_id("run-button")).to_have_count(0)
    await expect(ada.get_by_test_id("run-button")).to_be_visible()
    await viewer.get_by_test_id("history-button").click()
    await expect(viewer.get_by_test_id("history-panel")).to_be_visible()
    await expect(viewer.get_by_test_id("history-restore")).to_have_count(0)
    await viewer.get_by_test_id("history-close").click()

    # Copy link offers both links to the editor, only the view link to the viewer.
    await ada.get_by_test_id("copy-link").click()
    edit_link = await ada.get_by_test_id("copy-edit-link").get_attribute("data-link")
    view_link = await ada.get_by_test_id("copy-view-link").get_attribute("data-link")
    assert edit_link is not None and edit_link.endswith(f"/room/{room}")
    assert view_link is not None and view_link.endswith(f"/room/{view}")
    viewer_link = await viewer.get_by_test_id("copy-view-link").get_attribute("data-link")
    assert viewer_link is not None and viewer_link.endswith(f"/room/{view}")
    await expect(viewer.get_by_test_id("copy-edit-link")).to_have_count(0)

    # Ada types at the end of a long document: the viewer sees it live and, as a
    # viewer follows whoever types by default, scrolls there.
    assert await scroll_top(viewer) == 0
    await expect(viewer.get_by_test_id("follow-status")).to_contain_text("whoever types")
    ada_id = await client_id_in_list(viewer, "Ada")
    await ada.locator(".cm-content").click()
    await ada.keyboard.press("Control+End")
    await ada.keyboard.type("typed at the end", delay=20)
    expected = LONG_TEXT + "typed at the end"

    async def viewer_caught_up() -> bool:
        return await editor_text(viewer) == expected

    await wait_for(viewer_caught_up, "the viewer has Ada's edit")

    async def followed_down() -> bool:
        return await caret_on_screen(viewer, ada_id) and await scroll_top(viewer) > 1000

    await wait_for(followed_down, "Ada's caret, at the end, is on the viewer's screen")
    await expect(viewer.get_by_test_id("follow-status")).to_contain_text("Following Ada")

    # The viewer scrolls up itself: following stops, and Ada's next edits far
    # away no longer move its view.
    await viewer.locator(".cm-scroller").hover()
    await viewer.mouse.wheel(0, -3000)
    await expect(viewer.get_by_test_id("follow-status")).to_have_count(0)
    await asyncio.sleep(0.3)
    parked = await scroll_top(viewer)
    assert parked > 0
    await ada.keyboard.press("Control+Home")
    await ada.keyboard.type("top ", delay=20)
    expected = "top " + expected
    await wait_for(viewer_caught_up, "the viewer has Ada's second edit")
    await asyncio.sleep(0.5)
    assert abs(await scroll_top(viewer) - parked) < 2
    assert not await caret_on_screen(viewer, ada_id)

    # The viewer cannot type.
    await viewer.locator(".cm-content").click()
    await viewer.keyboard.type("nope")
    await asyncio.sleep(0.5)
    assert await editor_text(viewer) == expected
    assert await editor_text(ada) == expected


async def test_an_editor_follows_a_participant_it_clicks(
    two_servers: list[ServerProcess], open_page: PageOpener
) -> None:
    """Click a name in the list: your view keeps their cursor on screen; your own
    scroll ends it."""
    first, second = two_servers
    room, _view = await new_room(first, LONG_TEXT)
    ada = await open_page(room_url(first, room), "Ada")
    bob = await open_page(room_url(second, room), "Bob")
    ada_id = await client_id_in_list(bob, "Ada")
    ada_in_bobs_list = bob.locator(f"[data-testid=peer][data-client-id='{ada_id}'] button")
    await ada_in_bobs_list.click()
    await expect(ada_in_bobs_list).to_have_attribute("data-following", "true")
    # Ada goes to the middle of the document and scrolls there; Bob's view follows.
    await ada.locator(".cm-content").click()
    for _ in range(200):
        await ada.keyboard.press("ArrowDown")
    # Bob may see Ada's caret on the way down before her last position arrives:
    # wait for where she ends up, far down the document.

    async def followed_down() -> bool:
        return await caret_on_screen(bob, ada_id) and await scroll_top(bob) > 1000

    await wait_for(followed_down, "Ada's caret, 200 lines down, is on Bob's screen")
    await bob.locator(".cm-scroller").hover()
    await bob.mouse.wheel(0, 2000)
    await expect(ada_in_bobs_list).to_have_attribute("data-following", "false")
    # Following again: a press on the line numbers ends it too. That press, like a
    # drag of the scrollbar, lands outside the text itself.
    await ada_in_bobs_list.click()
    await expect(ada_in_bobs_list).to_have_attribute("data-following", "true")
    await bob.locator(".cm-gutters").click()
    await expect(ada_in_bobs_list).to_have_attribute("data-following", "false")
