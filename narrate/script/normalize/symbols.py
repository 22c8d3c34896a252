"""Typography and symbols: curly quotes, dashes and ellipses as pauses, and every symbol said in words (&, #1, +, <, >, ^, ~, C#...).

This is the one place that speaks symbols; Markdown and HTML syntax was removed before, at compose time
(narrate.script.clean), so a `<`, `#` or `^` that reaches this module is one the article meant.
"""

from __future__ import annotations

import re

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
                         "\u00a0": " ", "\u2009": " ", "\u202f": " "})
_ELLIPSIS = re.compile(r"\s*(?:\.\s?\.\s?\.|…)(?:\s*\.)?(?P<after>\s+[A-Z]|\s*$)?")
_DASH_PAUSE = re.compile(r"\s*(?:—|―|--+)\s*|\s+[–-]\s+")
_NUMBER_SIGN = re.compile(r"#\s?(?=\d)")
_PLUS = re.compile(r"(?<=\d)\+(?!\d)|(?<![\w+])\+(?=\d)|\s\+\s|(?<=\w)\+(?=\w)")
_WORD_SLASH_OR = re.compile(r"\b(and|his|he|him|she|her|either)/(or|her|she|him|he|his)\b", re.IGNORECASE)
_WORD_SLASH = re.compile(r"(?<=[A-Za-z])/(?=[A-Za-z])")
_APPROX = re.compile(r"[~≈]\s?(?=[\d$£€¥])")
_AMPERSAND = re.compile(r"\s*&\s*")
INITIALS_AMPERSAND = re.compile(r"(?<![\w&])[A-Z]{1,3}&[A-Z]{1,3}(?![\w&])")
"""Names such as AT&T, R&D, P&G, H&M: eSpeak reads them as initials with 'and', better than any rewrite."""
_POWER = re.compile(r"(?<=\d)\s?\^\s?(?=[-−]?\d)|(?<=[\w)])\^(?=[-−]?\w)")
_ARROW = re.compile(r"\s*(?:-+>|=>|→)\s*(?=\S)")
_COMPARISON = re.compile(r"(?P<left>(?:\d|(?<![\w.])[A-Za-z]|\bpercent|[%)])\s*)?(?P<op><=|>=|≤|≥|<|>)(?![<>=])(?=\s*[-−+$£€¥~≈]?\s*\w)")
_COMPARISONS = {"<": ("is less than", "less than"), ">": ("is greater than", "more than"),
                "<=": ("is at most", "at most"), "≤": ("is at most", "at most"),
                ">=": ("is at least", "at least"), "≥": ("is at least", "at least")}
"""Comparison -> (reading after an operand: a number, a one-letter name or a bracket, 'x > 5'; reading with none, '> 50 people')."""
_SHARP = re.compile(r"(?<![\w#])([A-G])#(?![\w#])")
_TIMES = re.compile(r"(?<=\d)\s?[*×]\s?(?=\d)")
_INNER_UNDERSCORE = re.compile(r"(?<=[^\W_])_+(?=[^\W_])")
_SIMPLE = {"=": " equals ", "×": " times ", "÷": " divided by ", "≈": " about ", "~": "", "<": "", ">": "",
           "≤": " at most ", "≥": " at least ", "§": " section ", "°": " degrees ", "%": " percent ",
           "@": " at ", "#": " ", "|": ", ", "•": ", ", "·": ", ", "©": "", "®": "", "™": "", "†": "", "‡": "",
           "^": "", "\\": " ", "{": "", "}": "", "[": "", "]": "", "*": " ", "_": " ", "`": ""}
_SIMPLE_RE = re.compile("|".join(re.escape(k) for k in _SIMPLE))
_SPACES = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_REPEATED_COMMA = re.compile(r",(?:\s*,)+")
_COMMA_BEFORE_STOP = re.compile(r",\s*([.!?;:])")
_DOUBLE_STOP = re.compile(r"\.{2,}")
_LEADING_PUNCT = re.compile(r"^[\s,;:]+")


def straighten(text: str) -> str:
    """Curly quotes to straight ones, odd spaces to plain spaces, soft hyphens and zero-widths removed."""
    return text.translate(_QUOTES)


def ellipses_as_pauses(text: str) -> str:
    """Ellipses become a pause (comma), or a full stop when a new sentence or the end follows."""
    return _ELLIPSIS.sub(lambda m: "." + m["after"] if m["after"] is not None else ", ", text)


def say_powers(text: str) -> str:
    """'2^15' -> '2 to the power of 15', 'x^2' -> 'x to the power of 2' (before ranges and numbers take the digits apart)."""
    return _POWER.sub(" to the power of ", text)


def say_arrows(text: str) -> str:
    """'a -> b', 'a => b', 'a → b' -> 'a to b' (before dashes become pauses and '>' a comparison)."""
    return _ARROW.sub(" to ", text)


def dashes_as_pauses(text: str) -> str:
    """Em dashes, double hyphens and spaced dashes become a pause (comma); run after ranges have taken 52–48."""
    return _DASH_PAUSE.sub(", ", text)


def _comparison(match: re.Match[str]) -> str:
    after_operand, alone = _COMPARISONS[match["op"]]
    if match["left"]:
        return f"{match['left'].rstrip()} {after_operand} "
    return f" {alone} "


def say_symbols(text: str) -> str:
    """'&' -> 'and' (AT&T, R&D stay for eSpeak), '#1' -> 'number 1', 'C#' -> 'C sharp', '50+' -> '50 plus',
    '5 > 3' -> '5 is greater than 3', '< 5' -> 'less than 5', '3 * 4' -> '3 times 4', 'and/or' -> 'and or';
    other symbols to words, a pause, or nothing when they have no reading (a stray '^', '~' or backslash)."""
    text = _NUMBER_SIGN.sub("number ", text)
    text = _SHARP.sub(r"\1 sharp", text)
    text = _COMPARISON.sub(_comparison, text)
    text = _TIMES.sub(" times ", text)
    text = _INNER_UNDERSCORE.sub(" ", text)
    text = _AMPERSAND.sub(lambda m: m.group(0) if _is_initials_ampersand(m) else " and ", text)
    text = _PLUS.sub(" plus ", text)
    text = _WORD_SLASH_OR.sub(lambda m: f"{m.group(1)} {m.group(2)}" if m.group(2).lower() == "or" else f"{m.group(1)} or {m.group(2)}", text)
    text = _APPROX.sub("about ", text)
    text = _WORD_SLASH.sub(" slash ", text)
    return _SIMPLE_RE.sub(lambda m: _SIMPLE[m.group(0)], text)


def _is_initials_ampersand(match: re.Match[str]) -> bool:
    """True for the '&' of AT&T (no spaces, initials on both sides)."""
    return match.group(0) == "&" and any(
        m.start() < match.start() < m.end() for m in INITIALS_AMPERSAND.finditer(match.string, max(0, match.start() - 3), match.end() + 3)
    )


def tidy(text: str) -> str:
    """Collapse spaces and doubled punctuation left by the other passes."""
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEATED_COMMA.sub(",", text)
    text = _COMMA_BEFORE_STOP.sub(r"\1", text)
    text = _DOUBLE_STOP.sub(".", text)
    text = _LEADING_PUNCT.sub("", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()
