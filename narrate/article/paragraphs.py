"""Paragraph logic shared by the readers: whitespace, rejoining paragraphs split mid-sentence."""

from __future__ import annotations

import re
from collections.abc import Sequence

from narrate.article.invisible import drop_invisible
from narrate.article.model import Block

_SPACES = re.compile(r"\s+")
_ENDS_OPEN = re.compile(r"[\w,\-–]$")
"""A paragraph that ends like this (a word, a comma, a dash) has not finished its sentence."""
_MIN_WORDS_BEFORE_CAPITAL = 6
"""A shorter unpunctuated line before a capitalised one is more likely a label than a broken sentence."""


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (newlines included) into single spaces and trim; invisible characters
    (bidi controls, zero-width and soft hyphens...) go, see narrate.article.invisible."""
    return _SPACES.sub(" ", drop_invisible(text).replace("\u00a0", " ")).strip()


MAX_TITLE_CHARS = 200
"""A title longer than this is shortened for display (tags, feed, chapters); headlines are far shorter."""


def shorten(text: str, max_chars: int = MAX_TITLE_CHARS) -> str:
    """`text` if it fits in max_chars, else cut at the last space before the limit (or at the limit) with '…'."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", max_chars // 2, max_chars)
    return text[: cut if cut > 0 else max_chars - 1].rstrip(" ,;:-–—") + "…"


def continues_previous(previous: str, following: str) -> bool:
    """True when `following` reads as the rest of the sentence `previous` broke off.

    The previous paragraph must end in a word, comma or dash (no . ! ? : ; or closing quote);
    the next starts lowercase, or starts with a capital after a previous paragraph long enough
    not to be a label ('...Ukrainian Defense' / 'Minister Rustem Umerov...').
    """
    previous, following = previous.rstrip(), following.lstrip()
    if not previous or not following or not _ENDS_OPEN.search(previous):
        return False
    first = following[0]
    if first.islower():
        return True
    if first.isupper() or first.isdigit():
        return len(previous.split()) >= _MIN_WORDS_BEFORE_CAPITAL
    return False


def rejoin_split_paragraphs(blocks: Sequence[Block]) -> list[Block]:
    """Merge paragraph blocks that a stray blank line split in the middle of a sentence."""
    out: list[Block] = []
    for block in blocks:
        if (
            out
            and block.kind == "paragraph"
            and out[-1].kind == "paragraph"
            and continues_previous(out[-1].text, block.text)
        ):
            out[-1] = Block("paragraph", out[-1].text.rstrip() + " " + block.text.lstrip())
        else:
            out.append(block)
    return out
