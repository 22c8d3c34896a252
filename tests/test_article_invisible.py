"""drop_invisible: bidi controls and other format characters go; the joiners that carry meaning stay where they do."""

from __future__ import annotations

import re
import unicodedata

import pytest

from narrate.article.invisible import FORMAT_CHARACTERS, drop_invisible


def test_the_format_class_is_unicode_category_cf() -> None:
    ours = re.compile(f"[{FORMAT_CHARACTERS}]")
    cf = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert all(ours.match(ch) for ch in cf)
    # Anything else the class holds is a format character of a newer Unicode than this Python's (Cn here).
    assert {unicodedata.category(chr(c)) for c in range(0x110000) if ours.match(chr(c))} <= {"Cf", "Cn"}


@pytest.mark.parametrize(
    ("text", "shown", "spoken"),
    [
        ("x\u202eevil\u202c y", "xevil y", "xevil y"),
        ("a \u2066b\u2069 c\u200b d\u00ade\ufeff", "a b c de", "a b c de"),
        ("bell\x07 and\x1b esc", "bell and esc", "bell and esc"),
        ("👩\u200d💻 coder", "👩\u200d💻 coder", "👩\u200d💻 coder"),
        ("a\u200db", "ab", "ab"),
        ("می\u200cخواهم", "می\u200cخواهم", "میخواهم"),
        ("🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f flag", "🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f flag", "🏴 flag"),
        ("x\U000e0041y", "xy", "xy"),
        ("\u0600\u0661\u0662", "\u0600\u0661\u0662", "\u0600\u0661\u0662"),
    ],
    ids=["bidi-override", "isolates-zwsp-soft-hyphen-bom", "controls", "emoji-zwj", "latin-zwj", "persian-zwnj",
         "tag-flag", "stray-tag", "arabic-number-sign"],
)
def test_drop_invisible(text: str, shown: str, spoken: str) -> None:
    assert drop_invisible(text) == shown
    assert drop_invisible(text, shown=False) == spoken
