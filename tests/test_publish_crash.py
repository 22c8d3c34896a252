"""Crash safety of publishing: kill -9 at every named moment (narrate.faults), check what a podcast app could fetch
at that instant, then check that the next publishing command repairs everything.

Publishing is exercised without synthesis (episode files made like a build makes them, placed under the episode
lock like a build places them) in a forked child that kills itself at the moment named; test_build_crash.py
kills real builds."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from narrate import locks
from narrate.faults import KILL_AT_ENV, MOMENTS
from narrate.publish import list_episodes, publish_episode, remove_episodes, write_feed
from narrate.publish.catalog import CATALOG_FILE, EPISODE_FILE, PAGE_FILE
from narrate.publish.record import EpisodeRecord
from test_publish_support import make_episode, run_command

PODCAST = "https://podcastindex.org/namespace/1.0"
PUBLISH_MOMENTS = [m for m in MOMENTS if not m.startswith("build:")]
"""The moments a publish passes (the build: ones are in test_build_crash.py)."""
USER_FILE = "my-notes-deadbeef.mp3"
"""A file of the user's that looks like an episode file: never deleted."""


@pytest.fixture(scope="module")
def episodes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, EpisodeRecord]]:
    """Episode files made once: A (two versions of one story), B and C."""
    store = tmp_path_factory.mktemp("episode-files")
    records = {
        "A1": make_episode(store, "Harbour story", identity="url:https://example.org/harbour", frequency=440),
        "A2": make_episode(store, "Harbour story", identity="url:https://example.org/harbour", frequency=880),
        "B": make_episode(store, "Bridge story", frequency=550),
        "C": make_episode(store, "Canal story", frequency=660),
    }
    return store, records


def place(store: Path, out: Path, record: EpisodeRecord) -> None:
    """Put an episode's files into `out` and publish them, the way a build does (under its episode lock)."""
    with locks.episode_lock(out, record.identity) as lock:
        lock.placing([record.mp3, record.chapters_json, record.vtt])
        for name in (record.chapters_json, record.vtt, record.mp3):
            shutil.copy(store / name, out / name)
        publish_episode(out, record)


ACTIONS: dict[str, Callable[[Path, Path, dict[str, EpisodeRecord]], None]] = {
    "first publish": lambda store, out, r: place(store, out, r["C"]),
    "add an episode": lambda store, out, r: place(store, out, r["C"]),
    "replace an episode's audio": lambda store, out, r: place(store, out, r["A2"]),
    "remove two episodes": lambda store, out, r: remove_episodes(out, [r["A1"].identity, "bridge-story"]),
}


def initial_state(store: Path, out: Path, records: dict[str, EpisodeRecord], action: str) -> None:
    out.mkdir(parents=True)
    (out / USER_FILE).write_bytes(b"the user's own file")
    if action != "first publish":
        place(store, out, records["A1"])
        place(store, out, records["B"])


DASK_THREADS = ("Profile", "Dask-Offload")
"""Daemon threads that distributed starts once per process and never stops (test_dask_pool runs earlier in the
same pytest process): the only threads, besides this one, that a fork here may copy."""


def fork() -> int:
    """os.fork() for a child that runs publishing code only and leaves by os._exit.

    Python 3.12 warns that forking a multi-threaded process may deadlock the child, and here it does not apply:
    the other threads can only be Dask's (checked here; any other thread fails the test), which hold none of the
    locks the child takes (the GIL and the import lock are reset in a child, glibc's malloc is fork-safe, and the
    child never touches Dask, the only user of those threads' locks)."""
    import threading
    import warnings

    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    assert all(name.startswith(DASK_THREADS) for name in others), f"unexpected threads at fork: {others}"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="This process .* is multi-threaded, use of fork", category=DeprecationWarning)
        return os.fork()


