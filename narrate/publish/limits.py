"""The limits `narrate serve` puts on clients (light to import: the CLI shows them in its help)."""

from __future__ import annotations

import contextlib
import resource
from dataclasses import dataclass

ACCEPT_BACKLOG = 128
"""Connections the kernel queues before they are accepted (each accepted one holds a descriptor at once)."""
RESERVED_DESCRIPTORS = 32
"""Descriptors kept for the server itself: its listening socket, the event loop, the catalog, stdio."""


@dataclass(frozen=True)
class ServeLimits:
    """How long `narrate serve` waits on clients, and how many it holds at once."""

    head_timeout_s: float = 10.0
    """A connection must deliver a complete request head within this time of opening (or of a later request's first byte)."""
    idle_timeout_s: float = 5.0
    """A kept-alive connection waiting for its next request is closed after this long."""
    stall_timeout_s: float = 30.0
    """A response the client reads nothing of for this long is abandoned and its connection closed."""
    max_connections: int = 1000
    """The most connections held at once (lowered to what the descriptor limit allows, see `connection_cap`)."""


def raise_descriptor_limit(wanted: int = 65536) -> int:
    """Raise this process's soft limit on open files towards its hard limit (at most `wanted`); return the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    return soft if soft != resource.RLIM_INFINITY else wanted


def connection_cap(limits: ServeLimits, descriptor_limit: int) -> int:
    """How many connections fit: each holds a socket and, while sending, a file; a burst of accepted connections
    and the server's own descriptors need room too."""
    return max(8, min(limits.max_connections, (descriptor_limit - ACCEPT_BACKLOG - RESERVED_DESCRIPTORS) // 2))


__all__ = ["ACCEPT_BACKLOG", "RESERVED_DESCRIPTORS", "ServeLimits", "connection_cap", "raise_descriptor_limit"]
