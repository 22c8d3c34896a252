"""Money: $2.5 billion, £40m, €3bn, ¥500, US$1.2tn, $3.50."""

from __future__ import annotations

import re

from narrate.script.normalize.numbers import NUMBER, cardinal, is_wordable

CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("U.S. dollar", "U.S. dollars", "cent", "cents"),
    "A$": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "C$": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "NZ$": ("New Zealand dollar", "New Zealand dollars", "cent", "cents"),
    "HK$": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "₩": ("won", "won", "", ""),
    "₽": ("rouble", "roubles", "kopek", "kopeks"),
    "₴": ("hryvnia", "hryvnias", "kopiyka", "kopiyky"),
}
"""Symbol -> (singular, plural, minor singular, minor plural)."""

MAGNITUDES = {
    "thousand": "thousand", "k": "thousand", "million": "million", "mn": "million", "m": "million",
    "billion": "billion", "bn": "billion", "b": "billion", "trillion": "trillion", "tn": "trillion", "trn": "trillion",
    "lakh": "lakh", "crore": "crore", "cr": "crore",
}
"""Written magnitudes after an amount and their words."""

_SYMBOL = "|".join(re.escape(s) for s in sorted(CURRENCIES, key=len, reverse=True))
_MAGNITUDE = "|".join(sorted(MAGNITUDES, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"(?<![\w])(?P<sign>[-−])?(?P<sym>{_SYMBOL})\s?(?P<num>{NUMBER})"
    rf"(?:\s?(?:-|–|to)\s?(?:{_SYMBOL})?(?P<num2>{NUMBER}))?"
    rf"(?:\s?(?P<mag>{_MAGNITUDE})\b)?",
    re.IGNORECASE,
)


_ARTICLE_BEFORE = re.compile(r"\b(?:a|an)\s$", re.IGNORECASE)
_NOUN_AFTER = re.compile(r"\s(?!of\b|in\b|to\b|for\b|and\b|or\b)[a-z]+")


def _spoken(match: re.Match[str]) -> str:
    one, many, minor_one, minor_many = CURRENCIES[match["sym"].upper()]
    num, num2, mag = match["num"], match["num2"], match["mag"]
    sign = "minus " if match["sign"] else ""
    if mag:
        scale = MAGNITUDES[mag.lower()]
        amount = cardinal(num) + (f" to {cardinal(num2)}" if num2 else "")
        attributive = _ARTICLE_BEFORE.search(match.string, 0, match.start()) and _NOUN_AFTER.match(match.string, match.end())
        return f"{sign}{amount} {scale} {one if attributive else many}"
    if num2:
        return f"{sign}{cardinal(num)} to {cardinal(num2)} {many}"
    whole, _, minor = num.replace(",", "").partition(".")
    if minor and len(minor) == 2 and minor_one and is_wordable(whole):
        whole_n, minor_n = int(whole or "0"), int(minor)
        parts = []
        if whole_n:
            parts.append(f"{cardinal(whole)} {one if whole_n == 1 else many}")
        if minor_n or not whole_n:
            parts.append(f"{cardinal(str(minor_n))} {minor_one if minor_n == 1 else minor_many}")
        return sign + " and ".join(parts)
    unit = one if num.replace(",", "") == "1" else many
    return f"{sign}{cardinal(num)} {unit}"


def say_currency(text: str) -> str:
    """'$2.5 billion' -> 'two point five billion dollars'; '£40m' -> 'forty million pounds'; '$3.50' -> 'three dollars and fifty cents'."""
    return _AMOUNT.sub(_spoken, text)
