"""Datelines: the capitalised place that opens a news story ('LONDON —', 'NEW YORK (Reuters) -') is a name, not initials."""

from __future__ import annotations

import re

_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z'.]+(?:[ -][A-Z][A-Z'.]+){0,3})(?=\s*(?:,\s*[A-Za-z][A-Za-z. ]{0,20}?)?\s*(?:\([^()]{1,40}\)\s*)?(?:—|–|--|\s-\s))"
)
_MIN_LETTERS = 4
"""Shorter capitals before a dash ('FBI —') are more likely initials than a place."""


def _titled(match: re.Match[str]) -> str:
    place = match["place"]
    if sum(c.isalpha() for c in place) < _MIN_LETTERS:
        return place
    return re.sub(r"[A-Z][A-Z']*", lambda m: m.group(0)[0] + m.group(0)[1:].lower(), place)


def say_datelines(text: str) -> str:
    """'LONDON — After...' -> 'London — After...'; 'NEW YORK (Reuters) -' -> 'New York (Reuters) -' (run before dashes become pauses)."""
    return _DATELINE.sub(_titled, text, count=1)
