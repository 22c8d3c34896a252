"""Normalizing for speech: written news text in, text an engine reads as a person would out.

`normalize_for_speech(text, language)` is the one entry point. Each concern lives in its own module
(numbers, dates, times, currency, units, ranges, roman, abbreviations, acronyms, web, symbols);
`english.py` orders them. Other languages plug in through `register_language`.
Text inside eSpeak phoneme brackets `[[...]]` (from the lexicon) is passed through untouched.
"""

from __future__ import annotations

import functools
import re

from narrate.article.invisible import drop_invisible
from narrate.dates import language_subtag
from narrate.script.lexicon import PHONEME_SPAN  # eSpeak phoneme input written by the lexicon; never rewritten
from narrate.script.normalize import german_days, numbers, symbols
from narrate.script.normalize.english import PASSES, normalize_english
from narrate.script.normalize.registry import Normalizer, normalizer_for, passes_for, register_language, registered_languages

__all__ = ["Normalizer", "normalize_for_speech", "normalizer_for", "passes_for", "register_language", "registered_languages"]


register_language("en", normalize_english, PASSES)


_ENGINE_FIXES: dict[str, Normalizer] = {"de": german_days.say_day_ordinals}
"""For a language without a normalizer, what its eSpeak NG voice would misread, rewritten (by primary subtag)."""


def _fallback(text: str, language: str = "") -> str:
    """For languages without a normalizer: typography, and digit strings too long to read are shortened; numbers
    and symbols are left to the engine, which reads them in the language (less what _ENGINE_FIXES rewrites)."""
    fix = _ENGINE_FIXES.get(language_subtag(language))
    steps = (symbols.straighten, numbers.shorten_digit_runs, symbols.ellipses_as_pauses, symbols.dashes_as_pauses,
             symbols.tidy)
    for step in (fix, *steps) if fix else steps:
        text = step(text)
    return text


def normalize_for_speech(text: str, language: str = "en") -> str:
    """Return `text` rewritten for speech in `language` (BCP 47; unknown languages get typography cleanup only).

    Invisible characters (bidi controls, zero-width characters, soft hyphens) are dropped first, for every language.
    """
    text = drop_invisible(text, shown=False)
    normalizer = normalizer_for(language) or functools.partial(_fallback, language=language)
    pieces = PHONEME_SPAN.split(text)
    spans = PHONEME_SPAN.findall(text)
    if not spans:
        return normalizer(text)
    out = [normalizer(pieces[0]) if pieces[0].strip() else pieces[0]]
    for span, piece in zip(spans, pieces[1:]):
        out.append(f" {span} ")
        out.append(normalizer(piece) if piece.strip() else piece)
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()
