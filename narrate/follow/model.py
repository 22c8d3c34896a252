"""The typed values of `narrate follow`: what a source lists, what the plan decides, what the run did.

Light to import (the standard library only): the 'nothing changed' path builds these and nothing heavier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SourceKind = Literal["feed-url", "feed-file", "folder"]
ContentKind = Literal["full", "summary", "file"]
Action = Literal["new", "changed", "unchanged", "skipped"]
Outcome = Literal["published", "unchanged", "failed", "skipped", "planned"]


@dataclass(frozen=True)
class Source:
    """One place articles appear: a feed (URL or file) or a folder of article files."""

    key: str
    """The stable name the state is kept under: the URL as given, or the path relative to the output folder."""
    kind: SourceKind
    """A feed at a URL, a feed file, or a folder."""
    location: str
    """Where to read it now: the URL, or the absolute path."""
    shown: str
    """The source as the user wrote it (for messages)."""


@dataclass(frozen=True)
class ItemContent:
    """The article text a feed item carries."""

    media: Literal["html", "text"]
    """HTML (content:encoded, Atom content, content_html, an HTML summary) or plain text (content_text)."""
    body: str
    """The text itself."""


@dataclass(frozen=True)
class SourceItem:
    """One article as its source lists it: a feed entry, or a file in a folder."""

    item_id: str
    """Its identity in the source: the feed's GUID/id, else its canonical link; a file's path in the folder."""
    title: str | None
    """The headline the source gives, if any."""
    link: str | None
    """The article's web address, if any."""
    published: dt.datetime | None
    """When it was published or last updated (UTC), if the source says; a file's modification time."""
    position: int
    """Its place in the source, 0 being first, as a reader of the source sees them."""
    kind: ContentKind
    """'full' when the feed carries the whole article, 'summary' when the linked page must be read, 'file' for a folder."""
    why: str
    """Why the content was judged full or summary (for --verbose)."""
    fingerprint: str
    """A hash of everything the source says about the item; a change means the item changed."""
    content: ItemContent | None = None
    """The article text the feed carries (full content, or the summary); None for files."""
    author: str | None = None
    """The byline the source gives, if any."""
    path: Path | None = None
    """For a folder, the file's absolute path."""


@dataclass(frozen=True)
class Validators:
    """What makes the next request for a feed conditional, and what tells an unchanged body without parsing it."""

    etag: str | None = None
    """The ETag the server sent."""
    last_modified: str | None = None
    """The Last-Modified the server sent."""
    body_sha256: str | None = None
    """A hash of the body last read (for servers without validators, and for feed files)."""


@dataclass(frozen=True)
class SourceRead:
    """The outcome of reading one source: its items, or 'not modified', or the sentence saying why it failed."""

    source: Source
    """The source read."""
    items: tuple[SourceItem, ...] = ()
    """Every item it lists, in its own order (empty when not modified or failed)."""
    not_modified: bool = False
    """True when the source is exactly as last read (HTTP 304, or the same bytes): nothing was parsed."""
    validators: Validators = Validators()
    """What to send next time."""
    title: str | None = None
    """The feed's title (the publication), if any."""
    language: str | None = None
    """The feed's language, if it declares one."""
    error: str | None = None
    """One sentence when the source could not be read."""
    requests: int = 0
    """HTTP requests made (retries and redirects included)."""


@dataclass(frozen=True)
class ItemState:
    """What an earlier run recorded about an item."""

    status: Literal["published", "failed", "deferred", "skipped", "retired"]
    """Built and published; failed (retried next run); left for a later run by --limit; skipped at a first run; retired."""
    fingerprint: str | None
    """The item's fingerprint when it was last acted on."""
    episode: str | None
    """The catalog identity of the episode it became (for an edition, the edition's)."""
    reason: str = ""
    """Why it failed or was skipped."""
    attempts: int = 0
    """Failed attempts in a row."""


