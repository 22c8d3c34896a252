"""EpisodeRecord: what a build hands to the publish stage about one episode."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class EpisodeRecord:
    """One built episode, as the catalog keeps it."""

    identity: str
    """The article's stable source identity; the episode's GUID derives from it and never changes."""
    title: str
    """The episode title."""
    mp3: str
    """The MP3's file name inside the output folder (STEM.mp3)."""
    mp3_bytes: int
    """The MP3's exact size in bytes (the enclosure length)."""
    duration_s: float
    """The audio duration in seconds."""
    chapters_json: str
    """The Podcasting 2.0 chapters file name inside the output folder (STEM.chapters.json)."""
    vtt: str
    """The WebVTT transcript file name inside the output folder (STEM.vtt)."""
    chapters: tuple[tuple[str, int, float, float], ...] = ()
    """Chapters as (title, level, start_s, end_s), in time order."""
    author: str | None = None
    """The byline, if known."""
    description: str = ""
    """A short plain-text summary."""
    site: str | None = None
    """The publication, if known."""
    language: str | None = None
    """A BCP 47 language tag, if known."""
    date: dt.date | None = None
    """The article's publication date; None means 'when the catalog first saw it'."""


@dataclass(frozen=True)
class CatalogEntry:
    """An episode as stored in the catalog: the record plus what publishing fixed once."""

    record: EpisodeRecord
    """The latest build's facts."""
    guid: str
    """The item GUID, fixed at first sight."""
    slug: str
    """The episode page's name (SLUG.html), fixed at first sight and unique in the catalog."""
    published: dt.datetime
    """The publication time (UTC) the feed gives: by default the article's date at midnight, else the first-seen
    time; narrate.publish.dating applies the show's `episode_date` choice."""
    added: dt.datetime | None = None
    """When the catalog first saw the episode (UTC)."""

    @property
    def page(self) -> str:
        """The episode page's file name."""
        return f"{self.slug}.html"


@dataclass(frozen=True)
class PublishResult:
    """What publish_episode did."""

    entry: CatalogEntry
    """The episode as now in the catalog."""
    feed: str
    """The feed file's name in the output folder."""
    feed_url: str
    """The feed's public URL."""
    written: tuple[str, ...]
    """Files (re)written because their content changed."""
    deleted: tuple[str, ...]
    """Retired episode files that were deleted."""
