"""Builds at the same time into one folder: different episodes run side by side and all land in the feed; two
builds of one episode take turns and the second reuses the first's result (no second synthesis)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cli_support import REPO
from narrate import locks
from narrate.errors import NarrateError
from narrate.publish import list_episodes
from narrate.publish.catalog import CATALOG_FILE
from test_publish_crash import check_repaired, feed_items

TOWNS = ("Arden", "Belmont", "Carrow", "Dunmore", "Elsby", "Fenwick", "Garth", "Holloway")


def _article(town: str) -> str:
    return (f"# {town} opens a new library\n\n"
            f"The town of {town} opened its new library on Saturday morning. "
            f"About {len(town) * 40} people queued at the door before nine.\n")


def _start_build(work: Path, source: str, out: str, cache: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "narrate", "build", source, "-o", out, "--cache", cache, "--jobs", "1",
                             "--json"], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str]) -> dict:
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    return json.loads(stdout)


def test_eight_different_articles_built_at_once_all_land(tmp_path: Path) -> None:
    for town in TOWNS:
        (tmp_path / f"{town.lower()}.md").write_text(_article(town), "utf-8")
    builds = [_start_build(tmp_path, f"{town.lower()}.md", "out", "cache") for town in TOWNS]
    summaries = [_finish(p) for p in builds]
    out = tmp_path / "out"
    assert {Path(s["mp3"]).name for s in summaries} == {e.record.mp3 for e in list_episodes(out)}
    assert len(feed_items(out) or ()) == len(TOWNS)
    conn = sqlite3.connect(out / CATALOG_FILE)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    (out / "my-notes-deadbeef.mp3").write_bytes(b"")  # check_repaired expects the user's file beside the episodes
    check_repaired(out)


def test_two_builds_of_one_article_take_turns_and_synthesize_once(tmp_path: Path) -> None:
    (tmp_path / "library.md").write_text(_article("Ivybridge"), "utf-8")
    # Separate caches: only the turn-taking can spare the second build its synthesis.
    first, second = (_start_build(tmp_path, "library.md", "out", cache) for cache in ("cache-1", "cache-2"))
    summaries = sorted((_finish(first), _finish(second)), key=lambda s: s["unchanged"])
    total = summaries[0]["segments"]["total"]
    assert [s["segments"]["synthesized"] for s in summaries] == [total, 0]
    assert [s["unchanged"] for s in summaries] == [False, True]
    assert summaries[0]["mp3"] == summaries[1]["mp3"]
    assert len(list((tmp_path / "out").glob("*.mp3"))) == 1 and len(list_episodes(tmp_path / "out")) == 1


def test_the_wait_for_another_build_of_an_episode_is_bounded(tmp_path: Path) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with locks.episode_lock(tmp_path, "url:https://example.org/x"):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    started = time.monotonic()
    with pytest.raises(NarrateError, match="Another build of this episode"):
        with locks.episode_lock(tmp_path, "url:https://example.org/x", timeout_s=0.3):
            pass
    assert 0.3 <= time.monotonic() - started < 2
    with locks.episode_lock(tmp_path, "url:https://example.org/other", timeout_s=0.3):
        pass  # another episode is not held up
    release.set()
    holder.join()
    with locks.episode_lock(tmp_path, "url:https://example.org/x", timeout_s=0.3):
        pass  # free again once its holder is done
