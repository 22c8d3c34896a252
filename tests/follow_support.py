"""A real local HTTP server for the follow tests, and feeds and article pages written for them (our own words).

The server is a thread running http.server: each path answers what the test put in `routes` (a body with its
type, a status, a redirect, a delay), honours If-None-Match / If-Modified-Since with 304 when a route says so,
and logs every request (path, headers) so a test can count what was fetched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import html
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None
    conditional: bool = True
    """Send ETag and Last-Modified, and answer 304 to a request that names them."""
    fail_times: int = 0
    """Answer 500 this many times first."""
    delay_s: float = 0.0
    last_modified: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc))


@dataclass
class Logged:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    status: int


class FeedServer:
    """A threaded http.server answering `routes`; `url(path)` gives the full address."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[Logged] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._entry = Logged(self.path, {k: v for k, v in self.headers.items()}, 0)
                with server._lock:
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                    server.log.append(self._entry)
                try:
                    self._answer()
                finally:
                    with server._lock:
                        server.active -= 1

            def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> int:
                self._entry.status = status  # logged before the client can see the answer
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return status

            def _answer(self) -> int:
                route = server.routes.get(self.path)
                if route is None:
                    return self._send(404, b"not here", {"Content-Type": "text/plain"})
                if route.delay_s:
                    time.sleep(route.delay_s)
                if route.fail_times > 0:
                    route.fail_times -= 1
                    return self._send(500, b"try later", {"Content-Type": "text/plain"})
                if route.location is not None:
                    return self._send(route.status or 302, b"", {"Location": route.location})
                if route.status != 200:
                    return self._send(route.status, b"no", {"Content-Type": "text/plain"})
                headers = {"Content-Type": route.content_type}
                if route.conditional:
                    etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
                    modified = email.utils.format_datetime(route.last_modified, usegmt=True)
                    headers.update({"ETag": etag, "Last-Modified": modified})
                    if self.headers.get("If-None-Match") == etag:
                        return self._send(304, b"", {"ETag": etag})
                return self._send(200, route.body, headers)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def requests_to(self, path: str) -> list[Logged]:
        return [entry for entry in self.log if entry.path == path]

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextlib.contextmanager
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@dataclass
class Story:
    """A short article of our own, as a feed item."""

    slug: str
    title: str
    paragraphs: list[str]
    published: dt.datetime
    author: str = "Mira Okafor"
    full: bool = True
    """True: the feed carries the article; False: only a summary, the page holds it."""
    guid: str | None = None

    def html_body(self) -> str:
        return "".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)

    def summary(self) -> str:
        return self.paragraphs[0].split(". ")[0] + "…"


STORIES = [
    Story("ferry", "Island ferry adds an early crossing",
          ["The island ferry will leave the harbour at six in the morning from next week.",
           "Commuters asked for the early boat for two winters."],
          dt.datetime(2026, 5, 4, 7, 0, tzinfo=dt.timezone.utc)),
    Story("library", "Library opens on Sunday afternoons",
          ["The town library now opens on Sunday afternoons.",
           "Volunteers will staff the reading room until five."],
          dt.datetime(2026, 5, 3, 9, 0, tzinfo=dt.timezone.utc), full=False),
    Story("orchard", "Orchard owners share their pruning tools",
          ["Three orchards on the hill now lend each other their pruning tools.",
           "The tool shed sits beside the old cider press."],
          dt.datetime(2026, 5, 2, 8, 0, tzinfo=dt.timezone.utc)),
]
"""Three short stories: two with their full text in the feed, one summary-only."""


def article_page(story: Story, base: str) -> bytes:
    """The story's web page: chrome around the article, as a site would serve it."""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(story.title)} | Harbour Gazette</title>
<link rel="canonical" href="{base}/news/{story.slug}.html"></head>
<body><nav><a href="/">Home</a> <a href="/news/">News</a></nav>
<article><h1>{html.escape(story.title)}</h1><p class="byline">By {html.escape(story.author)}</p>
{story.html_body()}</article>
<footer>Share this article</footer></body></html>""".encode()


def rss(stories: list[Story], base: str, title: str = "Harbour Gazette") -> bytes:
    """An RSS 2.0 feed: content:encoded for full stories, a description only for the others."""
    items = []
    for s in stories:
        content = f"<content:encoded><![CDATA[{s.html_body()}]]></content:encoded>" if s.full else ""
        items.append(f"""<item><title>{html.escape(s.title)}</title><link>{base}/news/{s.slug}.html</link>
<guid isPermaLink="false">{html.escape(s.guid or 'gazette-' + s.slug)}</guid>
<pubDate>{email.utils.format_datetime(s.published, usegmt=True)}</pubDate>
<dc:creator>{html.escape(s.author)}</dc:creator>
<description>{html.escape(s.summary())}</description>{content}</item>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>{html.escape(title)}</title><link>{base}/</link><description>Local news</description><language>en</language>
{''.join(items)}</channel></rss>""".encode()


def atom(stories: list[Story], base: str) -> bytes:
    """An Atom feed: <content> for full stories, <summary> for the others."""
    entries = []
    for s in stories:
        body = (f'<content type="html">{html.escape(s.html_body())}</content>' if s.full
                else f"<summary>{html.escape(s.summary())}</summary>")
        entries.append(f"""<entry><id>urn:gazette:{s.slug}</id><title>{html.escape(s.title)}</title>
<link href="{base}/news/{s.slug}.html"/><updated>{s.published.isoformat()}</updated>
<author><name>{html.escape(s.author)}</name></author>{body}</entry>""")
    return f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Harbour Gazette</title><id>urn:gazette</id><updated>2026-05-04T07:00:00Z</updated>
{''.join(entries)}</feed>""".encode()


def json_feed(stories: list[Story], base: str) -> bytes:
    """A JSON Feed 1.1: content_html for full stories, summary for the others."""
    items = []
    for s in stories:
        item = {"id": f"gazette-{s.slug}", "url": f"{base}/news/{s.slug}.html", "title": s.title,
                "date_published": s.published.isoformat(), "authors": [{"name": s.author}]}
        item.update({"content_html": s.html_body()} if s.full else {"summary": s.summary()})
        items.append(item)
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Harbour Gazette",
                       "home_page_url": base + "/", "language": "en", "items": items}).encode()


def serve_stories(server: FeedServer, stories: list[Story], path: str = "/feed.xml", kind: str = "rss") -> None:
    """Put the feed of `stories` at `path` and every story's page at /news/SLUG.html."""
    body, content_type = {
        "rss": (rss, "application/rss+xml; charset=utf-8"),
        "atom": (atom, "application/atom+xml; charset=utf-8"),
        "json": (json_feed, "application/feed+json"),
    }[kind]
    server.routes[path] = Route(body(stories, server.base), content_type)
    for story in stories:
        server.routes.setdefault(f"/news/{story.slug}.html", Route(article_page(story, server.base)))
