"""`narrate serve`: host the output folder over HTTP for podcast apps and browsers (aiohttp).

- Files: HEAD, one byte range per request (RFC 9110), ETag / Last-Modified and conditional requests, podcast
  MIME types, CORS for the feed, chapters and transcripts (narrate.publish.sending). Nothing outside the output
  folder, no dot-file or dot-folder, no catalog and no narrate.toml is ever served.
- The feed is rendered from the committed catalog with its URLs under --base-url, else narrate.toml's base_url,
  else the address the server was started on; never from the request's Host header. When the catalog cannot be
  read now (missing, empty, locked by a writer, damaged), the last good rendering is served, else feed.xml as it
  is on disk: the catalog's state never turns into an error answer.
- Clients: deadlines for idle and slow ones and a cap on connections (narrate.publish.guard), a stall timeout
  for those that stop reading (narrate.publish.sending).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import re
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from aiohttp import web

from narrate.errors import NarrateError
from narrate.publish import catalog
from narrate.publish.guard import ConnectionGuard
from narrate.publish.limits import ACCEPT_BACKLOG, ServeLimits, connection_cap, raise_descriptor_limit
from narrate.publish.sending import send_bytes, send_file
from narrate.publish.settings import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    SETTINGS_FILE,
    is_loopback_url,
    load_settings,
    loopback_note,
)

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
CORS_HEADERS = {"Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges, ETag"}
"""The CORS headers sent with those files."""
FEED_TTL_S = 2.0
"""The served feed is rendered again at most this often while the catalog and narrate.toml are unchanged (so an
audio file deleted by hand leaves the feed soon)."""
CATALOG_READ_TIMEOUT_S = 1.0
"""How long rendering the feed waits for a writer's commit before serving the last good feed instead."""
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


