"""Per-segment BS.1770 measurement in numpy, checked against ffmpeg's ebur128 on the same PCM."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from narrate.audio.ffmpeg import run_ffmpeg
from narrate.audio.loudness import LoudnessMeter, measure_pcm16, measure_samples


def ffmpeg_integrated(data: bytes, rate: int) -> float:
    """Integrated loudness of mono s16le PCM by ffmpeg's ebur128 filter."""
    err = run_ffmpeg(
        ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", "-af", "ebur128=framelog=quiet", "-f", "null", "-"],
        input=data,
    ).stderr.decode()
    return float(re.search(r"I:\s+(-?[\d.]+) LUFS", err[err.rfind("Summary:") :]).group(1))


def varied_signal(rate: int, seconds: float, seed: int) -> np.ndarray:
    """Noise and tones whose level changes every half second, with quiet gaps (exercises both gates)."""
    rng = np.random.default_rng(seed)
    n = int(rate * seconds)
    t = np.arange(n) / rate
    levels = np.repeat(rng.choice([0.0, 0.002, 0.05, 0.2, 0.5], size=int(seconds * 2) + 1), rate // 2)[:n]
    x = levels * (0.5 * np.sin(2 * np.pi * 300 * t) + 0.5 * np.clip(rng.standard_normal(n) / 3, -1, 1))
    return (x * 32767).astype("<i2")


@pytest.mark.parametrize("rate", [22050, 44100, 16000])
def test_whole_signal_matches_ffmpeg(rate: int) -> None:
    samples = varied_signal(rate, 12.0, seed=rate)
    meter = LoudnessMeter(rate)
    meter.add_segment(measure_samples(samples, rate))
    assert abs(meter.integrated_lufs() - ffmpeg_integrated(samples.tobytes(), rate)) < 0.15


def test_segments_and_silences_combine_like_one_pass() -> None:
    rate = 22050
    parts = [varied_signal(rate, 1.3 + 0.4 * i, seed=i) for i in range(8)]
    pauses = [int(rate * p) for p in (0.3, 0.75, 0.2, 1.1, 0.5, 0.3, 0.9)]
    meter = LoudnessMeter(rate)
    joined = []
    for i, part in enumerate(parts):
        if i:
            meter.add_silence(pauses[i - 1])
            joined.append(np.zeros(pauses[i - 1], dtype="<i2"))
        meter.add_segment(measure_pcm16(part.tobytes(), rate))
        joined.append(part)
    assert abs(meter.integrated_lufs() - ffmpeg_integrated(np.concatenate(joined).tobytes(), rate)) < 0.3


def test_silence_and_gain_for() -> None:
    meter = LoudnessMeter(22050)
    meter.add_silence(22050)
    assert meter.integrated_lufs() == -math.inf
    assert meter.gain_for(-19.0, -2.0) == 0.0
    quiet = varied_signal(22050, 5.0, seed=3) // 8
    meter.add_segment(measure_samples(quiet, 22050))
    gain = meter.gain_for(-19.0, -2.0)
    assert gain > 0
    assert abs(meter.limited_lufs(gain, -2.0) - -19.0) < 0.05


def test_k_weight_matches_the_recursive_filter_across_blocks():
    from scipy.signal import sosfilt

    from narrate.audio.loudness import k_weight, k_weighting_sos

    rng = np.random.default_rng(7)
    for rate, length in ((22050, 1), (22050, 3001), (22050, 250_000), (48000, 123_457)):
        x = rng.standard_normal(length) * 0.2
        assert np.max(np.abs(k_weight(x, rate) - sosfilt(k_weighting_sos(rate), x))) < 1e-9


def test_measuring_many_lengths_keeps_one_filter_response_per_rate():
    from narrate.audio import loudness

    loudness._k_response.cache_clear()
    rng = np.random.default_rng(3)
    for length in range(20_000, 420_000, 37_000):
        loudness.measure_samples((rng.standard_normal(length) * 3000).astype(np.int16), 22050)
    info = loudness._k_response.cache_info()
    assert info.currsize == 1 and info.hits > 0
