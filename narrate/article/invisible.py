"""Invisible characters: bidirectional controls, zero-width and other format characters that a page may carry.

They are never shown (titles, transcripts, chapters) nor spoken, with the exceptions that keep a text's meaning:
- the zero-width joiner inside an emoji sequence (👩‍💻 is one picture, and eSpeak names it as one);
- zero-width (non-)joiners between letters of scripts that need them (Persian, Arabic, Indic...), in what is
  shown only: eSpeak reads those words the same without them;
- emoji tag sequences (the flags of Scotland or Wales), in what is shown;
- the visible format characters: Arabic number signs and the like, and Egyptian hieroglyph controls.
Control characters other than whitespace go too.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
"""Every character of Unicode category Cf (format), as a regex class body (tests compare it with unicodedata)."""

_VISIBLE_FORMAT = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
                            + "".join(chr(c) for c in range(0x13430, 0x13440)))
"""Format characters that print a sign of their own (Arabic number signs...) or shape a script: kept."""

_ZWJ, _ZWNJ = "\u200d", "\u200c"
_TAG_SEQUENCE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_INVISIBLE = re.compile(f"[{FORMAT_CHARACTERS}]|[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
"""Format characters, and control characters other than whitespace (tab, newlines, \\x1c-\\x1f, NEL)."""
_FIRST_JOINING_SCRIPT = 0x0590
"""Letters from here on (Hebrew, Arabic, Indic, Southeast Asian scripts...) may need a joiner between them."""


def _emoji_side(ch: str) -> bool:
    return ch == "\ufe0f" or unicodedata.category(ch) in ("So", "Sk")


def _between_letters(before: str, after: str) -> bool:
    return (
        bool(before) and bool(after)
        and max(ord(before), ord(after)) >= _FIRST_JOINING_SCRIPT
        and unicodedata.category(before)[0] in "LM" and unicodedata.category(after)[0] in "LM"
    )


def drop_invisible(text: str, *, shown: bool = True) -> str:
    """`text` without invisible characters; `shown=False` for what an engine will say (joiners between letters
    and emoji tags go too, the joiner inside an emoji sequence stays)."""
    if not _INVISIBLE.search(text):
        return text
    tag_spans = [(m.start(), m.end()) for m in _TAG_SEQUENCE.finditer(text)] if shown else []
    starts = [start for start, _ in tag_spans]

    def inside_tag_sequence(index: int) -> bool:
        i = bisect.bisect_left(starts, index) - 1
        return i >= 0 and index < tag_spans[i][1]

    def replace(match: re.Match[str]) -> str:
        ch, at = match.group(0), match.start()
        if ch in _VISIBLE_FORMAT:
            return ch
        before = text[at - 1] if at else ""
        after = text[at + 1] if at + 1 < len(text) else ""
        if ch == _ZWJ and before and after and _emoji_side(before) and unicodedata.category(after) == "So":
            return ch
        if shown and ch in (_ZWJ, _ZWNJ) and _between_letters(before, after):
            return ch
        if tag_spans and inside_tag_sequence(at):
            return ch
        return ""

    return _INVISIBLE.sub(replace, text)
