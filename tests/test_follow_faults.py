"""Kill -9 at named moments of a follow run (and in the middle of synthesis), then run again: the next run finishes
the work, reusing cached segments, never makes an episode twice, and the feed never names a missing file."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import podcastparser
import pytest

from cli_support import REPO, run_narrate
from follow_support import STORIES, FeedServer, Route, Story, article_page, feed_server, rss
from narrate.follow.run import FAULT_ENV


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with feed_server() as srv:
        srv.routes["/feed.xml"] = Route(rss(STORIES, srv.base), "application/rss+xml")
        for story in STORIES:
            srv.routes[f"/news/{story.slug}.html"] = Route(article_page(story, srv.base))
        yield srv


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("follow-fault-cache")


def follow(work: Path, server: FeedServer, cache: Path, *args: str, kill_at: str | None = None) -> tuple[int, dict | None]:
    old = os.environ.get(FAULT_ENV)
    if kill_at:
        os.environ[FAULT_ENV] = kill_at
    try:
        proc = run_narrate(["follow", server.url("/feed.xml"), "-o", "out", "--cache", str(cache), "--json", *args], work)
    finally:
        if old is None:
            os.environ.pop(FAULT_ENV, None)
        else:
            os.environ[FAULT_ENV] = old
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None


def check_feed(out: Path) -> list[dict]:
    """The feed names only files that exist, with their sizes, and GUIDs are unique; return its episodes."""
    if not (out / "feed.xml").exists():
        return []
    episodes = podcastparser.parse("http://127.0.0.1:8008/feed.xml", io.BytesIO((out / "feed.xml").read_bytes()))["episodes"]
    for episode in episodes:
        enclosure = episode["enclosures"][0]
        path = out / enclosure["url"].rsplit("/", 1)[1]
        assert path.is_file() and path.stat().st_size == enclosure["file_size"], path
    assert len({e["guid"] for e in episodes}) == len(episodes)
    return episodes


@pytest.mark.parametrize("moment", ["after-read", "before-build:2", "after-publish:2", "after-item:1"])
def test_killed_per_article_run_is_finished_by_the_next(tmp_path: Path, server: FeedServer, cache: Path, moment: str) -> None:
    code, _ = follow(tmp_path, server, cache, kill_at=moment)
    assert code == -signal.SIGKILL
    check_feed(tmp_path / "out")
    code, report = follow(tmp_path, server, cache)
    assert code == 0 and report is not None
    episodes = check_feed(tmp_path / "out")
    assert sorted(e["title"] for e in episodes) == sorted(s.title for s in STORIES)  # each exactly once
    assert {p.name for p in (tmp_path / "out").glob("*.mp3")} == {e["enclosures"][0]["url"].rsplit("/", 1)[1] for e in episodes}
    built = {i["title"]: i for s in report["sources"] for i in s["items"] if i["episode"]}
    first, second = sorted(STORIES, key=lambda s: s.published)[:2]  # items are built oldest first
    if moment == "after-publish:2":  # published, then killed before it was recorded: found up to date, not redone
        assert built[second.title]["episode"]["unchanged"] is True
        assert built[second.title]["episode"]["segments"]["synthesized"] == 0
    if moment in ("after-publish:2", "after-item:1", "before-build:2"):
        assert first.title not in built  # recorded before the kill: unchanged, not built again
    code, report = follow(tmp_path, server, cache)
    assert code == 0 and report["sources"][0]["status"] == "not-modified"


@pytest.mark.parametrize("moment", ["edition-after-intent", "edition-after-publish"])
def test_killed_edition_is_finished_not_made_twice(tmp_path: Path, server: FeedServer, cache: Path, moment: str) -> None:
    code, _ = follow(tmp_path, server, cache, "--edition", "Evening edition", kill_at=moment)
    assert code == -signal.SIGKILL
    check_feed(tmp_path / "out")
    code, report = follow(tmp_path, server, cache, "--edition", "Evening edition")
    assert code == 0 and report["edition"]["items"] == len(STORIES)
    assert [e["title"] for e in check_feed(tmp_path / "out")] == ["Evening edition"]
    code, report = follow(tmp_path, server, cache, "--edition", "Evening edition")
    assert code == 0 and report["edition"] is None
    assert len(check_feed(tmp_path / "out")) == 1


def test_killed_while_retiring(tmp_path: Path, server: FeedServer, cache: Path) -> None:
    assert follow(tmp_path, server, cache)[0] == 0
    (tmp_path / "out" / "narrate.toml").write_text("[show]\nkeep = 1\n", "utf-8")
    code, _ = follow(tmp_path, server, cache, kill_at="before-retire:2")
    assert code == -signal.SIGKILL
    assert len(check_feed(tmp_path / "out")) == 2  # one retired before the kill
    code, report = follow(tmp_path, server, cache)
    assert code == 0 and len(report["retired"]) == 1
    assert [e["title"] for e in check_feed(tmp_path / "out")] == [STORIES[0].title]
    assert len(list((tmp_path / "out").glob("*.mp3"))) == 1
    server.routes["/feed.xml"] = Route(rss(STORIES, server.base, title="Harbour Gazette daily"), "application/rss+xml")
    try:
        code, report = follow(tmp_path, server, cache)  # the feed is read in full again: nothing retired comes back
    finally:
        server.routes["/feed.xml"] = Route(rss(STORIES, server.base), "application/rss+xml")
    assert code == 0
    reasons = [i["reason"] for i in report["sources"][0]["items"] if i["action"] == "skipped"]
    assert len(reasons) == 2 and all("retired" in r or "no longer in the catalog" in r for r in reasons)
    assert len(check_feed(tmp_path / "out")) == 1


def test_killed_in_the_middle_of_synthesis_resumes_from_the_cache(tmp_path: Path) -> None:
    long_story = Story("log", "Ferry log for the spring", [
        f"On day {n} the ferry crossed the bay {n + 3} times and carried {n * 41} passengers." for n in range(1, 31)
    ], STORIES[0].published)
    cache = tmp_path / "cache"
    with feed_server() as srv:
        srv.routes["/feed.xml"] = Route(rss([long_story], srv.base), "application/rss+xml")
        env = dict(os.environ, PYTHONPATH=str(REPO))
        run = subprocess.Popen([sys.executable, "-m", "narrate", "follow", srv.url("/feed.xml"), "-o", "out", "--cache",
                                str(cache), "--jobs", "1", "-q"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while len(list(cache.glob("segments/*/*.seg"))) < 5:
            assert run.poll() is None and time.monotonic() < deadline, "the run ended before it could be killed"
            time.sleep(0.05)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        check_feed(tmp_path / "out")
        spoken = len(list(cache.glob("segments/*/*.seg")))
        code, report = follow(tmp_path, srv, cache)
    assert code == 0
    segments = report["sources"][0]["items"][0]["episode"]["segments"]
    assert segments["total"] - segments["synthesized"] >= spoken
    assert len(check_feed(tmp_path / "out")) == 1
