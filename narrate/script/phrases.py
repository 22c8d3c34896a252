"""What narrate itself says around an article's words (a byline's 'By', a date, an edition's 'In this edition:', the
note where a table is not read), in the script's language, so that a German voice does not read English words in a
German episode.

English keeps narrate's own forms ('By Jane Roe, 18 May 2025.'), and so does a script whose language is not known.
Other languages take the date from the CLDR data Babel carries (month names in the case a date needs: 'grudnia',
'декабря'), and the phrases from a short table of the languages most news is narrated in; in a language the table
lacks, a phrase is left out rather than read in English: a byline is then the name and the date, an edition goes
from its title and date straight to the headlines, and a table not read is passed over in silence.
"""

from __future__ import annotations

import datetime as dt
import re

from narrate.dates import language_subtag, long_date

_BY = {"en": "By", "de": "Von", "fr": "Par", "es": "Por", "it": "Di", "pt": "Por", "nl": "Door", "sv": "Av",
       "da": "Af", "nb": "Av", "nn": "Av", "no": "Av", "pl": "Autor:", "ca": "Per"}
"""The word before an author's name, by language."""
_IN_THIS_EDITION = {"en": "In this edition:", "de": "In dieser Ausgabe:", "fr": "Dans cette édition :",
                    "es": "En esta edición:", "it": "In questa edizione:", "pt": "Nesta edição:",
                    "nl": "In deze editie:", "sv": "I den här utgåvan:", "da": "I denne udgave:",
                    "nb": "I denne utgaven:", "nn": "I denne utgåva:", "no": "I denne utgaven:",
                    "pl": "W tym wydaniu:", "ca": "En aquesta edició:"}
"""What introduces an edition's headlines, by language."""
_TABLE_LEFT_OUT = {"en": "A table is omitted here.", "de": "Eine Tabelle wird hier ausgelassen.",
                   "fr": "Un tableau est omis ici.", "es": "Aquí se omite una tabla.",
                   "it": "Qui è omessa una tabella.", "pt": "Aqui foi omitida uma tabela.",
                   "nl": "Hier is een tabel weggelaten.", "sv": "En tabell utelämnas här.",
                   "da": "En tabel er udeladt her.", "nb": "En tabell er utelatt her.",
                   "nn": "Ein tabell er utelaten her.", "no": "En tabell er utelatt her.",
                   "pl": "Tu pominięto tabelę.", "ca": "Aquí s'omet una taula."}
"""What is said where an article's table is not read, by language."""

_YEAR_ABBREVIATION = re.compile(r"(\d{4})\s+\w{1,2}\.$")
"""Russian and Ukrainian add 'г.' / 'р.' (year) after it, which the voices spell as a letter."""


def spoken_date(date: dt.date, language: str | None = None) -> str:
    """A date as a script says it in `language`: '18 May 2025' in English (and when the language is not known),
    '18. Mai 2025' in German (said 'achtzehnter Mai': narrate.script.normalize.german_days), '18 mai 2025' in French,
    '18 de mayo de 2025' in Spanish; CLDR's forms less what no voice reads well."""
    return _YEAR_ABBREVIATION.sub(r"\1", long_date(date, language))


def byline(author: str | None, date: dt.date | None, language: str | None = None) -> str | None:
    """'By Jane Roe, 18 May 2025.' in `language`, leaving out what is unknown; None when nothing is known."""
    parts = []
    if author:
        by = _BY.get(language_subtag(language))  # an unknown language is English's
        parts.append(f"{by} {author}" if by else author)
    if date:
        parts.append(spoken_date(date, language))
    return (", ".join(parts) + ".") if parts else None


def table_left_out(language: str | None = None) -> str | None:
    """What is said where a table is not read, in `language` ('A table is omitted here.'); None where narrate has no
    words (the table is then passed over in silence)."""
    return _TABLE_LEFT_OUT.get(language_subtag(language))


def in_this_edition(language: str | None = None) -> str | None:
    """What introduces an edition's headlines in `language` ('In this edition:'); None where narrate has no words."""
    return _IN_THIS_EDITION.get(language_subtag(language))
