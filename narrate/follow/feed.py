"""A feed's bytes become its items: RSS 2.0 and Atom through feedparser, JSON Feed 1.0/1.1 from its JSON.

feedparser (the latest release, 6.0) reads no JSON Feed, so a JSON Feed is decoded by the json module and its
documented fields (id, url, title, content_html, content_text, summary, dates, authors, language) are mapped to
the same items. What is not a feed (an HTML page, an empty body, broken XML, JSON of another kind) is one
sentence naming the source.

Full article or summary, per item: content:encoded, Atom <content> and JSON Feed content_html / content_text
carry the article; RSS <description>, Atom <summary> and JSON Feed summary only a summary, as does content
that ends the way teasers end ('…', '[…]', 'Continue reading', 'Read more'). A summary-only item with a link is
read from its page; without a link, its summary is all there is to read.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from narrate.follow.model import ContentKind, ItemContent, SourceItem


class SourceError(Exception):
    """A source that cannot be read as a feed; str(error) is one sentence naming it."""


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_TEASER_END = re.compile(
    r"(?:…|\.\.\.|\[\s*(?:…|\.\.\.)\s*\]|\(\s*more\s*(?:…|\.\.\.)?\s*\)|continue\s+reading\b.*|read\s+(?:the\s+)?(?:full|more)\b.*"
    r"|read\s+the\s+rest\b.*)\s*$",
    re.IGNORECASE,
)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE | re.DOTALL)
_FEED_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""(\w[\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json")
_JSON_FEED_VERSION = "https://jsonfeed.org/version/"


def plain_text(markup: str | None) -> str:
    """Markup reduced to its words: tags dropped, entities decoded, white space collapsed."""
    if not markup:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def looks_cut_off(text: str) -> bool:
    """True when text ends the way a teaser does ('…', '[…]', 'Continue reading', 'Read more')."""
    return bool(_TEASER_END.search(text[-120:]))


def canonical_link(link: str | None, base: str | None = None) -> str | None:
    """An absolute http(s) link with its scheme and host in lower case and without a #fragment; None if there is none."""
    if not link or not link.strip():
        return None
    absolute = urljoin(base or "", link.strip())
    parts = urlsplit(absolute)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's items and what it says about itself."""

    items: tuple[SourceItem, ...]
    """Every entry, in the feed's order."""
    title: str | None
    """The feed's title (the publication), if any."""
    language: str | None
    """The language the feed declares, if any."""


def parse_feed(body: bytes, where: str, content_type: str = "", base_url: str | None = None) -> ParsedFeed:
    """Read RSS, Atom or JSON Feed bytes; SourceError (one sentence naming `where`) when they are not a feed."""
    if not body.strip():
        raise SourceError(f"{where} is empty: there is no feed to read.")
    media = content_type.split(";", 1)[0].strip().lower()
    if media.endswith("json") or body.lstrip()[:1] in (b"{", b"["):
        return _json_feed(body, where, base_url)
    if _HTML_START.match(body[:4096]):
        raise SourceError(_not_a_feed_page(body, where, base_url))
    import feedparser  # about 60 ms to import: only when a feed body must really be read

    parsed = feedparser.parse(body, response_headers={"content-type": content_type or "application/xml",
                                                      "content-location": base_url or ""})
    entries = parsed.get("entries") or []
    problem = parsed.get("bozo_exception")
    if problem is not None and type(problem).__name__ == "SAXParseException":
        # feedparser's lenient parser would still return what it could guess, but a broken feed may be a cut-off
        # one, and its last item half an article: nothing of it is trusted.
        raise SourceError(f"{where} is not a well-formed feed: its XML is broken ({problem}).")
    if not parsed.get("version") and not entries:
        raise SourceError(f"{where} is not a feed: it is neither RSS, Atom nor JSON Feed.")
    channel = parsed.get("feed") or {}
    items = tuple(_feed_item(entry, position, base_url) for position, entry in enumerate(entries))
    return ParsedFeed(items, plain_text(channel.get("title")) or None, (channel.get("language") or "").strip() or None)


def _not_a_feed_page(body: bytes, where: str, base_url: str | None) -> str:
    """The sentence for an HTML page given as a feed, naming the feed the page links to when it names one."""
    head = body[:65536].decode("utf-8", "replace")
    for tag in _FEED_LINK.findall(head):
        attrs = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(tag)}
        if "alternate" in attrs.get("rel", "").lower().split() and attrs.get("type", "").lower() in _FEED_TYPES and attrs.get("href"):
            return f"{where} is a web page, not a feed; the page names its feed at {urljoin(base_url or '', attrs['href'])}."
    return f"{where} is a web page (HTML), not a feed."


