"""Two follow runs at once never build an item twice (the second waits, bounded, or gives up in one sentence), and
`narrate serve --follow` keeps following on a schedule while it serves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import feedparser

from cli_support import REPO, run_narrate
from follow_support import STORIES, Route, Story, article_page, feed_server, rss
from narrate.follow.lock import follow_lock
from narrate.publish import list_episodes
from test_publish_support import free_port


def test_a_second_run_waits_for_the_first_or_gives_up_in_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    out = tmp_path / "out"
    with follow_lock(out, 0):
        proc = run_narrate(["follow", "articles", "-o", "out", "--wait", "0"], tmp_path)
        assert proc.returncode == 3
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("narrate: Another `narrate follow` run is working on out (process ")
        assert "gave up without waiting" in lines[0]

    holder = threading.Thread(target=lambda: _hold(out, 1.5))
    holder.start()
    time.sleep(0.3)
    started = time.monotonic()
    proc = run_narrate(["follow", "articles", "-o", "out", "--wait", "20"], tmp_path)
    holder.join()
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started >= 1.0  # it waited for the lock to be released
    assert "lists no items" in proc.stdout


def _hold(out: Path, seconds: float) -> None:
    with follow_lock(out, 0):
        time.sleep(seconds)


def test_two_runs_at_once_build_each_item_once(tmp_path: Path) -> None:
    with feed_server() as server:
        server.routes["/feed.xml"] = Route(rss(STORIES, server.base), "application/rss+xml", delay_s=0.5)
        for story in STORIES:
            server.routes[f"/news/{story.slug}.html"] = Route(article_page(story, server.base))
        env = dict(os.environ, PYTHONPATH=str(REPO))
        command = [sys.executable, "-m", "narrate", "follow", server.url("/feed.xml"), "-o", "out", "--cache", "cache",
                   "--json"]
        runs = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
        outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [o[1] for o in outputs]
    reports = [json.loads(o[0]) for o in outputs]
    built = [i["title"] for r in reports for s in r["sources"] for i in s["items"] if i["outcome"] == "published"]
    assert sorted(built) == sorted(s.title for s in STORIES)  # each item built by one run only
    assert sorted(e.record.title for e in list_episodes(tmp_path / "out")) == sorted(s.title for s in STORIES)


def _feed_titles(url: str) -> list[str]:
    try:
        body = urllib.request.urlopen(url + "/feed.xml", timeout=5).read()
    except OSError:
        return []
    return [e.title for e in feedparser.parse(body).entries]


def test_serve_follows_on_a_schedule_and_keeps_serving(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with feed_server() as server:
        server.routes["/feed.xml"] = Route(rss(STORIES[:1], server.base), "application/rss+xml")
        env = dict(os.environ, PYTHONPATH=str(REPO))
        proc = subprocess.Popen(
            [sys.executable, "-m", "narrate", "serve", "-o", "out", "--port", str(port), "--follow",
             server.url("/feed.xml"), "--follow", server.url("/gone.xml"), "--every", "2s"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            deadline = time.monotonic() + 90
            while _feed_titles(url) != [STORIES[0].title]:
                assert proc.poll() is None and time.monotonic() < deadline, "the first run never published"
                time.sleep(0.3)
            late = Story("buoy", "New buoy marks the sandbank", ["A yellow buoy now marks the sandbank."],
                         STORIES[0].published.replace(hour=12))
            server.routes["/feed.xml"] = Route(rss([late, *STORIES[:1]], server.base), "application/rss+xml")
            while late.title not in _feed_titles(url):
                assert proc.poll() is None and time.monotonic() < deadline, "the next run never came"
                time.sleep(0.3)
            assert urllib.request.urlopen(url + "/index.html", timeout=5).status == 200
            with follow_lock(tmp_path / "out", 60):  # the run that published it has ended (and logged its line)
                time.sleep(0.5)
        finally:
            proc.terminate()
            output, _ = proc.communicate(timeout=30)
    lines = [line for line in output.splitlines() if line.startswith("narrate follow ")]
    assert len(lines) >= 2 and "Traceback" not in output
    ran = [line for line in lines if ": skipped: Another `narrate follow` run" not in line]  # (the test held the lock)
    assert len(ran) >= 2 and all("gone.xml: the server answered 404" in line for line in ran)  # one line per run
    assert any("1 built (1 new, 0 changed)" in line for line in lines)
    bad = run_narrate(["serve", "-o", "out", "--follow", "x", "--every", "soon"], tmp_path)
    assert bad.returncode != 0 and "--every takes a duration" in bad.stderr


def test_a_base_url_without_a_host_is_refused_before_anything_is_built(tmp_path: Path) -> None:
    """`--base-url http://` passed follow's own looser check, and then every item failed on it, one by one."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "pier.md").write_text("# Pier lights replaced\n\nThe pier has new lights.\n", "utf-8")
    proc = run_narrate(["follow", "articles", "-o", "out", "--base-url", "http://"], tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("narrate: --base-url must be an http:// or https:// address with a host name, "
                                   "not 'http://'.")
    assert not (tmp_path / "out").exists()
