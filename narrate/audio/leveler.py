"""Leveler: the gain of every segment of a chunk, decided from that chunk's segments alone.

Each segment is brought to the target from its own BS.1770 measurement (made in the worker that spoke it, or
read from the cache), including the predicted loss of the true-peak limiter (LoudnessMeter.gain_for on that
segment's steps). When every segment sits at the target, the gated mean over the episode lands on it too (the
silences between segments fall below the gates). A segment shorter than MIN_OWN_LEVEL_S (a heading, a byline,
"Really.") is too short for its own gated loudness to mean much: it takes the gain of the last long segment
before it in its chunk, and the short ones before the chunk's first long segment take that one's gain; a chunk
of short segments only shares the gain of their combined measurements. Gain changes fall at segment
boundaries, which are the pauses between sentences, so they are not heard.

The gains of a chunk are a function of its own segments' measurements only (narrate.audio.chunk lists what a
chunk depends on), never of the segments around it or of whether a segment came from the cache: so a cold
build and a rebuild write the same bytes, and an unchanged chunk keeps its gains, and its frames, when another
chunk changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from narrate.audio.formats import LEVEL_VERSION
from narrate.audio.loudness import LoudnessMeter, SegmentLoudness

__all__ = ["LEVEL_VERSION", "MIN_OWN_LEVEL_S", "LevelTarget", "chunk_gains", "gain_for_segments"]
MIN_OWN_LEVEL_S = 1.5
"""Segments shorter than this take a neighbour's gain instead of their own."""


@dataclass(frozen=True)
class LevelTarget:
    """What every segment is brought to."""

    target_lufs: float
    """Integrated loudness to reach."""
    ceiling_db: float
    """The limiter's ceiling in dBFS (its predicted loss is made up, within bounds)."""
    max_gain_db: float
    """Largest gain applied either way."""


def gain_for_segments(measured: Sequence[SegmentLoudness], target: LevelTarget) -> float | None:
    """The gain (dB) that brings these segments, back to back, to the target; None when they are silent."""
    if not measured:
        return None
    meter = LoudnessMeter(measured[0].sample_rate)
    for m in measured:
        meter.add_segment(m)
    if meter.integrated_lufs() == float("-inf"):
        return None
    return meter.gain_for(target.target_lufs, target.ceiling_db, target.max_gain_db)


def chunk_gains(measured: Sequence[SegmentLoudness], target: LevelTarget) -> list[float]:
    """The gain (dB) of each of a chunk's segments, from their measurements in order (see the module docstring)."""
    own = [gain_for_segments([m], target) if m.duration_s >= MIN_OWN_LEVEL_S else None for m in measured]
    current = next((g for g in own if g is not None), None)
    if current is None:
        together = gain_for_segments(measured, target)
        return [0.0 if together is None else together] * len(measured)
    gains = []
    for gain in own:
        if gain is not None:
            current = gain
        gains.append(current)
    return gains
