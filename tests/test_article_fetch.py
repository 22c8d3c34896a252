"""Fetching article pages: a local HTTP server in a thread stands in for the web (no external network)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dribbler import Dribbler

from narrate.article import fetch
from narrate.article.fetch import fetch_url, is_url
from narrate.article.html import read_url
from narrate.errors import InputError

PAGE = (Path(__file__).parent / "fixtures" / "html" / "river-bridge.html").read_bytes()
SLOW_S = 3.0


class Handler(BaseHTTPRequestHandler):
    """Routes: an article, a redirect to it, 404, 500, a slow page, a PDF, an untyped page, a big page."""

    def _send(self, status: int, body: bytes, content_type: str | None = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/article":
            self._send(200, PAGE)
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/article")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/broken":
            self._send(500, b"<html><body>oops</body></html>")
        elif self.path == "/slow":
            time.sleep(SLOW_S)
            self._send(200, PAGE)
        elif self.path == "/report.pdf":
            self._send(200, b"%PDF-1.7\n" + b"\x00" * 64, "application/pdf")
        elif self.path == "/untyped":
            self._send(200, PAGE, None)
        elif self.path == "/latin1":
            body = PAGE.replace(b'<meta charset="utf-8">', b"").replace(b"two years", "two ann\u00e9es".encode("latin-1"))
            self._send(200, body, "text/html; charset=iso-8859-1")
        else:
            self._send(404, b"<html><body>Not here</body></html>")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetch_success_returns_body_final_url_and_type(server: str) -> None:
    body, final_url, content_type = fetch_url(server + "/article", timeout_s=5)
    assert body == PAGE
    assert final_url == server + "/article"
    assert content_type == "text/html; charset=utf-8"


def test_fetch_follows_redirects(server: str) -> None:
    body, final_url, _ = fetch_url(server + "/moved", timeout_s=5)
    assert body == PAGE and final_url == server + "/article"


def test_fetch_accepts_an_untyped_page_that_is_html(server: str) -> None:
    body, _, content_type = fetch_url(server + "/untyped", timeout_s=5)
    assert body == PAGE and content_type == ""


@pytest.mark.parametrize(("path", "message"), [("/missing", "404 Not Found"), ("/broken", "500")])
def test_http_error_status_is_an_input_error(server: str, path: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        fetch_url(server + path, timeout_s=5)
    assert str(caught.value).startswith(f"Could not fetch {server}{path}:")


def test_timeout_is_an_input_error_and_does_not_wait_for_the_server(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="within 0.5 seconds"):
        fetch_url(server + "/slow", timeout_s=0.5)
    assert time.monotonic() - started < SLOW_S - 1


def test_non_html_content_is_an_input_error(server: str) -> None:
    with pytest.raises(InputError, match="not a web page.*application/pdf"):
        fetch_url(server + "/report.pdf", timeout_s=5)


def test_too_large_page_is_an_input_error(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "MAX_PAGE_BYTES", len(PAGE) // 2)
    with pytest.raises(InputError, match="too large"):
        fetch_url(server + "/article", timeout_s=5)


def test_refused_connection_is_an_input_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, with nothing listening on it now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InputError, match="refused the connection"):
        fetch_url(f"http://127.0.0.1:{port}/article", timeout_s=5)


def test_unknown_host_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # the resolver, so no query leaves the machine
    with pytest.raises(InputError, match="host name news.invalid could not be found"):
        fetch_url("https://news.invalid/story", timeout_s=5)


@pytest.mark.parametrize("source", ["ftp://example.org/a.html", "file:///etc/hosts", "story.html"])
def test_only_http_urls_are_fetched(source: str) -> None:
    assert not is_url(source)
    with pytest.raises(InputError, match="not an http"):
        fetch_url(source)


def test_read_url_reads_the_article_and_keeps_the_url(server: str) -> None:
    article = read_url(server + "/moved", timeout_s=5)
    assert article.title == "Old river bridge to reopen after two years of repairs"
    assert article.source == server + "/moved"
    assert article.canonical_url == server + "/news/2024/05/river-bridge-reopens"  # resolved against the final URL
    assert any(b.kind == "list_item" for s in article.sections for b in s.blocks)


def test_read_url_uses_the_charset_the_server_declares(server: str) -> None:
    article = read_url(server + "/latin1", timeout_s=5)
    assert "two ann\u00e9es" in article.sections[0].blocks[0].text


@pytest.mark.parametrize("stage", ["headers", "body"])
def test_one_deadline_for_the_whole_fetch_even_when_the_server_dribbles(stage: str) -> None:
    """A server sending a byte every 50 ms never trips a per-read timeout; the fetch still ends at its deadline."""
    server = Dribbler(stage)
    started = time.monotonic()
    try:
        with pytest.raises(InputError, match=r"no complete answer within 1\.5 seconds"):
            fetch_url(f"http://127.0.0.1:{server.port}/slow", timeout_s=1.5)
        elapsed = time.monotonic() - started
        assert 1.4 < elapsed < 3.0, elapsed
        assert server.sent > 5  # it really was dribbling when the deadline came
    finally:
        server.close()


def test_size_cap_can_be_set_per_fetch(server: str) -> None:
    with pytest.raises(InputError, match="larger than 2 KB"):
        fetch_url(server + "/article", timeout_s=5, max_bytes=2048)
