"""Quoted speech inside a paragraph: which stretches are a quotation (read by the 'quote' role) and which are the narrator's.

Rules:
- Quotation marks are double ones: curly “...”, straight "...", „...“ and «...». Single quotes ('...', ‘...’)
  are left alone: they are also apostrophes, and news copy uses them mostly for headlines and nested quotes.
- A quotation of one to three words ("non-starters", “decorative”, a title) is a scare quote or a name and
  stays inline with the narrator: a change of voice for a word or two sounds wrong.
- A longer quotation becomes its own run, without its quotation marks; the attribution around it
  ("she said", "said Tomas Rehn, the yard's foreman") stays with the narrator. A quotation may span
  sentences; one left open at the end of a paragraph (the convention for a quote that goes on into the
  next paragraph) runs to the paragraph's end.
- A straight quote opens only after a space, the start or an opening bracket/dash, and closes only before a
  space, the end or punctuation, so inch marks (a 5" pipe) are not mistaken for quotations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_INLINE_QUOTE_WORDS = 3
"""Quotations of this many words or fewer are read inline by the narrator (scare quotes, titles)."""

_OPENERS = {"“": "”", "„": "“", "«": "»", '"': '"'}
"""Opening mark -> the mark that closes it."""
_OPEN_AFTER = "([—–-"
"""Besides a space or the start, a straight quote opens after one of these."""
_CLOSE_BEFORE = ",.;:!?)]—–-"
"""Besides a space or the end, a straight quote closes before one of these."""
_EDGE_PUNCTUATION = " \t,;:"
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph read by one voice."""

    text: str
    """The words of the stretch (a quotation without its marks)."""
    quoted: bool
    """True for a quotation, False for the narrator's own words (attributions included)."""


def _is_opener(text: str, index: int) -> bool:
    mark = text[index]
    if mark not in _OPENERS or index + 1 >= len(text) or text[index + 1].isspace():
        return False
    return mark != '"' or index == 0 or text[index - 1].isspace() or text[index - 1] in _OPEN_AFTER


def _closer(text: str, start: int, mark: str) -> int | None:
    """Index of the mark closing the quotation opened at `start`, or None when it stays open."""
    close = _OPENERS[mark]
    index = start + 1
    while (index := text.find(close, index)) != -1:
        after = text[index + 1: index + 2]
        if close != '"' or (not text[index - 1].isspace() and (not after or after.isspace() or after in _CLOSE_BEFORE)):
            return index
        index += 1
    return None


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation in `text`, marks included; an unclosed one runs to the end."""
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(text):
        if _is_opener(text, index):
            end = _closer(text, index, text[index])
            stop = len(text) if end is None else end + 1
            spans.append((index, stop))
            index = stop
        else:
            index += 1
    return spans


def word_count(text: str) -> int:
    """How many words `text` holds (hyphenated and apostrophe words count once)."""
    return len(_WORD.findall(text))


def _inner(text: str) -> str:
    """A quotation's words without its marks."""
    if text and text[0] in _OPENERS:
        text = text[1:]
    if text and text[-1] in _OPENERS.values():
        text = text[:-1]
    return text.strip()


def split_quotations(text: str) -> list[Run]:
    """Split a paragraph into narrator and quotation runs, in order; short quotations stay in the narrator's runs.

    A narrator run loses the punctuation that only glued it to the quotation before it (', she said' ->
    'she said'); runs with nothing left to say (a lone '.') are dropped.
    """
    runs: list[Run] = []
    last = 0
    for start, end in quotation_spans(text):
        quote = _inner(text[start:end])
        if word_count(quote) <= MAX_INLINE_QUOTE_WORDS:
            continue
        runs.append(Run(text[last:start], False))
        runs.append(Run(quote, True))
        last = end
    runs.append(Run(text[last:], False))
    out: list[Run] = []
    for run in runs:
        words = run.text.strip() if run.quoted else run.text.lstrip(_EDGE_PUNCTUATION).rstrip()
        if word_count(words):
            out.append(Run(words, run.quoted))
    return out


def ends_sentence(text: str) -> bool:
    """True when `text` closes a sentence (., ! or ?, perhaps before a closing mark or bracket)."""
    return bool(re.search(r"[.!?…][\"'”’»)\]]*\s*$", text))
