"""An article's language: from what the page declares, else guessed from its text."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

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


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is written in ('en', 'fr'), or None when unsure or too short."""
    sample = text[:_SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    language, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE:
        return None
    return normalize_language_tag(language)


def choose_language(declared: str | None, text: str) -> str | None:
    """The declared tag when it is a valid one (a page's `lang`, front matter), else a guess from the text."""
    return normalize_language_tag(declared) or detect_language(text)
