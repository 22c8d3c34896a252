"""Byte ranges (RFC 9110, section 14) and the validators that guard them (If-Range, section 13.1.5).

`select_range` decides what a Range header asks of a representation of a known length:
- no header, a unit other than bytes, invalid syntax (`bytes=abc`, `bytes=5-1`) or several ranges: None, the
  header is ignored and the whole representation is sent with 200 (a server MAY ignore Range; we do not send
  multipart/byteranges, so several ranges are ignored too);
- one range that starts at or past the end (`bytes=LEN-`), or a suffix of length 0 (`bytes=-0`): unsatisfiable,
  416 with `Content-Range: bytes */LEN`;
- otherwise the one range, its last position clamped to the end: 206.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_INT_RANGE = re.compile(r"^([0-9]+)-([0-9]*)$")
_SUFFIX_RANGE = re.compile(r"^-([0-9]+)$")
_ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
_HUGE = 1 << 62
"""Any position with more digits than this has is past the end of every file."""


@dataclass(frozen=True)
class RangeSelection:
    """What one Range header asks of a representation."""

    satisfiable: bool
    """False: answer 416 with Content-Range `bytes */LENGTH`."""
    first: int = 0
    """First byte position sent (inclusive)."""
    last: int = -1
    """Last byte position sent (inclusive)."""


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else _HUGE


def select_range(header: str | None, length: int) -> RangeSelection | None:
    """The byte range a Range header value asks of a representation of `length` bytes; None to ignore it."""
    if header is None or length <= 0:
        return None
    unit, sep, range_set = header.strip(" \t").partition("=")
    if not sep or not _TOKEN.match(unit) or unit.lower() != "bytes":
        return None
    specs = [s.strip(" \t") for s in range_set.split(",")]
    specs = [s for s in specs if s]  # a list may hold empty elements (RFC 9110, 5.6.1.2)
    if len(specs) != 1:
        return None
    spec = specs[0]
    if match := _INT_RANGE.match(spec):
        first = _position(match.group(1))
        last = _position(match.group(2)) if match.group(2) else _HUGE
        if last < first:
            return None  # invalid: ignored
        if first >= length:
            return RangeSelection(satisfiable=False)
        return RangeSelection(satisfiable=True, first=first, last=min(last, length - 1))
    if match := _SUFFIX_RANGE.match(spec):
        suffix = _position(match.group(1))
        if suffix == 0:
            return RangeSelection(satisfiable=False)
        return RangeSelection(satisfiable=True, first=max(0, length - suffix), last=length - 1)
    return None


def entity_tags(header: str) -> list[tuple[bool, str]] | None:
    """The (weak, opaque-tag) pairs of an If-Match / If-None-Match value; None for `*`."""
    if header.strip() == "*":
        return None
    return [(bool(weak), tag) for weak, tag in _ENTITY_TAG.findall(header)]


def http_date(header: str) -> float | None:
    """An HTTP-date as a POSIX timestamp, or None when it is not one."""
    try:
        parsed = email.utils.parsedate_to_datetime(header.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:  # asctime format: GMT by definition
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.timestamp()


def if_range_holds(header: str | None, etag: str, last_modified: int, now: float) -> bool:
    """True when a Range may be honoured under an If-Range value (absent, or naming the current representation).

    An entity-tag must match `etag` by the strong comparison (a weak tag never does); an HTTP-date must equal
    `last_modified` (whole seconds) and be a strong validator, i.e. at least a second older than `now`."""
    if header is None:
        return True
    value = header.strip()
    if value.startswith(("W/", '"')):
        tags = entity_tags(value)
        return bool(tags) and len(tags) == 1 and not tags[0][0] and f'"{tags[0][1]}"' == etag
    date = http_date(value)
    return date is not None and int(date) == last_modified and last_modified <= now - 1


__all__ = ["RangeSelection", "entity_tags", "http_date", "if_range_holds", "select_range"]
