"""Byte ranges and validators per RFC 9110 (sections 13 and 14): the parser alone, with examples and properties.

The same cases are sent to a real server in test_serve.py."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.publish.ranges import RangeSelection, if_range_holds, select_range
from narrate.publish.sending import Validators, precondition_status

LENGTH = 10_000


def _whole(header: str, length: int = LENGTH) -> bool:
    return select_range(header, length) is None


def _span(header: str, length: int = LENGTH) -> tuple[int, int]:
    selection = select_range(header, length)
    assert selection is not None and selection.satisfiable, (header, selection)
    return selection.first, selection.last


def _unsatisfiable(header: str, length: int = LENGTH) -> bool:
    return select_range(header, length) == RangeSelection(satisfiable=False)


# RFC 9110, 14.1.2 examples (a representation of 10000 bytes) and its rules around them.
@pytest.mark.parametrize(("header", "span"), [
    ("bytes=0-499", (0, 499)),              # the first 500 bytes
    ("bytes=500-999", (500, 999)),          # the second 500 bytes
    ("bytes=-500", (9500, 9999)),           # the final 500 bytes
    ("bytes=9500-", (9500, 9999)),          # the final 500 bytes, open-ended
    ("bytes=0-0", (0, 0)),                  # the first byte
    ("bytes=-1", (9999, 9999)),             # the last byte
    ("bytes=9999-9999", (9999, 9999)),
    ("bytes=0-20000", (0, 9999)),           # last-pos past the end: clamped to the end
    ("bytes=-20000", (0, 9999)),            # a suffix longer than the file: all of it
    ("bytes=0001-0002", (1, 2)),            # leading zeros are digits like any other
    ("BYTES=0-1", (0, 1)),                  # range units are case-insensitive
    ("bytes=0-1,", (0, 1)),                 # empty list elements are ignored (5.6.1.2)
    (" bytes=0-1 ", (0, 1)),                # the field value's surrounding whitespace is not part of it
    ("bytes=0-99999999999999999999999999", (0, 9999)),
    ("bytes=-99999999999999999999999999", (0, 9999)),
])
def test_satisfiable_single_ranges(header: str, span: tuple[int, int]) -> None:
    assert _span(header) == span


@pytest.mark.parametrize("header", [
    "bytes=-0",                             # a suffix of length zero is unsatisfiable (14.1.1)
    "bytes=10000-",                         # first-pos at the length
    "bytes=10000-10005",
    "bytes=20000-30000",
    "bytes=99999999999999999999999999-",
])
def test_unsatisfiable_ranges(header: str) -> None:
    assert _unsatisfiable(header)


@pytest.mark.parametrize("header", [
    "bytes=abc", "bytes=5-1", "bytes=", "bytes", "bytes=--1", "bytes=0-1-2", "bytes=1-a", "bytes=a-1",
    "bytes=0x10-20", "bytes =0-1", "bytes=0 -1", "bytes=+1-2", "bytes=1.5-2",
    "items=0-1", "none=0-1", "b ytes=0-1", "=0-1",
    "bytes=0-1,3-4", "bytes=0-1,-1", "bytes=0-0,0-0", "bytes=10000-,20000-",  # several ranges: no multipart here
])
def test_invalid_unknown_or_several_ranges_are_ignored(header: str) -> None:
    assert _whole(header)


def test_an_empty_representation_ignores_ranges() -> None:
    assert select_range("bytes=0-1", 0) is None and select_range("bytes=-1", 0) is None


@settings(max_examples=300, derandomize=True, deadline=None)
@given(header=st.text(max_size=40), length=st.integers(min_value=0, max_value=1 << 40))
def test_any_header_gives_an_answer_within_the_representation(header: str, length: int) -> None:
    selection = select_range(header, length)
    if selection is not None and selection.satisfiable:
        assert 0 <= selection.first <= selection.last < length


@settings(max_examples=400, derandomize=True, deadline=None)
@given(first=st.integers(0, 5000), last=st.one_of(st.none(), st.integers(0, 5000)), length=st.integers(1, 3000),
       spaces=st.sampled_from(["", " ", "\t", " ,", ", "]))
def test_int_ranges_follow_the_rfc(first: int, last: int | None, length: int, spaces: str) -> None:
    header = f"bytes={first}-{'' if last is None else last}{spaces}"
    selection = select_range(header, length)
    if last is not None and last < first:
        assert selection is None  # invalid syntax: ignored
    elif first >= length:
        assert selection == RangeSelection(satisfiable=False)
    else:
        data = bytes(range(256)) * (length // 256 + 1)
        data = data[:length]
        expected = data[first:] if last is None else data[first:last + 1]
        assert selection is not None and data[selection.first:selection.last + 1] == expected


@settings(max_examples=200, derandomize=True, deadline=None)
@given(suffix=st.integers(0, 5000), length=st.integers(1, 3000))
def test_suffix_ranges_follow_the_rfc(suffix: int, length: int) -> None:
    selection = select_range(f"bytes=-{suffix}", length)
    if suffix == 0:
        assert selection == RangeSelection(satisfiable=False)
    else:
        data = bytes(i % 251 for i in range(length))
        assert selection is not None and data[selection.first:selection.last + 1] == data[-suffix:]


ETAG = '"abc-123"'
MODIFIED = 1_700_000_000
NOW = MODIFIED + 3600


def test_if_range_matches_only_the_current_strong_validator() -> None:
    assert if_range_holds(None, ETAG, MODIFIED, NOW)
    assert if_range_holds(ETAG, ETAG, MODIFIED, NOW)
    assert not if_range_holds('"other"', ETAG, MODIFIED, NOW)
    assert not if_range_holds(f"W/{ETAG}", ETAG, MODIFIED, NOW)  # weak tags never match in If-Range
    date = email.utils.formatdate(MODIFIED, usegmt=True)
    assert if_range_holds(date, ETAG, MODIFIED, NOW)
    assert not if_range_holds(email.utils.formatdate(MODIFIED - 10, usegmt=True), ETAG, MODIFIED, NOW)
    assert not if_range_holds(date, ETAG, MODIFIED, MODIFIED + 0.5)  # a date less than a second old is weak
    assert not if_range_holds("not a date", ETAG, MODIFIED, NOW)


@pytest.mark.parametrize(("headers", "method", "status"), [
    ({}, "GET", None),
    ({"If-None-Match": ETAG}, "GET", 304),
    ({"If-None-Match": f'W/{ETAG}'}, "HEAD", 304),            # weak comparison for If-None-Match
    ({"If-None-Match": '"x", ' + ETAG}, "GET", 304),
    ({"If-None-Match": "*"}, "GET", 304),
    ({"If-None-Match": '"x"'}, "GET", None),
    ({"If-Modified-Since": email.utils.formatdate(MODIFIED, usegmt=True)}, "GET", 304),
    ({"If-Modified-Since": email.utils.formatdate(MODIFIED - 1, usegmt=True)}, "GET", None),
    ({"If-Modified-Since": "Sun Nov  6 08:49:37 2050"}, "GET", 304),  # asctime format
    ({"If-Modified-Since": "garbage"}, "GET", None),
    ({"If-None-Match": '"x"', "If-Modified-Since": email.utils.formatdate(NOW, usegmt=True)}, "GET", None),  # INM wins
    ({"If-Match": ETAG}, "GET", None),
    ({"If-Match": '"x"'}, "GET", 412),
    ({"If-Match": f"W/{ETAG}"}, "GET", 412),                  # strong comparison for If-Match
    ({"If-Match": "*"}, "GET", None),
    ({"If-Unmodified-Since": email.utils.formatdate(MODIFIED - 60, usegmt=True)}, "GET", 412),
    ({"If-Unmodified-Since": email.utils.formatdate(MODIFIED, usegmt=True)}, "GET", None),
])
def test_preconditions_in_rfc_order(headers: dict[str, str], method: str, status: int | None) -> None:
    assert precondition_status(headers, method, Validators(ETAG, MODIFIED)) == status
