"""Measurements after a number: 3.5 km, 20°C, 60 mph, 5-10 kg, 300 sq km."""

from __future__ import annotations

import re

from narrate.script.normalize.numbers import NUMBER, cardinal

UNITS = {
    "km": ("kilometer", "kilometers"), "kms": ("kilometer", "kilometers"), "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"), "m": ("meter", "meters"), "mi": ("mile", "miles"),
    "ft": ("foot", "feet"), "kg": ("kilogram", "kilograms"), "kgs": ("kilogram", "kilograms"), "g": ("gram", "grams"),
    "mg": ("milligram", "milligrams"), "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"),
    "t": ("tonne", "tonnes"), "ml": ("milliliter", "milliliters"), "l": ("liter", "liters"),
    "mph": ("mile per hour", "miles per hour"), "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"), "kmh": ("kilometer per hour", "kilometers per hour"),
    "°C": ("degree Celsius", "degrees Celsius"), "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "ºC": ("degree Celsius", "degrees Celsius"), "ºF": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"), "C": ("degree Celsius", "degrees Celsius"), "F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "kW": ("kilowatt", "kilowatts"), "kWh": ("kilowatt hour", "kilowatt hours"), "MW": ("megawatt", "megawatts"),
    "GW": ("gigawatt", "gigawatts"), "MWh": ("megawatt hour", "megawatt hours"), "GWh": ("gigawatt hour", "gigawatt hours"),
    "TWh": ("terawatt hour", "terawatt hours"), "W": ("watt", "watts"), "V": ("volt", "volts"),
    "kB": ("kilobyte", "kilobytes"), "KB": ("kilobyte", "kilobytes"), "MB": ("megabyte", "megabytes"), "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"), "Mbps": ("megabit per second", "megabits per second"), "Gbps": ("gigabit per second", "gigabits per second"),
    "Hz": ("hertz", "hertz"), "kHz": ("kilohertz", "kilohertz"), "MHz": ("megahertz", "megahertz"), "GHz": ("gigahertz", "gigahertz"),
    "sq km": ("square kilometer", "square kilometers"), "km2": ("square kilometer", "square kilometers"),
    "km²": ("square kilometer", "square kilometers"), "m2": ("square meter", "square meters"), "m²": ("square meter", "square meters"),
    "sq ft": ("square foot", "square feet"), "sq mi": ("square mile", "square miles"), "ha": ("hectare", "hectares"),
    "ppm": ("part per million", "parts per million"), "mpg": ("mile per gallon", "miles per gallon"),
}
"""Written unit -> (singular, plural)."""

_CASE_SENSITIVE = {"m", "g", "t", "l", "W", "V", "C", "F", "ha"}
"""Units that are also ordinary letters or words: only accepted straight after the number or before punctuation."""

_MILLION_LIKE_M = re.compile(r"\s*(?:people|residents|users|voters|viewers|households|homes|jobs|barrels|tonnes|doses|copies|members|customers|subscribers)\b")
_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_MEASURE = re.compile(
    rf"(?<![\w.])(?P<num>[-−]?(?:{NUMBER}))(?:\s?(?:-|–|to)\s?(?P<num2>[-−]?(?:{NUMBER})))?(?P<gap>\s?|-)(?P<unit>{_UNIT})(?![\w/²])"
)


_ARTICLE_BEFORE = re.compile(r"(?:^|\W)[Aa]n?\s$")
_WORD_AFTER = re.compile(r"\s[a-z]")


def _adjectival(match: re.Match[str]) -> bool:
    """True when the measure describes the noun after it ('a 3.5 km walk', 'a 10-kg bag'): the unit is then singular."""
    if match["gap"] == "-":
        return True
    before = match.string[max(0, match.start() - 4): match.start()]
    return bool(_ARTICLE_BEFORE.search(before)) and bool(_WORD_AFTER.match(match.string, match.end()))


def _spoken(match: re.Match[str]) -> str:
    unit = match["unit"]
    if match["gap"] == "-" and (unit in _CASE_SENSITIVE and unit != "m" or match["num2"]):
        return match.group(0)  # '3-t', '5-10-kg': too likely something else
    if unit in ("C", "F", "t", "l", "W", "V", "ha") and match["gap"]:
        return match.group(0)  # '5 C' or '3 t' with a space is too likely to be a letter or a word
    if unit in ("g", "m") and match["gap"] and match.end() < len(match.string) and match.string[match.end()] == " ":
        return match.group(0)  # '5 m people' is ambiguous; '5m' and '5 m.' are not
    if unit == "m" and _MILLION_LIKE_M.match(match.string, match.end()):
        return f"{_amount(match)} million"
    one, many = UNITS[unit]
    single = match["num"] in ("1", "-1", "−1") and not match["num2"] or _adjectival(match)
    return f"{_amount(match)} {one if single else many}"


def _amount(match: re.Match[str]) -> str:
    words = cardinal(match["num"])
    return words + (f" to {cardinal(match['num2'])}" if match["num2"] else "")


def say_units(text: str) -> str:
    """'3.5 km' -> 'three point five kilometers'; '-5°C' -> 'minus five degrees Celsius'; '60 mph' -> 'sixty miles per hour'.

    A measure used as an adjective takes the singular, as people say it: 'a 3.5 km walk' and 'the 10-kg bag'
    -> 'three point five kilometer', 'ten kilogram' (after 'a'/'an' with a word following, or hyphenated).
    """
    return _MEASURE.sub(_spoken, text)
