"""Polite HTTP against a real local server: conditional GET, retries on 5xx only, redirect loops, caps, deadline,
connections per host, User-Agent."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dribbler import Dribbler
from follow_support import FeedServer, Route, feed_server
from narrate import __version__
from narrate.follow.http import FEED_ACCEPT, FetchError, PoliteClient
from narrate.follow.model import Validators


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with feed_server() as srv:
        yield srv


def client(**kwargs) -> PoliteClient:  # type: ignore[no-untyped-def]
    waits: list[float] = []
    made = PoliteClient(sleep=waits.append, **kwargs)
    made.waits = waits  # type: ignore[attr-defined]
    return made


def get(c: PoliteClient, url: str, validators: Validators | None = None, max_bytes: int = 1 << 20):  # type: ignore[no-untyped-def]
    return c.get(url, accept=FEED_ACCEPT, max_bytes=max_bytes, validators=validators)


def test_conditional_get_answers_304_without_a_body(server: FeedServer) -> None:
    server.routes["/feed.xml"] = Route(b"<rss/>", "application/rss+xml")
    with client() as c:
        first = get(c, server.url("/feed.xml"))
        assert first.status == 200 and first.body == b"<rss/>"
        assert first.validators.etag and first.validators.last_modified
        again = get(c, server.url("/feed.xml"), first.validators)
    assert again.status == 304 and again.body == b""
    sent = server.requests_to("/feed.xml")[-1].headers
    assert sent["If-None-Match"] == first.validators.etag
    assert sent["If-Modified-Since"] == first.validators.last_modified
    assert sent["User-Agent"] == f"narrate/{__version__} (offline article-to-podcast reader)"


def test_5xx_is_retried_with_backoff_then_succeeds(server: FeedServer) -> None:
    server.routes["/flaky"] = Route(b"ok", fail_times=2)
    with client() as c:
        response = get(c, server.url("/flaky"))
        assert response.status == 200 and response.body == b"ok"
        assert c.waits == [0.5, 1.0]  # type: ignore[attr-defined]
    assert [e.status for e in server.requests_to("/flaky")] == [500, 500, 200]


def test_5xx_that_persists_is_one_sentence_after_three_tries(server: FeedServer) -> None:
    server.routes["/down"] = Route(b"", fail_times=99)
    with client() as c, pytest.raises(FetchError, match=r"^Could not fetch .*/down: the server answered 500"):
        get(c, server.url("/down"))
    assert len(server.requests_to("/down")) == 3


def test_4xx_is_not_retried(server: FeedServer) -> None:
    with client() as c, pytest.raises(FetchError, match="404"):
        get(c, server.url("/nowhere"))
    assert len(server.requests_to("/nowhere")) == 1


def test_a_redirect_loop_is_named(server: FeedServer) -> None:
    server.routes["/a"] = Route(location="/b", status=302)
    server.routes["/b"] = Route(location="/a", status=301)
    with client() as c, pytest.raises(FetchError) as caught:
        get(c, server.url("/a"))
    message = str(caught.value)
    assert "redirects in a loop" in message and message.count("->") == 2 and "\n" not in message
    server.routes["/start"] = Route(location="/a-1", status=302)
    for n in range(1, 10):
        server.routes[f"/a-{n}"] = Route(location=f"/a-{n + 1}", status=307)
    with client() as c, pytest.raises(FetchError, match="more than 5 redirects"):
        get(c, server.url("/start"))


def test_redirects_are_followed_and_the_final_url_given(server: FeedServer) -> None:
    server.routes["/old"] = Route(location="/new", status=301)
    server.routes["/new"] = Route(b"here")
    with client() as c:
        response = get(c, server.url("/old"))
    assert response.body == b"here" and response.url == server.url("/new") and response.requests == 2


def test_size_cap(server: FeedServer) -> None:
    server.routes["/big"] = Route(b"x" * 300_000)
    with client() as c, pytest.raises(FetchError, match="larger than"):
        get(c, server.url("/big"), max_bytes=100_000)


def test_one_deadline_for_the_whole_request_even_against_a_slow_drip() -> None:
    """A server that sends a byte every 0.2 s never trips a per-read timeout; the deadline still holds."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n")
        while not stop.is_set():
            try:
                conn.sendall(b"x")
            except OSError:
                break
            time.sleep(0.2)
        conn.close()

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with client(deadline_s=1.5, attempts=1) as c, pytest.raises(FetchError, match="within 1.5 seconds"):
            get(c, f"http://127.0.0.1:{port}/feed")
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < 4


def test_at_most_two_connections_per_host(server: FeedServer) -> None:
    for n in range(6):
        server.routes[f"/page-{n}"] = Route(b"page", delay_s=0.3)
    with client() as c, ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda n: get(c, server.url(f"/page-{n}")), range(6)))
    assert server.max_active == 2


def test_refused_and_unknown_hosts_are_one_sentence_without_retries() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with client() as c:
        with pytest.raises(FetchError, match="refused the connection"):
            get(c, f"http://127.0.0.1:{port}/feed")
        with pytest.raises(FetchError, match="could not be found"):
            get(c, "http://no-such-host.invalid/feed")
        assert c.waits == []  # type: ignore[attr-defined]
        with pytest.raises(FetchError, match="not an http"):
            get(c, "ftp://example.test/feed")


@pytest.mark.parametrize("stage", ["headers", "body"])
def test_one_deadline_even_when_the_server_dribbles(stage: str) -> None:
    """Headers sent a byte every 50 ms kept a request going for 28 s past a 1.5 s deadline (no read ever timed out)."""
    dribbler = Dribbler(stage)
    started = time.monotonic()
    try:
        with client(deadline_s=1.5, attempts=1) as polite, pytest.raises(FetchError, match=r"within 1\.5 seconds"):
            polite.get(f"http://127.0.0.1:{dribbler.port}/slow", accept=FEED_ACCEPT, max_bytes=10**7)
        assert time.monotonic() - started < 3.0
        assert dribbler.sent > 5
    finally:
        dribbler.close()
