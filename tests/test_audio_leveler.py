"""The leveler: within a chunk, each long segment from its own measurement, short ones from a neighbour."""

from __future__ import annotations

import numpy as np

from narrate.audio.leveler import MIN_OWN_LEVEL_S, LevelTarget, chunk_gains, gain_for_segments
from narrate.audio.loudness import LoudnessMeter, SegmentLoudness, measure_samples

RATE = 22050
TARGET = LevelTarget(-19.0, -2.0, 40.0)


def tone(seconds: float, amplitude: float) -> SegmentLoudness:
    t = np.arange(int(seconds * RATE)) / RATE
    return measure_samples(amplitude * np.sin(2 * np.pi * 440 * t), RATE)


def test_long_segments_reach_the_target_each_on_its_own() -> None:
    quiet, loud = tone(3.0, 0.01), tone(3.0, 0.3)
    gains = chunk_gains([quiet, loud], TARGET)
    assert gains[0] > gains[1]
    for m, gain in zip((quiet, loud), gains):
        meter = LoudnessMeter(RATE)
        meter.add_segment(m, gain)
        assert abs(meter.limited_lufs(0.0, TARGET.ceiling_db) - TARGET.target_lufs) < 0.1


def test_short_segments_take_the_gain_of_the_long_one_before_them_or_else_after() -> None:
    short, first, second = tone(MIN_OWN_LEVEL_S / 3, 0.5), tone(4.0, 0.05), tone(4.0, 0.2)
    gains = chunk_gains([short, first, short, second, short], TARGET)
    own_first, own_second = gain_for_segments([first], TARGET), gain_for_segments([second], TARGET)
    assert gains == [own_first, own_first, own_first, own_second, own_second]


def test_a_chunk_of_short_segments_shares_one_gain() -> None:
    gains = chunk_gains([tone(0.5, 0.1), tone(0.5, 0.2), tone(0.5, 0.1)], TARGET)
    assert len(set(gains)) == 1 and gains[0] == gain_for_segments([tone(0.5, 0.1), tone(0.5, 0.2), tone(0.5, 0.1)], TARGET)


def test_a_chunks_gains_depend_on_its_own_segments_only() -> None:
    segments = [tone(MIN_OWN_LEVEL_S / 2, 0.3), tone(3.0, 0.05), tone(2.0, 0.4)]
    alone = chunk_gains(segments, TARGET)
    assert chunk_gains([tone(5.0, 0.01), *segments][1:], TARGET) == alone
    assert chunk_gains([tone(0.4, 0.0)], TARGET) == [0.0]  # silence gets no gain


def test_measurements_survive_a_cache_extra_exactly() -> None:
    m = tone(1.234, 0.2)
    assert SegmentLoudness.from_extra(m.to_extra()) == m
    assert SegmentLoudness.from_extra({"other": 1}) is None
