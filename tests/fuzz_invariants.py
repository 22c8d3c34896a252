"""What every script made from any input must satisfy (shared by the fuzz tests and `bench/fuzz.py`)."""

from __future__ import annotations

import re

from fuzz_inputs import invisible_in
from narrate.script.model import Script
from narrate.script.normalize import normalizer_for

MARKUP = re.compile(r"[*`\[\]]|</?[A-Za-z][^<>]*>|\]\(|(?<!\w)_|_(?!\w)")
"""Markdown and HTML syntax that must never reach the engine, whatever the language."""
UNSPOKEN_SYMBOLS = re.compile(r"[<>^~|#\\{}]")
"""Symbols the English normalizer must say in words or drop, never leave for the engine."""
MAX_SPOKEN_CHARS = 4000
"""No segment may be longer than this, whatever the input (composition bounds the written text to 300)."""


def script_problems(script: Script) -> list[str]:
    """Broken invariants, one short class name each (empty when the script is sound)."""
    problems: list[str] = []
    english = normalizer_for(script.language or "en") is normalizer_for("en")
    for segment in script.segments():
        text = segment.text
        if not text.strip():
            problems.append("empty segment")
        if MARKUP.search(text):
            problems.append(f"markup {MARKUP.search(text).group(0)!r} in text")
        if english and UNSPOKEN_SYMBOLS.search(text):
            problems.append(f"symbol {UNSPOKEN_SYMBOLS.search(text).group(0)!r} left in English text")
        if invisible_in(text, joiners_allowed=False):
            problems.append(f"invisible {invisible_in(text, joiners_allowed=False)[0]} in text")
        if invisible_in(segment.written, joiners_allowed=True):
            problems.append(f"invisible {invisible_in(segment.written, joiners_allowed=True)[0]} in written")
        if len(text) > MAX_SPOKEN_CHARS:
            problems.append("segment over the length bound")
    for chapter in script.chapters:
        if invisible_in(chapter.title, joiners_allowed=True):
            problems.append("invisible character in a chapter title")
    if invisible_in(script.title, joiners_allowed=True):
        problems.append("invisible character in the title")
    return problems
