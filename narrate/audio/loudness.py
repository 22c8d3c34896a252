"""Loudness (ITU-R BS.1770 / EBU R 128) from per-segment 100 ms energy steps, combined without a second pass.

Each segment is measured once, on its own (K-weighting filter, then the sum of squares of every
100 ms step), in the synthesis worker right after it is spoken; the steps are small numbers cached
beside the segment's audio (SegmentLoudness.to_extra), so a reused segment is never measured again.
An episode's integrated loudness is computed by laying the segments' steps (and the silences
between them) end to end and forming the standard 400 ms gating blocks from four consecutive steps
(75 % overlap). Steps are aligned to each segment's start rather than to the episode's 100 ms grid,
and the filter restarts at each segment, which moves the result by a few hundredths of an LU on speech.

The K-weighting filter is applied in the frequency domain (numpy's FFT times the filter's exact
response, overlap-save in blocks of whole steps that each carry 100 ms of input history, past which the
filter's impulse response has died away to 1e-18 of its energy), and each block's step energies are summed
straight from the FFT's output, so measuring needs numpy only: importing scipy.signal alone took 0.66 s.
"""

from __future__ import annotations

import functools
import math
import threading
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from narrate.audio.formats import EXTRA_VERSION

if TYPE_CHECKING:
    import numpy as np

STEP_S = 0.1
"""Length of one energy step in seconds (the BS.1770 block hop)."""
BLOCK_STEPS = 4
"""Steps per gating block (400 ms)."""
ABSOLUTE_GATE_LUFS = -70.0
"""Blocks quieter than this are ignored."""
RELATIVE_GATE_LU = -10.0
"""Blocks this far below the ungated loudness are ignored."""
GAIN_SEARCH_POINTS = 32
"""Gains tried at once in each round of gain_for's search (one array operation for all of them)."""
GAIN_SEARCH_ROUNDS = 3
"""Rounds of gain_for's search: the limiter make-up range (3 dB) narrowed 32^3 times, to under 0.0001 dB, finer than
the 0.001 dB the gain is rounded to."""
MAX_LIMITER_MAKEUP_DB = 3.0
"""Most extra gain given to make up for what the peak limiter is predicted to take away."""


@dataclass(frozen=True)
class SegmentLoudness:
    """The loudness measurements of one segment: what a cache stores beside its audio."""

    sample_rate: int
    """Sample rate the segment was measured at."""
    step_energy: tuple[float, ...]
    """Sum of squared K-weighted samples (full scale = 1.0) of each 100 ms step, from the segment's start."""
    step_samples: tuple[int, ...]
    """Number of samples in each step (all full but possibly the last)."""
    step_peak: tuple[float, ...]
    """Largest absolute sample value (full scale = 1.0, not K-weighted) of each step."""

    @property
    def peak(self) -> float:
        """Largest absolute sample value of the segment."""
        return max(self.step_peak, default=0.0)

    @property
    def duration_s(self) -> float:
        """Length of the measured audio in seconds."""
        return sum(self.step_samples) / self.sample_rate

    def to_extra(self) -> dict[str, object]:
        """A JSON-able form for a cache entry's extra (floats round-trip exactly through JSON)."""
        return {
            "loudness_v": EXTRA_VERSION,
            "rate": self.sample_rate,
            "energy": list(self.step_energy),
            "samples": list(self.step_samples),
            "peak": list(self.step_peak),
        }

    @classmethod
    def from_extra(cls, extra: dict[str, object] | None) -> SegmentLoudness | None:
        """The measurements stored by to_extra, or None when `extra` holds none (or another version)."""
        if not extra or extra.get("loudness_v") != EXTRA_VERSION:
            return None
        try:
            energy = tuple(float(x) for x in extra["energy"])  # type: ignore[union-attr]
            samples = tuple(int(x) for x in extra["samples"])  # type: ignore[union-attr]
            peak = tuple(float(x) for x in extra["peak"])  # type: ignore[union-attr]
            rate = int(extra["rate"])  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            return None
        if not (len(energy) == len(samples) == len(peak)):
            return None
        return cls(rate, energy, samples, peak)


