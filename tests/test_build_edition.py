"""End to end: several articles with --edition become ONE episode with nested chapters."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from chapter_tree import assert_contiguous_tree, read_toc, title
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


def test_the_table_of_contents_is_a_tree_of_articles(edition: dict) -> None:
    tree = read_toc(edition["mp3"])
    top = tree.top.child_element_ids
    # Top level: the intro chapter, then one table per article, titled with its headline.
    assert top[0] in tree.chapters and title(tree.chapters[top[0]]) == "Morning edition"
    assert all(i in tree.all_tables for i in top[1:])
    assert [title(tree.all_tables[i]) for i in top[1:]] == list(HEADLINES)
    # Each article's table: its opening part (titled with the headline), then its sections in order.
    for headline, toc_id in zip(HEADLINES, top[1:]):
        assert [title(tree.chapters[i]) for i in tree.all_tables[toc_id].child_element_ids] == [headline, *SECTIONS[headline]]
    # Walked depth first, the chapters follow each other from 0 to the end of the audio.
    assert_contiguous_tree(tree, tree.leaves[-1].end_time)
    assert abs(tree.leaves[-1].end_time / 1000 - decoded_seconds(edition["mp3"])) <= MP3_FRAME_S
    assert [title(c) for c in tree.leaves] == ["Morning edition", *[t for h in HEADLINES for t in (h, *SECTIONS[h])]]


def test_summary_and_json_chapters_agree(edition: dict) -> None:
    summary = edition["summary"]
    top = [c["title"] for c in summary["chapters"] if c["level"] == 0]
    assert top[1:] == list(HEADLINES)
    nested = [c["title"] for c in summary["chapters"] if c["level"] > 0]
    assert nested == [s for h in HEADLINES for s in SECTIONS[h]]
    doc = json.loads((edition["work"] / summary["chapters_json"]).read_text(encoding="utf-8"))
    starts = [c["startTime"] for c in doc["chapters"]]
    assert starts == sorted(starts) and starts[0] == 0
    # The flat JSON chapters are the ID3 tree's leaves: same titles, same times.
    leaves = read_toc(edition["mp3"]).leaves
    assert [c["title"] for c in doc["chapters"]] == [title(c) for c in leaves]
    assert [(c["startTime"], c["endTime"]) for c in doc["chapters"]] == [(c.start_time / 1000, c.end_time / 1000)
                                                                          for c in leaves]


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
