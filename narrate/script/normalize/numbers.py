"""Number words: cardinals with separators, decimals, negatives, ordinals, years, and the leftovers pass."""

from __future__ import annotations

import re


def num2words(number: int | float, **options: str) -> str:
    """num2words.num2words, imported on first use: its import (28 ms, every language's tables) is paid only by a
    script with a number to say, not by a rebuild whose changed paragraphs have none (the memo keeps the rest)."""
    from num2words import num2words as spell

    return spell(number, **options)



_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
"""A number as written in news copy: 1,200 / 1200 / 3.5 / .5 (regex source, no groups)."""


def _plain(words: str) -> str:
    """Drop num2words' commas (eSpeak would pause on them)."""
    return words.replace(",", "")


MAX_WORD_DIGITS = 15
"""Whole numbers up to this many digits (under a quadrillion) are said in words; longer ones digit by digit."""

MAX_SPOKEN_DIGITS = 24
"""Digit strings longer than this are cut: their first SPOKEN_PREFIX_DIGITS digits are read, then a note of the length."""

SPOKEN_PREFIX_DIGITS = 12
"""How many digits of an over-long digit string are read before the note."""


def _digit_words(digits: str) -> str:
    return " ".join(_DIGIT_WORDS[int(d)] for d in digits)


def _digit_groups(digits: str) -> str:
    """'4111222233' -> 'four one one, one two two, two two three, three': groups of three, a pause between."""
    return ", ".join(_digit_words(digits[i: i + 3]) for i in range(0, len(digits), 3))


def say_digits(digits: str) -> str:
    """A long whole number read the way people read one aloud: digit by digit in groups of three; past
    MAX_SPOKEN_DIGITS only the first digits, with the length said: 'a number of three hundred and ten digits, starting nine nine nine...'."""
    if len(digits) <= MAX_SPOKEN_DIGITS:
        return _digit_groups(digits)
    return f"a number of {cardinal(str(len(digits)))} digits, starting {_digit_groups(digits[:SPOKEN_PREFIX_DIGITS])}"


def _fraction_digits(digits: str) -> str:
    """The digits after a decimal point, one by one; past MAX_SPOKEN_DIGITS the rest is counted, not read."""
    if len(digits) <= MAX_SPOKEN_DIGITS:
        return _digit_words(digits)
    rest = len(digits) - SPOKEN_PREFIX_DIGITS
    return f"{_digit_words(digits[:SPOKEN_PREFIX_DIGITS])}, and {cardinal(str(rest))} more digits"


_OVERLONG_DIGITS = re.compile(rf"\d{{{MAX_SPOKEN_DIGITS + 1},}}")


def shorten_digit_runs(text: str) -> str:
    """For languages without a normalizer, whose numbers eSpeak reads: a run of more than MAX_SPOKEN_DIGITS digits
    keeps its first SPOKEN_PREFIX_DIGITS and an ellipsis (no note can be said in a language we do not speak)."""
    return _OVERLONG_DIGITS.sub(lambda m: m.group(0)[:SPOKEN_PREFIX_DIGITS] + "…", text)


def is_wordable(digits: str) -> bool:
    """True when a run of digits (separators allowed) is short enough to be said as a number in words."""
    return len(digits.replace(",", "").lstrip("0")) <= MAX_WORD_DIGITS


def cardinal(text: str) -> str:
    """Say a written number ('1,200', '-3.5', '.5') as words: 'one thousand two hundred', 'minus three point five'.

    A whole part of more than MAX_WORD_DIGITS digits is read digit by digit (see say_digits), never as
    'nine hundred quintillion...'; this also keeps the time linear in the length of any digit string.
    """
    s = text.replace(",", "").strip()
    sign = ""
    if s[:1] in "-−":
        sign, s = "minus ", s[1:]
    whole, _, fraction = s.partition(".")
    words = _plain(num2words(int(whole or "0"))) if is_wordable(whole) else say_digits(whole)
    if fraction:
        words += " point " + _fraction_digits(fraction)
    return sign + words


def ordinal(number: int) -> str:
    """Say 47 as 'forty-seventh'."""
    return _plain(num2words(number, to="ordinal"))


def year(number: int) -> str:
    """Say 2024 as 'twenty twenty-four', 1905 as 'nineteen oh-five', 2000 as 'two thousand'."""
    return _plain(num2words(number, to="year"))


def is_year(text: str) -> bool:
    """True for a bare four-digit number that news copy uses as a year (1100 to 2099)."""
    return len(text) == 4 and text.isdigit() and 1100 <= int(text) <= 2099


def plural_number_words(words: str) -> str:
    """Pluralize the last number word: 'nineteen ninety' -> 'nineteen nineties', 'twenty ten' -> 'twenty tens'."""
    head, _, last = words.rpartition(" ")
    last = last[:-1] + "ies" if last.endswith("y") else last + "s"
    return f"{head} {last}" if head else last


