"""ID3 chapters: the table of contents as the chapter addendum describes it, read back with mutagen."""

from __future__ import annotations

from pathlib import Path

from narrate.audio.tags import EpisodeTags, write_tags
from narrate.audio.timeline import Timeline, TimedChapter
from chapter_tree import assert_contiguous_tree, read_toc, title

RATE = 1000  # one sample per millisecond keeps the numbers readable


def timeline(*chapters: tuple[str, int, int]) -> Timeline:
    """Chapters as (title, level, start_ms); levels and spans as build_timeline makes them."""
    end = 60_000
    made, parent = [], None
    for i, (name, level, start) in enumerate(chapters):
        if level == 0:
            parent = i
            nxt = next((c[2] for c in chapters[i + 1:] if c[1] == 0), end)
        else:
            nxt = chapters[i + 1][2] if i + 1 < len(chapters) else end
        made.append(TimedChapter(name, level, start, nxt, parent if level else None))
    return Timeline(RATE, end, (), tuple(made))


def tagged(tmp_path: Path, line: Timeline) -> Path:
    path = tmp_path / "episode.mp3"
    path.write_bytes(b"")
    write_tags(path, EpisodeTags(title="Episode"), line, cover_png=b"\x89PNG\r\n\x1a\n")
    return path


def test_a_single_article_with_sections_keeps_one_flat_table(tmp_path: Path) -> None:
    tree = read_toc(tagged(tmp_path, timeline(("Headline", 0, 0), ("Section one", 0, 20_000), ("Section two", 0, 41_000))))
    assert tree.tables == [tree.top] and len(tree.all_tables) == 1
    assert [title(c) for c in tree.leaves] == ["Headline", "Section one", "Section two"]
    assert_contiguous_tree(tree, 60_000)


def test_an_edition_nests_only_the_articles_that_have_sections(tmp_path: Path) -> None:
    tree = read_toc(tagged(tmp_path, timeline(
        ("Edition", 0, 0),
        ("First article", 0, 5_000), ("Its section", 1, 9_000), ("Another section", 1, 15_000),
        ("Short article", 0, 22_000),
        ("Last article", 0, 30_000), ("Its only section", 1, 38_000),
    )))
    top = tree.top.child_element_ids
    assert [title(tree.chapters.get(i) or tree.all_tables[i]) for i in top] == [
        "Edition", "First article", "Short article", "Last article"]
    assert [i in tree.all_tables for i in top] == [False, True, False, True]
    first = tree.all_tables[top[1]]
    assert [title(tree.chapters[i]) for i in first.child_element_ids] == ["First article", "Its section", "Another section"]
    assert (tree.chapters[first.child_element_ids[0]].start_time, tree.chapters[first.child_element_ids[0]].end_time) == (
        5_000, 9_000)  # the opening part only: no overlap with its sections
    assert_contiguous_tree(tree, 60_000)
