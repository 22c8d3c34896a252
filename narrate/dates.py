"""Dates as narrate writes them for people: '3 December 2026' in English, and when the language is not known; in
another language the long form of Unicode CLDR, from Babel ('3. Dezember 2026', '3 de diciembre de 2026',
'3 декабря 2026 г.'). Babel is imported only for a date in another language."""

from __future__ import annotations

import datetime as dt

from narrate.script.months import MONTHS


def language_subtag(language: str | None) -> str:
    """The primary subtag of a BCP 47 (or POSIX) language tag, lower case: 'de' for 'de-AT'; 'en' when unknown."""
    return (language or "en").replace("_", "-").split("-")[0].lower()


def long_date(date: dt.date, language: str | None = None) -> str:
    """`date` written out in `language` (see the module)."""
    if language_subtag(language) != "en":
        from babel.core import Locale, UnknownLocaleError
        from babel.dates import format_date

        try:
            return format_date(date, "long", locale=Locale.parse((language or "en").replace("-", "_")))
        except (UnknownLocaleError, ValueError):
            pass
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"