def run_killed(action: str, store: Path, out: Path, records: dict[str, EpisodeRecord], moment: str | None) -> str:
    """Run `action` in a forked child that kills itself at `moment`; 'killed' or 'finished'."""
    pid = fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            if moment:
                os.environ[KILL_AT_ENV] = moment
            ACTIONS[action](store, out, records)
        except BaseException:  # noqa: BLE001
            code = 3
        os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return "killed"
    assert os.WEXITSTATUS(status) == 0, f"{action} failed without being killed"
    return "finished"


def feed_items(out: Path) -> set[tuple[str, str, int]] | None:
    """(guid, audio file, length) of every feed item, after checking that every file the feed names is there,
    the audio with the length the feed gives; None when there is no feed."""
    path = out / "feed.xml"
    if not path.exists():
        return None
    items = set()
    for item in etree.parse(str(path)).iter("item"):
        enclosure = item.find("enclosure")
        audio = enclosure.get("url").rsplit("/", 1)[1]
        assert (out / audio).stat().st_size == int(enclosure.get("length")), audio
        for tag in ("chapters", "transcript"):
            assert (out / item.find(f"{{{PODCAST}}}{tag}").get("url").rsplit("/", 1)[1]).is_file()
        page = item.findtext("link").rsplit("/", 1)[1]
        assert (out / page).is_file(), f"the feed links to a page that is not there: {page}"
        items.add((item.findtext("guid"), audio, int(enclosure.get("length"))))
    return items


def catalog_items(out: Path) -> set[tuple[str, str, int]]:
    return {(e.guid, e.record.mp3, e.record.mp3_bytes) for e in list_episodes(out)}


def check_pages(out: Path) -> None:
    """Every page the index links to, and the audio of every page, is there."""
    index = out / "index.html"
    if not index.exists():
        return
    root = etree.parse(str(index), etree.HTMLParser())
    for href in root.xpath("//a/@href"):
        if href.endswith(".html"):
            page = out / href
            assert page.is_file(), f"index.html links to a missing page {href}"
            for src in etree.parse(str(page), etree.HTMLParser()).xpath("//audio/@src"):
                assert (out / src).is_file(), f"{href} plays a missing file {src}"


def integrity(out: Path) -> None:
    if (out / CATALOG_FILE).exists():
        conn = sqlite3.connect(out / CATALOG_FILE)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            conn.close()


def check_repaired(out: Path) -> None:
    """Everything consistent and nothing left over: the feed is the catalog, no file is unaccounted for."""
    integrity(out)
    listed = catalog_items(out)
    assert feed_items(out) == listed, "the feed and `narrate episodes` disagree after the repair"
    entries = list_episodes(out)
    named = {n for e in entries for n in (e.record.mp3, e.record.chapters_json, e.record.vtt)}
    on_disk = {p.name for p in out.iterdir() if EPISODE_FILE.match(p.name)}
    assert on_disk == named | {USER_FILE}, "retired or abandoned episode files are left, or the user's was deleted"
    pages = {p.name for p in out.iterdir() if PAGE_FILE.match(p.name)}
    assert pages == {e.page for e in entries} | {"index.html"}
    check_pages(out)
    assert locks.publish_settled(out)
    # A killed encode's hidden temporary file may stay (never served; swept once an hour old, see
    # test_build_interrupted.py); no other temporary file may.
    assert not [p.name for p in out.iterdir() if p.name.endswith(".part") and not p.name.startswith(".episode-")]


@pytest.fixture(scope="module")
def expected(episodes, tmp_path_factory) -> dict[str, tuple[set, set]]:  # type: ignore[no-untyped-def]
    """Each action's catalog items before and after an uninterrupted run."""
    store, records = episodes
    states = {}
    for n, action in enumerate(ACTIONS):
        out = tmp_path_factory.mktemp(f"reference-{n}") / "out"
        initial_state(store, out, records, action)
        before = catalog_items(out)
        assert run_killed(action, store, out, records, None) == "finished"
        check_repaired(out)
        states[action] = (before, catalog_items(out))
    return states


