"""Leveler: the gain of every segment, known before its first sample is encoded, so the encode streams.

Design. The one MP3 encode reads the episode as it is synthesized, so a gain cannot wait for the
whole episode's loudness (on a cold cache that is known only after the last segment is spoken).
Each segment is instead brought to the target from its own BS.1770 measurement (made in the worker
that spoke it, or read from the cache), including the predicted loss of the true-peak limiter
(LoudnessMeter.gain_for on that segment's steps). When every segment sits at the target, the gated
mean over the episode lands on it too (the silences between segments fall below the gates).
A segment shorter than MIN_OWN_LEVEL_S (a heading, a byline, "Really.") is too short for its own
gated loudness to mean much: it takes the gain of the last long segment before it, and the short
ones before the first long segment wait for that one's gain (at most MAX_WAITING of them are held,
then they share the gain of their combined measurements). Gain changes fall at segment boundaries,
which are the pauses between sentences, so they are not heard.

The gain is a function of the script's segments and their audio only, never of whether a segment
came from the cache, so a cold build and a rebuild write byte-identical MP3s. (A single fixed gain
computed from all measurements is possible when every segment is cached, but would give a rebuild
different bytes from the cold build of the same input; and that case is fast anyway, since its
audio is read from the cache at disk speed.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from narrate.audio.loudness import LoudnessMeter, SegmentLoudness

MIN_OWN_LEVEL_S = 1.5
"""Segments shorter than this take a neighbour's gain instead of their own."""
MAX_WAITING = 64
"""Most short segments held back while waiting for the first long one."""

T = TypeVar("T")


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


class Leveler(Generic[T]):
    """Feed (item, measurement) pairs in episode order; get (item, gain_db) pairs back in the same order."""

    def __init__(self, target: LevelTarget) -> None:
        """A leveler for `target`."""
        self.target = target
        self._last_gain: float | None = None
        self._waiting: list[tuple[T, SegmentLoudness]] = []

    def add(self, item: T, measured: SegmentLoudness) -> Iterator[tuple[T, float]]:
        """Take the next segment; yield every segment whose gain is now known."""
        own = gain_for_segments([measured], self.target) if measured.duration_s >= MIN_OWN_LEVEL_S else None
        if own is None and self._last_gain is None:
            self._waiting.append((item, measured))
            if len(self._waiting) >= MAX_WAITING:
                yield from self._release(gain_for_segments([m for _, m in self._waiting], self.target))
            return
        if own is not None:
            self._last_gain = own
            yield from self._release(own)
        yield item, (own if own is not None else self._last_gain)  # type: ignore[misc]

    def finish(self) -> Iterator[tuple[T, float]]:
        """Yield the segments still held back (an episode of short segments only)."""
        yield from self._release(gain_for_segments([m for _, m in self._waiting], self.target))

    def _release(self, gain: float | None) -> Iterator[tuple[T, float]]:
        """Give every waiting segment `gain` (0 dB when even together they are silent)."""
        waiting, self._waiting = self._waiting, []
        g = 0.0 if gain is None else gain
        if self._last_gain is None and gain is not None:
            self._last_gain = gain
        for item, _ in waiting:
            yield item, g
