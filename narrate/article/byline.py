"""Recognise bylines and publication dates as they appear at the top of articles."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS: dict[str, int] = {}
for _number in range(1, 13):
    _MONTHS[calendar.month_name[_number].lower()] = _number
    _MONTHS[calendar.month_abbr[_number].lower()] = _number
_MONTHS["sept"] = 9

_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+)?"
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_SLASHED_ISO = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_DAY_MONTH_YEAR = re.compile(_WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(_WEEKDAY + r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.IGNORECASE)
_DATE_PREFIX = re.compile(r"^(?:published|posted|updated|last updated|first published)(?:\s+on)?:?\s+", re.IGNORECASE)
_BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
_NAME_CONNECTORS = {"and", "&", "de", "da", "del", "der", "den", "van", "von", "la", "le", "di", "du", "bin", "al"}
_PIECE_SEPARATORS = re.compile(r"\s+[|·•—–]\s+|\s*\|\s*")


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(value: object) -> dt.date | None:
    """A date from '18 May 2025', 'May 18, 2025', '2025-05-18' (time allowed), a date or a datetime; else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = _DATE_PREFIX.sub("", value.strip().strip("*_ ").rstrip(".").strip())
    if match := _ISO.fullmatch(text):
        if match[4] and (int(match[4]) > 23 or int(match[5]) > 59 or int(match[6] or 0) > 60):
            return None  # '2025-01-01 25:00' names no moment that exists
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _SLASHED_ISO.fullmatch(text):
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        month = _MONTHS.get(match[2].lower())
        return _safe_date(int(match[3]), month, int(match[1])) if month else None
    if match := _MONTH_DAY_YEAR.fullmatch(text):
        month = _MONTHS.get(match[1].lower())
        return _safe_date(int(match[3]), month, int(match[2])) if month else None
    return None


def looks_like_name(text: str) -> bool:
    """True for a short run of capitalised words such as 'Jane Roe' or 'Ana de la Cruz and Tom Bell'."""
    words = text.replace(",", " ").split()
    if not 1 <= len(words) <= 10 or text.rstrip().endswith((".", "!", "?", ":")):
        return False
    capitalised = 0
    for word in words:
        if word.lower() in _NAME_CONNECTORS:
            continue
        if not word[0].isupper():
            return False
        capitalised += 1
    return capitalised >= 1


@dataclass(frozen=True)
class Byline:
    """What a byline line says: who wrote the article and when."""

    author: str | None
    """The author's name(s), without a leading 'By'."""
    date: dt.date | None
    """The publication date, if the line gives one."""


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    names = [n.strip() for n in names if n and n.strip()]
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def parse_byline(raw: str, *, emphasized_names: bool = True) -> Byline | None:
    """Read a byline line such as '**Jane Roe****18 May 2025**', 'By Jane Roe | May 18, 2025' or '18 May 2025'.

    `raw` is the line as written (emphasis markers included). A bare name counts only when the whole
    line is emphasised and `emphasized_names` is true. Returns None when the line is not a byline.
    """
    text = raw.strip()
    if not text or len(text) > 200 or "\n" in text.strip():
        return None
    emphasized = text[0] in "*_" and text[-1] in "*_"
    pieces = [p.strip(" ,") for p in re.split(r"\*+|_{2,}|(?<!\w)_|_(?!\w)", text)]
    pieces = [q.strip(" ,") for p in pieces for q in _PIECE_SEPARATORS.split(p)]
    pieces = [p for p in pieces if p]
    if not pieces:
        return None
    authors: list[str] = []
    date: dt.date | None = None
    for piece in pieces:
        piece_date = parse_date(piece)
        if piece_date is not None and date is None:
            date = piece_date
            continue
        if _BY_PREFIX.match(piece):
            rest = _BY_PREFIX.sub("", piece)
            # "By Jane Roe, 18 May 2025": a date may trail after a comma.
            head, _, tail = rest.rpartition(",")
            tail_date = parse_date(tail) if head else None
            if tail_date is not None and date is None:
                date, rest = tail_date, head
            if not looks_like_name(rest):
                return None
            authors.append(rest.strip())
            continue
        if emphasized and emphasized_names and looks_like_name(piece):
            authors.append(piece)
            continue
        return None
    if not authors and date is None:
        return None
    return Byline(author=join_names(authors) or None, date=date)
