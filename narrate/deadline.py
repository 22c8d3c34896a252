"""One deadline for a whole HTTP fetch (connecting, redirects, headers and body), held even against a server that
sends a byte at a time: a per-read socket timeout never trips on such a server, so a watchdog timer shuts down the
sockets read under the deadline when it passes, which ends any read in progress. Used by `narrate build URL`
(narrate.article.fetch) and by `narrate follow` (narrate.follow.http)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Deadline:
    """One point in time for a whole fetch: sockets watched under it are shut down when it passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        """The length of the deadline, as given."""
        self.at = time.monotonic() + seconds
        """When it passes (time.monotonic)."""
        self.expired = False
        """True once it has passed and its sockets were shut down."""
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def remaining(self) -> float:
        """Seconds left; TimeoutError when none are."""
        left = self.at - time.monotonic()
        if left <= 0 or self.expired:
            raise TimeoutError
        return left

    def watch(self, sock: socket.socket | None) -> None:
        """Shut `sock` down when the deadline passes (at once if it has)."""
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                shut(sock)

    def forget(self) -> None:
        """Stop watching every socket watched so far (their reads are done; a pool may hand them to others)."""
        with self._lock:
            self._sockets.clear()

    def connect(self, address: tuple[str, int], timeout: float | None = None, source_address: Any = None) -> socket.socket:  # noqa: ANN401
        """socket.create_connection, bounded by the deadline, and the socket watched until it passes."""
        sock = socket.create_connection(address, self.remaining(), source_address)
        self.watch(sock)
        return sock

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                shut(sock)

    @contextmanager
    def running(self) -> Iterator[Deadline]:
        """Arm the watchdog for the duration of the block."""
        self._timer.start()
        try:
            yield self
        finally:
            self._timer.cancel()


def shut(sock: socket.socket) -> None:
    """Shut `sock` down both ways, ending any read in progress (a socket already closed is left alone)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
