"""`narrate serve` under hostile clients: idle sockets, headers sent a byte at a time, clients that stop reading,
more connections than the server may hold descriptors for. A real server process, real sockets."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from narrate.publish import list_episodes
from narrate.publish.limits import ServeLimits
from test_publish_support import published, running_server  # noqa: F401  (fixture)
from test_serve import request

LIMITS = ServeLimits()
FLOOD = 400
"""Idle sockets opened at once against a server that may hold 256 descriptors."""


def _connect(url: str, rcvbuf: int | None = None) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(10)
    sock.connect((parts.hostname, parts.port))
    return sock


def _closed_by_server(sock: socket.socket) -> bool:
    """True when the server has closed `sock` (EOF or reset), False while it is open."""
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def _time_until_closed(sock: socket.socket, since: float, limit_s: float, out: dict[str, float], key: str,
                       drip: bytes = b"") -> None:
    """Wait (sending the next byte of `drip` every half second) until the server closes `sock`; store in
    out[key] how many seconds after `since` that was."""
    sock.settimeout(0.5)
    sent = 0
    while time.monotonic() - since < limit_s:
        try:
            if drip:
                sock.send(drip[sent % len(drip):][:1])
                sent += 1
            if sock.recv(65536) == b"":
                break
        except socket.timeout:
            continue
        except OSError:
            break
    else:
        return
    out[key] = time.monotonic() - since


def test_idle_slow_and_flooding_clients_are_closed_and_others_still_served(published: Path) -> None:
    mp3 = list_episodes(published)[0].record.mp3
    with running_server(published, max_files=256) as url:
        # 400 idle sockets against a 256-descriptor server: it stays reachable.
        started = time.monotonic()
        flood = [_connect(url) for _ in range(FLOOD)]
        t0 = time.monotonic()
        status, _headers, body = request(url, "GET", "/feed.xml")
        assert status == 200 and b"<item>" in body
        assert request(url, "GET", f"/{mp3}")[0] == 200
        assert time.monotonic() - t0 < 5.0, "a flood of idle sockets delayed a real client"

        timings: dict[str, float] = {}
        # Headers one byte at a time: closed when the head deadline is up, not kept alive by the trickle.
        slow = _connect(url)
        slow_since = time.monotonic()
        slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        drip = threading.Thread(target=_time_until_closed, args=(slow, slow_since, 20, timings, "slowloris",
                                                                 b"X-Slow: 1\r\n"))
        # A kept-alive connection with nothing more to ask: closed after the idle timeout.
        idle = _connect(url)
        idle.sendall(b"GET /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n")
        idle.settimeout(5)
        first = idle.recv(65536)
        idle_since = time.monotonic()
        assert first.startswith(b"HTTP/1.1 200")
        wait = threading.Thread(target=_time_until_closed, args=(idle, idle_since, 20, timings, "keepalive"))
        # A client that asks for audio and never reads it.
        stuck = _connect(url, rcvbuf=4096)
        stuck.sendall(f"GET /{mp3} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        drip.start()
        wait.start()

        # Meanwhile, others are served at once.
        t0 = time.monotonic()
        for _ in range(5):
            assert request(url, "GET", "/feed.xml")[0] == 200
        assert time.monotonic() - t0 < 5.0, "slow clients delayed the others"

        drip.join()
        wait.join()
        assert LIMITS.head_timeout_s - 0.5 <= timings["slowloris"] <= LIMITS.head_timeout_s + 2.0, timings
        assert LIMITS.idle_timeout_s - 0.5 <= timings["keepalive"] <= LIMITS.idle_timeout_s + 2.0, timings
        # Every idle socket of the flood was closed: the oldest to make room, the rest at their deadline.
        remaining = LIMITS.head_timeout_s + 1.5 - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
        assert sum(_closed_by_server(s) for s in flood) == FLOOD
        for sock in (*flood, slow, idle, stuck):
            sock.close()


STALL_LAUNCHER = (
    "import sys; from pathlib import Path; from narrate.publish.serve import serve; "
    "from narrate.publish.limits import ServeLimits\n"
    "serve(Path(sys.argv[3]), '127.0.0.1', int(sys.argv[7]), None, ServeLimits(stall_timeout_s=1.0))\n"
)
"""Runs serve with a one-second stall timeout (the arguments are running_server's: serve -o DIR --host H --port P)."""


def test_a_client_that_stops_reading_loses_its_connection(published: Path) -> None:
    big = published / "big-download.mp3"
    big.write_bytes(os.urandom(1024) * 24 * 1024)  # 24 MiB: more than any socket buffer holds
    with running_server(published, code=STALL_LAUNCHER) as url:
        stuck = _connect(url, rcvbuf=4096)
        stuck.sendall(b"GET /big-download.mp3 HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(3.0)  # the stall timeout (1 s) passes while it reads nothing
        assert request(url, "GET", "/feed.xml")[0] == 200
        received = 0
        stuck.settimeout(5)
        try:
            while chunk := stuck.recv(1 << 20):
                received += len(chunk)
        except ConnectionResetError:
            pass
        assert received < big.stat().st_size, "the stalled response was not abandoned"
        stuck.close()
