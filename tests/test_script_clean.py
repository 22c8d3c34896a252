"""clean_for_speech: the one place that removes Markdown and HTML syntax; symbols stay for the normalizer to say."""

from __future__ import annotations

import time

import pytest

from narrate.script.clean import clean_for_speech
from narrate.script.normalize import normalize_for_speech

MARKUP_CASES = [
    ("This is **very** big.", "This is very big.", "This is very big."),
    ("An _odd_ choice.", "An odd choice.", "An odd choice."),
    ("Run `narrate` now.", "Run narrate now.", "Run narrate now."),
    ("# A heading", "A heading", "A heading"),
    ("Read [the report](https://example.org/r) today.", "Read the report today.", "Read the report today."),
    ("An ![ferry](ferry.png) image.", "An image.", "An image."),
    ("It was <b>bold</b> and <!-- hidden --> done.", "It was bold and done.", "It was bold and done."),
    ("Gone ~~old~~ new.", "Gone old new.", "Gone old new."),
]
"""(written, after markup removal, as spoken)."""

SYMBOL_CASES = [
    ("We know 5 > 3 holds.", "We know five is greater than three holds."),
    ("It holds when x < 5.", "It holds when x is less than five."),
    ("It has 2^15 entries.", "It has two to the power of fifteen entries."),
    ("It took ~50 days.", "It took about fifty days."),
    ("She writes C# code.", "She writes C sharp code."),
    ("Use #ClimateWeek today.", "Use hashtag Climate Week today."),
    ("The file_name stays.", "The file name stays."),
    ("A 5 * 3 grid.", "A five times three grid."),
]
"""Symbols the old compose-time cleaner removed before the normalizer could say them."""


@pytest.mark.parametrize(("written", "cleaned", "spoken"), MARKUP_CASES)
def test_markup_is_removed_once(written: str, cleaned: str, spoken: str) -> None:
    assert clean_for_speech(written) == cleaned
    assert normalize_for_speech(clean_for_speech(written)) == spoken


@pytest.mark.parametrize(("written", "spoken"), SYMBOL_CASES)
def test_symbols_survive_cleaning_and_are_said(written: str, spoken: str) -> None:
    assert clean_for_speech(written) == written
    assert normalize_for_speech(clean_for_speech(written)) == spoken


def test_invisible_characters_go() -> None:
    assert clean_for_speech("a\u202eb\u2066c\u2069 d\u00ade\u200bf") == "abc def"


@pytest.mark.parametrize("unit", ["`", "*", "_", "<a ", "[a](", "<!--", "~~", "**a", "__", "> "])
def test_cleaning_is_linear(unit: str) -> None:
    """The cleaner runs on whole paragraphs: ten times the text takes about ten times as long (generous bound)."""

    def cost(n: int) -> float:
        text = "word " + unit * (n // len(unit)) + " end"
        started = time.process_time()
        clean_for_speech(text)
        return max(time.process_time() - started, 1e-4)

    cost(2_000)
    assert cost(200_000) < 30 * cost(20_000) + 0.05
