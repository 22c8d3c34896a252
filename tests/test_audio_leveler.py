"""The leveler: each long segment from its own measurement, short ones from a neighbour, in order."""

from __future__ import annotations

import numpy as np

from narrate.audio.leveler import MIN_OWN_LEVEL_S, Leveler, LevelTarget, gain_for_segments
from narrate.audio.loudness import LoudnessMeter, SegmentLoudness, measure_samples

RATE = 22050
TARGET = LevelTarget(-19.0, -2.0, 40.0)


def tone(seconds: float, amplitude: float) -> SegmentLoudness:
    t = np.arange(int(seconds * RATE)) / RATE
    return measure_samples(amplitude * np.sin(2 * np.pi * 440 * t), RATE)


def test_long_segments_reach_the_target_each_on_its_own() -> None:
    quiet, loud = tone(3.0, 0.01), tone(3.0, 0.3)
    gains = dict(item for m, name in ((quiet, "quiet"), (loud, "loud")) for item in Leveler(TARGET).add(name, m))
    assert gains["quiet"] > gains["loud"]
    for m, name in ((quiet, "quiet"), (loud, "loud")):
        meter = LoudnessMeter(RATE)
        meter.add_segment(m, gains[name])
        assert abs(meter.limited_lufs(0.0, TARGET.ceiling_db) - TARGET.target_lufs) < 0.1


def test_short_segments_wait_for_and_then_follow_the_long_ones() -> None:
    leveler: Leveler[str] = Leveler(TARGET)
    short = tone(MIN_OWN_LEVEL_S / 3, 0.5)
    assert list(leveler.add("heading", short)) == []  # waits: no long segment yet
    out = list(leveler.add("paragraph", tone(4.0, 0.05)))
    assert [name for name, _ in out] == ["heading", "paragraph"]
    assert out[0][1] == out[1][1] == gain_for_segments([tone(4.0, 0.05)], TARGET)
    after = list(leveler.add("aside", short))
    assert after == [("aside", out[1][1])]
    assert list(leveler.finish()) == []


def test_an_episode_of_short_segments_shares_one_gain() -> None:
    leveler: Leveler[int] = Leveler(TARGET)
    for i in range(3):
        assert list(leveler.add(i, tone(0.5, 0.1))) == []
    released = list(leveler.finish())
    assert [i for i, _ in released] == [0, 1, 2] and len({g for _, g in released}) == 1


def test_measurements_survive_a_cache_extra_exactly() -> None:
    m = tone(1.234, 0.2)
    assert SegmentLoudness.from_extra(m.to_extra()) == m
    assert SegmentLoudness.from_extra({"other": 1}) is None
