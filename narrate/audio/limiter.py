"""Limiter: a look-ahead peak limiter that streams, computed a block at a time with numpy (no per-sample loop).

Gain is worked out on blocks of BLOCK samples. A block needs the gain min(1, ceiling / its peak).
Each block first takes the smallest need from `hold` blocks before it to `attack` blocks after it
(so a loud block is seen coming and is held after), then the average of that over the `attack`
blocks up to it. That average only takes minimums of windows that contain the block, so it never
exceeds the block's own need: no sample ever leaves above the ceiling. Gain falls in a
straight line over the attack (the look-ahead) before a loud block, stays down for the hold after it,
and comes back up over the attack time. Within a block, gain moves in a straight line from one block
edge to the next, each edge taking the smaller of its two blocks' gains, so it never exceeds either.

Output lags input by the look-ahead; flush() returns the rest, so exactly as many samples come out
as went in. The result depends on the samples only, not on how they were split into chunks.

Written here rather than taken from a library: the limiters in Python packages are per-sample
recursive filters in C++ plugin hosts (pedalboard) or need scipy, and this one is a few array
operations that leave speech without peaks untouched.
"""

from __future__ import annotations

import numpy as np

BLOCK = 32
"""Samples per gain block (0.73 ms at 44.1 kHz)."""


class PeakLimiter:
    """Keeps every sample of a mono float32 stream within +-ceiling, delaying it by the look-ahead."""

    def __init__(self, sample_rate: int, ceiling: float, attack_ms: float = 5.0, hold_ms: float = 40.0) -> None:
        """A limiter for `sample_rate` whose output never exceeds `ceiling` (linear, full scale 1.0)."""
        if not 0.0 < ceiling:
            raise ValueError("the limiter's ceiling must be positive")
        self.ceiling = float(ceiling)
        self.attack = max(1, round(sample_rate * attack_ms / 1000 / BLOCK))
        """Look-ahead (and attack and release ramps) in blocks."""
        self.hold = max(0, round(sample_rate * hold_ms / 1000 / BLOCK))
        """Blocks the gain stays down after a loud block."""
        self._pending = np.zeros(0, dtype=np.float32)
        """Input not yet sent out (starts on a block boundary)."""
        self._history = np.ones(self.hold + 2 * self.attack, dtype=np.float64)
        """Needed gains of the blocks just before the pending ones (1.0: silence before the start)."""
        self._taken = 0
        """Samples taken in."""
        self._given = 0
        """Samples sent out."""
        self.reduced_blocks = 0
        """Blocks whose gain went below 1 so far."""

    @property
    def latency(self) -> int:
        """Samples held back at most (the look-ahead plus one block)."""
        return (self.attack + 1) * BLOCK

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Take float32 samples in; return the limited samples that are ready (fewer, by the look-ahead)."""
        chunk = np.asarray(samples, dtype=np.float32)
        self._taken += chunk.size
        self._pending = np.concatenate((self._pending, chunk)) if self._pending.size else chunk.copy()
        return self._emit(final=False)

    def flush(self) -> np.ndarray:
        """Return every sample still held back, limited (call once, at the end of the stream)."""
        return self._emit(final=True)

    def _emit(self, final: bool) -> np.ndarray:
        pending = self._pending
        if final:
            # Silence after the end: the last blocks see no more peaks ahead of them.
            tail = (-pending.size) % BLOCK + (self.attack + 1) * BLOCK
            pending = np.concatenate((pending, np.zeros(tail, dtype=np.float32)))
        blocks = pending.size // BLOCK
        ready = blocks - (self.attack + 1)
        if ready <= 0:
            return np.zeros(0, dtype=np.float32)
        whole = pending[: blocks * BLOCK]
        if max(float(whole.max()), -float(whole.min())) <= self.ceiling:
            need = np.ones(blocks)  # the usual case, found with two fast passes instead of a reduction per block
        else:
            peaks = _block_peaks(whole).astype(np.float64)
            need = np.minimum(1.0, self.ceiling / np.maximum(peaks, 1e-30))
        needs = np.concatenate((self._history, need))
        h = self._history.size
        if needs[: h + ready + self.attack].min() == 1.0:  # nothing near these blocks needs turning down
            return self._send(pending[: ready * BLOCK].copy(), needs, ready, final)
        # needs[k] belongs to block k - h (blocks of `pending` are 0..blocks-1). For blocks -attack .. ready:
        # the smallest need from `hold` blocks before to `attack - 1` after.
        first = h - self.attack - self.hold
        held = _window_min(needs[first : h + ready + self.attack], self.hold + self.attack)
        # mean over the `attack` blocks up to each block: gains of blocks -1 .. ready
        gain = np.lib.stride_tricks.sliding_window_view(held, self.attack).mean(axis=1)
        edges = np.minimum(gain[:-1], gain[1:])  # gain at the start of blocks 0 .. ready
        out = pending[: ready * BLOCK].copy()
        lowered = np.flatnonzero((edges[:-1] < 1.0) | (edges[1:] < 1.0))
        if lowered.size:
            frac = (np.arange(BLOCK, dtype=np.float64) + 0.5) / BLOCK
            start, end = edges[lowered], edges[lowered + 1]
            ramp = (start[:, None] + (end - start)[:, None] * frac[None, :]).astype(np.float32)
            view = out.reshape(ready, BLOCK)
            view[lowered] *= ramp
            self.reduced_blocks += int(lowered.size)
        return self._send(out, needs, ready, final)

    def _send(self, out: np.ndarray, needs: np.ndarray, ready: int, final: bool) -> np.ndarray:
        """Keep the needs of the blocks before the new pending ones, drop what went out, count it."""
        self._history = needs[ready : ready + self._history.size].copy()
        self._pending = self._pending[ready * BLOCK :] if not final else np.zeros(0, dtype=np.float32)
        if final:
            out = out[: self._taken - self._given]
        self._given += out.size
        return out


def _block_peaks(samples: np.ndarray) -> np.ndarray:
    """Largest magnitude in each BLOCK (a power of two) of `samples` (whole blocks), by halving the blocks: whole-array
    passes that vectorize, about three times faster than numpy's reduction along the short axis."""
    peaks = np.abs(samples).reshape(-1, BLOCK)
    while peaks.shape[1] > 1:
        half = peaks.shape[1] // 2
        peaks = np.maximum(peaks[:, :half], peaks[:, half:])
    return peaks[:, 0]


def _window_min(values: np.ndarray, width: int) -> np.ndarray:
    """The minimum of every run of `width` consecutive values (len(values) - width + 1 of them), by doubling spans."""
    span, mins = 1, values
    while span * 2 <= width:
        mins = np.minimum(mins[:-span], mins[span:])  # mins[i] now covers values[i : i + 2 * span]
        span *= 2
    count = values.size - width + 1
    return np.minimum(mins[:count], mins[width - span : width - span + count])
