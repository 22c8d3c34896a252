"""Sending one representation (a file, or bytes in memory) over HTTP, per RFC 9110.

Validators (a strong ETag and Last-Modified), conditional requests (If-Match, If-Unmodified-Since, If-None-Match,
If-Modified-Since, in the order of section 13.2.2), one byte range (section 14, see narrate.publish.ranges)
guarded by If-Range, HEAD, and a stall timeout: a client that stops reading for `stall_timeout_s` loses its
connection instead of holding it forever. The body is sent in chunks from an open file, so a file replaced while
it is being sent is sent whole, as it was when the request came.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from narrate.publish.ranges import entity_tags, http_date, if_range_holds, select_range

CHUNK_BYTES = 256 * 1024
"""How much of a body is read and written at a time."""


@dataclass(frozen=True)
class Validators:
    """What identifies one version of a representation."""

    etag: str
    """A strong entity-tag, quoted."""
    last_modified: int
    """When it last changed, in whole seconds since the epoch."""


def file_validators(stat: os.stat_result) -> Validators:
    """Validators of a file from its size and modification time (nanoseconds): a new version gets a new tag."""
    return Validators(f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"', int(stat.st_mtime))


def bytes_validators(body: bytes, last_modified: float) -> Validators:
    """Validators of bytes in memory: a tag from their content."""
    return Validators(f'"{hashlib.sha256(body).hexdigest()[:24]}"', int(last_modified))


def precondition_status(headers: Mapping[str, str], method: str, validators: Validators) -> int | None:
    """412 or 304 when a conditional header says so (RFC 9110, 13.2.2), else None: go on."""
    etag, last_modified = validators.etag, validators.last_modified
    if (if_match := headers.get("If-Match")) is not None:
        tags = entity_tags(if_match)
        if tags is not None and not any(not weak and f'"{tag}"' == etag for weak, tag in tags):
            return 412
    elif (since := headers.get("If-Unmodified-Since")) is not None:
        date = http_date(since)
        if date is not None and last_modified > date:
            return 412
    if (if_none_match := headers.get("If-None-Match")) is not None:
        tags = entity_tags(if_none_match)
        if tags is None or any(f'"{tag}"' == etag for _weak, tag in tags):
            return 304 if method in ("GET", "HEAD") else 412
    elif method in ("GET", "HEAD") and (since := headers.get("If-Modified-Since")) is not None:
        date = http_date(since)
        if date is not None and last_modified <= date:
            return 304
    return None


async def send_file(request: web.Request, path: Path, headers: Mapping[str, str], stall_timeout_s: float
                    ) -> web.StreamResponse:
    """Answer `request` with the file at `path` (404 when it vanished since it was found)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        raise web.HTTPNotFound(text="Not found.\n") from None
    try:
        stat = os.fstat(fd)
        return await send(request, stat.st_size, file_validators(stat), lambda offset, size: os.pread(fd, size, offset),
                          headers, stall_timeout_s)
    finally:
        os.close(fd)


async def send_bytes(request: web.Request, body: bytes, last_modified: float, headers: Mapping[str, str],
                     stall_timeout_s: float) -> web.StreamResponse:
    """Answer `request` with `body`."""
    return await send(request, len(body), bytes_validators(body, last_modified),
                      lambda offset, size: body[offset:offset + size], headers, stall_timeout_s)


async def send(request: web.Request, length: int, validators: Validators, read: Callable[[int, int], bytes],
               headers: Mapping[str, str], stall_timeout_s: float) -> web.StreamResponse:
    """Answer `request` with a representation of `length` bytes that `read(offset, size)` returns."""
    common = {**headers, "ETag": validators.etag, "Last-Modified": email.utils.formatdate(validators.last_modified,
                                                                                         usegmt=True)}
    status = precondition_status(request.headers, request.method, validators)
    if status == 304:
        return web.Response(status=304, headers={k: v for k, v in common.items() if k != "Content-Type"})
    if status == 412:
        return web.Response(status=412, text="Precondition failed.\n")
    common["Accept-Ranges"] = "bytes"
    selection = None
    if request.method == "GET" and "Range" in request.headers and if_range_holds(
            request.headers.get("If-Range"), validators.etag, validators.last_modified, time.time()):
        selection = select_range(request.headers.get("Range"), length)
    if selection is not None and not selection.satisfiable:
        return web.Response(status=416, text="Range not satisfiable.\n",
                            headers={**{k: v for k, v in common.items() if k != "Content-Type"},
                                     "Content-Range": f"bytes */{length}"})
    if selection is not None:
        first, last, status = selection.first, selection.last, 206
        common["Content-Range"] = f"bytes {first}-{last}/{length}"
    else:
        first, last, status = 0, length - 1, 200
    response = web.StreamResponse(status=status, headers=common)
    response.content_length = last - first + 1
    try:
        await response.prepare(request)
        offset = first
        while request.method != "HEAD" and offset <= last:
            chunk = read(offset, min(CHUNK_BYTES, last - offset + 1))
            if not chunk:  # the file shrank under us: the promised length cannot be kept
                raise ConnectionAbortedError
            await asyncio.wait_for(response.write(chunk), stall_timeout_s)
            offset += len(chunk)
        await response.write_eof()
    except (ConnectionError, asyncio.TimeoutError):
        if request.transport is not None:  # a stalled or gone client: drop the connection, quietly
            request.transport.abort()
    return response


__all__ = ["CHUNK_BYTES", "Validators", "bytes_validators", "file_validators", "precondition_status", "send",
           "send_bytes", "send_file"]
