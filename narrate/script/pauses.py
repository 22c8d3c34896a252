"""How long the silences are, by structure: sentence < paragraph < chapter (section) < article."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pauses:
    """Silence after each kind of boundary, in milliseconds (defaults suit news read at a normal rate)."""

    sentence_ms: int = 300
    """After a sentence inside a paragraph."""
    paragraph_ms: int = 700
    """After the last sentence of a paragraph, list item, quote or byline."""
    section_ms: int = 1200
    """After the last segment of a chapter, or before a section break (`---`)."""
    article_ms: int = 2000
    """After the last segment of an article inside an edition."""
    after_heading_ms: int = 600
    """After a headline or heading is read."""

    def __post_init__(self) -> None:
        for name in ("sentence_ms", "paragraph_ms", "section_ms", "article_ms", "after_heading_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"Pause {name} must not be negative.")
