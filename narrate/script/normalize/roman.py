"""Roman numerals after names: Charles III -> Charles the Third, World War II -> World War Two; the pronoun I is left alone."""

from __future__ import annotations

import re

from narrate.script.normalize.numbers import cardinal, ordinal

_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}

COUNTED_AFTER = frozenset(
    "War Part Chapter Act Volume Vol Phase Type Class Title Article Section Book Episode Schedule Stage "
    "Bowl Vatican Apollo Gemini Mark Mk Level Tier Grade Division Category Round Series Star".split()
)
"""Words after which a Roman numeral is a plain number (World War Two, Type Two, Super Bowl Fifty-Eight)."""

REGNAL_NAMES = frozenset(
    "Alexander Alfonso Amenhotep Benedict Boniface Catherine Charles Clement Constantine Edward Elizabeth Ferdinand "
    "Francis Frederick George Gregory Gustav Haakon Harald Henry Innocent Ivan James John Juan Leo Leopold Louis "
    "Ludwig Margrethe Mary Napoleon Nicholas Olav Paul Peter Philip Pius Ramesses Richard Robert Rudolf Selim "
    "Sixtus Stephen Suleiman Urban Victor Wilhelm William Willem Felipe Carl Gustaf Rama Akihito Mohammed Abdullah "
    "Hussein Farouk Fuad Jr Sr".split()
)
"""First names that take a regnal number; only after these is a lone I, V or X read as one."""

_NUMERAL = r"(?=[IVXLC])(?:C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_AFTER_NAME = re.compile(rf"\b(?P<name>[A-Z][a-z]+)\.?\s(?P<num>{_NUMERAL})\b(?![A-Za-z])(?!\.\w)")


def roman_value(numeral: str) -> int:
    """Return the value of a valid Roman numeral ('XIV' -> 14)."""
    total = 0
    for here, after in zip(numeral, numeral[1:] + " "):
        value = _VALUES[here]
        total += -value if after != " " and _VALUES[after] > value else value
    return total


def _spoken(match: re.Match[str]) -> str:
    name, numeral = match["name"], match["num"]
    if not numeral:
        return match.group(0)
    counted = name in COUNTED_AFTER
    if len(numeral) == 1 and not counted and name not in REGNAL_NAMES:
        return match.group(0)  # 'Malcolm X', 'Then I', 'Plan B'-like cases stay as written
    value = roman_value(numeral)
    head = match.group(0)[: match.start("num") - match.start()]
    if counted:
        return head + cardinal(str(value)).capitalize()
    return head + "the " + ordinal(value).capitalize()


def say_roman_numerals(text: str) -> str:
    """'Henry VIII' -> 'Henry the Eighth', 'World War I' -> 'World War One', 'Super Bowl LVIII' -> 'Super Bowl Fifty-eight'."""
    return _AFTER_NAME.sub(_spoken, text)
