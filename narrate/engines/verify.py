"""Checks that a synthesized segment is real speech of a plausible length for its text."""

from __future__ import annotations

import re

from narrate.audio.pcm import Pcm
from narrate.engines.base import EngineError

MIN_SPEED = 0.25
"""Audio may be at most this many times shorter than expected at the requested rate (x4 faster)."""
MAX_SLOWNESS = 4.0
"""Audio may be at most this many times longer than expected at the requested rate."""
MIN_SECONDS = 0.1
"""Any segment with words is at least this long."""
EXTRA_SECONDS = 2.0
"""Allowance on top of the longest plausible length (pauses, a spelled-out number, an end pause)."""


def spoken_word_estimate(text: str) -> int:
    """Estimate how many words `text` takes to say (a digit group reads as several words)."""
    count = 0
    for token in text.split():
        digits = sum(ch.isdigit() for ch in token)
        count += digits + 1 if digits else (1 if re.search(r"\w", token) else 0)
    return count


def plausible_seconds(text: str, rate_wpm: float = 175) -> tuple[float, float]:
    """Return the (shortest, longest) plausible duration in seconds for `text` spoken at `rate_wpm`."""
    words = spoken_word_estimate(text)
    expected = 60.0 * max(words, 1) / max(rate_wpm, 1)
    return max(MIN_SECONDS, MIN_SPEED * expected), MAX_SLOWNESS * expected + EXTRA_SECONDS


def check_segment_audio(pcm: Pcm, text: str, rate_wpm: float = 175) -> None:
    """Raise EngineError unless `pcm` is non-silent audio whose duration is plausible for `text` at `rate_wpm`."""
    if not pcm.data or pcm.frames == 0:
        raise EngineError("the engine returned no audio")
    shortest, longest = plausible_seconds(text, rate_wpm)
    if pcm.duration < shortest:
        raise EngineError(f"the engine returned {pcm.duration:.2f} s of audio, too short for the text (at least {shortest:.2f} s)")
    if pcm.duration > longest:
        raise EngineError(f"the engine returned {pcm.duration:.1f} s of audio, too long for the text (at most {longest:.1f} s)")
    if not any(pcm.data):  # stops at the first non-zero byte (a count of zero bytes read all of every segment)
        raise EngineError("the engine returned only silence")
