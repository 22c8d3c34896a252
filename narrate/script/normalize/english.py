"""The English normalizer: the order in which the passes run (each pass in its own module)."""

from __future__ import annotations

from narrate.script.normalize import (
    abbreviations, acronyms, currency, datelines, dates, numbers, ranges, roman, symbols, times, units, web,
)

PASSES = (
    symbols.straighten,
    symbols.ellipses_as_pauses,
    symbols.say_arrows,
    datelines.say_datelines,
    symbols.say_powers,
    web.say_web,
    dates.say_dates,
    times.say_times,
    currency.say_currency,
    units.say_units,
    numbers.say_versions,
    numbers.say_percentages,
    ranges.say_ranges,
    symbols.dashes_as_pauses,
    numbers.say_fractions,
    numbers.say_decades,
    numbers.say_ordinals,
    numbers.say_years,
    roman.say_roman_numerals,
    abbreviations.say_abbreviations,
    numbers.split_letter_digit_tokens,
    acronyms.say_acronyms,
    symbols.say_symbols,
    numbers.say_numbers,
    symbols.tidy,
)
"""English passes in order: money, units and dates before bare numbers; acronyms after Roman numerals."""


def normalize_english(text: str) -> str:
    """Rewrite English news text so that an engine reads it as a newsreader would."""
    for step in PASSES:
        text = step(text)
    return text
