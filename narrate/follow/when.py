"""Times as the follow options write them: durations (--every 30m, --window 24h), dates (--since), edition titles ({date})."""

from __future__ import annotations

import datetime as dt
import re

from narrate.errors import NarrateError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)
_DURATION = re.compile(r"^(?:\s*\d+(?:\.\d+)?\s*[smhdw]\s*)+$", re.IGNORECASE)
_DATE_FIELD = re.compile(r"\{date(?::([^{}]*))?\}")


def parse_duration(text: str, option: str) -> float:
    """Seconds in a duration such as '30m', '24h', '1h30m', '90s', '2d' or '1w'; NarrateError naming `option` otherwise."""
    if not _DURATION.match(text or ""):
        raise NarrateError(f"{option} takes a duration such as 30m, 2h, 1h30m or 1d, not '{text}'.")
    seconds = sum(float(n) * _UNITS[u.lower()] for n, u in _PART.findall(text))
    if seconds <= 0:
        raise NarrateError(f"{option} must be longer than zero.")
    return seconds


def parse_since(text: str) -> dt.datetime:
    """An ISO 8601 date or date and time (local time unless it names an offset), as an aware datetime."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise NarrateError(f"--since takes a date such as 2026-05-01 or 2026-05-01T08:00, not '{text}'.") from None
    return when.astimezone() if when.tzinfo is None else when


def _locale(language: str):  # type: ignore[no-untyped-def]
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def has_date(template: str) -> bool:
    """True when an edition title template says the date ({date} or {date:PATTERN})."""
    return _DATE_FIELD.search(template) is not None


def edition_title(template: str, date: dt.date, language: str) -> str:
    """The edition's title: `{date}` becomes the date written the long way in `language` (Unicode CLDR, by Babel:
    'May 18, 2026' in en, '18 May 2026' in en-GB, '18 mai 2026' in fr); `{date:PATTERN}` uses a CLDR date
    pattern ('{date:EEEE d MMMM}' -> 'Monday 18 May')."""
    if not _DATE_FIELD.search(template):
        return template.strip()
    from babel.dates import format_date

    locale = _locale(language)

    def fill(match: re.Match[str]) -> str:
        pattern = match.group(1)
        try:
            return format_date(date, format=pattern or "long", locale=locale)
        except (ValueError, KeyError, AttributeError):
            raise NarrateError(f"'{{date:{pattern}}}' in the edition title is not a date pattern Babel knows.") from None

    return _DATE_FIELD.sub(fill, template).strip()
