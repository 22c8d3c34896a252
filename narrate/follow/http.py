"""Polite, bounded HTTP for `narrate follow`: conditional GET, one deadline per request, a size cap, a few
connections per host, an honest User-Agent, retries with backoff on 5xx and timeouts only.

urllib3 keeps the connections (a pool per host, at most PER_HOST open, keep-alive reused) and decodes
gzip; redirects are followed here so that a loop is named as one ('A -> B -> A'). The deadline is the one
`narrate build URL` uses (narrate.deadline): every socket a request reads from is watched and shut down when the
deadline passes, so it holds even against a server that sends its headers or body one byte a second.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError, HTTPError, NameResolutionError, NewConnectionError, ProtocolError, ReadTimeoutError, SSLError,
)

from narrate import USER_AGENT
from narrate.deadline import Deadline
from narrate.follow.model import Validators

PER_HOST = 2
"""At most this many connections open to one host at a time."""
DEADLINE_S = 30.0
"""One request (redirects, retries and the whole body included) may take this long at most."""
CONNECT_TIMEOUT_S = 10.0
"""How long connecting may take."""
READ_TIMEOUT_S = 20.0
"""How long the server may stay silent while we wait for its answer or the next piece of the body."""
ATTEMPTS = 3
"""Tries for one request: the first and two retries (5xx answers and timeouts only)."""
BACKOFF_S = 0.5
"""The wait before the first retry; it doubles for each further one (a Retry-After header may ask for more)."""
MAX_BACKOFF_S = 10.0
"""The longest wait between two tries."""
MAX_REDIRECTS = 5
"""Redirects followed for one request."""
FEED_MAX_BYTES = 10 * 1024 * 1024
"""The largest feed read; feeds are far smaller."""
PAGE_MAX_BYTES = 20 * 1024 * 1024
"""The largest article page read."""
FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json;q=0.9, application/json;q=0.8, "
               "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1")
"""The Accept header for feeds."""
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
"""The Accept header for article pages."""

_CHUNK = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)


_deadline: ContextVar[Deadline | None] = ContextVar("narrate_follow_deadline", default=None)
"""The deadline of the request this thread is making (each thread starts without one)."""


class _Watched:
    """Mixed into a urllib3 connection: the current request's deadline watches its socket while the answer is read."""

    sock: Any

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        deadline = _deadline.get()
        if deadline is not None:
            deadline.watch(self.sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    """An HTTP connection watched by the request's deadline."""


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    """An HTTPS connection watched by the request's deadline."""


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class FetchError(Exception):
    """A request that did not give a usable answer; str(error) is one sentence naming the URL."""


class _Retryable(FetchError):
    """A failure worth another try: a 5xx answer or a timeout."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Response:
    """A final answer: 200 with a body, or 304 (not modified) without one."""

    status: int
    """200 or 304."""
    url: str
    """The URL that answered, after redirects."""
    body: bytes
    """The decoded body (empty for 304)."""
    content_type: str
    """The Content-Type header, as sent."""
    validators: Validators
    """The ETag and Last-Modified the server sent (empty for a 304: keep the ones sent)."""
    requests: int
    """How many HTTP requests it took (redirects and retries included)."""


class PoliteClient:
    """An HTTP client that is gentle with the sites it reads; share one across threads, close it when done."""

    def __init__(self, per_host: int = PER_HOST, deadline_s: float = DEADLINE_S, attempts: int = ATTEMPTS,
                 backoff_s: float = BACKOFF_S, sleep: Callable[[float], None] = time.sleep) -> None:
        self._pool = urllib3.PoolManager(num_pools=32, maxsize=per_host, block=True)
        self._pool.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
        self.deadline_s = deadline_s
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._sleep = sleep

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.clear()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get(self, url: str, *, accept: str, max_bytes: int, validators: Validators | None = None) -> Response:
        """GET `url` (conditionally when `validators` are given); FetchError (one sentence) when no usable answer came."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FetchError(f"{url} is not an http:// or https:// address.")
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", "Accept": accept}
        if validators is not None and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators is not None and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        with Deadline(self.deadline_s).running() as deadline:
            token = _deadline.set(deadline)
            try:
                return self._attempts(url, headers, max_bytes, deadline)
            finally:
                _deadline.reset(token)

    def _attempts(self, url: str, headers: dict[str, str], max_bytes: int, deadline: Deadline) -> Response:
        requests = 0
        for attempt in range(1, self.attempts + 1):
            try:
                response, made = self._follow_redirects(url, headers, max_bytes, deadline)
                return Response(response.status, response.url, response.body, response.content_type,
                                response.validators, requests + made)
            except _Retryable as error:
                requests += 1
                wait = min(MAX_BACKOFF_S, max(self.backoff_s * 2 ** (attempt - 1), error.retry_after_s or 0.0))
                if attempt == self.attempts or time.monotonic() + wait >= deadline.at:
                    raise FetchError(str(error)) from None
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _follow_redirects(self, url: str, headers: dict[str, str], max_bytes: int,
                          deadline: Deadline) -> tuple[Response, int]:
        chain = [url]
        current = url
        for made in range(1, MAX_REDIRECTS + 2):
            raw = self._request(current, headers, deadline)
            try:
                if raw.status not in range(200, 300):
                    raw.drain_conn()  # a redirect's, a 304's or an error's short body: the connection stays reusable
                if raw.status in _REDIRECTS:
                    location = raw.headers.get("Location")
                    if not location:
                        raise FetchError(f"Could not fetch {url}: the server answered {raw.status} without saying where to.")
                    target = urljoin(current, location)
                    if target in chain:
                        loop = " -> ".join([*chain[chain.index(target):], target])
                        raise FetchError(f"Could not fetch {url}: it redirects in a loop ({loop}).")
                    if urlsplit(target).scheme.lower() not in ("http", "https"):
                        raise FetchError(f"Could not fetch {url}: it redirects to {target}, which is not a web address.")
                    chain.append(target)
                    current = target
                    continue
                validators = Validators(etag=raw.headers.get("ETag"), last_modified=raw.headers.get("Last-Modified"))
                if raw.status == 304:
                    return Response(304, current, b"", "", validators, made), made
                answer = f"the server answered {raw.status} {raw.reason or ''}".rstrip()
                if raw.status >= 500:
                    raise _Retryable(f"Could not fetch {url}: {answer}.", _retry_after(raw.headers.get("Retry-After")))
                if not 200 <= raw.status < 300:
                    raise FetchError(f"Could not fetch {url}: {answer}.")
                try:
                    body = _read_body(raw, url, max_bytes, deadline)
                except FetchError:
                    raw.close()  # part of a body is left unread: this connection cannot be reused
                    raise
                return Response(200, current, body, raw.headers.get("Content-Type", ""), validators, made), made
            finally:
                deadline.forget()  # this answer is read: its connection goes back to the pool, unwatched
                raw.release_conn()
        raise FetchError(f"Could not fetch {url}: more than {MAX_REDIRECTS} redirects.")

    def _request(self, url: str, headers: dict[str, str], deadline: Deadline) -> urllib3.BaseHTTPResponse:
        remaining = deadline.at - time.monotonic()
        if remaining <= 0 or deadline.expired:
            raise _Retryable(_too_slow(url, deadline))
        timeout = urllib3.Timeout(connect=min(CONNECT_TIMEOUT_S, remaining), read=min(READ_TIMEOUT_S, remaining))
        host = urlsplit(url).hostname or url
        try:
            return self._pool.request("GET", url, headers=headers, redirect=False, retries=False,
                                      preload_content=False, timeout=timeout, pool_timeout=remaining)
        except Exception as error:
            raise _request_error(error, url, host, deadline, remaining) from None


def _request_error(error: Exception, url: str, host: str, deadline: Deadline, remaining: float) -> Exception:
    """The one-sentence FetchError for what a request raised (errors of other kinds are returned as they are)."""
    if deadline.expired:  # the watchdog shut the socket while the answer's head was read
        return _Retryable(_too_slow(url, deadline))
    if isinstance(error, NameResolutionError):  # (a NewConnectionError: tested first)
        return FetchError(f"Could not fetch {url}: the host name {host} could not be found.")
    if isinstance(error, NewConnectionError):  # (a ConnectTimeoutError in urllib3's classes, but a refusal, not a timeout)
        why = "refused the connection" if "refused" in str(error).lower() else "could not be reached"
        return FetchError(f"Could not fetch {url}: {host} {why}.")
    if isinstance(error, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)):
        return _Retryable(f"Could not fetch {url}: no answer within {min(READ_TIMEOUT_S, remaining):g} seconds.")
    if isinstance(error, SSLError):
        return FetchError(f"Could not fetch {url}: the secure connection failed ({error}).")
    if isinstance(error, (ProtocolError, HTTPError, OSError)):
        return FetchError(f"Could not fetch {url}: the connection was broken ({type(error).__name__}).")
    return error


def _too_slow(url: str, deadline: Deadline) -> str:
    return f"Could not fetch {url}: no complete answer within {deadline.seconds:g} seconds."


def _read_body(raw: urllib3.BaseHTTPResponse, url: str, max_bytes: int, deadline: Deadline) -> bytes:
    """The whole (decoded) body, in pieces, within the size cap and the deadline."""
    declared = raw.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"Could not fetch {url}: it is larger than {max_bytes // (1024 * 1024)} MB.")
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() > deadline.at:
                raise _Retryable(_too_slow(url, deadline))
            chunk = raw.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"Could not fetch {url}: it is larger than {max_bytes // (1024 * 1024)} MB.")
            chunks.append(chunk)
    except (ReadTimeoutError, TimeoutError, ProtocolError, HTTPError, OSError) as error:
        if deadline.expired:  # the watchdog shut the socket during a read
            raise _Retryable(_too_slow(url, deadline)) from None
        if isinstance(error, (ReadTimeoutError, TimeoutError)):
            raise _Retryable(f"Could not fetch {url}: the server stopped sending.") from None
        raise FetchError(f"Could not fetch {url}: the connection was broken ({type(error).__name__}).") from None
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