class FeedSource:
    """The feed a server hands out: rendered from the committed catalog, kept while nothing changed, and the last
    good rendering whenever the catalog cannot be read."""

    def __init__(self, root: Path, base_url: str | None, fallback_base_url: str) -> None:
        self.root = root
        self.base_url = base_url
        self.fallback_base_url = fallback_base_url
        self.body: bytes | None = None
        self.changed_at = 0.0
        self._key: tuple[object, ...] | None = None
        self._rendered_at = 0.0
        self._lock = asyncio.Lock()
        self._reported: str | None = None
        self._failure: tuple[tuple[object, ...], float] | None = None

    def _state(self) -> tuple[object, ...]:
        key: list[object] = []
        for path in (catalog.catalog_path(self.root), Path(f"{catalog.catalog_path(self.root)}-journal"),
                     self.root / SETTINGS_FILE):
            try:
                stat = path.stat()
                key.append((stat.st_ino, stat.st_size, stat.st_mtime_ns))
            except OSError:
                key.append(None)
        return tuple(key)

    def _fresh(self, key: tuple[object, ...]) -> bool:
        return key == self._key and time.monotonic() - self._rendered_at < FEED_TTL_S

    async def current(self) -> bytes | None:
        """The feed to serve now, or None when none could be rendered yet. While a rendering is under way, or
        shortly after one failed, the last good one is served at once."""
        key = self._state()
        if (self.body is not None and (self._fresh(key) or self._lock.locked())) or self._failed(key):
            return self.body
        async with self._lock:
            if self._fresh(key) or self._failed(key):
                return self.body
            from narrate.publish.site import feed_document

            try:
                body = await asyncio.get_running_loop().run_in_executor(
                    None, feed_document, self.root, self.base_url, self.fallback_base_url, CATALOG_READ_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - whatever the catalog's state, serve the last good feed
                self._failure = (key, time.monotonic())
                if catalog.catalog_path(self.root).exists():
                    self._report(exc)
                return self.body
            if body != self.body:  # a new Last-Modified, a whole second later at least (HTTP dates count seconds)
                self.body, self.changed_at = body, max(time.time(), self.changed_at + 1)
            self._key, self._rendered_at, self._reported, self._failure = key, time.monotonic(), None, None
            return body

    def _failed(self, key: tuple[object, ...]) -> bool:
        return self._failure is not None and self._failure[0] == key and time.monotonic() - self._failure[1] < FEED_TTL_S

    def _report(self, exc: Exception) -> None:
        message = str(exc) or type(exc).__name__
        if message != self._reported:
            self._reported = message
            print(f"narrate: cannot render the feed from the catalog now ({message}); "
                  "serving the last good feed.", file=sys.stderr, flush=True)


def make_app(output_dir: Path, base_url: str | None = None, fallback_base_url: str | None = None,
             limits: ServeLimits | None = None, guard: ConnectionGuard | None = None) -> web.Application:
    """The aiohttp application serving `output_dir`; the feed's URLs are under `base_url`, else narrate.toml's
    base_url, else `fallback_base_url` (where the server runs; default: the default serve address)."""
    from narrate.publish.settings import DEFAULT_BASE_URL

    root = Path(output_dir).resolve()
    limits = limits or ServeLimits()
    feed = FeedSource(root, base_url, fallback_base_url or DEFAULT_BASE_URL)

    async def answer(request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"])
        if request.raw_path.split("?", 1)[0] == "/feed.xml":
            return await _send_feed(request, root, feed, limits)
        path = resolve_request_path(root, request.raw_path)
        if path is None:
            raise web.HTTPNotFound(text="Not found.\n")
        headers = {"Content-Type": content_type(path.name)}
        if path.name.endswith(CORS_ENDINGS):
            headers.update(CORS_HEADERS)
        if path.suffix == ".html":
            headers["Cache-Control"] = "no-cache"
        return await send_file(request, path, headers, limits.stall_timeout_s)

    async def handle(request: web.Request) -> web.StreamResponse:
        if guard is not None:
            guard.request_started(request.transport)
        try:
            return await answer(request)
        finally:
            if guard is not None:
                guard.request_finished(request.transport)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def _send_feed(request: web.Request, root: Path, feed: FeedSource, limits: ServeLimits) -> web.StreamResponse:
    headers = {"Content-Type": content_type("feed.xml"), "Cache-Control": "no-cache", **CORS_HEADERS}
    body = await feed.current()
    if body is not None:
        return await send_bytes(request, body, feed.changed_at, headers, limits.stall_timeout_s)
    on_disk = root / "feed.xml"
    if on_disk.is_file() and not on_disk.is_symlink():
        return await send_file(request, on_disk, headers, limits.stall_timeout_s)
    if not catalog.catalog_path(root).is_file():
        raise web.HTTPNotFound(text="No episodes yet.\n")
    raise web.HTTPServiceUnavailable(text="The feed is being published; try again in a moment.\n",
                                     headers={"Retry-After": "2"})


def machine_addresses(family: int = socket.AF_INET) -> list[str]:
    """Addresses other machines may reach this one at (loopback excluded), the default route's first."""
    found: list[str] = []
    probe = ("192.0.2.1", 9) if family == socket.AF_INET else ("2001:db8::1", 9)
    with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as udp:
        udp.connect(probe)  # sends nothing: only asks the routing table which address it would use
        found.append(udp.getsockname()[0])
    with contextlib.suppress(OSError, UnicodeError):
        for info in socket.getaddrinfo(socket.gethostname(), None, family, socket.SOCK_STREAM):
            found.append(str(info[4][0]))
    loopback = ("127.", "::1")
    return [a for i, a in enumerate(found) if a not in found[:i] and not a.startswith(loopback) and "%" not in a]


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on HOST:PORT; every failure is one NarrateError that says what to change."""
    if not 0 <= port <= 65535:
        raise NarrateError(f"--port {port} is not a port number; use one from 1 to 65535 (or 0 for any free port).")
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (OSError, UnicodeError):
        raise NarrateError(f"--host {host} is not an address or a name of this machine; use one of its addresses "
                           f"({_address_examples()}).") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(ACCEPT_BACKLOG)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise NarrateError(f"Port {port} on {host} is already in use by another program; "
                               "choose another with --port (0 picks a free one).") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise NarrateError(f"--host {host} is not an address of this machine; use one of its addresses "
                               f"({_address_examples()}).") from None
        if exc.errno == errno.EACCES:
            raise NarrateError(f"Port {port} needs administrator rights here; choose one from 1024 up with --port."
                               ) from None
        raise NarrateError(f"Cannot listen on {host} port {port}: {exc.strerror or exc}.") from None
    sock.setblocking(False)
    return sock


def _address_examples() -> str:
    return ", ".join(["127.0.0.1 for this machine only", *machine_addresses()[:3], "or 0.0.0.0 for all of them"])


def serve(output_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, base_url: str | None = None,
          limits: ServeLimits | None = None,
          background: Sequence[Callable[[web.Application], AsyncIterator[None]]] = ()) -> None:
    """Host `output_dir` at http://HOST:PORT/ until interrupted; the feed points at `base_url`, else narrate.toml's
    base_url, else where the server runs. `limits` sets the client deadlines and the connection cap; `background`
    are aiohttp cleanup contexts run alongside the server (the `--follow` scheduler)."""
    from narrate.files import existing_folder

    root = existing_folder(Path(output_dir))
    if base_url:
        from narrate.publish.settings import check_base_url

        base_url = check_base_url(base_url, "--base-url")
    limits = limits or ServeLimits()
    sock = listen(host, port)
    try:
        _refresh(root, base_url)
        bound_port = sock.getsockname()[1]
        wildcard = host in ("0.0.0.0", "::", "")
        addresses = [host]
        if wildcard:  # an address nobody can open: name the machine's own instead
            addresses = machine_addresses(sock.family)
            if sock.family == socket.AF_INET6 and not sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY):
                addresses += machine_addresses(socket.AF_INET)  # a dual-stack socket takes IPv4 too
            addresses.append(_loopback(sock.family))
        urls = list(dict.fromkeys(f"http://{_url_host(a)}:{bound_port}" for a in addresses))
        feed_base = base_url or _configured_base_url(root) or urls[0]
        if is_loopback_url(feed_base):
            from narrate.publish.site import warn_settings_note

            warn_settings_note(loopback_note(feed_base))
        where = (f"on every address of this machine, port {bound_port}: " + ", ".join(f"{u}/" for u in urls)
                 if wildcard else f"at {urls[0]}/")
        print(f"Serving {root} {where} (feed: {feed_base.rstrip('/')}/feed.xml); press Ctrl+C to stop.", flush=True)
        asyncio.run(_run(root, sock, base_url, urls[0], limits, background))
    finally:
        sock.close()


def _loopback(family: int) -> str:
    return "::1" if family == socket.AF_INET6 else "127.0.0.1"


def _configured_base_url(root: Path) -> str | None:
    """narrate.toml's base URL, else the one remembered from the last publish that was given one."""
    try:
        configured = load_settings(root).base_url
        snapshot = None if configured else catalog.read_snapshot(root, timeout_s=1.0, readonly=True)
    except (NarrateError, OSError, sqlite3.Error):
        return None
    return configured or (snapshot.base_url if snapshot else None)


def _refresh(root: Path, base_url: str | None) -> None:
    """Bring feed.xml, the pages and the cover on disk up to date (repairing an interrupted publish), if it can be
    done now; a read-only or busy folder is served as it is."""
    if not catalog.catalog_path(root).is_file():
        return
    from narrate.publish.site import write_feed

    try:
        write_feed(root, base_url, lock_timeout_s=5.0, note_base_url=False)
    except (NarrateError, OSError) as exc:
        print(f"narrate: pages not refreshed ({exc}); serving the folder as it is.", flush=True)


async def _run(root: Path, sock: socket.socket, base_url: str | None, fallback_base_url: str,
               limits: ServeLimits, background: Sequence[Callable[[web.Application], AsyncIterator[None]]] = ()) -> None:
    cap = connection_cap(limits, raise_descriptor_limit())
    guard = ConnectionGuard(lambda: None, limits, cap)
    app = make_app(root, base_url, fallback_base_url, limits, guard)
    app.cleanup_ctx.extend(background)
    # aiohttp's own keep-alive timer is set past ours, so the guard's deadlines are the ones that apply.
    runner = web.AppRunner(app, access_log=None, handle_signals=False,
                           keepalive_timeout=limits.head_timeout_s + 5, lingering_time=1.0)
    await runner.setup()
    assert runner.server is not None
    guard.factory = runner.server
    loop = asyncio.get_running_loop()
    server = await loop.create_server(guard, sock=sock, backlog=ACCEPT_BACKLOG)
    guard.start()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        server.close()
        guard.stop()
        for conn in list(guard.connections.values()):
            if conn.transport is not None:
                conn.transport.abort()
        await runner.cleanup()


__all__ = ["CONTENT_TYPES", "SETTINGS_FILE", "ServeLimits", "content_type", "listen", "machine_addresses", "make_app",
           "resolve_request_path", "serve"]