@functools.cache
def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """The BS.1770 K-weighting filter (high shelf then high pass) as second-order sections for `sample_rate`."""
    import numpy as np

    # Coefficients derived for any rate from the filters' analog prototypes (as libebur128 does).
    f0, g, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (g / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf_b = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    shelf_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    hp_b = [1.0, -2.0, 1.0]
    hp_a = [1.0, 2.0 * (k * k - 1.0) / (1.0 + k / q + k * k), (1.0 - k / q + k * k) / (1.0 + k / q + k * k)]
    return np.array([shelf_b + shelf_a, hp_b + hp_a], dtype=np.float64)


def step_length(sample_rate: int) -> int:
    """Samples in one 100 ms step at `sample_rate`."""
    return max(1, round(sample_rate * STEP_S))


def _smooth_size(n: int) -> int:
    """The smallest 2^a * 3^b * 5^c >= n (sizes numpy's FFT handles fast)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35
            while size < n:
                size *= 2
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


TAIL_S = 0.1
"""Filter history each FFT block carries (s): the K-weighting's impulse response beyond it holds under 1e-18 of its energy
(its absolute sum under 2e-9: a quiet step right after a loud one stays exact to about 1e-9)."""
_MAX_FFT = 8000
"""Largest FFT size used where a smaller one will do: numpy allocates about 16 bytes per point for each FFT call, and
above glibc's 128 KiB mmap threshold (where narrate's workers pin it) every call would map and page-fault fresh memory."""
_FFT_BATCH = 8
"""Blocks transformed per FFT call (numpy makes an FFT plan per call, so few calls; the buffers stay under 1 MB)."""


@functools.lru_cache(maxsize=8)
def _block_plan(sample_rate: int) -> tuple[int, int, int]:
    """(steps per block, FFT size, history samples) for K-weighting at `sample_rate`: one FFT size per rate.

    Each block yields whole steps; of the step counts whose FFT fits in _MAX_FFT points, the one that
    wastes the least on history (one step per block when none fits).
    """
    step = step_length(sample_rate)
    history = max(64, math.ceil(sample_rate * TAIL_S))
    plans = [(steps, _smooth_size(steps * step + history)) for steps in range(1, _MAX_FFT // step + 1)]
    plans = [plan for plan in plans if plan[1] <= _MAX_FFT] or [(1, _smooth_size(step + history))]
    steps, size = max(plans, key=lambda plan: plan[0] * step / plan[1])
    return steps, size, size - steps * step


@functools.lru_cache(maxsize=8)
def _k_response(sample_rate: int, size: int) -> np.ndarray:
    """The K-weighting filter's exact frequency response on the rfft grid of `size` points."""
    import numpy as np

    z1 = np.exp(-2j * np.pi * np.arange(size // 2 + 1) / size)  # z^-1
    z2 = z1 * z1
    response = np.ones(size // 2 + 1, dtype=np.complex128)
    for b0, b1, b2, a0, a1, a2 in k_weighting_sos(sample_rate):
        response *= (b0 + b1 * z1 + b2 * z2) / (a0 + a1 * z1 + a2 * z2)
    return response


_buffers = threading.local()
"""Each thread's FFT work buffers, reused from call to call (fresh ones cost a page fault per 4 kB)."""


def _work_buffers(rows: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """This thread's (frames, spectra) buffers for `rows` blocks of an FFT of `size` points."""
    import numpy as np

    held = getattr(_buffers, "held", None)
    if held is None or held[0].shape[1] != size or held[0].shape[0] < rows:
        held = _buffers.held = (np.empty((max(rows, _FFT_BATCH), size)), np.empty((max(rows, _FFT_BATCH), size // 2 + 1), np.complex128))
    return held[0][:rows], held[1][:rows]


def _k_weighted_blocks(x: np.ndarray, sample_rate: int) -> Iterator[tuple[int, np.ndarray]]:
    """`x` through the K-weighting filter from rest, as (first block, rows of output) per FFT call.

    Overlap-save: block b yields the output samples [b * B, (b + 1) * B) (B = whole steps, the rows'
    length) from an FFT of the input that starts TAIL_S earlier (zeros before the start), so every
    output sample sees its filter's impulse response up to TAIL_S long; output past the end of `x`
    (the ringing after it) is zero. The rows are views into reused buffers, valid until the next item.
    """
    import numpy as np

    n = x.size
    steps, size, history = _block_plan(sample_rate)
    block = steps * step_length(sample_rate)
    blocks = -(-n // block)
    response = _k_response(sample_rate, size)
    for first in range(0, blocks, _FFT_BATCH):
        rows = min(_FFT_BATCH, blocks - first)
        frames, spectra = _work_buffers(rows, size)
        for row in range(rows):
            start = (first + row) * block - history
            lead = max(0, -start)
            piece = x[start + lead : start + size]
            frames[row, :lead] = 0.0
            frames[row, lead : lead + piece.size] = piece
            frames[row, lead + piece.size :] = 0.0
        np.fft.rfft(frames, size, out=spectra)
        spectra *= response
        np.fft.irfft(spectra, size, out=frames)  # same bits for a row whatever the rows beside it
        output = frames[:, history:]
        if first + rows == blocks:
            output[rows - 1, n - (blocks - 1) * block :] = 0.0
        yield first, output


def k_weight(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """`x` (full scale 1.0) through the K-weighting filter, starting from rest (same as sosfilt, to about 1e-12)."""
    import numpy as np

    if not x.size:
        return x
    steps, _, _ = _block_plan(sample_rate)
    block = steps * step_length(sample_rate)
    y = np.empty(-(-x.size // block) * block)
    for first, output in _k_weighted_blocks(x, sample_rate):
        y.reshape(-1, block)[first : first + output.shape[0]] = output
    return y[: x.size]


def measure_samples(samples: np.ndarray, sample_rate: int) -> SegmentLoudness:
    """Measure mono samples (int16, or float with full scale 1.0)."""
    import numpy as np

    step = step_length(sample_rate)
    n = samples.size
    full, rest = divmod(n, step)
    steps_per_block, _, _ = _block_plan(sample_rate)
    energy = np.empty(-(-n // (steps_per_block * step)) * steps_per_block)
    for first, output in _k_weighted_blocks(samples, sample_rate):
        steps = output.reshape(output.shape[0], steps_per_block, step)
        energy[first * steps_per_block : (first + output.shape[0]) * steps_per_block] = np.einsum(
            "ijk,ijk->ij", steps, steps
        ).ravel()
    energy = energy[: full + (1 if rest else 0)]
    if samples.dtype == np.int16:
        # Filtering and squaring the raw integers then scaling by 2^-30 gives the bits of scaling first.
        energy *= 1.0 / (32768.0 * 32768.0)
        grid = samples[: full * step].reshape(full, step)
        peaks = np.maximum(grid.max(axis=1).astype(np.int32), -grid.min(axis=1).astype(np.int32)) / 32768.0
        if rest:
            tail = samples[full * step :].astype(np.int32)
            peaks = np.append(peaks, max(int(tail.max()), -int(tail.min())) / 32768.0)
    else:
        magnitude = np.abs(samples).astype(np.float64, copy=False)
        peaks = magnitude[: full * step].reshape(full, step).max(axis=1)
        if rest:
            peaks = np.append(peaks, magnitude[full * step :].max())
    counts = (step,) * full + ((rest,) if rest else ())
    return SegmentLoudness(sample_rate, tuple(energy.tolist()), counts, tuple(peaks.tolist()))


def measure_pcm16(data: bytes, sample_rate: int) -> SegmentLoudness:
    """Measure mono signed 16-bit little-endian PCM bytes."""
    import numpy as np

    return measure_samples(np.frombuffer(data, dtype="<i2"), sample_rate)


class LoudnessMeter:
    """Combines segment measurements and silences, in episode order, into integrated loudness."""

    def __init__(self, sample_rate: int) -> None:
        """Start an empty meter for audio at `sample_rate`."""
        self.sample_rate = sample_rate
        # Compact arrays (8 bytes a step): a 12-hour episode holds about 432,000 steps.
        self._energy = array("d")
        self._samples = array("q")
        self._peaks = array("d")

    def add_segment(self, measured: SegmentLoudness, gain_db: float = 0.0) -> None:
        """Append one segment's measurements, as they will be after `gain_db`."""
        if measured.sample_rate != self.sample_rate:
            raise ValueError(f"segment measured at {measured.sample_rate} Hz, episode is {self.sample_rate} Hz")
        if gain_db:
            gain = 10 ** (gain_db / 20)
            self._energy.extend(e * gain * gain for e in measured.step_energy)
            self._peaks.extend(p * gain for p in measured.step_peak)
        else:
            self._energy.extend(measured.step_energy)
            self._peaks.extend(measured.step_peak)
        self._samples.extend(measured.step_samples)

    def add_silence(self, samples: int) -> None:
        """Append `samples` of digital silence."""
        step = step_length(self.sample_rate)
        full, rest = divmod(samples, step)
        self._energy.extend(array("d", bytes(8 * (full + (1 if rest else 0)))))
        self._samples.extend(array("q", [step]) * full + array("q", [rest] if rest else []))
        self._peaks.extend(array("d", bytes(8 * (full + (1 if rest else 0)))))

    def integrated_lufs(self) -> float:
        """Gated integrated loudness in LUFS (-inf when everything is below the absolute gate)."""
        import numpy as np

        return integrated_from_steps(np.asarray(self._energy), np.asarray(self._samples))

    @property
    def peak(self) -> float:
        """Largest absolute sample value so far (full scale = 1.0)."""
        import numpy as np

        return float(np.max(np.asarray(self._peaks))) if len(self._peaks) else 0.0

    @property
    def peak_db(self) -> float:
        """Sample peak in dBFS (-inf for silence)."""
        return 20 * math.log10(self.peak) if self.peak > 0 else -math.inf

    def limited_lufs(self, gain_db: float, ceiling_db: float) -> float:
        """Predicted integrated loudness after `gain_db` and a peak limiter at `ceiling_db`.

        Model: within a 100 ms step whose peak would exceed the ceiling, the limiter (release of
        tens of milliseconds, longer than a pitch period) holds the gain down by the overshoot for
        the whole step. That is close for voiced speech and slightly pessimistic for lone peaks.
        """
        import numpy as np

        return float(self.limited_lufs_many(np.array([gain_db]), ceiling_db)[0])

    def limited_lufs_many(self, gains_db: np.ndarray, ceiling_db: float) -> np.ndarray:
        """limited_lufs for each of `gains_db`, in one array operation."""
        import numpy as np

        gain = 10 ** (np.asarray(gains_db, dtype=np.float64)[:, None] / 20)
        ceiling = 10 ** (ceiling_db / 20)
        peaks = np.asarray(self._peaks) * gain
        reduction = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
        energy = np.asarray(self._energy) * (gain * reduction) ** 2
        return integrated_from_step_rows(energy, np.asarray(self._samples))

    def gain_for(self, target_lufs: float, ceiling_db: float, max_gain_db: float = 40.0) -> float:
        """The gain (dB) that, followed by a limiter at `ceiling_db`, lands on `target_lufs` (0 for silence).

        It is the plain gain to the target plus the predicted limiter loss, that extra bounded to
        MAX_LIMITER_MAKEUP_DB (audio whose peaks sit everywhere cannot be made loud by limiting).
        """
        import numpy as np

        source = self.integrated_lufs()
        if not math.isfinite(source):
            return 0.0
        plain = max(-max_gain_db, min(max_gain_db, target_lufs - source))
        low, high = plain, min(max_gain_db, plain + MAX_LIMITER_MAKEUP_DB)
        at_low, at_high = self.limited_lufs_many(np.array([low, high]), ceiling_db)
        if at_low >= target_lufs:
            return round(low, 3)
        if at_high <= target_lufs:
            return round(high, 3)
        for _ in range(GAIN_SEARCH_ROUNDS):  # loudness after limiting never falls as gain rises: narrow the bracket
            grid = np.linspace(low, high, GAIN_SEARCH_POINTS + 1)
            reached = self.limited_lufs_many(grid[1:-1], ceiling_db) >= target_lufs
            first = int(np.argmax(reached)) if reached.any() else reached.size  # grid[first] < target <= grid[first + 1]
            low, high = float(grid[first]), float(grid[first + 1])
        return round((low + high) / 2, 3)


def integrated_from_step_rows(energy: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """integrated_from_steps for each row of `energy` (rows of step energies over the same step sample counts)."""
    import numpy as np

    rows, n = energy.shape
    if n == 0:
        return np.full(rows, -math.inf)
    if n < BLOCK_STEPS:
        block_e, block_n = energy.sum(axis=1, keepdims=True), np.array([samples.sum()], dtype=np.float64)
    else:
        summed = np.concatenate((np.zeros((rows, 1)), np.cumsum(energy, axis=1)), axis=1)
        block_e = summed[:, BLOCK_STEPS:] - summed[:, :-BLOCK_STEPS]
        counts = np.concatenate(([0.0], np.cumsum(samples, dtype=np.float64)))
        block_n = counts[BLOCK_STEPS:] - counts[:-BLOCK_STEPS]
    mean_square = np.maximum(block_e, 0.0) / np.maximum(block_n, 1)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(mean_square)
        kept = block_lufs > ABSOLUTE_GATE_LUFS
        counted = kept.sum(axis=1)
        relative = -0.691 + 10 * np.log10(np.where(kept, mean_square, 0.0).sum(axis=1) / np.maximum(counted, 1)) + RELATIVE_GATE_LU
        kept &= block_lufs > relative[:, None]
        counted = kept.sum(axis=1)
        result = -0.691 + 10 * np.log10(np.where(kept, mean_square, 0.0).sum(axis=1) / np.maximum(counted, 1))
    return np.where(counted > 0, result, -math.inf)


def integrated_from_steps(energy: np.ndarray, samples: np.ndarray) -> float:
    """BS.1770 integrated loudness from consecutive 100 ms step energies and their sample counts."""
    import numpy as np

    if energy.size == 0:
        return -math.inf
    if energy.size < BLOCK_STEPS:
        block_e, block_n = np.array([energy.sum()]), np.array([samples.sum()])
    else:
        kernel = np.ones(BLOCK_STEPS)
        block_e = np.convolve(energy, kernel, mode="valid")
        block_n = np.convolve(samples.astype(np.float64), kernel, mode="valid")
    mean_square = block_e / np.maximum(block_n, 1)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(mean_square)
    kept = mean_square[block_lufs > ABSOLUTE_GATE_LUFS]
    if kept.size == 0:
        return -math.inf
    relative_gate = -0.691 + 10 * math.log10(kept.mean()) + RELATIVE_GATE_LU
    with np.errstate(divide="ignore"):
        kept = kept[-0.691 + 10 * np.log10(kept) > relative_gate]
    return -0.691 + 10 * math.log10(kept.mean())
