"""Episode file names: an ASCII slug of the title plus a short hash of the audio content."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_len: int = 60) -> str:
    """An ASCII, lowercase, hyphenated slug of `title` ('episode' when nothing ASCII is left)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_WORD.sub("-", ascii_text).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug or "episode"


def episode_stem(title: str, audio_sha256: str) -> str:
    """The STEM of an episode's files: SLUG-HASH, HASH being 8 hex digits of the audio content."""
    return f"{slugify(title)}-{audio_sha256[:8]}"
