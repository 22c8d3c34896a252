"""`narrate script --check`: what the script may not say as intended, with its place, before synthesis time is spent.

Two views of each segment:
- the written text, traced through the normalizer (narrate.script.normalize.trace): every digit, currency
  sign, colon or slash between digits, letters-and-digits token, and unit-like word next to a number must
  have been rewritten by a rule that understood it, or be a plain number the number reader says as it is
  (1,200 / 3.5 / -4 / #1 / 50%), or a code such as G7, MI5, 4G read letter by letter and number; letters
  a rule left glued to its words ('rupeescr') are reported too;
- the spoken text: symbols left over, unknown all-caps words, very long sentences.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from narrate.script.lexicon import PHONEME_SPAN, Lexicon
from narrate.script.model import Script
from narrate.script.normalize import normalizer_for, passes_for
from narrate.script.normalize.acronyms import PLAIN_WORDS, SAID_AS_WORDS
from narrate.script.normalize.symbols import INITIALS_AMPERSAND
from narrate.script.normalize.trace import Trace, trace

IssueKind = Literal["not-understood", "symbol", "all-caps", "long-sentence"]

LONG_SENTENCE_WORDS = 60
"""A sentence longer than this many words is hard to follow by ear (and for eSpeak to phrase)."""

_SYMBOL = re.compile(r"[^\w\s.,;:!?'\"()\-–’‘“”/]")
_CAPS = re.compile(r"(?<![\w.])[A-Z]{2,}(?:['’]?s)?(?![\w.])")
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")

_WORD = re.compile(r"\S+")
_OPENING = "\"'“‘«‹([{<"
_CLOSING = "\"'”’»›)]}>.,;:!?…"
_PART = re.compile(r"[^-–—]+")
PLAIN_NUMBER = re.compile(r"[#~≈±+\-−]?(?:(?:\d{1,3}(?:,\d{3})+|0|[1-9]\d*)(?:\.\d+)?|\.\d+)[%+]?")
"""A number the number reader says as written: 1,200 / 3.5 / .5 / -4 / +3 / #1 / 50% (no leading zeros, no decimal comma)."""
CODE = re.compile(r"[A-Z]{1,5}\d{1,2}|\d{1,2}[A-Z]{1,3}")
"""A letters-and-digits code read as its letters then its number, as people say it: G7, MI5, COP28, F1, 4G, 3D."""
_UNIT_LIKE = re.compile(r"[^\W\d_]+(?:/[^\W\d_]+)+|(?=[^aeiouyAEIOUY]*[a-z])[^\W\d_aeiouyAEIOUY]{1,4}\.?")
"""A word next to a number that can only be a unit or currency: 'm/s', 'mg/kg', or short and vowel-less ('cr', 'Rs', 'pm', 'x')."""
_UNIT_SIGNS = set("°²³µΩ‰′″")
_MIXED = re.compile(r"[^\W\d_]\d|\d[^\W\d_]")


