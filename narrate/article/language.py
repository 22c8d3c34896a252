"""An article's language: from what the page declares, else guessed from its text."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from narrate.memo import remembered

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|\d{3}))?(?:[-_].*)?$")
"""language[-Script][-REGION] with '-' or '_', anything after it (variants, extensions) dropped."""

_NOT_LANGUAGES = {"und", "mul", "zxx", "mis"}
"""ISO 639 codes that say 'no particular language'."""

MIN_LETTERS = 40
"""Below this many letters a guess is not worth making: a headline alone is too short."""

MIN_CONFIDENCE = 0.9
"""The lowest detector probability we trust; lower means mixed or unclear text."""

_SAMPLE_CHARS = 4000
"""How much text the detector reads: the start of an article says enough."""

ENGLISH_WORDS = frozenset(
    "the and that with this which were their they them have from been would there what when than into "
    "about also could these those said his her its who not but it we you she he are our".split()
)
"""Very common English function words that are rare as words of other languages (no 'a', 'in', 'to', 'of',
'is', 'was', 'for', 'at', 'by', 'on': those are common words in Dutch, German, Danish, French or Polish)."""
ENGLISH_MIN_WORDS = 40
"""The quick English check needs at least this many words; shorter texts go to the detector."""
ENGLISH_MIN_SHARE = 0.10
"""Share of ENGLISH_WORDS among the first words from which a text is English without asking the detector
(English news and a novel: 0.16-0.25; French, German, Dutch, Danish, Turkish news prose: 0.0)."""
ENGLISH_MIN_THE = 0.015
"""Share of 'the' (English's most common word: 2.7-7.7 % of the same English texts) the quick check also requires."""
_QUICK_WORDS = 400
"""How many words the quick English check reads."""
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
"""A word: letters of any script, with an inner apostrophe."""


def normalize_language_tag(tag: str | None) -> str | None:
    """A BCP 47 tag in its usual case ('en-us' or 'en_US' -> 'en-US', 'zh_hant_tw' -> 'zh-Hant-TW'); None if not one."""
    if not tag:
        return None
    match = _TAG.match(tag.strip())
    if not match:
        return None
    language, script, region = match.groups()
    language = language.lower()
    if language in _NOT_LANGUAGES:
        return None
    parts = [language]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


@functools.cache
def _identifier() -> LanguageIdentifier:
    """py3langid's model (loaded once, about 1.5 s), with probabilities normalised to 0..1."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def english_word_shares(text: str) -> tuple[int, float, float]:
    """Over the first words of `text`: (number of words read, share of ENGLISH_WORDS, share of 'the')."""
    words = [word.lower() for word in _WORD.findall(text[:_SAMPLE_CHARS])[:_QUICK_WORDS]]
    if not words:
        return 0, 0.0, 0.0
    common = sum(word in ENGLISH_WORDS for word in words)
    return len(words), common / len(words), words.count("the") / len(words)


def is_clearly_english(text: str) -> bool:
    """True when the start of `text` is plainly English prose (common English function words throughout)."""
    count, common, the = english_word_shares(text)
    return count >= ENGLISH_MIN_WORDS and common >= ENGLISH_MIN_SHARE and the >= ENGLISH_MIN_THE


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is written in ('en', 'fr'), or None when unsure or too short."""
    sample = text[:_SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    if is_clearly_english(sample):
        return "en"  # py3langid's model takes about 0.3 s to load; most articles are settled here
    return remembered("language", _classified, sample)


def _classified(sample: str) -> str | None:
    """py3langid's guess for `sample` when it is confident, else None (remembered in the script memo when one is
    active: a rebuild then loads the model only for an article whose opening changed)."""
    language, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE:
        return None
    return normalize_language_tag(language)


def choose_language(declared: str | None, text: str) -> str | None:
    """The declared tag when it is a valid one (a page's `lang`, front matter), else a guess from the text."""
    return normalize_language_tag(declared) or detect_language(text)
