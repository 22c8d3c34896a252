"""`narrate follow` end to end against a real local server: a run with a failing item, the retry, a run where
nothing changed (304), an edited item, retention, a dry run; checked with feedparser, podcastparser and the files."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import feedparser
import podcastparser
import pytest

from cli_support import REPO, run_narrate, snapshot
from follow_support import STORIES, Route, Story, article_page, feed_server, rss

WALL = Story("wall", "Harbour wall repairs begin in June",
             ["Repairs to the harbour wall begin in June and last six weeks.",
              "Boats will moor at the north jetty meanwhile."],
             STORIES[0].published.replace(day=1), full=False)


def follow(work: Path, *args: str) -> tuple[int, dict]:
    proc = run_narrate(["follow", *args, "-o", "out", "--cache", "cache", "--json"], work)
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def items(report: dict) -> dict[str, dict]:
    return {i["title"]: i for s in report["sources"] for i in s["items"]}


def read_feed(out: Path) -> tuple[feedparser.FeedParserDict, dict]:
    body = (out / "feed.xml").read_bytes()
    return feedparser.parse(body), podcastparser.parse("http://127.0.0.1:8008/feed.xml", io.BytesIO(body))


def assert_feed_names_only_real_files(out: Path) -> None:
    parsed, podcast = read_feed(out)
    assert parsed.bozo == 0
    named = set()
    for episode in podcast["episodes"]:
        enclosure = episode["enclosures"][0]
        name = enclosure["url"].rsplit("/", 1)[1]
        named.add(name)
        assert (out / name).is_file() and (out / name).stat().st_size == enclosure["file_size"]
    assert {p.name for p in out.glob("*.mp3")} == named  # and nothing else is left beside them
    assert not list(out.rglob("*.part"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    stories = [*STORIES, WALL]
    with feed_server() as server:
        server.routes["/feed.xml"] = Route(rss(stories, server.base), "application/rss+xml")
        for story in stories:
            server.routes[f"/news/{story.slug}.html"] = Route(article_page(story, server.base))
        server.routes["/news/wall.html"].fail_times = 3  # every try of the first run answers 500
        yield server, stories, tmp_path_factory.mktemp("follow")


@pytest.fixture(scope="module")
def runs(site):  # type: ignore[no-untyped-def]
    """The first run (one page fails), then the retry (it recovers), then a run where nothing changed."""
    server, _stories, work = site
    url = server.url("/feed.xml")
    first = follow(work, url)
    first_feed = (work / "out" / "feed.xml").read_bytes()
    second = follow(work, url)
    after_second = len(server.log)
    third = follow(work, url)
    return {"first": first, "first_feed": first_feed, "second": second, "third": third,
            "third_requests": server.log[after_second:], "url": url}


def test_first_run_builds_each_item_and_names_the_one_that_failed(site, runs) -> None:  # type: ignore[no-untyped-def]
    server, stories, work = site
    code, report = runs["first"]
    assert code == 1 and report["exit_code"] == 1
    by_title = items(report)
    assert [by_title[s.title]["outcome"] for s in stories] == ["published", "published", "published", "failed"]
    failed = by_title[WALL.title]
    assert "500" in failed["detail"] and failed["detail"].endswith(".") and "\n" not in failed["detail"]
    assert by_title[STORIES[0].title]["content"] == "full" and by_title[STORIES[1].title]["content"] == "summary"
    assert "page was read" in by_title[STORIES[1].title]["detail"]
    assert len(server.requests_to("/news/wall.html")) >= 3  # retried with backoff on 500
    parsed = feedparser.parse(runs["first_feed"])
    assert [e.title for e in parsed.entries] == [s.title for s in stories[:3]]  # the failure never broke the feed


def test_the_failed_item_is_retried_next_run_and_nothing_else_is_redone(site, runs) -> None:  # type: ignore[no-untyped-def]
    server, stories, work = site
    code, report = runs["second"]
    assert code == 0
    by_title = items(report)
    assert by_title[WALL.title]["outcome"] == "published" and "failed last time" in by_title[WALL.title]["reason"]
    assert {by_title[s.title]["action"] for s in stories[:3]} == {"unchanged"}
    assert len(server.requests_to("/news/library.html")) == 1  # an article page already read is not read again
    feed_requests = server.requests_to("/feed.xml")
    assert "If-None-Match" not in feed_requests[1].headers  # a failed item waited: the feed was read in full
    assert_feed_names_only_real_files(work / "out")
    _parsed, podcast = read_feed(work / "out")
    assert len(podcast["episodes"]) == 4 and len({e["guid"] for e in podcast["episodes"]}) == 4


def test_nothing_changed_costs_one_conditional_request(site, runs) -> None:  # type: ignore[no-untyped-def]
    _server, _stories, work = site
    code, report = runs["third"]
    assert code == 0 and report["sources"][0]["status"] == "not-modified"
    assert [(r.path, r.status) for r in runs["third_requests"]] == [("/feed.xml", 304)]
    assert runs["third_requests"][0].headers["If-None-Match"]
    assert report["counts"] == {}


def test_the_nothing_new_path_loads_no_heavy_module(site, runs) -> None:  # type: ignore[no-untyped-def]
    """No feed parsing, no HTML reader, no audio stack: a 304 run stays light (it is what cron runs all day)."""
    _server, _stories, work = site
    code = ("import json, sys; from pathlib import Path; from narrate.follow import follow_options, run_follow; "
            f"report = run_follow(follow_options([{runs['url']!r}], Path('out'))); "
            "print(json.dumps([report.plan.sources[0].read.not_modified, sorted(sys.modules)]))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    not_modified, modules = json.loads(proc.stdout)
    loaded = {name.split(".")[0] for name in modules}
    assert not_modified is True
    heavy = {"feedparser", "trafilatura", "lxml", "numpy", "pyttsx3", "aiohttp", "mutagen", "pydub", "babel", "jinja2"}
    assert not loaded & heavy, sorted(loaded & heavy)


def test_an_edited_item_is_a_new_audio_version_of_the_same_episode(site, runs) -> None:  # type: ignore[no-untyped-def]
    server, stories, work = site
    out = work / "out"
    _parsed, before = read_feed(out)
    old = {e["title"]: e for e in before["episodes"]}[STORIES[0].title]
    stories[0].paragraphs[1] = "Commuters asked for the early boat for three winters."
    try:
        server.routes["/feed.xml"] = Route(rss(stories, server.base), "application/rss+xml")
        code, report = follow(work, runs["url"], "--verbose")
    finally:
        stories[0].paragraphs[1] = "Commuters asked for the early boat for two winters."
    assert code == 0
    edited = items(report)[STORIES[0].title]
    assert edited["action"] == "changed" and edited["outcome"] == "published"
    assert 0 < edited["episode"]["segments"]["synthesized"] < edited["episode"]["segments"]["total"]
    _parsed, after = read_feed(out)
    new = {e["title"]: e for e in after["episodes"]}[STORIES[0].title]
    assert new["guid"] == old["guid"]
    assert new["enclosures"][0]["url"] != old["enclosures"][0]["url"]
    assert not (out / old["enclosures"][0]["url"].rsplit("/", 1)[1]).exists()
    assert_feed_names_only_real_files(out)
    assert {items(report)[s.title]["action"] for s in stories[1:]} == {"unchanged"}


def test_a_dry_run_lists_and_touches_nothing(site, runs) -> None:  # type: ignore[no-untyped-def]
    server, stories, work = site
    extra = Story("pier", "Pier lights replaced", ["New lamps now light the pier at night."],
                  stories[0].published.replace(hour=11))
    server.routes["/feed.xml"] = Route(rss([extra, *stories], server.base), "application/rss+xml")
    server.routes["/news/pier.html"] = Route(article_page(extra, server.base))
    before = snapshot(work / "out")
    proc = run_narrate(["follow", runs["url"], "-o", "out", "--cache", "cache", "--dry-run"], work)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Dry run: nothing was built")
    assert "Pier lights replaced: would build (not seen before" in proc.stdout
    assert "unchanged" in proc.stdout and "Island ferry adds an early crossing" in proc.stdout
    assert snapshot(work / "out") == before
    assert not server.requests_to("/news/pier.html")
    server.routes["/feed.xml"] = Route(rss(stories, server.base), "application/rss+xml")


def test_keep_retires_old_episodes_and_they_never_come_back(site, runs) -> None:  # type: ignore[no-untyped-def]
    server, stories, work = site
    out = work / "out"
    (out / "narrate.toml").write_text("[show]\ntitle = \"Harbour Gazette read aloud\"\nkeep = 2\n", encoding="utf-8")
    try:
        code, report = follow(work, runs["url"])
        assert code == 0
        assert sorted(r["title"] for r in report["retired"]) == sorted([STORIES[2].title, WALL.title])
        _parsed, podcast = read_feed(out)
        assert [e["title"] for e in podcast["episodes"]] == [STORIES[0].title, STORIES[1].title]
        assert_feed_names_only_real_files(out)
        retired_page = next(r["slug"] for r in report["retired"] if r["title"] == WALL.title) + ".html"
        assert not (out / retired_page).exists()

        (out / "narrate.toml").write_text("[show]\ntitle = \"Harbour Gazette read aloud\"\n", encoding="utf-8")
        code, report = follow(work, runs["url"], "--verbose")  # the feed still lists them; keep no longer limits
        assert code == 0
        by_title = items(report)
        assert by_title[WALL.title]["action"] == "skipped" and "retired" in by_title[WALL.title]["reason"]
        assert len(read_feed(out)[1]["episodes"]) == 2
    finally:
        (out / "narrate.toml").unlink(missing_ok=True)


def test_a_source_that_cannot_be_read_is_exit_2_with_one_sentence(site) -> None:  # type: ignore[no-untyped-def]
    server, _stories, work = site
    server.routes["/page.html"] = Route(article_page(STORIES[0], server.base))
    server.routes["/broken.xml"] = Route(b"<rss><channel><item><title>cut off", "application/rss+xml")
    server.routes["/loop-a"] = Route(location="/loop-b", status=302)
    server.routes["/loop-b"] = Route(location="/loop-a", status=302)
    cases = {"/page.html": "is a web page (HTML), not a feed", "/broken.xml": "not a well-formed feed",
             "/loop-a": "redirects in a loop", "/missing.xml": "404"}
    for path, words in cases.items():
        proc = run_narrate(["follow", server.url(path), "-o", "other-out", "--cache", "cache"], work)
        assert proc.returncode == 2, (path, proc.stdout, proc.stderr)
        assert words in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
    missing = run_narrate(["follow", "no-such-folder", "-o", "other-out"], work)
    assert missing.returncode == 2 and "no-such-folder does not exist." in missing.stdout


def test_a_first_run_builds_the_newest_ten_and_says_so(tmp_path: Path) -> None:
    many = [Story(f"n{n}", f"Harbour notice {n}", [f"Notice {n} concerns berth {n}."],
                  STORIES[0].published.replace(hour=8) - dt.timedelta(hours=n)) for n in range(12)]
    (tmp_path / "feed.xml").write_bytes(rss(many, "http://news.example.test"))
    proc = run_narrate(["follow", "feed.xml", "-o", "out", "--dry-run"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "(First run: building the newest 10 of 12 items; the 2 older ones are skipped" in proc.stdout
    assert proc.stdout.count("would build") == 10
    assert "Harbour notice 11: first run: only the newest 10 items are built" in proc.stdout
    limited = run_narrate(["follow", "feed.xml", "-o", "out", "--dry-run", "--limit", "3", "--json"], tmp_path)
    report = json.loads(limited.stdout)
    planned = [i["title"] for i in report["sources"][0]["items"] if i["outcome"] == "planned"]
    assert planned == ["Harbour notice 0", "Harbour notice 1", "Harbour notice 2"]
    assert not (tmp_path / "out").exists()
