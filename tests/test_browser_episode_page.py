"""A real browser (Debian's chromium driven by Playwright) plays an episode page served by `narrate serve`,
at desktop width (1,200 px) and at phone width (390 px)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from narrate.publish import list_episodes, publish_episode
from page_support import SECONDS, long_episode
from test_publish_support import make_episode, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--autoplay-policy=no-user-gesture-required"]
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}
BASE_URL = "https://pods.example.org/news"


def _browser(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def playwright_api():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no chromium browser at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_api):  # type: ignore[no-untyped-def]
    browser = _browser(playwright_api)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):  # type: ignore[no-untyped-def]
    """`narrate serve` hosting the long episode (published with a public base URL); yields (page URL, output)."""
    out = tmp_path_factory.mktemp("page") / "out"
    out.mkdir()
    (out / "narrate.toml").write_text(f'[show]\nbase_url = "{BASE_URL}"\n', encoding="utf-8")
    publish_episode(out, long_episode(out))
    entry = list_episodes(out)[0]
    with running_server(out) as url:
        yield f"{url}/{entry.page}", out


def _open(browser, url: str, viewport: dict, **options):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
    return context, page, errors


def _time(page) -> float:  # type: ignore[no-untyped-def]
    return page.evaluate("document.getElementById('player').currentTime")


def _settled_scroll(page) -> float:  # type: ignore[no-untyped-def]
    """The transcript's scroll position once a wheel's scroll animation has ended."""
    before = None
    for _ in range(50):
        now = page.evaluate("document.getElementById('transcript').scrollTop")
        if now == before:
            return now
        before = now
        page.wait_for_timeout(200)
    raise AssertionError("the transcript never stopped scrolling")


LINE_VISIBLE = """() => {
  const line = document.querySelector('.transcript .line.current');
  if (!line) return false;
  const box = document.getElementById('transcript').getBoundingClientRect(), r = line.getBoundingClientRect();
  return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
}"""


def test_the_current_line_follows_playback_until_the_reader_scrolls(browser, served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    context, page, errors = _open(browser, url, DESKTOP)
    try:
        page.locator("#transcript").scroll_into_view_if_needed()
        page.evaluate("""() => { const p = document.getElementById('player'); p.playbackRate = 4; p.play(); }""")
        page.wait_for_function("document.getElementById('player').currentTime > 24", timeout=20_000)
        page.wait_for_function(LINE_VISIBLE, timeout=5_000)
        assert page.evaluate("document.getElementById('transcript').scrollTop") > 100
        now = _time(page)
        current = page.locator(".transcript .line.current")
        assert abs(float(current.get_attribute("data-start")) - int(now)) <= 1
        assert page.locator(".transcript [aria-current='true']").count() == 1
        page.screenshot(path=str(tmp_path / "desktop-following.png"))

        # The reader scrolls the transcript: following stops, and a way back appears.
        page.locator("#transcript").hover()
        page.mouse.wheel(0, -2000)
        page.wait_for_function("document.getElementById('follow').getAttribute('aria-pressed') === 'false'")
        assert page.locator("#back-to-line").is_visible()
        still = _settled_scroll(page)
        page.wait_for_function("document.getElementById('player').currentTime > 40", timeout=20_000)
        assert page.evaluate("document.getElementById('transcript').scrollTop") == still
        assert not page.evaluate(LINE_VISIBLE)
        page.screenshot(path=str(tmp_path / "desktop-scrolled-away.png"))
        page.locator("#back-to-line").click()
        page.wait_for_function(LINE_VISIBLE, timeout=5_000)
        assert page.locator("#follow").get_attribute("aria-pressed") == "true"
        assert not page.locator("#back-to-line").is_visible()
        assert errors == []
    finally:
        context.close()


def test_a_quotation_is_one_passage_whose_sentences_keep_their_timing(browser, served) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    context, page, _ = _open(browser, url, DESKTOP)
    try:
        quote = page.locator(".transcript p.quote")
        assert quote.count() == 1
        text = quote.inner_text()
        assert "We could have patched the shaft in a month" in text and "So we replaced it." in text
        assert "said the yard's foreman." in text
        assert quote.locator("q").count() == 2 and quote.locator(".line").count() == 4
        assert quote.locator("q").first.evaluate("q => getComputedStyle(q, '::before').content") == "open-quote"
        page.evaluate("document.getElementById('player').currentTime = 23.3")
        page.wait_for_function("document.querySelector('.line.current')?.dataset.start === '23.000'")
        assert quote.locator(".line.current").inner_text() == "But a patch would have failed by spring."
    finally:
        context.close()


def test_keyboard_reaches_and_plays_a_transcript_line(browser, served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    context, page, errors = _open(browser, url, DESKTOP)
    try:
        assert page.evaluate("[...document.querySelectorAll('#transcript a')].filter(a => a.tabIndex === 0).length") == 1
        page.focus("#follow")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('#transcript') !== null")
        for _ in range(5):
            page.keyboard.press("ArrowDown")
        focused = page.evaluate("document.activeElement.dataset.seek")
        assert focused == "5.000"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"  # focus is visible
        page.screenshot(path=str(tmp_path / "desktop-keyboard-focus.png"))
        page.keyboard.press("Enter")
        page.wait_for_function("!document.getElementById('player').paused", timeout=10_000)
        assert 5.0 <= _time(page) < 6.5
        assert page.evaluate("location.hash") == "#t=0:05"
        # Keyboard users can jump past the whole transcript.
        page.focus("a.skip")
        assert page.locator("a.skip").is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "end"
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("fragment, expected", [("#t=33", 33.0), ("#t=0:41.5", 41.5), ("#t=0h0m52s", 52.0),
                                                ("#t=npt:17", 17.0), ("#t=1m", 60.0)])
def test_a_time_fragment_sets_where_playback_starts(browser, served, fragment: str, expected: float) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    context, page, errors = _open(browser, url + fragment, DESKTOP)
    try:
        page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {expected}) < 0.3", timeout=10_000)
        if expected < SECONDS:
            page.wait_for_function(LINE_VISIBLE, timeout=5_000)
        assert errors == []
    finally:
        context.close()


def test_a_changed_fragment_seeks_and_a_range_stops_at_its_end(browser, served) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    context, page, _ = _open(browser, url, DESKTOP)
    try:
        page.evaluate("location.hash = '#t=12,13.5'")
        page.wait_for_function("!document.getElementById('player').paused", timeout=10_000)
        assert 12.0 <= _time(page) < 13.5
        page.wait_for_function("document.getElementById('player').paused", timeout=10_000)
        assert 13.4 <= _time(page) < 14.2
    finally:
        context.close()


def test_copy_link_to_this_moment(browser, served) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    origin = url.split("/", 3)[:3]
    context, page, _ = _open(browser, url + "#t=27.25", DESKTOP)
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin="/".join(origin))
        page.wait_for_function("document.getElementById('player').currentTime > 27", timeout=10_000)
        page.get_by_role("button", name="Copy link to this moment", exact=True).click()
        page.wait_for_function("document.getElementById('moment-status').textContent.includes('copied')")
        assert page.evaluate("navigator.clipboard.readText()") == url + "#t=0:27.2"
    finally:
        context.close()


def test_phone_player_stays_in_view_after_tapping_a_chapter(browser, served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    context, page, errors = _open(browser, url, PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
        chapter = page.locator("ol.chapters a", has_text="Closing")
        # The reader has scrolled down to the chapters: the player's own place is above the screen.
        page.evaluate("""() => { const list = document.querySelector('ol.chapters').getBoundingClientRect();
                                 window.scrollBy(0, list.top - document.querySelector('.player').offsetHeight - 10); }""")
        chapter.tap()
        page.wait_for_function("document.getElementById('player').currentTime >= 55", timeout=10_000)
        box = page.locator("#player").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
        # Where the player would sit unpinned is above the screen: it is pinned, not merely still at the top.
        assert page.evaluate("document.querySelector('.player').previousElementSibling.getBoundingClientRect().bottom") < 0
        assert page.locator("[data-now-chapter]").inner_text() == "Closing"
        page.screenshot(path=str(tmp_path / "phone-after-chapter.png"))
        page.screenshot(path=str(tmp_path / "phone-full.png"), full_page=True)
        assert errors == []
    finally:
        context.close()


def test_share_previews_and_description(browser, served) -> None:  # type: ignore[no-untyped-def]
    url, out = served
    context, page, _ = _open(browser, url, DESKTOP)
    try:
        meta = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('meta[property], meta[name]')]
                                 .map(m => [m.getAttribute('property') || m.getAttribute('name'), m.content]))""")
        entry = list_episodes(out)[0]
        assert meta["og:title"] == "Harbour log" and meta["og:type"] == "article"
        assert meta["description"] == meta["og:description"] == "Sixty short sentences about a ferry, read one per second."
        assert meta["og:url"] == f"{BASE_URL}/{entry.page}"
        assert meta["og:image"] == f"{BASE_URL}/narrate-cover.png"
        assert meta["og:audio"] == f"{BASE_URL}/{entry.record.mp3}" and meta["og:audio:type"] == "audio/mpeg"
        assert meta["twitter:card"] == "summary"
        assert page.evaluate("document.querySelector('link[rel=canonical]').href") == meta["og:url"]
        assert page.locator("header .meta").inner_text().startswith("By Mara Ellison · Harbour Gazette · ")
    finally:
        context.close()


