"""`narrate serve` end to end: a real server process on a free port, real HTTP clients."""

from __future__ import annotations

import http.client
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from narrate.publish import list_episodes
from narrate.publish.serve import content_type
from test_publish_support import make_episode, published, running_server  # noqa: F401  (fixture)


def request(base: str, method: str, path: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Send one raw request (the path goes out exactly as given); return (status, headers, body)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # type: ignore[no-untyped-def]
    from narrate.publish import publish_episode

    published = tmp_path_factory.mktemp("serve") / "out"
    publish_episode(published, make_episode(published, "First story", frequency=440))
    publish_episode(published, make_episode(published, "Second story", frequency=660))
    (published / "narrate.toml").write_text('title = "Served show"\n', encoding="utf-8")
    (published.parent / "secret.txt").write_text("outside the output folder", encoding="utf-8")
    os.symlink(published.parent / "secret.txt", published / "link-out.txt")
    (published / ".narrate").mkdir(exist_ok=True)
    (published / ".narrate" / "state.json").write_text("{}", encoding="utf-8")
    with running_server(published) as url:
        yield url, published


def test_feed_over_http_and_enclosure_downloaded_by_ranges(server) -> None:  # type: ignore[no-untyped-def]
    import feedparser

    url, out = server
    status, headers, body = request(url, "GET", "/feed.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(body)
    assert feed.bozo == 0 and len(feed.entries) == 2
    assert feed.feed.title == "Served show"
    for entry in feed.entries:
        enclosure = entry.enclosures[0]
        assert enclosure.href.startswith(url + "/")  # points where the server actually runs
        path = urlsplit(enclosure.href).path
        size = int(enclosure.length)
        chunks, start = [], 0
        while start < size:
            end = min(start + 10_000, size) - 1
            status, headers, chunk = request(url, "GET", path, {"Range": f"bytes={start}-{end}"})
            assert status == 206 and headers["Content-Range"] == f"bytes {start}-{end}/{size}"
            assert headers["Content-Type"] == "audio/mpeg"
            chunks.append(chunk)
            start = end + 1
        assert b"".join(chunks) == (out / Path(path).name).read_bytes()


def test_head_ranges_and_unsatisfiable(server) -> None:  # type: ignore[no-untyped-def]
    url, out = server
    mp3 = list_episodes(out)[0].record.mp3
    data = (out / mp3).read_bytes()
    status, headers, body = request(url, "HEAD", f"/{mp3}")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) == len(data)
    assert headers["Accept-Ranges"] == "bytes"
    status, headers, body = request(url, "GET", f"/{mp3}", {"Range": "bytes=0-1"})
    assert (status, headers["Content-Range"], body) == (206, f"bytes 0-1/{len(data)}", data[:2])
    status, headers, body = request(url, "GET", f"/{mp3}", {"Range": "bytes=-500"})
    assert status == 206 and body == data[-500:]
    status, headers, body = request(url, "GET", f"/{mp3}", {"Range": f"bytes={len(data) - 100}-"})
    assert status == 206 and body == data[-100:]
    status, headers, _ = request(url, "GET", f"/{mp3}", {"Range": f"bytes={len(data) + 10}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(data)}"


def test_types_and_cors(server) -> None:  # type: ignore[no-untyped-def]
    url, out = server
    record = list_episodes(out)[0].record
    status, headers, body = request(url, "GET", f"/{record.chapters_json}")
    assert status == 200 and headers["Content-Type"] == "application/json+chapters"
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = request(url, "GET", f"/{record.vtt}")
    assert status == 200 and headers["Content-Type"].startswith("text/vtt")
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, body = request(url, "GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"Served show" in body
    assert content_type("x-12345678.mp3") == "audio/mpeg"


@pytest.mark.parametrize("path", [
    "/catalog.sqlite", "/narrate.toml", "/.narrate/state.json", "/%2enarrate/state.json",
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/a/..%2f..%2fsecret.txt",
    "//etc/passwd", "/%2Fetc%2Fpasswd", "/link-out.txt", "/catalog.sqlite-journal", "/nothing-here.mp3",
])
def test_never_served(server, path: str) -> None:  # type: ignore[no-untyped-def]
    url, _out = server
    status, _headers, body = request(url, "GET", path)
    assert status in (400, 403, 404), (path, status)
    assert b"outside the output folder" not in body and b"SQLite format" not in body and b"root:" not in body


def test_base_url_option_wins_over_the_request_host(published: Path) -> None:
    with running_server(published, "--base-url", "https://cdn.example.org/pod") as url:
        _status, _headers, body = request(url, "GET", "/feed.xml")
    assert b'url="https://cdn.example.org/pod/' in body and url.encode() not in body
