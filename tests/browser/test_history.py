"""History in the browser: scrub, play, restore while a peer types, undo the restore."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.test_editor import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    SETTLE_SECONDS,
    PageOpener,
    browser,
    editor_text,
    open_page,
    place_cursor,
    room_url,
    wait_converged,
)
from tests.harness import ServerProcess, create_room, room_state

pytestmark = pytest.mark.browser

MS = SETTLE_SECONDS * 1000


async def shown_text(page: Page) -> str:
    """The read-only view's text (a small document: every line is rendered)."""
    lines = await page.locator("[data-testid=history-content] .cm-line").all_inner_texts()
    return "\n".join(lines).rstrip("\n")


async def go_to_version(page: Page, version: int) -> None:
    panel = page.get_by_test_id("history-panel")
    await panel.focus()
    await page.keyboard.press("Home")
    for _ in range(version):
        await page.keyboard.press("ArrowRight")
    await expect(panel).to_have_attribute("data-version", str(version), timeout=MS)


async def test_scrub_play_restore_while_a_peer_types_then_undo(
    two_servers: list[ServerProcess],
    open_page: PageOpener,  # noqa: F811
) -> None:
    """Ada restores an old version while Bob types: both end on the old text plus
    what Bob typed after the restore; Ada's undo takes the restore back."""
    room_id = await create_room(two_servers[0], "line one\nline two\nline three\n")
    ada = await open_page(room_url(two_servers[0], room_id), "Ada")
    bob = await open_page(room_url(two_servers[1], room_id), "Bob")

    await place_cursor(ada, 1)
    await ada.keyboard.type(" A1", delay=20)
    await place_cursor(bob, 3)
    await bob.keyboard.type(" B1", delay=20)
    old_text = await wait_converged([ada, bob], two_servers[0], room_id)
    old_version = (await room_state(two_servers[0], room_id))["version"]
    await place_cursor(ada, 1)
    await ada.keyboard.type(" A2", delay=20)
    await place_cursor(bob, 3)
    await bob.keyboard.type(" B2", delay=20)
    newer_text = await wait_converged([ada, bob], two_servers[0], room_id)
    head = (await room_state(two_servers[0], room_id))["version"]

    # Open on the newest version, then scrub back a step at a time.
    await ada.get_by_test_id("history-button").click()
    panel = ada.get_by_test_id("history-panel")
    await expect(panel).to_have_attribute("data-version", str(head), timeout=MS)
    assert await shown_text(ada) == newer_text.rstrip("\n")
    await panel.focus()
    await ada.keyboard.press("ArrowLeft")
    await expect(panel).to_have_attribute("data-version", str(head - 1), timeout=MS)
    assert "Bob" in await ada.get_by_test_id("history-author").inner_text()
    await expect(ada.locator(".cm-history-inserted, .cm-history-deleted").first).to_be_attached()
    await go_to_version(ada, old_version)
    assert await shown_text(ada) == old_text.rstrip("\n")
    ARTIFACTS.mkdir(exist_ok=True)
    await ada.screenshot(path=str(ARTIFACTS / "history-panel.png"))

    # Play from the start at 16x to the end.
    await ada.get_by_test_id("history-speed").select_option("16")
    await panel.focus()
    await ada.keyboard.press("Home")
    await ada.get_by_test_id("history-play").click()
    await expect(panel).to_have_attribute("data-playing", "true", timeout=MS)
    await expect(panel).to_have_attribute("data-playing", "false", timeout=MS)
    await expect(panel).to_have_attribute("data-version", str(head), timeout=MS)
    assert await shown_text(ada) == newer_text.rstrip("\n")

    # Back to the old version; restore it while Bob keeps typing on line 2.
    await go_to_version(ada, old_version)
    await place_cursor(bob, 2)
    typed = " bob keeps typing here"
    typing = asyncio.create_task(bob.keyboard.type(typed, delay=60))
    await asyncio.sleep(0.5)
    # Ada's timeline grows with Bob's typing while she looks back.
    for _ in range(100):
        if int(await panel.get_attribute("data-head") or 0) > head:
            break
        await asyncio.sleep(0.1)
    assert int(await panel.get_attribute("data-head") or 0) > head
    before_restore = (await room_state(two_servers[0], room_id))["version"]
    await ada.get_by_test_id("history-restore").click()
    await expect(panel).to_have_count(0)
    await typing
    restored = await wait_converged([ada, bob], two_servers[0], room_id)
    lines, old_lines = restored.split("\n"), old_text.split("\n")
    assert lines[0] == old_lines[0] == "line one A1"
    assert lines[2] == old_lines[2] == "line three B1"
    later = lines[1].removeprefix("line two")
    assert lines[1].startswith("line two") and later and typed.endswith(later)
    async with httpx.AsyncClient(base_url=two_servers[1].http) as http:
        since = await http.get(f"/rooms/{room_id}/history", params={"after": before_restore})
    authors = [u["name"] for u in since.json()["updates"]]
    assert authors.count("Ada") == 1 and set(authors) <= {"Ada", "Bob"}  # one update

    # One undo in Ada's editor takes the whole restore back, and Bob's typing stays.
    await ada.keyboard.press("Control+z")
    undone = await wait_converged([ada, bob], two_servers[0], room_id)
    lines = undone.split("\n")
    assert lines[0] == "line one A1 A2"
    assert lines[2] == "line three B1 B2"
    assert lines[1].startswith("line two")
    assert Counter(lines[1].removeprefix("line two")) == Counter(typed)
    assert await editor_text(bob) == undone

    # Escape closes the panel and the keyboard is back in the live editor.
    await ada.get_by_test_id("history-button").click()
    await expect(panel).to_be_visible()
    await ada.keyboard.press("Escape")
    await expect(panel).to_have_count(0)
    await ada.keyboard.type("#")
    assert "#" in await wait_converged([ada, bob], two_servers[0], room_id)


