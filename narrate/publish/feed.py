"""The RSS 2.0 podcast feed, written with a small lxml writer.

Why not feedgen: it writes itunes:explicit as yes/no (Apple now wants true/false) and has no
Podcasting 2.0 or Podlove namespace; an explicit lxml tree is short, escapes every text and
attribute correctly, and puts each element exactly where the specs say.
"""

from __future__ import annotations

import email.utils
import html
import re
from dataclasses import dataclass
from urllib.parse import quote

from lxml import etree

from narrate.audio.transcript import vtt_time
from narrate.publish.record import CatalogEntry
from narrate.publish.settings import ShowSettings

FEED_FILE = "feed.xml"
"""The feed's file name in the output folder."""

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
PSC = "http://podlove.org/simple-chapters"
NSMAP = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM, "psc": PSC}

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FeedContext:
    """What the feed needs besides the episodes."""

    settings: ShowSettings
    """The show settings (base URL already resolved)."""
    podcast_guid: str
    """The stored podcast:guid."""
    cover: str
    """The cover: a file name in the output folder, or an absolute URL."""


def file_url(base_url: str, name: str) -> str:
    """The public URL of a file in the output folder (or `name` itself when it is already a URL)."""
    if re.match(r"^https?://", name):
        return name
    return f"{base_url.rstrip('/')}/{quote(name)}"


def clean(text: str | None) -> str:
    """`text` without characters XML 1.0 cannot hold."""
    return _XML_ILLEGAL.sub("", text or "")


def clock(seconds: float) -> str:
    """A chapter timestamp for show notes: M:SS, or H:MM:SS from one hour on."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def npt(seconds: float) -> str:
    """A Podlove Simple Chapters start time HH:MM:SS.mmm (the same clock as the WebVTT transcript's)."""
    return vtt_time(int(round(seconds * 1000)))


def show_notes(entry: CatalogEntry) -> str:
    """The item description as HTML: the summary, then the chapter list with timestamps."""
    record = entry.record
    parts = []
    if record.description:
        parts.append(f"<p>{html.escape(record.description)}</p>")
    if record.chapters:
        lines = "<br>\n".join(f"{clock(start)} {html.escape(title)}" for title, _level, start, _end in record.chapters)
        parts.append(f"<p>Chapters:<br>\n{lines}</p>")
    return "\n".join(parts) or f"<p>{html.escape(record.title)}</p>"


def render_feed(context: FeedContext, episodes: list[CatalogEntry]) -> bytes:
    """The feed document (UTF-8 bytes) for the newest `feed_limit` of `episodes` (given newest first)."""
    settings = context.settings
    base = settings.effective_base_url
    feed_url = file_url(base, FEED_FILE)
    link = settings.link or f"{base}/"
    cover_url = file_url(base, context.cover)

    rss = etree.Element("rss", nsmap=NSMAP, version="2.0")
    channel = _sub(rss, "channel")
    _sub(channel, "title", settings.title)
    _sub(channel, "link", link)
    _sub(channel, "description", settings.description)
    _sub(channel, "language", settings.language)
    _sub(channel, "generator", "narrate")
    if episodes:
        _sub(channel, "lastBuildDate", email.utils.format_datetime(episodes[0].published))
    _sub(channel, f"{{{ATOM}}}link", href=feed_url, rel="self", type="application/rss+xml")
    image = _sub(channel, "image")
    _sub(image, "url", cover_url)
    _sub(image, "title", settings.title)
    _sub(image, "link", link)
    _sub(channel, f"{{{ITUNES}}}image", href=cover_url)
    category = _sub(channel, f"{{{ITUNES}}}category", text=settings.category)
    if settings.subcategory:
        _sub(category, f"{{{ITUNES}}}category", text=settings.subcategory)
    _sub(channel, f"{{{ITUNES}}}explicit", "true" if settings.explicit else "false")
    _sub(channel, f"{{{ITUNES}}}author", settings.owner)
    owner = _sub(channel, f"{{{ITUNES}}}owner")
    _sub(owner, f"{{{ITUNES}}}name", settings.owner)
    if settings.email:  # never a made-up address: directories write to it to verify ownership
        _sub(owner, f"{{{ITUNES}}}email", settings.email)
    _sub(channel, f"{{{ITUNES}}}type", "episodic")
    _sub(channel, f"{{{PODCAST}}}guid", context.podcast_guid)
    locked = {"owner": settings.email} if settings.email else {}
    _sub(channel, f"{{{PODCAST}}}locked", "yes" if settings.locked else "no", **locked)

    for entry in episodes[: settings.feed_limit]:
        _item(channel, entry, settings)
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _item(channel: etree._Element, entry: CatalogEntry, settings: ShowSettings) -> None:
    record = entry.record
    base = settings.effective_base_url
    item = _sub(channel, "item")
    _sub(item, "title", record.title)
    _sub(item, "link", file_url(base, entry.page))
    _sub(item, "description", show_notes(entry))
    _sub(item, "guid", entry.guid, isPermaLink="false")
    _sub(item, "pubDate", email.utils.format_datetime(entry.published))
    if record.author:
        _sub(item, f"{{{ITUNES}}}author", record.author)
    _sub(item, "enclosure", url=file_url(base, record.mp3), length=str(record.mp3_bytes), type="audio/mpeg")
    _sub(item, f"{{{ITUNES}}}duration", str(int(round(record.duration_s))))
    _sub(item, f"{{{ITUNES}}}episodeType", settings.episode_type)
    _sub(item, f"{{{ITUNES}}}explicit", "true" if settings.explicit else "false")
    _sub(item, f"{{{PODCAST}}}chapters", url=file_url(base, record.chapters_json), type="application/json+chapters")
    transcript = {"url": file_url(base, record.vtt), "type": "text/vtt", "rel": "captions"}
    if record.language or settings.language:
        transcript["language"] = record.language or settings.language
    _sub(item, f"{{{PODCAST}}}transcript", **transcript)
    if record.chapters:
        chapters = _sub(item, f"{{{PSC}}}chapters", version="1.2")
        for title, _level, start, _end in record.chapters:
            _sub(chapters, f"{{{PSC}}}chapter", start=npt(start), title=title)


def _sub(parent: etree._Element, tag: str, value: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if value is not None:
        element.text = clean(value)
    return element
