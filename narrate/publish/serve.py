"""`narrate serve`: host the output folder over HTTP with aiohttp (HEAD, byte ranges, podcast MIME types, CORS).

The feed is rendered per request for the address the client used (unless a base URL is given), so a
server on any host or port hands out a feed whose URLs point back at itself. Nothing outside the
output folder, no dot-file or dot-folder, no catalog and no narrate.toml is ever served.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from aiohttp import web

from narrate.errors import NarrateError
from narrate.publish import catalog
from narrate.publish.settings import DEFAULT_HOST, DEFAULT_PORT, SETTINGS_FILE, load_settings

CONTENT_TYPES = (
    (".chapters.json", "application/json+chapters"),
    ("feed.xml", "application/rss+xml; charset=utf-8"),
    (".mp3", "audio/mpeg"),
    (".vtt", "text/vtt; charset=utf-8"),
    (".html", "text/html; charset=utf-8"),
    (".json", "application/json"),
    (".xml", "application/xml"),
    (".png", "image/png"),
    (".jpg", "image/jpeg"),
    (".jpeg", "image/jpeg"),
    (".css", "text/css; charset=utf-8"),
    (".js", "text/javascript; charset=utf-8"),
    (".txt", "text/plain; charset=utf-8"),
    (".md", "text/plain; charset=utf-8"),
)
"""Content types by file-name ending (first match wins)."""
CORS_ENDINGS = (".chapters.json", ".vtt", "feed.xml")
"""Files web players fetch from other origins: chapters, transcripts and the feed."""
_HIDDEN = re.compile(r"^(?:catalog\.sqlite.*|narrate\.toml|.*\.part)$")


def content_type(name: str) -> str:
    """The Content-Type narrate serves for a file name."""
    lower = name.lower()
    for ending, kind in CONTENT_TYPES:
        if lower.endswith(ending):
            return kind
    return "application/octet-stream"


def resolve_request_path(root: Path, raw_path: str) -> Path | None:
    """The file under `root` a URL path names, or None when it must not be served (outside, hidden, not a file)."""
    path = unquote(raw_path.split("?", 1)[0])
    if "\x00" in path or "\\" in path:
        return None
    parts = [p for p in PurePosixPath("/" + path).parts[1:] if p]
    if not parts:
        parts = ["index.html"]
    if any(p in (".", "..") or p.startswith(".") or _HIDDEN.match(p) for p in parts):
        return None
    root = root.resolve()
    candidate = (root.joinpath(*parts)).resolve()
    if candidate.is_dir():
        candidate = (candidate / "index.html").resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    if any(p.startswith(".") or _HIDDEN.match(p) for p in candidate.relative_to(root).parts):
        return None
    return candidate


def make_app(output_dir: Path, base_url: str | None = None) -> web.Application:
    """The aiohttp application serving `output_dir` (the feed is rendered for `base_url`, else per request host)."""
    root = Path(output_dir).resolve()
    app = web.Application()

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"])
        if request.raw_path.split("?", 1)[0] == "/feed.xml":
            return _feed_response(root, base_url or f"{request.scheme}://{request.host}")
        path = resolve_request_path(root, request.raw_path)
        if path is None:
            raise web.HTTPNotFound(text="Not found.\n")
        headers = {"Content-Type": content_type(path.name), "Accept-Ranges": "bytes"}
        if path.name.endswith(CORS_ENDINGS):
            headers["Access-Control-Allow-Origin"] = "*"
            headers["Access-Control-Expose-Headers"] = "Content-Length, Content-Range, Accept-Ranges"
        if path.suffix == ".html":
            headers["Cache-Control"] = "no-cache"
        return web.FileResponse(path, headers=headers)

    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def _feed_response(root: Path, base_url: str) -> web.Response:
    from narrate.publish.feed import render_feed
    from narrate.publish.site import site_context

    settings = load_settings(root).with_base_url(base_url)
    if not catalog.catalog_path(root).is_file():
        raise web.HTTPNotFound(text="No episodes yet.\n")
    conn = sqlite3.connect(f"file:{catalog.catalog_path(root)}?mode=ro", uri=True, timeout=catalog.BUSY_TIMEOUT_S)
    try:
        body = render_feed(site_context(conn, root, settings, store_guid=False), catalog.entries(conn))
    finally:
        conn.close()
    return web.Response(body=body, headers={
        "Content-Type": content_type("feed.xml"),
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": "no-cache",
    })


def serve(output_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, base_url: str | None = None,
          background: Sequence[Callable[[web.Application], AsyncIterator[None]]] = ()) -> None:
    """Host `output_dir` at http://HOST:PORT/ until interrupted; the feed points at `base_url` or where it runs.

    `background` are aiohttp cleanup contexts run alongside the server (the `--follow` scheduler)."""
    root = Path(output_dir)
    if not root.is_dir():
        raise NarrateError(f"The output folder {root} does not exist; build an episode first.")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise NarrateError("--base-url must start with http:// or https://.")
    if catalog.catalog_path(root).is_file():
        # Bring the pages, cover and on-disk feed up to date with narrate.toml (this also fixes the
        # podcast:guid from the configured feed URL, as a build would); /feed.xml itself is rendered per request.
        from narrate.publish.site import write_feed

        try:
            write_feed(root, base_url)
        except (OSError, sqlite3.Error) as exc:  # a read-only folder can still be served as it is
            print(f"narrate: pages not refreshed ({exc}); serving the folder as it is.", flush=True)
    shown = host if ":" not in host else f"[{host}]"
    address = f"http://{shown}:{port}"
    try:
        app = make_app(root, base_url)
        app.cleanup_ctx.extend(background)
        web.run_app(
            app, host=host, port=port, access_log=None, handle_signals=True,
            print=lambda _msg: print(f"Serving {root} at {address}/  (feed: {(base_url or address).rstrip('/')}/feed.xml)"
                                     "; press Ctrl+C to stop.", flush=True),
        )
    except OSError as exc:
        raise NarrateError(f"Cannot listen on {host}:{port} ({exc.strerror or exc}); try another --port.") from None


__all__ = ["CONTENT_TYPES", "SETTINGS_FILE", "content_type", "make_app", "resolve_request_path", "serve"]
