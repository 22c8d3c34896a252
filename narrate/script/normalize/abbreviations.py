"""Titles and common abbreviations: Dr., Lt. Col., Sen., St., No., e.g., etc."""

from __future__ import annotations

import re

TITLES = {
    "Dr": "Doctor", "Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Prof": "Professor", "Gen": "General",
    "Lt": "Lieutenant", "Col": "Colonel", "Maj": "Major", "Capt": "Captain", "Cpt": "Captain", "Sgt": "Sergeant",
    "Cpl": "Corporal", "Pvt": "Private", "Adm": "Admiral", "Cmdr": "Commander", "Cdr": "Commander", "Gov": "Governor",
    "Sen": "Senator", "Rep": "Representative", "Pres": "President", "Rev": "Reverend", "Fr": "Father", "Hon": "Honorable",
    "Supt": "Superintendent", "Insp": "Inspector", "Det": "Detective", "Sec": "Secretary", "Amb": "Ambassador",
    "Mt": "Mount", "Ft": "Fort", "Pt": "Point", "St": "Saint",
}
"""Abbreviations read as a title when a capitalized name follows (the period is optional)."""

PHRASES = {
    "e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus", "vs": "versus", "v.": "versus",
    "approx.": "approximately", "a.k.a.": "also known as", "aka": "also known as", "Jr.": "Junior", "Sr.": "Senior",
    "Inc.": "Incorporated", "Ltd.": "Limited", "Corp.": "Corporation", "Dept.": "Department", "Govt.": "Government",
    "Univ.": "University", "Ave.": "Avenue", "Blvd.": "Boulevard", "Rd.": "Road", "est.": "established",
    "min.": "minutes", "mins": "minutes", "hrs": "hours", "hr.": "hour", "yrs": "years", "pp.": "pages", "p.": "page",
    "Jan.": "January", "Feb.": "February", "Mar.": "March", "Apr.": "April", "Jun.": "June", "Jul.": "July",
    "Aug.": "August", "Sep.": "September", "Sept.": "September", "Oct.": "October", "Nov.": "November", "Dec.": "December",
}
"""Abbreviations with a fixed reading wherever they stand."""

_TITLE = re.compile(r"\b(?P<abbr>" + "|".join(TITLES) + r")\.?(?=\s+(?:[A-Z]|(?:" + "|".join(TITLES) + r")\.?\s))")
_STREET = re.compile(r"\b(?P<name>[A-Z][a-z]+)\sSt\b(?P<dot>\.?)(?!\s+[A-Z][a-z])")
_ALWAYS_TITLE = re.compile(r"\b(Mr|Mrs|Ms)\.(?=\s)")
_NUMBER_SIGN = re.compile(r"\b(No|Nos|Nr)\.\s?(?=\d|#)")
_PHRASE = re.compile(
    r"(?<![\w.])(?P<abbr>" + "|".join(re.escape(k) for k in sorted(PHRASES, key=len, reverse=True)) + r")(?P<end>(?=\s+[A-Z])|(?=\s*$))?(?![\w])"
)
_PAGE_ABBR = re.compile(r"^(p\.|pp\.)$")


def _phrase(match: re.Match[str]) -> str:
    abbr = match["abbr"]
    if _PAGE_ABBR.match(abbr) and not re.match(r"\s?\d", match.string[match.end() :]):
        return abbr
    if abbr in ("v.", "est.") and not re.match(r"\s", match.string[match.end() :]):
        return abbr
    spoken = PHRASES[abbr]
    # The abbreviation's period may also end the sentence: keep one there.
    if abbr.endswith(".") and match["end"] is not None and abbr not in ("Jr.", "Sr.", "vs.", "v.") and not abbr[:-1] in ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"):
        return spoken + "."
    return spoken


def say_abbreviations(text: str) -> str:
    """'Lt. Col. Ann Hale' -> 'Lieutenant Colonel Ann Hale'; 'No. 5' -> 'number 5'; 'e.g.' -> 'for example'."""
    text = _NUMBER_SIGN.sub(lambda m: "numbers " if m.group(1) == "Nos" else "number ", text)
    text = _STREET.sub(lambda m: f"{m['name']} Street" + (m["dot"] if m.end() == len(m.string) else ""), text)
    text = _ALWAYS_TITLE.sub(lambda m: TITLES[m.group(1)], text)
    text = _TITLE.sub(lambda m: TITLES[m["abbr"]], text)
    return _PHRASE.sub(_phrase, text)
