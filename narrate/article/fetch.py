"""Fetch an article page over HTTP(S), with a timeout, a size cap and one clear sentence when it fails."""

from __future__ import annotations

import socket
import ssl
import time
import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import urlsplit

from narrate import __version__
from narrate.errors import InputError

DEFAULT_TIMEOUT_S = 20.0
"""How long a fetch may take in all, connecting and reading, before we give up."""

MAX_PAGE_BYTES = 20 * 1024 * 1024
"""The largest page we read; article pages are well under this, anything bigger is not one."""

HTML_TYPES = ("text/html", "application/xhtml+xml")
"""Content types that hold a web page."""

_CHUNK = 64 * 1024
_USER_AGENT = f"narrate/{__version__} (article-to-podcast reader)"
_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")


def is_url(source: str) -> bool:
    """True when `source` is an http:// or https:// address rather than a file path."""
    return urlsplit(source.strip()).scheme.lower() in ("http", "https")


def _fail(url: str, why: str) -> InputError:
    return InputError(f"Could not fetch {url}: {why}.")


def _reason(error: BaseException, url: str, timeout_s: float) -> InputError:
    """A sentence for a network failure: name not found, refused, timed out, bad certificate..."""
    host = urlsplit(url).hostname or url
    if isinstance(error, socket.gaierror):
        return _fail(url, f"the host name {host} could not be found")
    if isinstance(error, ConnectionRefusedError):
        return _fail(url, f"{host} refused the connection")
    if isinstance(error, TimeoutError):
        return _fail(url, f"no complete answer within {timeout_s:g} seconds")
    if isinstance(error, ssl.SSLError):
        return _fail(url, "the secure connection failed (" + (error.reason or str(error)) + ")")
    if isinstance(error, ConnectionError):
        return _fail(url, "the connection was broken")
    return _fail(url, str(error) or type(error).__name__)


def _looks_like_html(head: bytes) -> bool:
    """True when a body with no usable Content-Type starts like an HTML document."""
    return head.lstrip().lower().startswith(_HTML_START)


def fetch_url(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> tuple[bytes, str, str]:
    """Download a web page: (body bytes, final URL after redirects, Content-Type header as sent).

    Raises InputError with one sentence when the page cannot be had: not an http(s) URL, host not found,
    connection refused, no answer within `timeout_s` seconds in all, an HTTP error status, content
    that is not HTML, or a body larger than MAX_PAGE_BYTES.
    """
    if not is_url(url):
        raise InputError(f"{url} is not an http:// or https:// address.")
    request = urllib.request.Request(
        url, headers={"User-Agent": _USER_AGENT, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"}
    )
    deadline = time.monotonic() + timeout_s
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (scheme checked)
            final_url = response.geturl()
            headers: Message = response.headers
            content_type = headers.get("Content-Type", "")
            media_type = headers.get_content_type() if content_type else ""
            declared = headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > MAX_PAGE_BYTES:
                raise _too_large(url)
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > MAX_PAGE_BYTES:
                    raise _too_large(url)
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
                if size == len(chunk) and media_type not in HTML_TYPES and not _looks_like_html(chunk):
                    raise InputError(f"{url} is not a web page: the server sent {media_type or 'unknown content'}.")
    except urllib.error.HTTPError as error:
        raise _fail(url, f"the server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason if isinstance(error.reason, BaseException) else OSError(str(error.reason))
        raise _reason(reason, url, timeout_s) from None
    except (OSError, ssl.SSLError) as error:
        raise _reason(error, url, timeout_s) from None
    body = b"".join(chunks)
    if not body.strip():
        raise InputError(f"{url} returned an empty page.")
    if media_type not in HTML_TYPES and not _looks_like_html(body[:_CHUNK]):
        raise InputError(f"{url} is not a web page: the server sent {media_type or 'unknown content'}.")
    return body, final_url, content_type


def _too_large(url: str) -> InputError:
    return InputError(f"{url} is larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB, too large for an article page.")