OUTCOMES: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("moment", PUBLISH_MOMENTS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_kill_at_every_moment_then_repair(action: str, moment: str, episodes, expected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, records = episodes
    out = tmp_path / "out"
    initial_state(store, out, records, action)
    outcome = run_killed(action, store, out, records, moment)
    OUTCOMES[(action, moment)] = outcome
    before, after = expected[action]

    # At the instant of the kill: whatever a podcast app fetches is whole and consistent.
    integrity(out)
    listed = catalog_items(out)
    assert listed in (before, after), "the catalog is neither the old nor the new state"
    shown = feed_items(out)
    if shown is not None:
        assert shown in (before, after), "the feed is neither the old nor the new state"
        assert shown == before or listed == after, "the feed shows a change the catalog has not committed"
    check_pages(out)
    assert (out / USER_FILE).exists()

    # The next publishing command repairs everything (`narrate feed` here; any publish does the same).
    if moment == "publish:feed-written":
        result = run_command("feed", "-o", str(out))
        assert result.returncode == 0, result.stderr
    else:
        write_feed(out)
    check_repaired(out)
    assert catalog_items(out) == listed  # a repair changes no episode: it finishes the publish or drops the leftovers


def test_every_moment_is_reached_by_some_action() -> None:
    reached = {moment for (_action, moment), outcome in OUTCOMES.items() if outcome == "killed"}
    if len(OUTCOMES) < len(ACTIONS) * len(PUBLISH_MOMENTS):
        pytest.skip("run with the kill matrix")
    assert reached == set(PUBLISH_MOMENTS)


def test_a_live_builds_files_are_never_deleted_by_another_publisher(episodes, tmp_path: Path) -> None:
    """Between a build's rename of its files into place and its commit, nothing names them: a concurrent publisher
    must leave them alone, even when they are an earlier version the catalog retired. Once the build is dead,
    they go."""
    store, records = episodes
    out = tmp_path / "out"
    initial_state(store, out, records, "add an episode")
    place(store, out, records["A2"])  # A1's files are retired and deleted
    a1 = records["A1"]
    names = [a1.mp3, a1.chapters_json, a1.vtt]
    read_fd, write_fd = os.pipe()
    hold_fd, _never_written = os.pipe()
    pid = fork()
    if pid == 0:  # a build going back to A1's audio, stopped between placing its files and publishing them
        with locks.episode_lock(out, a1.identity) as lock:
            lock.placing(names)
            for name in names:
                shutil.copy(store / name, out / name)
            os.write(write_fd, b"placed")
            os.read(hold_fd, 1)  # never comes: the parent kills us
        os._exit(0)
    assert os.read(read_fd, 6) == b"placed"
    conn = sqlite3.connect(out / CATALOG_FILE)  # A1's names are in the retired list again, as after a revert
    with conn:
        conn.executemany("INSERT OR IGNORE INTO retired (file) VALUES (?)", [(n,) for n in names])
    conn.close()
    write_feed(out)
    publish_episode(out, make_episode(out, "Another story", frequency=770))
    assert all((out / n).exists() for n in names), "a concurrent publisher deleted a live build's files"
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    write_feed(out)
    assert not any((out / n).exists() for n in names), "a dead build's unpublished files were left behind"
    check_repaired(out)


@pytest.mark.parametrize("damage", ["empty file", "empty file and a stale journal", "no tables"])
def test_a_half_made_catalog_is_made_whole(damage: str, episodes, tmp_path: Path) -> None:
    store, records = episodes
    out = tmp_path / "out"
    out.mkdir()
    (out / USER_FILE).write_bytes(b"the user's own file")
    db = out / CATALOG_FILE
    if damage == "no tables":
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE unrelated (x)")
        conn.commit()
        conn.close()
    else:
        db.write_bytes(b"")
        if "journal" in damage:
            Path(f"{db}-journal").write_bytes(b"\0" * 512)
    assert list_episodes(out) == []
    place(store, out, records["C"])
    assert [e.record.identity for e in list_episodes(out)] == [records["C"].identity]
    check_repaired(out)
    assert not Path(f"{db}-journal").exists()
