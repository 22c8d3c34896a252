"""A real browser (Debian's chromium driven by Playwright) plays an episode page served by `narrate serve`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from narrate.publish import list_episodes, publish_episode
from test_publish_support import make_episode, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--autoplay-policy=no-user-gesture-required"]


def _browser(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def playwright_api():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no chromium browser at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        yield playwright


def _episode_output(root: Path) -> Path:
    out = root / "out"
    record = make_episode(out, "Chapters in a browser", seconds=9.0, chapter_titles=("One", "Two", "Three"),
                          author="Test Author", description="A tone in three parts.")
    publish_episode(out, record)
    return out


def test_clicking_a_chapter_seeks_the_served_player(playwright_api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = _episode_output(tmp_path)
    entry = list_episodes(out)[0]
    with running_server(out) as url:
        browser = _browser(playwright_api)
        try:
            page = browser.new_page()
            page.goto(f"{url}/{entry.page}")
            page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
            page.evaluate("document.getElementById('player').play()")
            page.wait_for_function("document.getElementById('player').currentTime > 0.2", timeout=15_000)
            page.get_by_role("button", name="Three").click()
            page.wait_for_function("document.getElementById('player').currentTime >= 6.0", timeout=10_000)
            now = page.evaluate("document.getElementById('player').currentTime")
            assert 6.0 <= now < 7.5  # the third chapter starts at 6 s
            assert page.evaluate("document.getElementById('player').paused") is False
            page.wait_for_selector("ol.chapters li.current >> text=Three", timeout=5_000)
            page.screenshot(path=str(tmp_path / "episode.png"), full_page=True)
        finally:
            browser.close()


def test_page_works_from_disk(playwright_api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = _episode_output(tmp_path)
    entry = list_episodes(out)[0]
    browser = _browser(playwright_api)
    try:
        page = browser.new_page()
        page.goto((out / entry.page).resolve().as_uri())
        assert page.locator("ol.chapters button").count() == 3
        assert "Spoken words of the part called Two & more." in page.locator(".transcript").inner_text()
        page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
        page.get_by_role("button", name="Two").click()
        page.wait_for_function("document.getElementById('player').currentTime >= 3.0", timeout=10_000)
    finally:
        browser.close()
