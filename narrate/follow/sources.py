"""Sources: what a SOURCE argument names (a feed URL, a feed file, a folder) and reading it into a SourceRead.

A feed is read conditionally when the caller hands over the validators of the last run: a 304, or a body
with the same bytes as last time, is 'not modified' and nothing is parsed. Any failure is the SourceRead's
one-sentence error, never an exception.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from narrate.follow.feed import SourceError, parse_feed
from narrate.follow.folder import ARTICLE_SUFFIXES, list_folder
from narrate.follow.http import FEED_ACCEPT, FEED_MAX_BYTES, FetchError, PoliteClient
from narrate.follow.model import Source, SourceRead, Validators

_FEED_FILE_TYPES = {".json": "application/feed+json", ".xml": "application/xml", ".rss": "application/rss+xml",
                    ".atom": "application/atom+xml"}


def is_url(text: str) -> bool:
    """True for an http:// or https:// address."""
    return text.strip().lower().startswith(("http://", "https://"))


def resolve_source(text: str, output_dir: Path) -> Source:
    """The Source a SOURCE argument names; a path is keyed relative to the output folder, so copying both moves the podcast."""
    if is_url(text):
        url = text.strip()
        return Source(key=url, kind="feed-url", location=url, shown=text)
    absolute = Path(text).expanduser().resolve()
    key = Path(os.path.relpath(absolute, Path(output_dir).resolve())).as_posix()
    return Source(key=key, kind="folder" if absolute.is_dir() else "feed-file", location=str(absolute), shown=text)


def read_source(source: Source, client: PoliteClient | None, validators: Validators | None) -> SourceRead:
    """Read `source`: its items, or not modified (only when `validators` are given), or its error sentence."""
    try:
        if source.kind == "folder":
            return SourceRead(source, items=list_folder(Path(source.location), source.shown))
        if source.kind == "feed-file":
            return _read_feed_file(source, validators)
        assert client is not None
        return _read_feed_url(source, client, validators)
    except (SourceError, FetchError) as error:
        return SourceRead(source, error=str(error))


def _read_feed_file(source: Source, validators: Validators | None) -> SourceRead:
    path = Path(source.location)
    if not path.exists():
        raise SourceError(f"{source.shown} does not exist.")
    if path.suffix.lower() in ARTICLE_SUFFIXES - {".html", ".htm", ".xhtml"}:
        raise SourceError(f"{source.shown} is an article, not a feed or a folder: build it with `narrate build`.")
    try:
        if path.stat().st_size > FEED_MAX_BYTES:
            raise SourceError(f"{source.shown} is larger than {FEED_MAX_BYTES // (1024 * 1024)} MB, too large for a feed.")
        body = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{source.shown} cannot be read: {error.strerror or error}.") from None
    digest = hashlib.sha256(body).hexdigest()
    if validators is not None and validators.body_sha256 == digest:
        return SourceRead(source, not_modified=True, validators=Validators(body_sha256=digest))
    parsed = parse_feed(body, source.shown, _FEED_FILE_TYPES.get(path.suffix.lower(), ""), base_url=None)
    return SourceRead(source, items=parsed.items, validators=Validators(body_sha256=digest), title=parsed.title,
                      language=parsed.language)


def _read_feed_url(source: Source, client: PoliteClient, validators: Validators | None) -> SourceRead:
    response = client.get(source.location, accept=FEED_ACCEPT, max_bytes=FEED_MAX_BYTES, validators=validators)
    if response.status == 304:
        assert validators is not None
        kept = Validators(etag=response.validators.etag or validators.etag,
                          last_modified=response.validators.last_modified or validators.last_modified,
                          body_sha256=validators.body_sha256)
        return SourceRead(source, not_modified=True, validators=kept, requests=response.requests)
    digest = hashlib.sha256(response.body).hexdigest()
    fresh = Validators(response.validators.etag, response.validators.last_modified, digest)
    if validators is not None and validators.body_sha256 == digest:
        return SourceRead(source, not_modified=True, validators=fresh, requests=response.requests)
    parsed = parse_feed(response.body, source.shown, response.content_type, base_url=response.url)
    return SourceRead(source, items=parsed.items, validators=fresh, title=parsed.title, language=parsed.language,
                      requests=response.requests)
