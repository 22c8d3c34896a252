"""Acronyms: spelled where people spell them (F.B.I., G.O.P.), said as words where people say them (NATO, NASA, COVID)."""

from __future__ import annotations

import re

SAID_AS_WORDS = frozenset(
    "NATO NASA COVID FEMA NAFTA FIFA UEFA AIDS ISIS ISIL OPEC UNESCO UNICEF UNRWA UNIFIL SWAT ASEAN SARS MERS OSHA "
    "NIMBY LASER RADAR SCUBA ICE NORAD DARPA BRICS MAGA POTUS SCOTUS FLOTUS GIF JPEG PIN CERN IKEA LEGO INTERPOL "
    "EUROPOL HAMAS FATAH MERCOSUR ECOWAS UKIP QANON ANZAC NASDAQ SIM RAM ROM CAPTCHA COBRA FRONTEX SEAL SEALS SPAC "
    "FOMO YOLO WASP OFSTED OFCOM OFGEM UCAS ACAS NICE SAGE COP DEFRA HUD TASS AWOL BAFTA TED TEDx SALT START "
    "SWIFT CARICOM MINUSMA AUKUS QUAD PEPFAR DACA ERCOT CALPERS".split()
)
"""All-caps names people say as words; they are left for the engine to read as words."""

PLAIN_WORDS = frozenset(
    "I A OK NOT NO ALL NEVER NOW ONLY THE AND BUT YES VERY MUST STOP HELP NEW FREE LIVE WATCH READ MORE BREAKING "
    "UPDATE UPDATED WARNING NEWS ALERT EXCLUSIVE OPINION ANALYSIS VIDEO PHOTOS SOLD OUT AT OR OF ON IN TO IS IT "
    "BE WE HE ME MY SO DO GO UP BY AS AN IF US BIG HUGE TOP WHY HOW WHAT WHO WHEN WAS ARE HAS HAD".split()
)
"""Ordinary words sometimes set in capitals for emphasis; spelled only when they plainly stand for initials (U.S.)."""

SPELLED_EVEN_IF_WORD = frozenset("US IT WHO AI OR PA".split())
"""Short capitals that, between lowercase words, are initials rather than words."""

_ROMAN_ONLY = re.compile(r"^(?:X{0,3})(?:IX|IV|V?I{0,3})$")
_TOKEN = re.compile(r"(?<![\w.'’\-&])(?P<caps>[A-Z]{2,6})(?P<tail>s|['’]s)?(?![\w\-&]|\.[A-Za-z])")
_SHOUTING_WORD = re.compile(r"\b[A-Z]{2,}\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])(\s+)")
_ANY_WORD = re.compile(r"\b[A-Za-z]{2,}\b")


def dotted(letters: str) -> str:
    """'FBI' -> 'F.B.I.': engines read dotted initials letter by letter, with the stress they give acronyms."""
    return "".join(f"{c}." for c in letters)


def _is_shouting(text: str) -> bool:
    words = _ANY_WORD.findall(text)
    return len(words) >= 3 and len(_SHOUTING_WORD.findall(text)) >= 0.6 * len(words)


def _spoken(match: re.Match[str]) -> str:
    caps, tail = match["caps"], match["tail"] or ""
    if caps in SAID_AS_WORDS or _ROMAN_ONLY.match(caps):
        return match.group(0)
    if caps in PLAIN_WORDS and caps not in SPELLED_EVEN_IF_WORD:
        return match.group(0)
    if caps in SPELLED_EVEN_IF_WORD and not tail and not _between_lowercase(match):
        return match.group(0)
    spelled = dotted(caps)
    if tail:
        spelled += "'s"
    elif match.end() < len(match.string) and match.string[match.end()] == ".":
        spelled = spelled[:-1]  # the sentence's own period closes the last initial
    return spelled


def _between_lowercase(match: re.Match[str]) -> bool:
    before = match.string[: match.start()].rstrip()
    after = match.string[match.end() :].lstrip()
    return bool(before) and (before[-1].islower() or before[-1] in ",;:") or bool(after) and after[0].islower()


def say_acronyms(text: str) -> str:
    """'the FBI and SBU' -> 'the F.B.I. and S.B.U.'; 'POWs' -> "P.O.W.'s"; NATO stays NATO; all-caps headlines are left alone."""
    return "".join(part if _is_shouting(part) else _TOKEN.sub(_spoken, part) for part in _SENTENCE_END.split(text))
