"""Speaking rate for Piper: words per minute <-> Piper's length_scale, from a measured calibration.

Piper has no words-per-minute setting; it stretches every phoneme by `length_scale` (1.0 = the model's
own pace). Only part of the speech stretches: phoneme durations are rounded up to whole frames and
pauses barely move, so duration is affine in length_scale, not proportional:

    duration(ls) = duration(1.0) * (FIXED_SHARE + ls) / (FIXED_SHARE + 1)

Measured on en_US-joe-medium (piper-tts 1.8.0) over a 143-word news paragraph of our own, mean of two
runs at each of ls = 0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0 (least-squares line: 10.8 s + 31.5 s * ls):
NATURAL_WPM = 203 and FIXED_SHARE = 0.34. The plain ratio `NATURAL_WPM / rate` would miss by about
7% at 150 wpm (it gives ~160 wpm); the affine mapping lands within ~5% from 115 to 320 wpm
(checked on a second run: asked 130 / 175 / 220, got 130 / 182 / 211; Piper's duration noise is ~1-2%).
Other Piper models have their own pace; the constants are a good first guess for medium-quality voices.
"""

from __future__ import annotations

NATURAL_WPM = 203.0
"""Words per minute of en_US-joe-medium at length_scale 1.0 (measured, see the module docstring)."""
FIXED_SHARE = 0.34
"""The share of speech time that length_scale does not stretch, relative to the stretchable part."""
MIN_LENGTH_SCALE = 0.3
"""Fastest length_scale handed to Piper (shorter phonemes garble)."""
MAX_LENGTH_SCALE = 3.0
"""Slowest length_scale handed to Piper."""


def length_scale_for(rate_wpm: float) -> float:
    """Return the Piper length_scale that speaks at about `rate_wpm` words per minute (clamped to 0.3-3.0)."""
    if rate_wpm <= 0:
        raise ValueError(f"A speaking rate must be positive, not {rate_wpm} words per minute.")
    scale = NATURAL_WPM * (1.0 + FIXED_SHARE) / rate_wpm - FIXED_SHARE
    return round(min(MAX_LENGTH_SCALE, max(MIN_LENGTH_SCALE, scale)), 4)


def wpm_for(length_scale: float) -> float:
    """Return the words per minute Piper speaks at `length_scale` (the inverse of length_scale_for)."""
    if length_scale <= 0:
        raise ValueError(f"A length scale must be positive, not {length_scale}.")
    return NATURAL_WPM * (1.0 + FIXED_SHARE) / (FIXED_SHARE + length_scale)
