"""Which normalizer speaks which language: English now, others plug in with `register_language`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

Normalizer = Callable[[str], str]
"""A function from written text to text an engine reads as intended, for one language."""

_NORMALIZERS: dict[str, Normalizer] = {}
_PASSES: dict[str, tuple[Normalizer, ...]] = {}


def register_language(language: str, normalizer: Normalizer, passes: Sequence[Normalizer] = ()) -> None:
    """Make `normalizer` the one used for `language` (a primary subtag such as 'en', or a full tag such as 'en-GB').

    `passes`, when given, are the steps `normalizer` runs in order; `narrate script --check` traces them to
    tell what a rule understood from what was only read by a fallback.
    """
    _NORMALIZERS[language.lower()] = normalizer
    _PASSES[language.lower()] = tuple(passes)


def _key(language: str) -> str:
    tag = (language or "").replace("_", "-").lower()
    return tag if tag in _NORMALIZERS else tag.split("-", 1)[0]


def normalizer_for(language: str) -> Normalizer | None:
    """Return the normalizer for a BCP 47 tag, trying the full tag then its primary subtag ('en-GB' -> 'en'); None if none."""
    return _NORMALIZERS.get(_key(language))


def passes_for(language: str) -> tuple[Normalizer, ...]:
    """The passes registered for a BCP 47 tag (as normalizer_for finds it); empty when none were given."""
    return _PASSES.get(_key(language), ())


def registered_languages() -> list[str]:
    """The language tags with a normalizer, sorted."""
    return sorted(_NORMALIZERS)