def _when(parsed_time: Any) -> dt.datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    if not parsed_time:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(parsed_time), dt.timezone.utc)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def _iso_when(value: Any) -> dt.datetime | None:
    """An RFC 3339 date from a JSON Feed as an aware datetime (UTC when it names no offset)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def _decide(content: ItemContent | None, summary: ItemContent | None, full_field: str,
            link: str | None) -> tuple[ContentKind, ItemContent | None, str]:
    """Full article or summary, what text to keep, and why."""
    if content is not None and content.body.strip():
        text = plain_text(content.body) if content.media == "html" else content.body.strip()
        if not looks_cut_off(text):
            return "full", content, f"the feed carries the full article ({full_field})"
        why = f"the feed's {full_field} ends like a teaser"
        summary = content
    elif summary is not None and summary.body.strip():
        why = "the feed carries only a summary"
    else:
        summary = None
        why = "the feed carries no text for it"
    if link is None:
        return "summary", summary, why + ", and no link to read the article from"
    return "summary", summary, why + "; the linked page is read"


def _item(item_id: str | None, title: str | None, link: str | None, author: str | None,
          published: dt.datetime | None, updated: dt.datetime | None, position: int,
          content: ItemContent | None, summary: ItemContent | None, full_field: str) -> SourceItem:
    kind, text, why = _decide(content, summary, full_field, link)
    identity = (item_id or "").strip() or link
    if not identity:
        identity = "title:" + title if title else "text:" + _fingerprint(text.body if text else "")[:20]
    when = published or updated
    return SourceItem(
        item_id=identity, title=title, link=link, published=when, position=position, kind=kind, why=why,
        fingerprint=_fingerprint(identity, title, link, author, when, updated, kind, text.body if text else None),
        content=text, author=author,
    )


def _feed_item(entry: dict[str, Any], position: int, base_url: str | None) -> SourceItem:
    """One feedparser entry (RSS item or Atom entry) as a SourceItem."""
    content = None
    for part in entry.get("content") or []:
        value = (part.get("value") or "").strip()
        if value:
            media = "text" if (part.get("type") or "").lower() == "text/plain" else "html"
            content = ItemContent(media, value)  # type: ignore[arg-type]
            break
    summary_text = (entry.get("summary") or "").strip()
    summary_type = ((entry.get("summary_detail") or {}).get("type") or "text/html").lower()
    summary = ItemContent("text" if summary_type == "text/plain" else "html", summary_text) if summary_text else None
    return _item(
        item_id=entry.get("id"), title=plain_text(entry.get("title")) or None,
        link=canonical_link(entry.get("link"), base_url), author=plain_text(entry.get("author")) or None,
        published=_when(dict.get(entry, "published_parsed")), updated=_when(dict.get(entry, "updated_parsed")),
        position=position, content=content, summary=summary, full_field="content:encoded or Atom content",
    )


def _json_feed(body: bytes, where: str, base_url: str | None) -> ParsedFeed:
    """A JSON Feed (jsonfeed.org 1.0 or 1.1)."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise SourceError(f"{where} is not a feed: it looks like JSON but is not valid JSON.") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(_JSON_FEED_VERSION):
        raise SourceError(f"{where} is JSON but not a JSON Feed (it names no {_JSON_FEED_VERSION} version).")
    entries = data.get("items")
    if not isinstance(entries, list):
        raise SourceError(f"{where} is a JSON Feed without an items list.")
    base = base_url or (data.get("feed_url") if isinstance(data.get("feed_url"), str) else None)
    items = []
    for position, entry in enumerate(e for e in entries if isinstance(e, dict)):
        content = None
        if isinstance(entry.get("content_html"), str) and entry["content_html"].strip():
            content = ItemContent("html", entry["content_html"])
        elif isinstance(entry.get("content_text"), str) and entry["content_text"].strip():
            content = ItemContent("text", entry["content_text"])
        summary = ItemContent("text", entry["summary"]) if isinstance(entry.get("summary"), str) and entry["summary"].strip() else None
        raw_id = entry.get("id")
        link = entry.get("url") if isinstance(entry.get("url"), str) else entry.get("external_url")
        items.append(_item(
            item_id=str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else None,
            title=plain_text(entry["title"]) if isinstance(entry.get("title"), str) else None,
            link=canonical_link(link if isinstance(link, str) else None, base),
            author=_json_authors(entry) or _json_authors(data),
            published=_iso_when(entry.get("date_published")), updated=_iso_when(entry.get("date_modified")),
            position=position, content=content, summary=summary, full_field="content_html or content_text",
        ))
    title = plain_text(data["title"]) if isinstance(data.get("title"), str) else None
    language = data["language"].strip() if isinstance(data.get("language"), str) and data["language"].strip() else None
    return ParsedFeed(tuple(items), title or None, language)


def _json_authors(node: Mapping[str, Any]) -> str | None:
    """The names in a JSON Feed `authors` list (1.1) or `author` object (1.0)."""
    people = node.get("authors")
    if not isinstance(people, list):
        people = [node.get("author")]
    names = [plain_text(p.get("name")) for p in people if isinstance(p, dict) and isinstance(p.get("name"), str)]
    names = [n for n in names if n]
    if not names:
        return None
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
