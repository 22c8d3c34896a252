"""Tags: ID3v2.3 metadata, cover art and CHAP/CTOC chapters on the episode MP3 (mutagen)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from narrate.audio.timeline import Timeline

ISO_639_2 = {
    "ar": "ara", "ca": "cat", "cs": "ces", "da": "dan", "de": "deu", "el": "ell", "en": "eng", "es": "spa",
    "fi": "fin", "fr": "fra", "he": "heb", "hi": "hin", "hu": "hun", "id": "ind", "it": "ita", "ja": "jpn",
    "ko": "kor", "nb": "nob", "nl": "nld", "no": "nor", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus",
    "sk": "slk", "sv": "swe", "tr": "tur", "uk": "ukr", "vi": "vie", "zh": "zho",
}  # fmt: skip
"""BCP 47 primary language subtags to the three-letter codes ID3 uses."""

TOP_TOC_ID = "toc"
"""Element id of the top-level table of contents."""


@dataclass(frozen=True)
class EpisodeTags:
    """The metadata written into the episode's ID3 tag."""

    title: str
    """Episode title (TIT2)."""
    author: str | None = None
    """Author(s) (TPE1)."""
    album: str | None = None
    """The publication or the edition's title (TALB)."""
    date: dt.date | None = None
    """Publication date (TDRC, written as TYER/TDAT in ID3v2.3)."""
    comment: str = ""
    """A plain-text description (COMM)."""
    cover_png: bytes | None = None
    """Front cover PNG (APIC); a cover is generated from the title when None."""
    language: str | None = None
    """BCP 47 language tag (TLAN), if known."""


def id3_language(tag: str | None) -> str | None:
    """The ISO 639-2 code ID3 expects for a BCP 47 tag, or None when unknown."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-")[0].lower()
    if len(primary) == 3 and primary.isalpha():
        return primary
    return ISO_639_2.get(primary)


def chapter_id(index: int) -> str:
    """Element id of the CHAP frame for chapter `index`."""
    return f"chp{index}"


def chapter_ends_ms(timeline: Timeline) -> list[int]:
    """Where each chapter's own part ends: where the next chapter starts (the last: at its end). A chapter with
    nested chapters thus ends where its first nested chapter starts (its opening part)."""
    chapters = timeline.chapters
    return [chapters[i + 1].start_ms if i + 1 < len(chapters) else c.end_ms for i, c in enumerate(chapters)]


def write_tags(mp3_path: Path, tags: EpisodeTags, timeline: Timeline, cover_png: bytes) -> None:
    """Replace the ID3 tag of `mp3_path` with an ID3v2.3 tag holding metadata, cover and chapters."""
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, CTOCFlags

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=[tags.title]))
    if tags.author:
        id3.add(TPE1(encoding=3, text=[tags.author]))
    if tags.album:
        id3.add(TALB(encoding=3, text=[tags.album]))
    if tags.date:
        id3.add(TDRC(encoding=3, text=[tags.date.isoformat()]))
    id3.add(TCON(encoding=3, text=["Podcast"]))
    lang = id3_language(tags.language)
    if tags.comment:
        id3.add(COMM(encoding=3, lang=lang or "eng", desc="", text=[tags.comment]))
    if lang:
        id3.add(TLAN(encoding=3, text=[lang]))
    id3.add(APIC(encoding=3, mime="image/png", type=3, desc="Cover", data=cover_png))

    for i, (chapter, end) in enumerate(zip(timeline.chapters, chapter_ends_ms(timeline))):
        id3.add(
            CHAP(
                element_id=chapter_id(i),
                start_time=chapter.start_ms,
                end_time=end,
                start_offset=0xFFFFFFFF,  # unknown: players seek by time
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=[chapter.title])],
            )
        )
    # The table of contents is a tree (ID3v2 chapter addendum): the top-level table lists each top-level chapter,
    # or, for one with nested chapters (an article of an edition with sections), a child table titled like it
    # that lists its opening part and then its nested chapters. Walked depth first, the CHAP frames met follow
    # each other without gap or overlap from 0 to the end.
    top: list[str] = []
    for parent in timeline.top_level():
        children = timeline.children(parent)
        if not children:
            top.append(chapter_id(parent))
            continue
        top.append(f"{TOP_TOC_ID}{parent}")
        id3.add(
            CTOC(
                element_id=f"{TOP_TOC_ID}{parent}",
                flags=CTOCFlags.ORDERED,
                child_element_ids=[chapter_id(i) for i in (parent, *children)],
                sub_frames=[TIT2(encoding=3, text=[timeline.chapters[parent].title])],
            )
        )
    id3.add(
        CTOC(
            element_id=TOP_TOC_ID,
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=top,
            sub_frames=[TIT2(encoding=3, text=[tags.title])],
        )
    )
    id3.update_to_v23()  # TDRC becomes TYER + TDAT, as ID3v2.3 readers expect
    id3.save(str(mp3_path), v2_version=3, v23_sep="/")
