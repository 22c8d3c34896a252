"""German dates: the day before a month name said as the ordinal a German reader says.

German writes the day as an ordinal number with a dot: '3. Dezember'. eSpeak NG's German voice takes the dot for the
end of a sentence: 'am 3. Dezember' is said 'am drei', a pause, 'Dezember'. Here the day becomes the ordinal word
(num2words), with the ending the word before it asks for: 'am dritten Dezember' after a word that takes the dative or
the accusative (am, vom, zum, beim, dem, den, des, bis, ab, seit, für, über, um, ...), 'der dritte Dezember' after
'der', 'die' or 'das', and 'dritter Dezember' elsewhere (a dateline or a byline: 'Berlin, 3. Dezember 2026'). Both
days of a range or a pair take the first one's ending ('vom dritten bis fünften Mai', 'am dritten und vierten Mai').
German is otherwise left to the engine, which reads its numbers in German (narrate has no German normalizer).
"""

from __future__ import annotations

import re

_MONTHS = ("Januar", "Jänner", "Februar", "Feber", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember")
_DAY_BEFORE_MONTH = re.compile(
    r"(?<![\w.,])(?:(?P<before>\w+)(?P<gap>\s+))?"
    r"(?:(?P<first>[0-3]?\d)\.(?P<joint>\s*(?:und|bis|–|-)\s*))?"  # a range or a pair: 'vom 3. bis 5. Mai'
    r"(?P<day>[0-3]?\d)\.(?P<space>\s+)(?P<month>" + "|".join(_MONTHS) + r")\b")
_WEAK_AFTER = frozenset({"am", "vom", "zum", "beim", "im", "dem", "den", "des", "bis", "ab", "seit", "für", "über",
                         "um", "gegen", "nach", "vor", "zwischen", "einem", "einen", "eines", "diesem", "diesen",
                         "dieses", "jenem", "jenen"})
"""Words after which the ordinal takes -en ('am dritten Dezember', 'bis zum dritten Dezember')."""
_THE = frozenset({"der", "die", "das"})
"""Words after which it takes -e ('der dritte Dezember')."""


def say_day_ordinals(text: str) -> str:
    """`text` with each 'N. Monat' said as an ordinal day (see the module); a number that cannot be a day is left."""
    if "." not in text:
        return text
    return _DAY_BEFORE_MONTH.sub(_spoken, text)


def _spoken(match: re.Match[str]) -> str:
    days = [int(match["day"])] + ([int(match["first"])] if match["first"] else [])
    if not all(1 <= day <= 31 for day in days):
        return match[0]
    from num2words import num2words

    before = match["before"]
    ending = "n" if before and before.casefold() in _WEAK_AFTER else "" if before and before.casefold() in _THE else "r"

    def ordinal(day: str) -> str:
        return num2words(int(day), lang="de", to="ordinal") + ending  # 'dritte': every German ordinal ends in -e here

    lead = f"{before}{match['gap']}" if before else ""
    joint = (match["joint"] or "").replace("–", " bis ").replace("-", " bis ")  # a dash between days is said 'bis'
    pair = f"{ordinal(match['first'])}{joint}" if match["first"] else ""
    return f"{lead}{pair}{ordinal(match['day'])}{match['space']}{match['month']}"
