"""Real builds killed (kill -9, narrate.faults) at the moments between placing their files and finishing their
publish: at each instant the podcast is consistent, and running the build again repairs everything."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from cli_support import build_json, run_narrate
from narrate.faults import KILL_AT_ENV
from narrate.publish import list_episodes
from test_publish_crash import USER_FILE, catalog_items, check_pages, check_repaired, feed_items, integrity

MOMENTS = ("build:sidecars-placed", "build:audio-placed", "publish:deleting")
"""A sample of the moments (test_publish_crash.py kills the publish step at all of them)."""


def article(edit: str) -> str:
    return (f"# Tide tables for the week\n\n**Mara Quist****3 March 2026**\n\n"
            f"The spring tides arrive on Thursday, {edit}.\n\n"
            "## Where to walk\n\nThe causeway stays open for two hours either side of low water.\n")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where the first version of the article is published; the article has changed since."""
    work = tmp_path_factory.mktemp("build-crash")
    (work / "cache").mkdir()
    (work / "out").mkdir()
    (work / "out" / USER_FILE).write_bytes(b"the user's own file")
    (work / "tides.md").write_text(article("earlier than last year"), "utf-8")
    build_json(["tides.md", "-o", "out", "--cache", "cache", "--jobs", "1"], work)
    (work / "tides.md").write_text(article("later than the almanac said"), "utf-8")  # what the killed builds build
    return work


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_build_killed_at_each_moment_is_repaired_by_the_next(published: Path, moment: str) -> None:
    work = published
    out = f"out-{moment.replace(':', '-')}"
    shutil.copytree(work / "out", work / out)
    before = catalog_items(work / out)
    killed = run_narrate(["build", "tides.md", "-o", out, "--cache", "cache", "--jobs", "1", "-q"], work,
                         extra_env={KILL_AT_ENV: moment})
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    integrity(work / out)
    listed = catalog_items(work / out)
    shown = feed_items(work / out)  # every file the feed names is there, with its size
    assert shown == before or shown == listed
    check_pages(work / out)

    again = build_json(["tides.md", "-o", out, "--cache", "cache", "--jobs", "1"], work)
    assert again["segments"]["synthesized"] == 0
    check_repaired(work / out)
    (entry,) = list_episodes(work / out)
    assert entry.record.mp3 == Path(again["mp3"]).name and "later" in (work / out / entry.record.vtt).read_text("utf-8")


def test_an_unchanged_rebuild_repairs_what_another_publisher_left(published: Path) -> None:
    """The fast 'nothing changed' path does not skip the repair of a publish killed meanwhile."""
    work = published
    shutil.copytree(work / "out", work / "out-fast")
    (work / "tides-v1.md").write_text(article("earlier than last year"), "utf-8")
    args = ["tides-v1.md", "-o", "out-fast", "--cache", "cache", "--jobs", "1"]
    build_json(args, work)  # records the fast path for these inputs
    (work / "other.md").write_text("# Ferry timetable changes\n\nThe first ferry leaves at seven from Monday.\n", "utf-8")
    killed = run_narrate(["build", "other.md", "-o", "out-fast", "--cache", "cache", "--jobs", "1", "-q"], work,
                         extra_env={KILL_AT_ENV: "publish:committed"})
    assert killed.returncode == -signal.SIGKILL
    assert len(catalog_items(work / "out-fast")) == 2 and len(feed_items(work / "out-fast") or ()) == 1
    again = build_json(args, work)
    assert again["unchanged"] is True
    check_repaired(work / "out-fast")
    assert len(feed_items(work / "out-fast") or ()) == 2
