"""Publishing settings that stick and are checked, end to end through the CLI: the base URL is remembered for the
folder, placeholders and a loopback feed are named in one line each, `remove` takes what `build` printed."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from cli_support import FIXTURES, ok, run_narrate

BASE = "https://pods.example.org/news"


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    for name in ("bakery.md", "canal.md"):
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    return tmp_path


def _urls(feed_path: Path) -> list[str]:
    feed = feedparser.parse(feed_path.read_bytes())
    urls = [link.href for entry in feed.entries for link in entry.links if link.rel == "enclosure"]
    urls += [link.href for link in feed.feed.links if link.rel == "self"]
    return urls


def test_the_base_url_is_remembered_for_the_folder(work: Path) -> None:
    ok(run_narrate(["build", "bakery.md", "-o", "pub", "--cache", "cache", "-q", "--base-url", BASE + "/"], work))
    ok(run_narrate(["build", "canal.md", "-o", "pub", "--cache", "cache", "-q"], work))
    urls = _urls(work / "pub" / "feed.xml")
    assert len(urls) == 3 and all(u.startswith(BASE + "/") for u in urls), urls
    ok(run_narrate(["feed", "-o", "pub"], work))
    assert all(u.startswith(BASE + "/") for u in _urls(work / "pub" / "feed.xml"))
    from narrate.publish.site import feed_document

    served = feedparser.parse(feed_document(work / "pub", fallback_base_url="http://127.0.0.1:9999"))
    assert all(link.href.startswith(BASE + "/") for e in served.entries for link in e.links if link.rel == "enclosure")
    # A new address given explicitly moves the feed, and is remembered in turn.
    ok(run_narrate(["feed", "-o", "pub", "--base-url", "https://cdn.example.net/pod"], work))
    ok(run_narrate(["remove", "canal-path-closes-for-bank-repairs", "-o", "pub"], work))
    assert all(u.startswith("https://cdn.example.net/pod/") for u in _urls(work / "pub" / "feed.xml"))


@pytest.mark.parametrize("url", ["pods.example.org", "ftp://pods.example.org/x", "https://"])
def test_a_base_url_apps_cannot_use_is_refused(work: Path, url: str) -> None:
    proc = run_narrate(["build", "bakery.md", "-o", "pub", "--cache", "cache", "-q", "--base-url", url], work)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"narrate: --base-url must be an http:// or https:// address with a host name, not '{url}'."]
    assert not (work / "pub").exists()  # refused before anything is built


def test_a_base_url_apps_cannot_use_is_refused_by_every_command(work: Path) -> None:
    for args in (["follow", ".", "-o", "pub"], ["feed", "-o", "pub"], ["serve", "-o", "pub"]):
        proc = run_narrate([*args, "--base-url", "ftp://pods.example.org/x"], work)
        assert proc.returncode == 1
        assert proc.stderr.splitlines() == [
            "narrate: --base-url must be an http:// or https:// address with a host name, not 'ftp://pods.example.org/x'."]
    assert not (work / "pub").exists()


def test_placeholders_and_a_loopback_feed_are_named_once(work: Path) -> None:
    quiet = ok(run_narrate(["build", "bakery.md", "-o", "pub-quiet", "--cache", "cache", "-q"], work))
    assert quiet.stderr == ""
    proc = ok(run_narrate(["build", "bakery.md", "-o", "pub", "--cache", "cache"], work))
    notes = [line for line in proc.stderr.splitlines() if line.startswith("narrate: note: ")]
    assert len(notes) == 2, proc.stderr
    assert "no title or owner e-mail" in notes[0] and "pub/narrate.toml" in notes[0]
    assert "http://127.0.0.1:8008" in notes[1] and "--base-url" in notes[1]
    feed = feedparser.parse((work / "pub" / "feed.xml").read_bytes())
    assert feed.feed.author == "narrate" and "example.com" not in (work / "pub" / "feed.xml").read_text("utf-8")
    (work / "pub" / "narrate.toml").write_text(
        f'[show]\ntitle = "Harbour Town News"\nemail = "editor@example.org"\nbase_url = "{BASE}"\n', encoding="utf-8")
    proc = ok(run_narrate(["feed", "-o", "pub"], work))
    assert "note:" not in proc.stderr
    feed = feedparser.parse((work / "pub" / "feed.xml").read_bytes())
    assert feed.feed.author == "Harbour Town News"  # the author defaults to the title


def test_invalid_show_settings_are_one_sentence(work: Path) -> None:
    (work / "pub").mkdir()
    (work / "pub" / "narrate.toml").write_text('[show]\ncategory = "Nonsense"\n', encoding="utf-8")
    proc = run_narrate(["build", "bakery.md", "-o", "pub", "--cache", "cache", "-q"], work)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "'Nonsense' is not an Apple Podcasts category" in proc.stderr.strip().splitlines()[-1]


def test_remove_takes_the_path_build_printed_and_forgets_the_episode(work: Path) -> None:
    printed = ok(run_narrate(["build", "bakery.md", "-o", "pub", "--cache", "cache", "-q"], work)).stdout.split()
    mp3 = next(p for p in printed if p.endswith(".mp3"))
    manifests = list((work / "pub" / ".narrate" / "episodes").glob("*.json"))
    assert len(manifests) == 1
    ok(run_narrate(["remove", mp3, "-o", "pub"], work))
    assert not (work / mp3).exists() and not manifests[0].exists()
    assert feedparser.parse((work / "pub" / "feed.xml").read_bytes()).entries == []
    proc = run_narrate(["remove", "elsewhere/" + Path(mp3).name, "-o", "pub"], work)
    assert proc.returncode == 1 and "No episode" in proc.stderr
    # Built again, it is a new build (its manifest was forgotten), published again.
    again = ok(run_narrate(["build", "bakery.md", "-o", "pub", "--cache", "cache", "-q", "--json"], work)).stdout
    assert '"unchanged": false' in again


def test_a_follow_run_that_publishes_many_times_says_each_note_once(tmp_path: Path) -> None:
    # Each article a follow run builds is published; the notes were said again once something (a library's import)
    # had changed the warning filters, which clears the "once" filter's registry.
    (tmp_path / "src").mkdir()
    for name in ("bakery.md", "canal.md", "choir.md"):
        (tmp_path / "src" / name).write_bytes((FIXTURES / name).read_bytes())
    proc = ok(run_narrate(["follow", "src", "-o", "pub", "--cache", "cache"], tmp_path))
    notes = [line for line in proc.stderr.splitlines() if line.startswith("narrate: note: ")]
    assert len(notes) == 2 and len(set(notes)) == 2, proc.stderr
