"""Split paragraphs into sentences (pysbd) and keep every piece short enough for one engine call."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from narrate.memo import remembered

if TYPE_CHECKING:
    import pysbd

DEFAULT_MAX_CHARS = 300
"""The longest segment we hand the engine in one call (well below pyttsx3's crash size)."""

PYSBD_MAX_CHARS = 2000
"""pysbd slows sharply on long input: a paragraph longer than this is first cut at sentence ends into pieces of
at most this length (at a space, or anywhere, when a stretch has no sentence end or no space), so splitting stays
linear in the paragraph's length."""

_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+")
_DIGIT_RUN = re.compile(r"\d+")
_LONG_DIGITS = re.compile(r"\d{25,}")
_LONG_RUN = re.compile(r"\d{31,}")
_STASH = "\ue000"
"""Stands for a long digit run while a paragraph is split (a private-use character; skipped if the text has one)."""
_STASH_RE = re.compile(_STASH)
_MAY_END = re.compile(r"[.!?…。！？।]")
"""Without one of these a piece is one sentence (pysbd would say so too, more slowly)."""

_BOUNDARIES: tuple[re.Pattern[str], ...] = (
    re.compile(r"((?<=[;:])\s+)"),
    re.compile(r"(\s+(?=[—–]\s)|(?<=[—–])\s+|(?<=\w)(?=[—–]\w))"),
    re.compile(r"((?<=,)\s+)"),
    re.compile(r"(\s+)"),
)
"""Where an over-long sentence may be cut, strongest first: ; :, then dashes, then commas, then spaces."""


@lru_cache(maxsize=8)
def _segmenter(language: str) -> pysbd.Segmenter:
    """One cached pysbd Segmenter per language (building one is not free; pysbd is imported on first use, which a
    rebuild whose paragraphs are all in the script memo never needs)."""
    return segmenter_class()(language=language, clean=False)


@lru_cache(maxsize=1)
def segmenter_class() -> type[pysbd.Segmenter]:
    """pysbd's Segmenter, locating each sentence it found in the text by plain search instead of by a regex.

    pysbd (0.3.4) maps its sentences back onto the original text with `re.finditer(re.escape(sentence) + r'\\s*')`:
    a pattern compiled per sentence, which also pushes pysbd's own rules out of the `re` module's 512-entry cache so
    that they are compiled again and again (10,000 compiles on the novel, most of the splitting time). The search
    below returns the same spans: the first occurrence, scanning left to right without overlaps, that ends after the
    previous sentence's span, with the whitespace after it (tests/test_script_sentences.py compares both).
    """
    import pysbd
    from pysbd.utils import TextSpan

    class Segmenter(pysbd.Segmenter):  # type: ignore[misc]
        def sentences_with_char_spans(self, sentences: list[str]) -> list[Any]:
            if not all(sentences):
                return super().sentences_with_char_spans(sentences)  # an empty pattern matches everywhere: pysbd's way
            text: str = self.original_text
            spans: list[Any] = []
            prior_end = 0
            for sentence in sentences:
                start = text.find(sentence)
                while start != -1:
                    end = start + len(sentence)
                    while end < len(text) and text[end].isspace():
                        end += 1
                    if end > prior_end:
                        spans.append(TextSpan(text[start:end], start, end))
                        prior_end = end
                        break
                    start = text.find(sentence, end)
            return spans

    return Segmenter


def _pysbd_language(language: str | None) -> str:
    from pysbd.languages import LANGUAGE_CODES

    base = (language or "en").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGE_CODES else "en"


def _pieces(text: str, limit: int = PYSBD_MAX_CHARS) -> list[str]:
    """`text` cut into pieces of at most `limit` characters: after the last sentence end in the second half of
    each window, else at its last space, else at the limit, never inside a run of digits (one pass, linear)."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = -1
        for match in _SENTENCE_END.finditer(text, start + limit // 2, end):
            cut = match.end()
        if cut <= start:
            cut = text.rfind(" ", start + limit // 2, end) + 1
        if cut <= start:
            cut = _outside_digits(text, start, end)
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _outside_digits(text: str, start: int, cut: int) -> int:
    """`cut`, moved off the inside of a run of digits: back to its start, or on to its end when it starts at `start`."""
    if not (text[cut - 1].isdigit() and cut < len(text) and text[cut].isdigit()):
        return cut
    begin = cut - 1
    while begin > start and text[begin - 1].isdigit():
        begin -= 1
    if begin > start:
        return begin
    run = _DIGIT_RUN.match(text, cut)
    return run.end() if run else cut


def split_sentences(paragraph: str, language: str = "en") -> list[str]:
    """The sentences of one paragraph; abbreviations such as 'U.S.', 'Dr.' or 'Lt. Col.' do not end one.

    A paragraph longer than PYSBD_MAX_CHARS is handed to pysbd in pieces cut at sentence ends; a run of more than
    MAX_SPOKEN_DIGITS digits stands aside as one character meanwhile, so it is never cut. Remembered in the script
    memo when one is active (narrate.script.memo).
    """
    return remembered("sentences", _split_sentences, paragraph, language)


def _split_sentences(paragraph: str, language: str) -> list[str]:
    text = " ".join(paragraph.split())
    if not text:
        return []
    runs: list[str] = []
    if _STASH not in text:
        text = _LONG_DIGITS.sub(lambda m: runs.append(m.group(0)) or _STASH, text)
    segmenter = _segmenter(_pysbd_language(language))
    sentences: list[str] = []
    for piece in _pieces(text):
        found = segmenter.segment(piece) if _MAY_END.search(piece) else [piece]
        sentences.extend(s.strip() for s in found if s.strip())
    if runs:
        restored = iter(runs)
        sentences = [_STASH_RE.sub(lambda _: next(restored, ""), s) if _STASH in s else s for s in sentences]
    return sentences


DIGIT_RUN_WEIGHT = 30
"""What a run of digits counts at most against the segment bound: however long, it is said in about as many words as
thirty characters of text ('a number of 310 digits, starting nine nine nine...'), so it is never cut."""


def _weight(text: str) -> int:
    """The length that counts against the bound, a run of digits counting at most DIGIT_RUN_WEIGHT."""
    return len(text) - sum(len(run) - DIGIT_RUN_WEIGHT for run in _LONG_RUN.findall(text))


def _cut(text: str, max_chars: int, level: int = 0) -> list[tuple[str, str]]:
    """Cut text at the strongest boundary present, packing pieces up to max_chars before trying weaker
    boundaries; each piece comes with the text that joined it to the piece before it."""
    if level >= len(_BOUNDARIES) or _weight(text) <= max_chars:
        return [(text, "")]
    parts = _BOUNDARIES[level].split(text)
    pieces, joins = parts[0::2], [""] + parts[1::2]
    if len(pieces) == 1:
        return _cut(text, max_chars, level + 1)
    packed: list[tuple[str, str]] = []
    weights: list[int] = []
    for piece, join in zip(pieces, joins):
        weight = _weight(piece)
        if packed and weights[-1] + len(join) + weight <= max_chars:
            packed[-1] = (packed[-1][0] + join + piece, packed[-1][1])
            weights[-1] += len(join) + weight
        else:
            packed.append((piece, join))
            weights.append(weight)
    out: list[tuple[str, str]] = []
    for piece, join in packed:
        sub = _cut(piece, max_chars, level + 1)
        out.append((sub[0][0], join))
        out.extend(sub[1:])
    return out


def _hard_cut(word: str, max_chars: int) -> list[str]:
    """A 'word' longer than max_chars (letters no one can say in one breath) cut every max_chars characters.

    A run of digits is never cut and counts at most DIGIT_RUN_WEIGHT: the normalizer reads any digit string in a
    few words, so '$999...9.' stays one piece however many nines it holds.
    """
    if _weight(word) <= max_chars:
        return [word]
    pieces: list[str] = []
    start, weight, index = 0, 0, 0
    while index < len(word):
        run = _DIGIT_RUN.match(word, index)
        index = run.end() if run else index + 1
        weight += min(len(run.group(0)), DIGIT_RUN_WEIGHT) if run else 1
        if weight >= max_chars and index < len(word):
            pieces.append(word[start:index])
            start, weight = index, 0
    pieces.append(word[start:])
    return [p for p in pieces if p]


def _split_long(text: str, max_chars: int) -> list[str]:
    """Split one over-long sentence, then greedily re-join neighbouring pieces that fit together."""
    chunks: list[str] = []
    last_weight = 0
    for piece, join in _cut(text, max_chars):
        weight = _weight(piece)
        if chunks and last_weight + len(join) + weight <= max_chars:
            chunks[-1] += join + piece
            last_weight += len(join) + weight
        elif piece.strip():
            chunks.extend(_hard_cut(piece, max_chars))
            last_weight = _weight(chunks[-1])
    return [c.strip() for c in chunks if c.strip()]


def bound_length(sentences: list[str], max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """Split sentences longer than max_chars at ; : dashes and commas, then between words; a single word longer
    than max_chars is cut every max_chars characters, except a run of digits (see _hard_cut)."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive.")
    out: list[str] = []
    for sentence in sentences:
        out.extend(_split_long(sentence.strip(), max_chars))
    return [s for s in out if s]
