"""The FFT K-weighting's step energies against scipy's recursive filter, its history length, and determinism."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from narrate.audio import loudness
from narrate.audio.loudness import LoudnessMeter, k_weighting_sos, measure_pcm16, measure_samples, step_length


def reference_steps(x: np.ndarray, rate: int) -> np.ndarray:
    """Step energies of `x` through scipy's sosfilt from rest (the exact recursive filter)."""
    from scipy.signal import sosfilt

    y = sosfilt(k_weighting_sos(rate), x)
    step = step_length(rate)
    padded = np.zeros(-(-y.size // step) * step)
    padded[: y.size] = y
    return np.square(padded).reshape(-1, step).sum(axis=1)


def assert_steps_exact(measured: tuple[float, ...], expected: np.ndarray, rate: int) -> None:
    """Every step louder than -100 LUFS (30 LU under the absolute gate) within 1e-6 relative."""
    got = np.asarray(measured)
    assert got.shape == expected.shape
    audible = expected / step_length(rate) > 10 ** ((-100 + 0.691) / 10)
    assert audible.any()
    assert np.max(np.abs(got - expected)[audible] / expected[audible]) < 1e-6
    assert np.max(np.abs(got - expected)) < 1e-9 * expected.max()


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_tones_and_noise_match_the_recursive_filter(rate: int) -> None:
    t = np.arange(int(rate * 3.37)) / rate
    rng = np.random.default_rng(rate)
    signals = [0.5 * np.sin(2 * np.pi * f * t) for f in (20, 50, 1000, min(8000, rate // 3))]
    signals.append(np.clip(rng.standard_normal(t.size) * 0.2, -1, 1))
    # Loud then nearly silent: the quiet steps must not pick up the loud part's filter history.
    signals.append(np.where(t < 1.0, 0.8 * np.sin(2 * np.pi * 60 * t), 1e-4 * np.sin(2 * np.pi * 440 * t)))
    for x in signals:
        assert_steps_exact(measure_samples(x, rate).step_energy, reference_steps(x, rate), rate)
        pcm = np.round(x * 32767).astype("<i2")
        assert_steps_exact(measure_pcm16(pcm.tobytes(), rate).step_energy, reference_steps(pcm / 32768.0, rate), rate)


@pytest.mark.parametrize("length", [1, 50, 2204, 2205, 2206, 4410 * 3 - 1, 4410 * 3, 4410 * 3 + 1, 100_001])
def test_lengths_around_step_and_block_edges(length: int) -> None:
    rng = np.random.default_rng(length)
    pcm = (rng.standard_normal(length) * 6000).astype(np.int16)
    measured = measure_samples(pcm, 22050)
    assert_steps_exact(measured.step_energy, reference_steps(pcm / 32768.0, 22050), 22050)
    step = step_length(22050)
    assert sum(measured.step_samples) == length and set(measured.step_samples[:-1]) <= {step}
    expected_peaks = [float(np.abs(pcm[i : i + step] / 32768.0).max()) for i in range(0, length, step)]
    assert list(measured.step_peak) == expected_peaks


def test_empty_input_measures_nothing() -> None:
    measured = measure_pcm16(b"", 22050)
    assert measured.step_energy == measured.step_peak == measured.step_samples == ()


def test_997_hz_sine_at_minus_20_dbfs_reads_minus_23_lufs_mono() -> None:
    rate = 48000
    x = 0.1 * np.sin(2 * np.pi * 997 * np.arange(rate * 10) / rate)
    meter = LoudnessMeter(rate)
    meter.add_segment(measure_samples(x, rate))
    assert abs(meter.integrated_lufs() - (-20.0 - 3.01)) < 0.01


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 24000, 44100, 48000, 96000])
def test_history_outlasts_the_impulse_response(rate: int) -> None:
    from scipy.signal import sosfilt

    impulse = np.zeros(rate)
    impulse[0] = 1.0
    h = sosfilt(k_weighting_sos(rate), impulse)
    steps, size, history = loudness._block_plan(rate)
    assert history >= rate * loudness.TAIL_S and size - history == steps * step_length(rate)
    assert np.sum(h[history:] ** 2) < 1e-18 * np.sum(h**2)
    assert np.sum(np.abs(h[history:])) < 2e-9 * np.sum(np.abs(h))


def test_same_bytes_give_the_same_floats_in_any_thread_and_order() -> None:
    rng = np.random.default_rng(11)
    data = (rng.standard_normal(150_000) * 5000).astype("<i2").tobytes()
    first = measure_pcm16(data, 22050)
    measure_samples(rng.standard_normal(77_777), 44100)  # other rates and lengths in between
    measure_pcm16(data[:30_000], 22050)
    results = []
    worker = threading.Thread(target=lambda: results.append(measure_pcm16(bytes(bytearray(data)), 22050)))
    worker.start()
    worker.join()
    assert results == [first] and measure_pcm16(data, 22050) == first
