"""Last safety net before speech: no markup character ever reaches the engine."""

from __future__ import annotations

import re

_URL_IN_PARENS = re.compile(r"\]\((?:[^()\s]|\([^()\s]*\))*\)")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.DOTALL)
_NUMBER_SIGN = re.compile(r"#(?=\d)")
_MARKUP = re.compile(r"[*`#\[\]{}<>|~^\\]|(?<!\w)_+|_+(?!\w)")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?])")
_SPACES = re.compile(r"\s+")
_SPEAKABLE = re.compile(r"[^\W_]")


def clean_for_speech(text: str) -> str:
    """Text with Markdown/HTML markup characters removed and whitespace collapsed ('#3' becomes 'number 3')."""
    text = _URL_IN_PARENS.sub("", text)
    text = _HTML_TAG.sub(" ", text)
    text = _NUMBER_SIGN.sub("number ", text)
    text = _MARKUP.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)


def is_speakable(text: str) -> bool:
    """True when the text holds at least one letter or digit to say."""
    return bool(_SPEAKABLE.search(text))
