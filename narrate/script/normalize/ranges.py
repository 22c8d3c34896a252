"""Ranges and scores: 2014-2022, 52–48, 7-2, pages 10-20; a pair of equal numbers (a 50-50 chance) is read without 'to'."""

from __future__ import annotations

import re

from narrate.script.normalize.numbers import NUMBER, cardinal, is_year, year

_RANGE = re.compile(rf"(?<![\w.,/:-])({NUMBER})\s?[-–—]\s?({NUMBER})(?![\w/:]|[-–]\d|\.\d)")


def _spoken(match: re.Match[str]) -> str:
    left, right = match.group(1), match.group(2)
    if is_year(left) and (is_year(right) or (len(right) == 2 and right.isdigit())):
        right_words = year(int(right)) if is_year(right) else cardinal(right)
        return f"{year(int(left))} to {right_words}"
    if left == right:
        return f"{cardinal(left)} {cardinal(right)}"  # 50-50, 1-1: 'fifty fifty', 'one one'
    return f"{cardinal(left)} to {cardinal(right)}"


def say_ranges(text: str) -> str:
    """'2014-2022' -> 'twenty fourteen to twenty twenty-two'; '52–48' -> 'fifty-two to forty-eight' (scores read the same way)."""
    return _RANGE.sub(_spoken, text)