async def focus_is_in_editor(page: Page) -> bool:
    focused: bool = await page.evaluate(
        "document.activeElement?.closest('[data-testid=editor]') != null"
    )
    return focused


async def test_keys_never_reach_the_live_editor_under_the_panel(
    two_servers: list[ServerProcess],
    open_page: PageOpener,  # noqa: F811
) -> None:
    """With History open, no Tab or Shift+Tab reaches the covered live editor, so
    nothing typed there changes the room; Escape brings the keyboard back to it."""
    initial = "shared text\n"
    room_id = await create_room(two_servers[0], initial)
    ada = await open_page(room_url(two_servers[0], room_id), "Ada")
    bob = await open_page(room_url(two_servers[1], room_id), "Bob")

    # The audit's steps: into the panel from the keyboard, then back out of it.
    await ada.get_by_test_id("history-button").focus()
    await ada.keyboard.press("Enter")
    panel = ada.get_by_test_id("history-panel")
    await expect(panel).to_be_focused(timeout=MS)
    await ada.keyboard.press("Shift+Tab")
    await ada.keyboard.type("oops", delay=20)

    # Whatever reached the editor went out before the marker typed after closing.
    await panel.focus()
    await ada.keyboard.press("Escape")
    await expect(panel).to_have_count(0)
    assert await focus_is_in_editor(ada)
    await ada.keyboard.type("#")
    text = await wait_converged([ada, bob], two_servers[0], room_id)
    assert text.replace("#", "", 1) == initial

    await ada.get_by_test_id("history-button").click()
    await expect(panel).to_be_focused(timeout=MS)
    for key in ["Tab"] * 8 + ["Shift+Tab"] * 8:
        await ada.keyboard.press(key)
        assert not await focus_is_in_editor(ada), f"{key} reached the live editor"


@pytest.mark.parametrize("width, height", [(375, 700), (600, 800)])
async def test_every_history_control_fits_a_narrow_window(
    two_servers: list[ServerProcess],
    open_page: PageOpener,  # noqa: F811
    width: int,
    height: int,
) -> None:
    """On a phone-sized window the panel's controls wrap: each is on screen, and
    the page does not scroll sideways."""
    room_id = await create_room(two_servers[0], "x = 1  # " + "a long line " * 40 + "\n")
    ada = await open_page(room_url(two_servers[0], room_id), "Ada Lovelace-Byron")
    await ada.set_viewport_size({"width": width, "height": height})
    await ada.get_by_test_id("history-button").click()
    panel = ada.get_by_test_id("history-panel")
    await expect(panel).not_to_have_attribute("data-version", "", timeout=MS)

    controls = ["play", "speed", "slider", "meta", "restore", "close"]
    for control in controls:
        box = await ada.get_by_test_id(f"history-{control}").bounding_box()
        assert box is not None, control
        assert 0 <= box["x"] <= width - box["width"], (control, box)
        assert 0 <= box["y"] <= height - box["height"], (control, box)
    scroll_width = await ada.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= await ada.evaluate("innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    await ada.screenshot(path=str(ARTIFACTS / f"history-panel-{width}px.png"))
