"""End to end: the same input gives the same bytes; a rebuild does no work; an edit redoes only what changed."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from cli_support import FIXTURES, all_segments, build_json, script_json

ARTICLE = FIXTURES / "bakery.md"


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The article built into two fresh output folders that share one cache."""
    work = tmp_path_factory.mktemp("repro")
    shutil.copy(ARTICLE, work / "article.md")
    started = time.monotonic()
    first = build_json(["article.md", "-o", "out1", "--cache", "cache"], work)
    first_s = time.monotonic() - started
    second = build_json(["article.md", "-o", "out2", "--cache", "cache"], work)
    return {"work": work, "first": first, "second": second, "first_s": first_s}


def test_same_input_same_cache_gives_identical_files(twice: dict) -> None:
    work, first, second = twice["work"], twice["first"], twice["second"]
    assert first["segments"]["synthesized"] == first["segments"]["total"] > 0
    assert second["segments"]["synthesized"] == 0
    for key in ("mp3", "chapters_json", "vtt"):
        a, b = work / first[key], work / second[key]
        assert a.parent != b.parent
        assert a.name == b.name
        assert a.read_bytes() == b.read_bytes(), key


def test_rebuild_into_the_same_folder_is_unchanged_and_writes_nothing(twice: dict) -> None:
    work = twice["work"]
    mp3 = work / twice["first"]["mp3"]
    before = mp3.stat().st_mtime_ns
    started = time.monotonic()
    again = build_json(["article.md", "-o", "out1", "--cache", "cache"], work)
    elapsed = time.monotonic() - started
    assert again["unchanged"] is True
    assert again["segments"]["synthesized"] == 0
    assert again["mp3"] == twice["first"]["mp3"]
    assert mp3.stat().st_mtime_ns == before
    # Loose: a no-op rebuild must not take longer than the first build that synthesized everything.
    assert elapsed < max(twice["first_s"], 5.0)


def test_editing_one_paragraph_resynthesizes_only_its_segments(tmp_path: Path) -> None:
    shutil.copy(ARTICLE, tmp_path / "article.md")
    old_script = script_json(["article.md"], tmp_path)
    old = build_json(["article.md", "-o", "out", "--cache", "cache"], tmp_path)
    old_mp3 = tmp_path / old["mp3"]
    assert old_mp3.is_file()

    text = (tmp_path / "article.md").read_text(encoding="utf-8")
    edited = text.replace("Neighbours queued along the pavement before seven.",
                          "Neighbours queued along the pavement well before six.")
    assert edited != text
    (tmp_path / "article.md").write_text(edited, encoding="utf-8")
    new_script = script_json(["article.md"], tmp_path)
    new = build_json(["article.md", "-o", "out", "--cache", "cache"], tmp_path)

    old_texts = {s["text"] for s in all_segments(old_script)}
    changed = [s for s in all_segments(new_script) if s["text"] not in old_texts]
    assert 0 < len(changed) < len(all_segments(new_script))
    assert new["segments"]["synthesized"] == len(changed)
    assert new["segments"]["reused"] == new["segments"]["total"] - len(changed)
    assert new["unchanged"] is False

    new_mp3 = tmp_path / new["mp3"]
    assert new_mp3.name != old_mp3.name
    assert new_mp3.is_file()
    # Same article (same identity): publishing replaced the old episode files once the feed named the new one.
    assert not old_mp3.exists()
    assert not (tmp_path / old["vtt"]).exists()
    assert not (tmp_path / old["chapters_json"]).exists()
    feed = (tmp_path / "out" / "feed.xml").read_text(encoding="utf-8")
    assert new_mp3.name in feed
    assert old_mp3.name not in feed
    assert feed.count("<item>") + feed.count("<item ") == 1


def test_segments_are_cached_with_their_loudness(twice: dict) -> None:
    from narrate.audio.loudness import SegmentLoudness
    from narrate.cache.store import SegmentCache

    cache = SegmentCache(twice["work"] / "cache")
    entries = sorted((twice["work"] / "cache" / "segments").glob("*/*.seg"))
    assert entries
    for entry in entries:
        measured = SegmentLoudness.from_extra(cache.get_extra(entry.stem))
        assert measured is not None and measured.sample_rate == 22050
