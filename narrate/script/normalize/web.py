"""The web in prose: URLs, email addresses, @handles and #hashtags."""

from __future__ import annotations

import re

TLDS = "com|org|net|gov|edu|int|mil|io|co|uk|us|eu|de|fr|ca|au|in|info|news|tv|ai|app|dev|ly|me|nz|ie|ua|ru|jp|cn"
"""Top-level domains recognised in bare domain names such as example.org."""

_URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:!?]"
    rf"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{TLDS})\b(?:/[^\s<>()\"']*[^\s<>()\"'.,;:!?])?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HANDLE = re.compile(r"(?<![\w@])@(\w{1,30})\b")
_HASHTAG = re.compile(r"(?<![\w#&])#([A-Za-z]\w*)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_PATH_WORD = re.compile(r"^[A-Za-z]+$")
_SEPARATORS = {".": " dot ", "/": " slash ", "-": " dash ", "_": " underscore ", "@": " at "}


def _spell_address(address: str) -> str:
    """'news.example.org' -> 'news dot example dot org'."""
    return re.sub(r"[./\-_@]", lambda m: _SEPARATORS[m.group(0)], address).strip()


def _url(match: re.Match[str]) -> str:
    url = re.sub(r"^https?://", "", match.group(0), flags=re.IGNORECASE)
    host, _, path = url.partition("/")
    path = path.split("?", 1)[0].split("#", 1)[0].strip("/")
    spoken = _spell_address(host.lower())
    parts = [p for p in path.split("/") if p]
    if parts and len(parts) <= 2 and all(_PATH_WORD.match(p) for p in parts):
        spoken += " slash " + " slash ".join(parts)
    return spoken


def say_web(text: str) -> str:
    """'https://www.example.org/news' -> 'www dot example dot org slash news'; 'jo@example.org' -> 'jo at example dot org';
    '@jo_smith' -> 'at jo smith'; '#ClimateWeek' -> 'hashtag Climate Week'."""
    text = _EMAIL.sub(lambda m: _spell_address(m.group(0)), text)
    text = _URL.sub(_url, text)
    text = _HANDLE.sub(lambda m: "at " + m.group(1).replace("_", " "), text)
    return _HASHTAG.sub(lambda m: "hashtag " + _CAMEL.sub(" ", m.group(1)).replace("_", " "), text)
