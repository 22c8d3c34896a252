"""Which normalizer speaks which language: English now, others plug in with `register_language`."""

from __future__ import annotations

from collections.abc import Callable

Normalizer = Callable[[str], str]
"""A function from written text to text an engine reads as intended, for one language."""

_NORMALIZERS: dict[str, Normalizer] = {}


def register_language(language: str, normalizer: Normalizer) -> None:
    """Make `normalizer` the one used for `language` (a primary subtag such as 'en', or a full tag such as 'en-GB')."""
    _NORMALIZERS[language.lower()] = normalizer


def normalizer_for(language: str) -> Normalizer | None:
    """Return the normalizer for a BCP 47 tag, trying the full tag then its primary subtag ('en-GB' -> 'en'); None if none."""
    tag = (language or "").replace("_", "-").lower()
    return _NORMALIZERS.get(tag) or _NORMALIZERS.get(tag.split("-", 1)[0])


def registered_languages() -> list[str]:
    """The language tags with a normalizer, sorted."""
    return sorted(_NORMALIZERS)
