"""Reading an MP3's ID3 table of contents back as a tree, the way a strict reader of the chapter addendum does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import CHAP, CTOC, ID3, CTOCFlags


@dataclass(frozen=True)
class TocTree:
    """The table of contents of one file."""

    top: CTOC
    """The one top-level table."""
    leaves: list[CHAP]
    """The chapters met walking the tree depth first, in order."""
    tables: list[CTOC]
    """Every table met on the walk (the top one first)."""
    chapters: dict[str, CHAP]
    """Every CHAP frame in the file, by element id."""
    all_tables: dict[str, CTOC]
    """Every CTOC frame in the file, by element id."""


def title(frame: CHAP | CTOC) -> str:
    """A chapter's or a table's TIT2."""
    return str(frame.sub_frames["TIT2"])


def read_toc(path: Path) -> TocTree:
    """Walk the table of contents of `path` from its single top-level CTOC (no element may be met twice)."""
    tags = ID3(path)
    chapters = {c.element_id: c for c in tags.getall("CHAP")}
    tables = {t.element_id: t for t in tags.getall("CTOC")}
    tops = [t for t in tables.values() if t.flags & CTOCFlags.TOP_LEVEL]
    assert len(tops) == 1, "exactly one top-level table of contents"
    leaves: list[CHAP] = []
    met: list[CTOC] = []

    def walk(table: CTOC) -> None:
        assert table.element_id not in {t.element_id for t in met}, "a table met twice"
        met.append(table)
        for child in table.child_element_ids:
            if child in tables:
                walk(tables[child])
            else:
                assert child in chapters, f"the table {table.element_id} names a missing element {child}"
                leaves.append(chapters[child])

    walk(tops[0])
    return TocTree(tops[0], leaves, met, chapters, tables)


def assert_contiguous_tree(tree: TocTree, duration_ms: int) -> None:
    """Every CHAP and CTOC is reachable; the leaves follow each other without gap or overlap from 0 to the end."""
    assert sorted(c.element_id for c in tree.leaves) == sorted(tree.chapters), "a CHAP no table reaches, or one met twice"
    assert {t.element_id for t in tree.tables} == set(tree.all_tables), "a CTOC no table reaches"
    assert all(t.flags & CTOCFlags.ORDERED for t in tree.tables)
    assert tree.leaves[0].start_time == 0
    for before, after in zip(tree.leaves, tree.leaves[1:]):
        assert before.end_time == after.start_time, (title(before), title(after))
    assert tree.leaves[-1].end_time == duration_ms