@dataclass(frozen=True)
class CheckIssue:
    """One place where the script may not be read as intended."""

    kind: IssueKind
    """What was found: written text no rule understood, a symbol, an unknown all-caps token, or a very long sentence."""
    chapter_index: int
    """0-based index of the chapter."""
    chapter_title: str
    """The chapter's title, to find it by eye."""
    segment_index: int
    """0-based index of the segment within its chapter."""
    excerpt: str
    """The offending text (a long sentence is shortened)."""
    message: str
    """One sentence saying what to fix."""
    chapter_number: str = ""
    """The chapter as `narrate script` numbers it: '2' for the second top-level chapter, '2.1' for the first nested under it."""
    context: str = ""
    """The words around the excerpt in the segment, to find it by eye."""

    def place(self) -> str:
        """'Chapter 2 "Title", segment 3' (numbers as `narrate script` shows them; segments 1-based)."""
        number = self.chapter_number or str(self.chapter_index + 1)
        return f'Chapter {number} "{self.chapter_title}", segment {self.segment_index + 1}'

    def __str__(self) -> str:
        line = f"{self.place()}: {self.message}"
        return f"{line}\n    {self.context}" if self.context else line


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def check_text(text: str, long_sentence_words: int = LONG_SENTENCE_WORDS) -> list[tuple[IssueKind, str, str]]:
    """Return (kind, excerpt, message) for each doubtful spot in one segment's spoken text (symbols, capitals, length)."""
    found: list[tuple[IssueKind, str, str]] = []
    plain = INITIALS_AMPERSAND.sub(" ", PHONEME_SPAN.sub(" ", text))  # AT&T, R&D: eSpeak reads them well
    for symbol in dict.fromkeys(m.group(0) for m in _SYMBOL.finditer(plain)):
        found.append(("symbol", symbol, f"The symbol '{symbol}' is left; the engine may read it aloud or skip it."))
    for token in dict.fromkeys(m.group(0) for m in _CAPS.finditer(plain)):
        core = re.sub(r"['’]?s$", "", token) if not token.endswith("SS") else token
        if core in SAID_AS_WORDS or core in PLAIN_WORDS or token in SAID_AS_WORDS:
            continue
        found.append(("all-caps", token, f"'{token}' is an unknown all-caps word; add a lexicon entry to say or spell it."))
    for sentence in _SENTENCE.findall(plain):
        words = len(sentence.split())
        if words > long_sentence_words:
            found.append(("long-sentence", _shorten(sentence), f"A sentence of {words} words is hard to follow; split it."))
    return found


def check_written(text: str, language: str = "en") -> list[tuple[IssueKind, str, str]]:
    """Return (kind, excerpt, message) for each stretch of written `text` that no normalizer rule understood.

    Empty for a language without a normalizer (the engine reads its numbers itself).
    """
    normalizer = normalizer_for(language)
    if normalizer is None:
        return []
    traced = trace(text, passes_for(language) or (normalizer,))
    found: list[tuple[IssueKind, str, str]] = []
    for start, end, reason in _merged(_unread(traced), text):
        excerpt = text[start:end]
        heard = traced.spoken_for(start, end)
        said = f' is read "{heard}"' if heard and heard != excerpt else " is left as written"
        found.append(("not-understood", excerpt, f"'{excerpt}'{said}: {reason}; write it as it should be said, or add a lexicon entry."))
    return found


def _unread(traced: Trace) -> list[tuple[int, int, str]]:
    """(start, end, reason) of each written word holding something no rule understood."""
    text = traced.written
    words = [_stripped(m.start(), m.end(), text) for m in _WORD.finditer(text)]
    has_digit = [any(c.isdigit() for c in text[a:b]) for a, b in words]
    found = []
    for index, (start, end) in enumerate(words):
        reason = _unread_word(traced, start, end) if start < end else None
        if reason is None and start < end and not has_digit[index] and _unit_like(text[start:end]):
            beside = (index > 0 and has_digit[index - 1]) or (index + 1 < len(words) and has_digit[index + 1])
            if beside and not all(traced.understood[start:end]):
                reason = f"'{text[start:end]}' beside a number is not a unit or currency any rule knows"
        if reason:
            found.append((start, end, reason))
    return found


def _stripped(start: int, end: int, text: str) -> tuple[int, int]:
    """A word's bounds without the quotes, brackets and punctuation around it."""
    while start < end and text[start] in _OPENING:
        start += 1
    while end > start and text[end - 1] in _CLOSING:
        end -= 1
    return start, end


def _unread_word(traced: Trace, start: int, end: int) -> str | None:
    """Why the written word text[start:end] is not read as meant, or None when it is."""
    text = traced.written
    for part in _PART.finditer(text, start, end):
        a, b = part.span()
        chunk = text[a:b]
        if not any(c.isdigit() or unicodedata.category(c) == "Sc" for c in chunk):
            continue
        left = "".join(text[i] for i in range(a, b) if traced.residue[i])
        if left:
            return f"'{left}' is left over beside what a rule read"
        if all(traced.understood[a:b]) or CODE.fullmatch(chunk):
            continue
        if _MIXED.search(chunk):
            return "no rule understood it"  # letters and digits read apart: 'BA2490', 'x86', '4x4'
        pieces = re.split(r"\x00+", "".join("\x00" if traced.understood[i] else text[i] for i in range(a, b)))
        if not all(not p or p.isalpha() or PLAIN_NUMBER.fullmatch(p) for p in pieces):
            return "no rule understood it"
    return None


