"""`narrate script --check`: what the script may not say as intended, with its place, before synthesis time is spent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from narrate.script.model import Script
from narrate.script.normalize.acronyms import PLAIN_WORDS, SAID_AS_WORDS

IssueKind = Literal["digits", "symbol", "all-caps", "long-sentence"]

LONG_SENTENCE_WORDS = 60
"""A sentence longer than this many words is hard to follow by ear (and for eSpeak to phrase)."""

_PHONEMES = re.compile(r"\[\[[^\[\]]*\]\]")
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

    def place(self) -> str:
        """'chapter 2 ("Title"), segment 3' (1-based, for people)."""
        return f'chapter {self.chapter_index + 1} ("{self.chapter_title}"), segment {self.segment_index + 1}'

    def __str__(self) -> str:
        return f"{self.place()}: {self.message}"


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def check_text(text: str, long_sentence_words: int = LONG_SENTENCE_WORDS) -> list[tuple[IssueKind, str, str]]:
    """Return (kind, excerpt, message) for each doubtful spot in one segment's text."""
    found: list[tuple[IssueKind, str, str]] = []
    plain = _PHONEMES.sub(" ", text)
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


def check_script(script: Script, long_sentence_words: int = LONG_SENTENCE_WORDS) -> list[CheckIssue]:
    """Return every doubtful spot in the script's segments, in speaking order, with chapter and segment places."""
    issues: list[CheckIssue] = []
    for c, chapter in enumerate(script.chapters):
        for s, segment in enumerate(chapter.segments):
            for kind, excerpt, message in check_text(segment.text, long_sentence_words):
                issues.append(CheckIssue(kind, c, chapter.title, s, excerpt, message))
    return issues
