"""Markup removal at compose time: the one place where Markdown and HTML syntax left in article text is taken out.

Only syntax goes: HTML tags and comments, Markdown link and image syntax, emphasis, strikethrough and code marks,
a heading mark at the start. Every other character stays as written, for the normalizer to say in words
(`5 > 3`, `C#`, `#ClimateWeek`, `2^15`, `~50`: narrate.script.normalize.symbols and .web); what the article wrote
is also what the transcript shows. Invisible characters go (narrate.article.invisible). Every pattern here runs in
time linear in the text: this runs on whole paragraphs, before they are cut into segments.
"""

from __future__ import annotations

import re

from narrate.article.invisible import drop_invisible

_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()\s]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_URL_IN_PARENS = re.compile(r"\]\((?:[^()\s]|\([^()\s]*\))*\)")
_HEADING_MARK = re.compile(r"^#{1,6}\s+")
_ASTERISKS = re.compile(r"\*+")
_EMPHASIS = re.compile(
    r"(?<!\w)_+(?=\S)|(?<=\S)_+(?!\w)|(?<!\S)_+(?!\S)"  # _word_, __word__; snake_case stays
    r"|~~|`+"  # ~~struck~~, `code`
)
"""Underscore emphasis, strikethrough and code marks; an inner underscore (snake_case) stays."""
_BEFORE_FACTOR = re.compile(r"\d\s?$")
_AFTER_FACTOR = re.compile(r"\s?\d")


def _asterisks(match: re.Match[str]) -> str:
    """Emphasis (*word*, **word**) and footnote asterisks go; one between two numbers ('5 * 3', said 'times') stays."""
    text, start, end = match.string, match.start(), match.end()
    factor = end - start == 1 and _BEFORE_FACTOR.search(text, max(0, start - 2), start) and _AFTER_FACTOR.match(text, end)
    return match.group(0) if factor else ""
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?])")
_SPACES = re.compile(r"\s+")
_SPEAKABLE = re.compile(r"[^\W_]")


def _without_comments(text: str) -> str:
    """Drop HTML comments (and the markers of unterminated ones) in one pass: no regex backtracking on '<!--<!--...'."""
    head, *rest = text.split("<!--")
    kept = [head]
    for piece in rest:
        _, closed, after = piece.partition("-->")
        kept.append(after if closed else piece)
    return " ".join(kept).replace("-->", " ")


def clean_for_speech(text: str) -> str:
    """Text with Markdown/HTML syntax and invisible characters removed and whitespace collapsed; symbols stay."""
    text = drop_invisible(text)
    if "<" in text or ">" in text:
        text = _HTML_TAG.sub(" ", _without_comments(text))
    if "](" in text:
        text = _URL_IN_PARENS.sub("", _LINK.sub(r"\1", _IMAGE.sub(" ", text)))
    text = _EMPHASIS.sub("", _HEADING_MARK.sub("", text.lstrip()))
    if "*" in text:
        text = _ASTERISKS.sub(_asterisks, text)
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)


def is_speakable(text: str) -> bool:
    """True when the text holds at least one letter or digit to say."""
    return bool(_SPEAKABLE.search(text))
