"""`narrate script --check`: what the script may not say as intended, with its place, before synthesis time is spent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from narrate.script.lexicon import PHONEME_SPAN
from narrate.script.model import Script
from narrate.script.normalize import normalizer_for
from narrate.script.normalize.acronyms import PLAIN_WORDS, SAID_AS_WORDS
from narrate.script.normalize.symbols import INITIALS_AMPERSAND

IssueKind = Literal["digits", "symbol", "all-caps", "long-sentence"]

LONG_SENTENCE_WORDS = 60
"""A sentence longer than this many words is hard to follow by ear (and for eSpeak to phrase)."""

_DIGITS = re.compile(r"\S*\d\S*")
_SYMBOL = re.compile(r"[^\w\s.,;:!?'\"()\-–’‘“”/]")
_CAPS = re.compile(r"(?<![\w.])[A-Z]{2,}(?:['’]?s)?(?![\w.])")
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


@dataclass(frozen=True)
class CheckIssue:
    """One place where the script may not be read as intended."""

    kind: IssueKind
    """What was found: leftover digits, a symbol, an unknown all-caps token, or a very long sentence."""
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
    """Return (kind, excerpt, message) for each doubtful spot in one segment's text."""
    found: list[tuple[IssueKind, str, str]] = []
    plain = INITIALS_AMPERSAND.sub(" ", PHONEME_SPAN.sub(" ", text))  # AT&T, R&D: eSpeak reads them well
    for token in dict.fromkeys(m.group(0) for m in _DIGITS.finditer(plain)):
        found.append(("digits", token, f"'{token}' still has digits; write it as words or add a lexicon entry."))
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


def check_script(script: Script, long_sentence_words: int = LONG_SENTENCE_WORDS) -> list[CheckIssue]:
    """Return every doubtful spot in the script's segments, in speaking order, with chapter and segment places.

    Digits are reported only for languages with a normalizer: for the others eSpeak reads numbers itself.
    """
    issues: list[CheckIssue] = []
    digits_matter = normalizer_for(script.language or "en") is not None
    for c, (chapter, number) in enumerate(zip(script.chapters, chapter_numbers(script))):
        for s, segment in enumerate(chapter.segments):
            for kind, excerpt, message in check_text(segment.text, long_sentence_words):
                if kind == "digits" and not digits_matter:
                    continue
                context = "" if kind == "long-sentence" else excerpt_in_context(segment.text, excerpt)
                if kind == "long-sentence":
                    context = excerpt
                issues.append(CheckIssue(kind, c, chapter.title, s, excerpt, message, number, f'"{context}"'))
    return issues