_ORDINAL = re.compile(r"\b(\d{1,3}(?:,\d{3})*|\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_NEGATIVE = re.compile(r"(?<![\w.,])[-−](?=\.?\d)")
_ALNUM_SPLIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_ALNUM_TOKEN = re.compile(r"\b(?=\w*[A-Za-z])(?=\w*\d)\w+\b")
_YEAR = re.compile(r"(?<![\d.])(?<!\d,)(1[1-9]\d\d|20\d\d)(?!\d|[,.]\d)")
_NUMBER = re.compile(rf"(?<![\w.])(?:{NUMBER})(?!\w)|(?<=[A-Za-z])\d+")
_LEFT_DIGITS = re.compile(r"\d+")


def say_ordinals(text: str) -> str:
    """47th -> forty-seventh, 1st -> first."""
    return _ORDINAL.sub(lambda m: ordinal(int(m.group(1).replace(",", ""))) if is_wordable(m.group(1)) else cardinal(m.group(1)), text)


_VERSION = re.compile(r"(?<![\w.])\d{1,4}(?:\.\d{1,4}){2}(?![\w]|\.\d)")


def say_versions(text: str) -> str:
    """Version numbers: '1.8.3' -> 'one point eight point three' (each part a whole number)."""
    return _VERSION.sub(lambda m: " point ".join(cardinal(part) for part in m.group(0).split(".")), text)


def say_years(text: str) -> str:
    """Read bare four-digit numbers from 1100 to 2099 as years (news writes counts that large with a comma)."""
    return _YEAR.sub(lambda m: year(int(m.group(1))), text)


def split_letter_digit_tokens(text: str) -> str:
    """G7 -> G 7, MI5 -> MI 5, COP28 -> COP 28 (after units, times and ordinals have had their turn)."""
    return _ALNUM_TOKEN.sub(lambda m: _ALNUM_SPLIT.sub(" ", m.group(0)), text)


_SIGNED = re.compile(rf"−({NUMBER})")
"""A number after the minus sign that _NEGATIVE writes."""


def say_numbers(text: str) -> str:
    """Every remaining number, with its sign, as words (1,200 / -5 / 3.14)."""
    text = _NEGATIVE.sub("−", text)
    text = _SIGNED.sub(lambda m: cardinal("-" + m.group(1)), text)
    text = _NUMBER.sub(lambda m: cardinal(m.group(0)), text)
    return _LEFT_DIGITS.sub(lambda m: cardinal(m.group(0)), text)


_DECADE = re.compile(r"(?<![\w,.])(?:(\d\d)(\d0)|['’‘](\d0)|(?<![\d'’])([2-9]0))s\b")
_PERCENT = re.compile(rf"(?<![\w.])([-−]?(?:{NUMBER}))(?:\s?(?:-|–|to)\s?([-−]?(?:{NUMBER})))?\s?(%|per\s?cent\b|percent\b)")
_FRACTION_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}
_UNICODE_FRACTIONS = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8), "⅞": (7, 8)}
_SPECIAL_SLASHES = {"24/7": "twenty-four seven", "9/11": "nine eleven", "50/50": "fifty fifty"}
_MIXED_FRACTION = re.compile(r"(?<![\w./])(\d+)\s(?:(\d)/(\d{1,2})|([½⅓⅔¼¾⅕⅛⅜⅝⅞]))(?![\w/])|(?<!\d)(\d+)([½⅓⅔¼¾⅕⅛⅜⅝⅞])")
_FRACTION = re.compile(r"(?<![\w./])(\d{1,3})/(\d{1,2})(?![\w/])|([½⅓⅔¼¾⅕⅛⅜⅝⅞])")
_SLASH_SPECIAL = re.compile(r"(?<![\w/])(24/7|9/11|50/50)(?![\w/])")


def fraction(numerator: int, denominator: int) -> str:
    """Say 3/4 as 'three quarters', 1/2 as 'one half', 5/8 as 'five eighths'; large denominators as 'x over y'."""
    if denominator in _FRACTION_NAMES:
        name = _FRACTION_NAMES[denominator][numerator != 1]
    elif 3 <= denominator <= 20:
        name = ordinal(denominator) + ("s" if numerator != 1 else "")
    else:
        return f"{cardinal(str(numerator))} over {cardinal(str(denominator))}"
    return f"{cardinal(str(numerator))} {name}"


def _mixed(match: re.Match[str]) -> str:
    whole = match.group(1) or match.group(5)
    if match.group(2):
        num, den = int(match.group(2)), int(match.group(3))
    else:
        num, den = _UNICODE_FRACTIONS[match.group(4) or match.group(6)]
    part = "a half" if (num, den) == (1, 2) else ("a quarter" if (num, den) == (1, 4) else fraction(num, den))
    return f"{cardinal(whole)} and {part}"


def _fraction(match: re.Match[str]) -> str:
    if match.group(3):
        return fraction(*_UNICODE_FRACTIONS[match.group(3)])
    num, den = int(match.group(1)), int(match.group(2))
    return fraction(num, den) if den > 1 else f"{cardinal(str(num))} over one"


def say_fractions(text: str) -> str:
    """1/2 -> one half, 2 3/4 -> two and three quarters, ½ -> one half, 24/7 -> twenty-four seven."""
    text = _SLASH_SPECIAL.sub(lambda m: _SPECIAL_SLASHES[m.group(1)], text)
    text = _MIXED_FRACTION.sub(_mixed, text)
    return _FRACTION.sub(_fraction, text)


def _decade(match: re.Match[str]) -> str:
    if match.group(1):
        full = int(match.group(1) + match.group(2))
        if full % 1000 == 0:
            return plural_number_words(cardinal(str(full)))
        return plural_number_words(year(full))
    return plural_number_words(cardinal(match.group(3) or match.group(4)))


def say_decades(text: str) -> str:
    """1990s -> nineteen nineties, '90s -> nineties, 2000s -> two thousands, in her 80s -> eighties."""
    return _DECADE.sub(_decade, text)


def say_percentages(text: str) -> str:
    """5% -> five percent, 2.5% -> two point five percent, 5-10% -> five to ten percent."""

    def spoken(match: re.Match[str]) -> str:
        first = cardinal(match.group(1))
        if match.group(2):
            return f"{first} to {cardinal(match.group(2))} percent"
        return f"{first} percent"

    return _PERCENT.sub(spoken, text)
