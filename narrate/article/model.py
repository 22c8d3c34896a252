"""The Article: what a reader stage produces from Markdown, HTML, text or a URL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["paragraph", "quote", "list_item", "table", "break"]


@dataclass(frozen=True)
class Block:
    """One run of body text inside a section."""

    kind: BlockKind
    """What the text is: a paragraph, a block quote, a list item, a table (its rows as sentences, or no text for a
    table that is not read) or a section break."""
    text: str
    """The plain text, markup already removed (empty for a break and for a table that is not read)."""


@dataclass(frozen=True)
class Section:
    """A heading and the blocks under it; the first section of an article may have no heading."""

    heading: str | None
    """The heading's plain text, or None for the lead before the first heading."""
    blocks: tuple[Block, ...]
    """The section's body in reading order."""
    level: int = 2
    """The heading level it came from (2 for `##`)."""


@dataclass(frozen=True)
class Article:
    """A readable article with its metadata, independent of the format it came in."""

    title: str
    """The headline."""
    sections: tuple[Section, ...]
    """The body, split at headings."""
    author: str | None = None
    """The byline's names, or None when unknown."""
    date: dt.date | None = None
    """The publication date, or None when unknown."""
    source: str | None = None
    """Where it was read from: a file path, a URL, or '-' for standard input."""
    canonical_url: str | None = None
    """The URL the article names as its own, if any."""
    site: str | None = None
    """The publication or site name, if known."""
    language: str | None = None
    """A BCP 47 language tag such as 'en' or 'en-GB', if known."""
    extra: dict[str, str] = field(default_factory=dict, compare=False)
    """Other front-matter fields, kept for later stages (description, image...)."""

    def identity(self) -> str:
        """What makes two builds the same episode: the canonical URL, else title, author and date."""
        if self.canonical_url:
            return "url:" + self.canonical_url
        return "article:" + "\x1f".join(
            [self.title.strip(), (self.author or "").strip(), self.date.isoformat() if self.date else ""]
        )
