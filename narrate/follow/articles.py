"""A planned item becomes an Article: from the full text its feed carries, from its linked page, or from its file.

A linked page is fetched politely (narrate.follow.http) and read by the same HTML reader as `narrate build URL`
(trafilatura: the article without the page's chrome). What the feed says about the item (headline, byline,
date, link, publication) wins over what the page or the text says, since it is the publisher's own metadata.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import replace
from email.message import Message

from narrate.article.model import Article
from narrate.errors import InputError
from narrate.follow.http import PAGE_ACCEPT, PAGE_MAX_BYTES, FetchError, PoliteClient, Response
from narrate.follow.model import ItemContent, SourceItem, SourceRead

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def needs_page(item: SourceItem) -> bool:
    """True when the item's article must be read from its linked page."""
    return item.kind == "summary" and item.link is not None


def fetch_page(client: PoliteClient, url: str) -> Response | FetchError:
    """The linked page, or the error that kept it away (returned, not raised, so pages can be fetched in a pool)."""
    try:
        return client.get(url, accept=PAGE_ACCEPT, max_bytes=PAGE_MAX_BYTES)
    except FetchError as error:
        return error


def read_item(item: SourceItem, read: SourceRead, pages: Mapping[str, Response | FetchError]) -> tuple[Article, str]:
    """The item's article and how it was read ('full text in the feed', 'linked page read'...); raises on failure."""
    if item.kind == "file":
        from narrate.article.read import read_article

        assert item.path is not None
        return read_article(str(item.path)), "read from its file"
    if needs_page(item):
        assert item.link is not None
        page = pages.get(item.link)
        if page is None:
            raise FetchError(f"The page {item.link} was not fetched.")
        if isinstance(page, FetchError):
            raise page
        article = _read_page(page, item.link)
        return _with_feed_metadata(article, item, read), "summary only in the feed: its linked page was read"
    if item.content is None:
        raise InputError(f"The feed item '{item.title or item.item_id}' has no text and no link to read it from.")
    article = _read_content(item.content, item, read)
    how = "full text in the feed" if item.kind == "full" else "summary only and no link: the summary is read"
    return _with_feed_metadata(article, item, read), how


def _read_page(page: Response, url: str) -> Article:
    from narrate.article.html import read_html

    header = Message()
    header["Content-Type"] = page.content_type or "application/octet-stream"
    media = header.get_content_type() if page.content_type else ""
    if media and media not in _HTML_TYPES:
        raise InputError(f"{url} is not a web page: the server sent {media}.")
    charset = header.get_content_charset()
    body: str | bytes = page.body
    if charset:
        try:
            body = page.body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            body = page.body
    return read_html(body, url, url=page.url)


def _read_content(content: ItemContent, item: SourceItem, read: SourceRead) -> Article:
    title = item.title or "Untitled article"
    where = item.link or f"{read.source.shown} ({title})"
    if content.media == "text":
        from narrate.article.text import parse_text

        article = parse_text(f"{title}\n\n{content.body}", where)
        if not article.sections:
            raise InputError(f"{where} holds no article text.")
        return article
    from narrate.article.html import read_html

    lang = f' lang="{html.escape(read.language, quote=True)}"' if read.language else ""
    page = (f"<!doctype html><html{lang}><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><article>{content.body}</article></body></html>")
    return read_html(page, where, url=item.link)


def _with_feed_metadata(article: Article, item: SourceItem, read: SourceRead) -> Article:
    """The article with the feed's headline, byline, date, link and publication where the feed gives them."""
    return replace(
        article,
        title=item.title or article.title,
        author=item.author or article.author,
        date=item.published.date() if item.published else article.date,
        canonical_url=item.link or article.canonical_url,
        site=read.title or article.site,
        language=article.language or read.language,
    )
