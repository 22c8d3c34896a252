"""The Script: what will be said, chapter by chapter, segment by segment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["narrator", "heading", "quote"]


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of speech, synthesized in one engine call (slots: a long book holds over 100,000 of them)."""

    text: str
    """Exactly what the engine is asked to say (already normalized for speech)."""
    role: Role = "narrator"
    """Who reads it: the narrator, the heading voice or the quote voice."""
    pause_ms: int = 0
    """Silence after this segment, in milliseconds."""
    caption: str | None = None
    """The segment as written, before it was rewritten for speech (for transcripts); None when the same as `text`."""

    @property
    def written(self) -> str:
        """What a reader of the transcript sees: the caption, else the spoken text."""
        return self.caption or self.text


@dataclass(frozen=True)
class Chapter:
    """A navigable part of the episode."""

    title: str
    """The title shown in podcast apps."""
    segments: tuple[Segment, ...]
    """The chapter's own speech, in order."""
    level: int = 0
    """0 for a top-level chapter; 1 for one nested under the top-level chapter before it."""


@dataclass(frozen=True)
class Script:
    """A whole episode's speech, plus the metadata that goes into tags and feed."""

    title: str
    """The episode title (the headline, or the edition's title)."""
    chapters: tuple[Chapter, ...]
    """Chapters in time order; nested ones follow their parent."""
    author: str | None = None
    """The author(s), or None when unknown."""
    date: dt.date | None = None
    """The publication date, or None when unknown."""
    language: str | None = None
    """A BCP 47 language tag, if known."""
    site: str | None = None
    """The publication, or the edition's title, if known."""
    identity: str = ""
    """The episode's source identity (see Article.identity); stable across rebuilds."""
    description: str = ""
    """A short plain-text summary for tags and feeds."""

    def segments(self) -> list[Segment]:
        """Every segment in speaking order."""
        return [s for c in self.chapters for s in c.segments]

    def to_json(self) -> dict[str, Any]:
        """The stable `narrate script --format json` contract: each segment's spoken `text`, the same span as the
        article wrote it (`written`, what the transcript shows), its role and the pause after it."""
        out: dict[str, Any] = {
            "title": self.title,
            "author": self.author,
            "date": self.date.isoformat() if self.date else None,
            "chapters": [
                {
                    "title": c.title,
                    "segments": [
                        {"text": s.text, "written": s.written, "role": s.role, "pause_ms": s.pause_ms} for s in c.segments
                    ],
                    **({"level": c.level} if c.level else {}),
                }
                for c in self.chapters
            ],
        }
        if self.language:
            out["language"] = self.language
        if self.site:
            out["site"] = self.site
        return out
