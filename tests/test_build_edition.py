"""End to end: several articles with --edition become ONE episode with nested chapters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags

from cli_support import FIXTURES, MP3_FRAME_S, all_segments, build_json, decoded_seconds, parse_vtt, run_narrate, script_json

ARTICLES = ("bakery.md", "canal.md", "choir.md")
HEADLINES = ("Village bakery reopens with a wood-fired oven", "Canal path closes for bank repairs",
             "School choir wins regional contest")
SECTIONS = {
    HEADLINES[0]: ["A new oven"],
    HEADLINES[1]: ["Detours for cyclists", "When it reopens"],
    HEADLINES[2]: ["The winning piece"],
}


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The three fixture articles built as the 'Morning edition'."""
    work = tmp_path_factory.mktemp("edition")
    for name in ARTICLES:
        shutil.copy(FIXTURES / name, work / name)
    summary = build_json([*ARTICLES, "--edition", "Morning edition", "-o", "out", "--cache", "cache"], work)
    script = script_json([*ARTICLES, "--edition", "Morning edition"], work)
    return {"work": work, "summary": summary, "mp3": work / summary["mp3"], "script": script}


def test_one_episode_for_the_edition(edition: dict) -> None:
    out = edition["work"] / "out"
    assert len(list(out.glob("*.mp3"))) == 1
    assert len(list(out.glob("*.vtt"))) == 1
    assert edition["summary"]["title"] == "Morning edition"
    assert edition["mp3"].name.startswith("morning-edition-")
    assert str(ID3(edition["mp3"])["TIT2"]) == "Morning edition"


def test_intro_then_one_top_level_chapter_per_article(edition: dict) -> None:
    tags = ID3(edition["mp3"])
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    top = [t for t in tags.getall("CTOC") if t.flags & CTOCFlags.TOP_LEVEL]
    assert len(top) == 1 and top[0].flags & CTOCFlags.ORDERED
    listed = [chaps[i] for i in top[0].child_element_ids]
    titles = [str(c.sub_frames["TIT2"]) for c in listed]
    assert len(titles) == 1 + len(HEADLINES)
    assert titles[1:] == list(HEADLINES)
    assert listed[0].start_time == 0
    for before, after in zip(listed, listed[1:]):
        assert before.end_time == after.start_time
    assert abs(listed[-1].end_time / 1000 - decoded_seconds(edition["mp3"])) <= MP3_FRAME_S


def test_sections_are_nested_under_a_child_toc_never_top_level(edition: dict) -> None:
    tags = ID3(edition["mp3"])
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    tocs = tags.getall("CTOC")
    top = next(t for t in tocs if t.flags & CTOCFlags.TOP_LEVEL)
    top_titles = {str(chaps[i].sub_frames["TIT2"]) for i in top.child_element_ids}
    parents = {str(chaps[i].sub_frames["TIT2"]): chaps[i] for i in top.child_element_ids}
    for headline, sections in SECTIONS.items():
        assert not set(sections) & top_titles
        children = [t for t in tocs if not t.flags & CTOCFlags.TOP_LEVEL and str(t.sub_frames["TIT2"]) == headline]
        assert len(children) == 1, headline
        nested = [chaps[i] for i in children[0].child_element_ids]
        assert [str(c.sub_frames["TIT2"]) for c in nested] == sections
        parent = parents[headline]
        for chap in nested:  # a section lies inside its article
            assert parent.start_time <= chap.start_time < chap.end_time <= parent.end_time
        assert nested[-1].end_time == parent.end_time
    # Every CHAP is reachable from some table of contents.
    listed = {i for t in tocs for i in t.child_element_ids}
    assert listed == set(chaps)


def test_summary_and_json_chapters_agree(edition: dict) -> None:
    summary = edition["summary"]
    top = [c["title"] for c in summary["chapters"] if c["level"] == 0]
    assert top[1:] == list(HEADLINES)
    nested = [c["title"] for c in summary["chapters"] if c["level"] > 0]
    assert nested == [s for h in HEADLINES for s in SECTIONS[h]]
    doc = json.loads((edition["work"] / summary["chapters_json"]).read_text(encoding="utf-8"))
    starts = [c["startTime"] for c in doc["chapters"]]
    assert starts == sorted(starts) and starts[0] == 0


def test_edition_vtt_and_script_cover_every_article(edition: dict) -> None:
    segments = all_segments(edition["script"])
    cues = parse_vtt((edition["work"] / edition["summary"]["vtt"]).read_text(encoding="utf-8"))
    assert len(cues) == len(segments) == edition["summary"]["segments"]["total"]
    spoken = " ".join(s["text"] for s in segments)
    for headline in HEADLINES:
        assert headline in spoken
    assert edition["script"]["title"] == "Morning edition"
    assert [c["title"] for c in edition["script"]["chapters"]][0] is not None


def test_several_files_without_edition_is_one_clear_error(tmp_path: Path) -> None:
    for name in ARTICLES[:2]:
        shutil.copy(FIXTURES / name, tmp_path / name)
    for command in (["build", *ARTICLES[:2], "-o", "out", "--cache", "cache"], ["script", *ARTICLES[:2]]):
        proc = run_narrate(command, tmp_path)
        assert proc.returncode != 0
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("narrate: ") and "--edition" in lines[0], proc.stderr
        assert proc.stdout == ""
    assert not (tmp_path / "out").exists()
