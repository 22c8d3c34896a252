"""Split paragraphs into sentences (pysbd) and keep every piece short enough for one engine call."""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd
from pysbd.languages import LANGUAGE_CODES

DEFAULT_MAX_CHARS = 300
"""The longest segment we hand the engine in one call (well below pyttsx3's crash size)."""

_BOUNDARIES: tuple[re.Pattern[str], ...] = (
    re.compile(r"((?<=[;:])\s+)"),
    re.compile(r"(\s+(?=[—–]\s)|(?<=[—–])\s+|(?<=\w)(?=[—–]\w))"),
    re.compile(r"((?<=,)\s+)"),
    re.compile(r"(\s+)"),
)
"""Where an over-long sentence may be cut, strongest first: ; :, then dashes, then commas, then spaces."""


@lru_cache(maxsize=8)
def _segmenter(language: str) -> pysbd.Segmenter:
    """One cached pysbd Segmenter per language (building one is not free)."""
    return pysbd.Segmenter(language=language, clean=False)


def _pysbd_language(language: str | None) -> str:
    base = (language or "en").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGE_CODES else "en"


def split_sentences(paragraph: str, language: str = "en") -> list[str]:
    """The sentences of one paragraph; abbreviations such as 'U.S.', 'Dr.' or 'Lt. Col.' do not end one.

    Call it per paragraph, never on a whole article: pysbd slows sharply on long input.
    """
    text = " ".join(paragraph.split())
    if not text:
        return []
    return [s.strip() for s in _segmenter(_pysbd_language(language)).segment(text) if s.strip()]


def _cut(text: str, max_chars: int, level: int = 0) -> list[tuple[str, str]]:
    """Cut text at the strongest boundary present, packing pieces up to max_chars before trying weaker
    boundaries; each piece comes with the text that joined it to the piece before it."""
    if len(text) <= max_chars or level >= len(_BOUNDARIES):
        return [(text, "")]
    parts = _BOUNDARIES[level].split(text)
    pieces, joins = parts[0::2], [""] + parts[1::2]
    if len(pieces) == 1:
        return _cut(text, max_chars, level + 1)
    packed: list[tuple[str, str]] = []
    for piece, join in zip(pieces, joins):
        if packed and len(packed[-1][0]) + len(join) + len(piece) <= max_chars:
            packed[-1] = (packed[-1][0] + join + piece, packed[-1][1])
        else:
            packed.append((piece, join))
    out: list[tuple[str, str]] = []
    for piece, join in packed:
        sub = _cut(piece, max_chars, level + 1)
        out.append((sub[0][0], join))
        out.extend(sub[1:])
    return out


def _split_long(text: str, max_chars: int) -> list[str]:
    """Split one over-long sentence, then greedily re-join neighbouring pieces that fit together."""
    chunks: list[str] = []
    for piece, join in _cut(text, max_chars):
        if chunks and len(chunks[-1]) + len(join) + len(piece) <= max_chars:
            chunks[-1] += join + piece
        elif piece.strip():
            chunks.append(piece)
    return [c.strip() for c in chunks if c.strip()]


def bound_length(sentences: list[str], max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """Split sentences longer than max_chars at ; : dashes and commas, then between words (never inside one)."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive.")
    out: list[str] = []
    for sentence in sentences:
        out.extend(_split_long(sentence.strip(), max_chars))
    return [s for s in out if s]