@dataclass(frozen=True)
class ItemPlan:
    """What this run will do with one item, and why."""

    source: Source
    """Where the item comes from."""
    item: SourceItem
    """The item."""
    action: Action
    """new, changed (a new audio version of the same episode), unchanged, or skipped."""
    reason: str
    """Why, in a few words."""
    episode: str
    """The catalog identity the item's episode has (or will have)."""
    defer: bool = False
    """True when the item is skipped only for now (--limit) and will be built by a later run."""
    first_run_skip: bool = False
    """True when skipped because a first run builds only the newest items."""


@dataclass(frozen=True)
class SourcePlan:
    """The plan for one source."""

    read: SourceRead
    """How reading it went."""
    items: tuple[ItemPlan, ...]
    """One plan per listed item, in the source's order."""
    first_run: bool
    """True when narrate had never finished a run on this source (for this podcast)."""
    note: str | None = None
    """A sentence for the report (the first-run rule, a source listing nothing...)."""


@dataclass(frozen=True)
class Retirement:
    """An episode the show's keep / keep_days settings take out of the feed."""

    identity: str
    """The episode's catalog identity."""
    slug: str
    """Its page name."""
    title: str
    """Its title."""
    reason: str
    """Which setting retires it."""


@dataclass(frozen=True)
class EditionPlan:
    """The edition this run makes, when --edition is given."""

    template: str
    """The title as given, {date} included."""
    title: str
    """The title with the date filled in."""
    date: dt.date
    """The edition's date."""
    identity: str
    """The catalog identity of the edition episode."""
    items: tuple[ItemPlan, ...]
    """The items it holds, in the order a reader of the sources sees them."""


@dataclass(frozen=True)
class FollowPlan:
    """Everything a run will do: per source and item, the edition if any, and the retirements."""

    target: str
    """What the items are followed into: 'episodes' (one per article) or 'edition:TEMPLATE'."""
    sources: tuple[SourcePlan, ...]
    """One plan per source, in the order given."""
    edition: EditionPlan | None
    """The edition to make (None without --edition, or when nothing is new)."""
    retire: tuple[Retirement, ...]
    """Episodes the keep / keep_days settings retire (recomputed after the builds)."""

    def to_build(self) -> list[ItemPlan]:
        """The items to build (new or changed), in source order."""
        return [p for s in self.sources for p in s.items if p.action in ("new", "changed")]


@dataclass(frozen=True)
class EpisodeInfo:
    """What a build made of an item (or of the edition)."""

    identity: str
    """The catalog identity."""
    title: str
    """The episode title."""
    mp3: str
    """The MP3's file name in the output folder."""
    page: str | None
    """The episode page's file name."""
    segments_total: int
    """Segments in the episode."""
    segments_synthesized: int
    """Segments synthesized by this build (the rest came from the cache)."""
    unchanged: bool
    """True when the audio was already up to date."""


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item."""

    plan: ItemPlan
    """The plan it followed."""
    outcome: Outcome
    """published, unchanged, failed, skipped, or planned (a dry run)."""
    detail: str = ""
    """How the article was read ('full text in the feed', 'page fetched'...) or why it failed."""
    episode: EpisodeInfo | None = None
    """The episode, when one was built."""


@dataclass(frozen=True)
class FollowReport:
    """The whole run, for the printed report and --json."""

    plan: FollowPlan
    """What was planned."""
    results: tuple[ItemResult, ...]
    """One result per item, in plan order."""
    edition: EpisodeInfo | None
    """The edition episode built, if any."""
    edition_note: str | None
    """A sentence about the edition ('nothing new: no episode published'...)."""
    retired: tuple[Retirement, ...]
    """Episodes retired by this run."""
    dry_run: bool
    """True when nothing was built or written."""
    elapsed_s: float
    """Wall time of the run."""
    errors: tuple[str, ...] = ()
    """Sentences for what went wrong outside any item (an episode that could not be retired)."""

    @property
    def exit_code(self) -> int:
        """2 when a source could not be read, 1 when an item failed, else 0."""
        if any(s.read.error for s in self.plan.sources):
            return 2
        if self.errors or any(r.outcome == "failed" for r in self.results):
            return 1
        return 0
