"""Dates in both orders (18 May 2025, May 18, 2025), ISO dates, and abbreviated months."""

from __future__ import annotations

import re

from narrate.script.months import MONTHS  # also read from here by other modules
from narrate.script.normalize.numbers import is_year, ordinal, year

_ABBREVIATED = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH = r"(?P<{name}>January|February|March|April|May|June|July|August|September|October|November|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
_DAY = r"(?P<{name}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<{name}>\d{{4}})"

_MONTH_FIRST = re.compile(
    r"\b" + _MONTH.format(name="month") + r"\s" + _DAY.format(name="day") + r"(?![\d:])(?:(?P<comma>,?)\s" + _YEAR.format(name="year") + r"(?!\d))?"
)
_DAY_FIRST = re.compile(
    r"(?<![\w.,])" + _DAY.format(name="day") + r"\s(?:of\s)?" + _MONTH.format(name="month") + r"(?:,?\s" + _YEAR.format(name="year") + r"(?!\d))?"
)
_MONTH_YEAR = re.compile(r"\b" + _MONTH.format(name="month") + r"\s" + _YEAR.format(name="year") + r"(?!\d)")
_ISO = re.compile(r"(?<![\w-])(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])-(?P<day>[0-3]\d)(?![\w-])")
_SLASHED = re.compile(r"(?<![\w/])(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<year>\d{4})(?![\w/])")


def month_name(written: str) -> str:
    """'Sept.' -> 'September'; full names pass through."""
    key = written.rstrip(".").lower()
    if key in _ABBREVIATED:
        return MONTHS[_ABBREVIATED[key] - 1]
    return written


def _valid(day: str) -> bool:
    return 1 <= int(day) <= 31


def _month_first(match: re.Match[str]) -> str:
    if not _valid(match["day"]):
        return match.group(0)
    spoken = f"{month_name(match['month'])} {ordinal(int(match['day']))}"
    if match["year"] and is_year(match["year"]):
        spoken += f", {year(int(match['year']))}"
    elif match["year"]:
        return match.group(0)
    return spoken


def _day_first(match: re.Match[str]) -> str:
    if not _valid(match["day"]):
        return match.group(0)
    article = "" if re.search(r"\bthe\s$", match.string[: match.start()], re.IGNORECASE) else "the "
    spoken = f"{article}{ordinal(int(match['day']))} of {month_name(match['month'])}"
    if match["year"] and is_year(match["year"]):
        spoken += f", {year(int(match['year']))}"
    elif match["year"]:
        return match.group(0)
    return spoken


def _iso(match: re.Match[str]) -> str:
    return f"{MONTHS[int(match['month']) - 1]} {ordinal(int(match['day']))}, {year(int(match['year']))}"


def _slashed(match: re.Match[str]) -> str:
    a, b = int(match["a"]), int(match["b"])
    month, day = (a, b) if a <= 12 else (b, a)  # US order unless the first part cannot be a month
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    return f"{MONTHS[month - 1]} {ordinal(day)}, {year(int(match['year']))}"


def say_dates(text: str) -> str:
    """'May 18, 2025' -> 'May eighteenth, twenty twenty-five'; '18 May 2025' -> 'the eighteenth of May, twenty twenty-five'."""
    text = _ISO.sub(_iso, text)
    text = _SLASHED.sub(_slashed, text)
    text = _DAY_FIRST.sub(_day_first, text)
    text = _MONTH_FIRST.sub(_month_first, text)
    return _MONTH_YEAR.sub(lambda m: f"{month_name(m['month'])} {year(int(m['year']))}" if is_year(m["year"]) else m.group(0), text)
