"""Connection limits for `narrate serve`: deadlines for idle and slow clients, and a cap on connections.

aiohttp parses HTTP; this module decides how long a connection may hold the server without asking for anything.
It wraps each connection's aiohttp protocol and watches it:

- a connection must deliver a complete request head within `head_timeout_s` of opening, or of the first byte of
  a later request: a client sending its headers one byte at a time is closed when that time is up;
- between requests, a kept-alive connection on which no byte of a next request arrives is closed after
  `idle_timeout_s`;
- at most `max_connections` are held at once (fewer when the process may open few files). A new connection
  beyond that closes the connection idle the longest; when every connection is busy with a request, the new
  one is answered 503 and closed. Slow clients thus never lock out new ones.

A request being answered is never timed out here: the sender's stall timeout covers a client that stops reading.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from narrate.publish.limits import ServeLimits

_BUSY_503 = (b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"
             b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\n\r\nThe server is busy.\n")


class _Connection(asyncio.Protocol):
    """One client connection: forwards every event to aiohttp's protocol and keeps the guard's view of it."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self.guard = guard
        self.inner = inner
        self.transport: asyncio.Transport | None = None
        self.rejected = False
        self.busy = False
        self.idle_since = 0.0
        self.deadline = 0.0
        self.awaiting_first_byte = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if self.guard.admit(self):
            self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.rejected:
            return
        if not self.busy and self.awaiting_first_byte:
            self.awaiting_first_byte = False
            self.deadline = self.guard.now() + self.guard.limits.head_timeout_s
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return None if self.rejected else self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.forget(self)
        if not self.rejected:
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if not self.rejected:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if not self.rejected:
            self.inner.resume_writing()


class ConnectionGuard:
    """Wraps an aiohttp protocol factory; applies `ServeLimits` to the connections it makes."""

    def __init__(self, factory: Callable[[], Any], limits: ServeLimits, cap: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.factory = factory
        self.limits = limits
        self.cap = cap
        self.now = clock
        self.connections: dict[int, _Connection] = {}
        self.closed_for_timeout = 0
        self.evicted = 0
        self.refused = 0
        self._sweeper: asyncio.Task[None] | None = None

    def __call__(self) -> _Connection:
        """A new connection's protocol (the factory handed to loop.create_server)."""
        return _Connection(self, self.factory())

    def admit(self, conn: _Connection) -> bool:
        """Take a new connection in, making room when at the cap; False when it was refused."""
        if len(self.connections) >= self.cap:
            idle = [c for c in self.connections.values() if not c.busy]
            if idle:
                victim = min(idle, key=lambda c: c.idle_since)
                self._drop(victim)
                self.evicted += 1
            else:
                conn.rejected = True
                self.refused += 1
                assert conn.transport is not None
                conn.transport.write(_BUSY_503)
                conn.transport.close()
                return False
        now = self.now()
        conn.idle_since, conn.deadline = now, now + self.limits.head_timeout_s
        self.connections[id(conn.transport)] = conn
        return True

    def forget(self, conn: _Connection) -> None:
        """A connection ended."""
        if self.connections.get(id(conn.transport)) is conn:
            del self.connections[id(conn.transport)]

    def request_started(self, transport: Any) -> None:
        """A request head arrived on `transport`: no deadline while it is answered."""
        conn = self.connections.get(id(transport))
        if conn is not None:
            conn.busy = True

    def request_finished(self, transport: Any) -> None:
        """The answer on `transport` is sent: the connection is idle again."""
        conn = self.connections.get(id(transport))
        if conn is not None:
            now = self.now()
            conn.busy, conn.awaiting_first_byte = False, True
            conn.idle_since, conn.deadline = now, now + self.limits.idle_timeout_s

    def sweep(self) -> int:
        """Close every connection past its deadline; return how many."""
        now = self.now()
        late = [c for c in self.connections.values() if not c.busy and now >= c.deadline]
        for conn in late:
            self._drop(conn)
        self.closed_for_timeout += len(late)
        return len(late)

    def _drop(self, conn: _Connection) -> None:
        self.forget(conn)
        if conn.transport is not None:
            conn.transport.abort()

    def start(self, period_s: float = 0.25) -> None:
        """Sweep every `period_s` on the running loop until `stop`."""

        async def run() -> None:
            while True:
                await asyncio.sleep(period_s)
                self.sweep()

        self._sweeper = asyncio.get_running_loop().create_task(run())

    def stop(self) -> None:
        """Stop sweeping."""
        if self._sweeper is not None:
            self._sweeper.cancel()


__all__ = ["ConnectionGuard"]
