"""The look-ahead peak limiter: never above the ceiling, untouched where nothing is loud, the same however it is fed."""

from __future__ import annotations

import numpy as np
import pytest

from narrate.audio.limiter import BLOCK, PeakLimiter

RATE = 44100


def limit(samples: np.ndarray, ceiling: float, chunks: list[int] | None = None, **kw: float) -> tuple[np.ndarray, PeakLimiter]:
    limiter = PeakLimiter(RATE, ceiling, **kw)
    pieces, start = [], 0
    for size in chunks or [samples.size]:
        pieces.append(limiter.process(samples[start : start + size]))
        start += size
    pieces.append(limiter.process(samples[start:]))
    pieces.append(limiter.flush())
    return np.concatenate(pieces), limiter


def reference_gain(samples: np.ndarray, ceiling: float, attack: int, hold: int) -> np.ndarray:
    """The limiter's gain per sample, computed the slow way from its definition (one block at a time)."""
    blocks = -(-samples.size // BLOCK)
    padded = np.zeros(blocks * BLOCK, dtype=np.float64)
    padded[: samples.size] = samples
    need = [min(1.0, ceiling / max(float(np.abs(padded[b * BLOCK : (b + 1) * BLOCK]).max()), 1e-30)) for b in range(blocks)]

    def need_at(b: int) -> float:
        return need[b] if 0 <= b < blocks else 1.0

    def held(b: int) -> float:
        return min(need_at(j) for j in range(b - hold, b + attack))

    def gain(b: int) -> float:
        return sum(held(j) for j in range(b - attack + 1, b + 1)) / attack

    out = np.empty(blocks * BLOCK)
    for b in range(blocks):
        start, end = min(gain(b - 1), gain(b)), min(gain(b), gain(b + 1))
        frac = (np.arange(BLOCK) + 0.5) / BLOCK
        out[b * BLOCK : (b + 1) * BLOCK] = start + (end - start) * frac
    return out[: samples.size]


def loud_speechlike(seconds: float, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(RATE * seconds)) / RATE
    envelope = 0.5 + 0.5 * np.abs(np.sin(2 * np.pi * 2.5 * t))
    voiced = 0.6 * np.sin(2 * np.pi * 180 * t) + 0.3 * np.sin(2 * np.pi * 540 * t + 1)
    return ((voiced + 0.1 * rng.standard_normal(t.size)) * envelope * 1.4).astype(np.float32)


def test_no_sample_leaves_above_the_ceiling_and_length_is_kept() -> None:
    signal = loud_speechlike(2.0)
    assert np.abs(signal).max() > 1.0
    out, limiter = limit(signal, 0.8)
    assert out.size == signal.size
    assert np.abs(out).max() <= 0.8 + 1e-6
    assert limiter.reduced_blocks > 0


def test_matches_its_definition_computed_the_slow_way() -> None:
    signal = loud_speechlike(0.3, seed=5)
    limiter = PeakLimiter(RATE, 0.7)
    expected = signal.astype(np.float64) * reference_gain(signal, 0.7, limiter.attack, limiter.hold)
    out, _ = limit(signal, 0.7)
    np.testing.assert_allclose(out, expected, rtol=0, atol=2e-6)


@pytest.mark.parametrize("chunks", [[1], [BLOCK - 1, 5, 7000], [123] * 50, [44100, 1, 1, 1]])
def test_the_result_does_not_depend_on_how_the_input_is_split(chunks: list[int]) -> None:
    signal = loud_speechlike(1.5, seed=11)
    whole, _ = limit(signal, 0.75)
    split, _ = limit(signal, 0.75, chunks=chunks)
    assert np.array_equal(whole, split)


def test_quiet_audio_passes_bit_for_bit() -> None:
    signal = (0.5 * loud_speechlike(1.0) / 1.6).astype(np.float32)
    assert np.abs(signal).max() < 0.8
    out, limiter = limit(signal, 0.8, chunks=[1000, 3333])
    assert np.array_equal(out, signal)
    assert limiter.reduced_blocks == 0


def test_gain_falls_before_a_click_and_recovers_after_the_hold() -> None:
    signal = np.full(RATE, 0.25, dtype=np.float32)  # a constant level well under the ceiling
    click = RATE // 2
    signal[click] = 1.0
    out, limiter = limit(signal, 0.5)
    gain = out / signal
    assert out[click] == pytest.approx(0.5, abs=1e-6)
    attack, hold = limiter.attack * BLOCK, limiter.hold * BLOCK
    assert gain[click - attack - 2 * BLOCK] == 1.0  # before the look-ahead: untouched
    assert 0.5 < gain[click - attack // 2] < 1.0  # on the way down, ahead of the click
    assert gain[click + hold - 2 * BLOCK] == pytest.approx(0.5, abs=1e-6)  # held down after it
    assert gain[click + hold + attack + 2 * BLOCK] == 1.0  # and back up
    assert np.all(np.diff(gain[click - attack - 2 * BLOCK : click]) <= 1e-7)  # falls smoothly, never jumps up


def test_silence_and_empty_input() -> None:
    out, _ = limit(np.zeros(10, dtype=np.float32), 0.5)
    assert np.array_equal(out, np.zeros(10, dtype=np.float32))
    out, _ = limit(np.zeros(0, dtype=np.float32), 0.5)
    assert out.size == 0