def test_reduced_motion_never_scrolls_smoothly(browser, served) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    for motion, smooth_expected in (("reduce", False), ("no-preference", True)):
        context, page, _ = _open(browser, url, DESKTOP, reduced_motion=motion)
        try:
            page.evaluate("""() => { const box = document.getElementById('transcript'); window.behaviours = [];
                const scrollTo = box.scrollTo.bind(box);
                box.scrollTo = (o) => { window.behaviours.push(o.behavior); scrollTo(o); }; }""")
            page.evaluate("() => { const p = document.getElementById('player'); p.playbackRate = 4; p.play(); }")
            page.wait_for_function("document.getElementById('player').currentTime > 20", timeout=20_000)
            behaviours = page.evaluate("window.behaviours")
            assert behaviours, "the transcript never followed"
            assert ("smooth" in behaviours) is smooth_expected, behaviours
        finally:
            context.close()


def test_without_javascript_the_page_still_reads(browser, served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(url)
        assert page.locator("ol.chapters a").count() == 4
        assert page.locator("ol.chapters a").nth(1).get_attribute("href") == "#t=0:20"
        assert "entry number 59" in page.locator("#transcript").inner_text()
        assert page.evaluate("getComputedStyle(document.getElementById('transcript')).overflowY") == "visible"
        assert not page.locator("#follow").is_visible() and not page.locator("#copy-moment").is_visible()
        page.screenshot(path=str(tmp_path / "phone-no-js.png"), full_page=True)
    finally:
        context.close()


def _episode_output(root: Path) -> Path:
    out = root / "out"
    record = make_episode(out, "Chapters in a browser", seconds=9.0, chapter_titles=("One", "Two", "Three"),
                          author="Test Author", description="A tone in three parts.")
    publish_episode(out, record)
    return out


def test_clicking_a_chapter_seeks_the_served_player(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = _episode_output(tmp_path)
    entry = list_episodes(out)[0]
    with running_server(out) as url:
        context, page, errors = _open(browser, f"{url}/{entry.page}", DESKTOP)
        try:
            page.evaluate("document.getElementById('player').play()")
            page.wait_for_function("document.getElementById('player').currentTime > 0.2", timeout=15_000)
            page.locator("ol.chapters a", has_text="Three").click()
            page.wait_for_function("document.getElementById('player').currentTime >= 6.0", timeout=10_000)
            now = _time(page)
            assert 6.0 <= now < 7.5  # the third chapter starts at 6 s
            assert page.evaluate("document.getElementById('player').paused") is False
            page.wait_for_selector("ol.chapters li.current >> text=Three", timeout=5_000)
            page.screenshot(path=str(tmp_path / "episode.png"), full_page=True)
            assert errors == []
        finally:
            context.close()


def test_page_works_from_disk(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = _episode_output(tmp_path)
    entry = list_episodes(out)[0]
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto((out / entry.page).resolve().as_uri())
        assert page.locator("ol.chapters a").count() == 3
        assert "Spoken words of the part called Two & more." in page.locator(".transcript").inner_text()
        page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
        page.locator("ol.chapters a", has_text="Two").click()
        page.wait_for_function("document.getElementById('player').currentTime >= 3.0", timeout=10_000)
    finally:
        context.close()