def _unit_like(word: str) -> bool:
    return bool(_UNIT_LIKE.fullmatch(word)) or any(c in _UNIT_SIGNS or unicodedata.category(c) == "Sc" for c in word)


def _merged(spans: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """Neighbouring findings (only spaces between them) as one: '10:61 pm', '3x10^8 m/s'."""
    merged: list[tuple[int, int, str]] = []
    for start, end, reason in spans:
        if merged and not text[merged[-1][1]:start].strip():
            first = merged[-1]
            merged[-1] = (first[0], end, first[2] if first[2] == reason else "no rule understood it")
        else:
            merged.append((start, end, reason))
    return merged


_CONTEXT_CHARS = 30
"""How much of the segment is shown on each side of a finding."""


def excerpt_in_context(text: str, excerpt: str, width: int = _CONTEXT_CHARS) -> str:
    """The words around `excerpt` in `text`, cut at word boundaries and marked with '…' where cut: '…wieder 120 Fahrgäste…'."""
    text = " ".join(text.split())
    start = text.find(excerpt)
    if start < 0 or len(text) <= len(excerpt) + 2 * width:
        return _shorten(text, len(excerpt) + 2 * width)
    left, right = max(0, start - width), min(len(text), start + len(excerpt) + width)
    if left > 0:
        left = text.find(" ", left, start) + 1 or start
    if right < len(text):
        right = text.rfind(" ", start + len(excerpt), right) if text.rfind(" ", start + len(excerpt), right) > 0 else right
    return ("…" if left > 0 else "") + text[left:right].strip() + ("…" if right < len(text) else "")


def chapter_numbers(script: Script) -> list[str]:
    """Each chapter's number as `narrate script` shows it: top-level chapters 1, 2...; nested ones 2.1, 2.2..."""
    numbers: list[str] = []
    top, nested = 0, 0
    for chapter in script.chapters:
        if chapter.level == 0 or top == 0:
            top, nested = top + 1, 0
            numbers.append(str(top))
        else:
            nested += 1
            numbers.append(f"{top}.{nested}")
    return numbers


def check_script(script: Script, long_sentence_words: int = LONG_SENTENCE_WORDS, lexicon: Lexicon | None = None,
                 profile_name: str | None = None) -> list[CheckIssue]:
    """Return every doubtful spot in the script's segments, in speaking order, with chapter and segment places.

    `script` is the speakable script (`narrate.script.speech.speakable`): each segment's written text (its
    caption), with `lexicon` applied as it was for speech, is traced through the normalizer; its spoken text
    is checked for symbols, capitals and length. What no rule understood is reported only for languages with
    a normalizer: for the others eSpeak reads numbers itself.
    """
    issues: list[CheckIssue] = []
    language = script.language or "en"
    for c, (chapter, number) in enumerate(zip(script.chapters, chapter_numbers(script))):
        for s, segment in enumerate(chapter.segments):
            written = lexicon.apply(segment.written, profile_name) if lexicon is not None else segment.written
            for kind, excerpt, message in check_written(written, language):
                issues.append(CheckIssue(kind, c, chapter.title, s, excerpt, message, number,
                                         f'"{excerpt_in_context(written, excerpt)}"'))
            for kind, excerpt, message in check_text(segment.text, long_sentence_words):
                context = excerpt if kind == "long-sentence" else excerpt_in_context(segment.text, excerpt)
                issues.append(CheckIssue(kind, c, chapter.title, s, excerpt, message, number, f'"{context}"'))
    return issues
