"""Loudness (ITU-R BS.1770 / EBU R 128) from per-segment 100 ms energy steps, combined without a second pass.

Each segment is measured once, on its own (K-weighting filter, then the sum of squares of every
100 ms step), in the synthesis worker right after it is spoken; the steps are small numbers cached
beside the segment's audio (SegmentLoudness.to_extra), so a reused segment is never measured again.
An episode's integrated loudness is computed by laying the segments' steps (and the silences
between them) end to end and forming the standard 400 ms gating blocks from four consecutive steps
(75 % overlap). Steps are aligned to each segment's start rather than to the episode's 100 ms grid,
and the filter restarts at each segment, which moves the result by a few hundredths of an LU on speech.

The K-weighting filter is applied in the frequency domain (numpy's FFT times the filter's exact
response, overlap-add with half a second of zero padding per block, far longer than the filter's
impulse response takes to die away), so measuring needs numpy only: importing scipy.signal alone took 0.66 s.
"""

from __future__ import annotations

import functools
import math
from array import array
from dataclasses import dataclass

import numpy as np

STEP_S = 0.1
"""Length of one energy step in seconds (the BS.1770 block hop)."""
BLOCK_STEPS = 4
"""Steps per gating block (400 ms)."""
ABSOLUTE_GATE_LUFS = -70.0
"""Blocks quieter than this are ignored."""
RELATIVE_GATE_LU = -10.0
"""Blocks this far below the ungated loudness are ignored."""
EXTRA_VERSION = 2
"""Version of the measurements in a cache entry's extra (another version is re-measured): 2 since the overlap-add K-weighting, whose figures differ from version 1 in the 14th digit."""
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


_FFT_BATCH = 8
"""Blocks transformed per FFT call in k_weight (bounds its buffers to a few MB)."""


@functools.lru_cache(maxsize=8)
def _k_response(sample_rate: int, size: int) -> np.ndarray:
    """The K-weighting filter's exact frequency response on the rfft grid of `size` points."""
    z1 = np.exp(-2j * np.pi * np.arange(size // 2 + 1) / size)  # z^-1
    z2 = z1 * z1
    response = np.ones(size // 2 + 1, dtype=np.complex128)
    for b0, b1, b2, a0, a1, a2 in k_weighting_sos(sample_rate):
        response *= (b0 + b1 * z1 + b2 * z2) / (a0 + a1 * z1 + a2 * z2)
    return response


def k_weight(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """`x` (float, full scale 1.0) through the K-weighting filter, starting from rest (same as sosfilt).

    Overlap-add over blocks with one FFT size per sample rate, so the filter's cached response is one
    small array per rate (a response per signal length grew a worker by hundreds of MB on a novel).
    """
    if not x.size:
        return x
    tail = max(64, sample_rate // 2)  # zero padding: the impulse response's tail
    size = _smooth_size(max(4 * tail, 1 << 12))
    block = size - tail
    response = _k_response(sample_rate, size)
    y = np.zeros(x.size + size)
    starts = range(0, x.size, block)
    rows = min(_FFT_BATCH, len(starts))
    # Up to _FFT_BATCH blocks per FFT call, into reused buffers: one FFT plan per call instead of per block and
    # no fresh arrays per block. numpy transforms each row exactly as a 1-D call would: the same bits.
    frames = np.empty((rows, block))
    spectra = np.empty((rows, size // 2 + 1), dtype=np.complex128)
    filtered = np.empty((rows, size))
    for first in range(0, len(starts), rows):
        group = starts[first : first + rows]
        for row, start in enumerate(group):
            piece = x[start : start + block]
            frames[row, : piece.size] = piece
            frames[row, piece.size :] = 0.0
        n = len(group)
        np.fft.rfft(frames[:n], size, out=spectra[:n])
        spectra[:n] *= response
        np.fft.irfft(spectra[:n], size, out=filtered[:n])
        for row, start in enumerate(group):
            y[start : start + size] += filtered[row]
    return y[: x.size]


def measure_samples(samples: np.ndarray, sample_rate: int) -> SegmentLoudness:
    """Measure mono samples (int16, or float with full scale 1.0)."""
    x = samples.astype(np.float64)
    if samples.dtype == np.int16:
        x /= 32768.0
    y = k_weight(x, sample_rate)
    step = step_length(sample_rate)
    n_full = y.size // step
    energy = np.square(y[: n_full * step]).reshape(n_full, step).sum(axis=1).tolist()
    peaks = np.abs(x[: n_full * step]).reshape(n_full, step).max(axis=1).tolist() if n_full else []
    counts = [step] * n_full
    if y.size % step:
        energy.append(float(np.square(y[n_full * step :]).sum()))
        peaks.append(float(np.abs(x[n_full * step :]).max()))
        counts.append(y.size % step)
    return SegmentLoudness(sample_rate, tuple(energy), tuple(counts), tuple(peaks))


def measure_pcm16(data: bytes, sample_rate: int) -> SegmentLoudness:
    """Measure mono signed 16-bit little-endian PCM bytes."""
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
        return integrated_from_steps(np.asarray(self._energy), np.asarray(self._samples))

    @property
    def peak(self) -> float:
        """Largest absolute sample value so far (full scale = 1.0)."""
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
        gain = 10 ** (gain_db / 20)
        ceiling = 10 ** (ceiling_db / 20)
        peaks = np.asarray(self._peaks) * gain
        reduction = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
        energy = np.asarray(self._energy) * (gain * reduction) ** 2
        return integrated_from_steps(energy, np.asarray(self._samples))

    def gain_for(self, target_lufs: float, ceiling_db: float, max_gain_db: float = 40.0) -> float:
        """The gain (dB) that, followed by a limiter at `ceiling_db`, lands on `target_lufs` (0 for silence).

        It is the plain gain to the target plus the predicted limiter loss, that extra bounded to
        MAX_LIMITER_MAKEUP_DB (audio whose peaks sit everywhere cannot be made loud by limiting).
        """
        source = self.integrated_lufs()
        if not math.isfinite(source):
            return 0.0
        plain = max(-max_gain_db, min(max_gain_db, target_lufs - source))
        low, high = plain, min(max_gain_db, plain + MAX_LIMITER_MAKEUP_DB)
        if self.limited_lufs(low, ceiling_db) >= target_lufs:
            return round(low, 3)
        if self.limited_lufs(high, ceiling_db) <= target_lufs:
            return round(high, 3)
        for _ in range(30):  # loudness after limiting never falls as gain rises: bisect
            mid = (low + high) / 2
            if self.limited_lufs(mid, ceiling_db) < target_lufs:
                low = mid
            else:
                high = mid
        return round((low + high) / 2, 3)


def integrated_from_steps(energy: np.ndarray, samples: np.ndarray) -> float:
    """BS.1770 integrated loudness from consecutive 100 ms step energies and their sample counts."""
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
