"""Clock times (9:30 a.m., 10am, 14:30) and the time zones written after them (ET, GMT)."""

from __future__ import annotations

import re

from narrate.script.normalize.numbers import cardinal

ZONES = {
    "ET": "Eastern Time", "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
    "CT": "Central Time", "CST": "Central Standard Time", "CDT": "Central Daylight Time",
    "MT": "Mountain Time", "MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
    "PT": "Pacific Time", "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
    "BST": "British Summer Time", "CET": "Central European Time", "CEST": "Central European Summer Time",
    "GMT": "G.M.T.", "UTC": "U.T.C.",
}
"""Time-zone abbreviations after a time, and how to say them."""

_MERIDIEM = r"(?P<mer>[ap])\.?\s?m\b\.?"
_ZONE = r"(?:\s(?P<zone>" + "|".join(sorted(ZONES, key=len, reverse=True)) + r")\b)?"
_CLOCK = re.compile(r"(?<![\w:.])(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)(?:\s?" + _MERIDIEM + r")?(?![\d:])" + _ZONE, re.IGNORECASE)
_HOUR = re.compile(r"(?<![\w:.])(?P<h>1[0-2]|0?[1-9])\s?" + _MERIDIEM + _ZONE, re.IGNORECASE)


def _suffix(match: re.Match[str]) -> str:
    out = ""
    if match["mer"]:
        out += f" {match['mer'].lower()}.m."
    if match["zone"]:
        out += f" {ZONES[match['zone'].upper()]}"
    return out


def _clock(match: re.Match[str]) -> str:
    if match["zone"] and match["zone"] != match["zone"].upper():
        return match.group(0)
    if match.group(0)[len(match["h"])] == "." and not match["mer"]:
        return match.group(0)  # 3.45 without a.m./p.m. is a decimal, not a time
    hour, minute = int(match["h"]), int(match["m"])
    if minute == 0:
        words = cardinal(str(hour)) + ("" if match["mer"] else " o'clock")
    elif minute < 10:
        words = f"{cardinal(str(hour))} oh {cardinal(str(minute))}"
    else:
        words = f"{cardinal(str(hour))} {cardinal(str(minute))}"
    return words + _suffix(match)


def _hour(match: re.Match[str]) -> str:
    if match["zone"] and match["zone"] != match["zone"].upper():
        return cardinal(match["h"]) + f" {match['mer'].lower()}.m. " + match["zone"]
    return cardinal(match["h"]) + _suffix(match)


def say_times(text: str) -> str:
    """'9:30 a.m. ET' -> 'nine thirty a.m. Eastern Time'; '10am' -> 'ten a.m.'; '14:05' -> 'fourteen oh five'."""
    text = _CLOCK.sub(_clock, text)
    return _HOUR.sub(_hour, text)
