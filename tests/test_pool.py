"""The worker pool: results in order, streamed; a hung, crashing or flaky engine is retried, then named."""

import math
import os
import struct
import time
from pathlib import Path

import pytest

from narrate.audio.pcm import Pcm
from narrate.engines.base import EngineError, VoiceSettings
from narrate.engines.pool import SynthJob, synthesize_segments


def speech_like(text: str, settings: VoiceSettings) -> Pcm:
    """A tone as long as `text` takes at the settings' rate (passes verification)."""
    seconds = 60 * len(text.split()) / settings.rate_wpm
    frames = int(seconds * 8000)
    data = b"".join(struct.pack("<h", int(6000 * math.sin(i / 3))) for i in range(frames))
    return Pcm(data=data, sample_rate=8000)


class HangingEngine:
    """Hangs on any text containing 'hang'."""

    name, version = "hanging", "1"

    def synthesize(self, text, settings):
        if "hang" in text:
            time.sleep(3600)
        return speech_like(text, settings)


class CrashOnceEngine:
    """Kills its worker the first time it sees a text, using a marker file named by settings.voice."""

    name, version = "crash-once", "1"

    def synthesize(self, text, settings):
        marker = Path(settings.voice)
        if not marker.exists():
            marker.write_text("crashed")
            os._exit(3)
        return speech_like(text, settings)


class EmptyEngine:
    """Returns no audio: verification must refuse it."""

    name, version = "empty", "1"

    def synthesize(self, text, settings):
        return Pcm(b"", 22050)


def jobs_for(engine: str, texts, voice=None):
    return [SynthJob(i, t, f"{__name__}:{engine}", VoiceSettings(voice=voice)) for i, t in enumerate(texts)]


def test_real_engine_results_come_in_order():
    texts = [" ".join(["word"] * n) + "." for n in (1, 4, 2, 9, 3, 14)]
    done = []
    jobs = [SynthJob(i, t, "pyttsx3", VoiceSettings(rate_wpm=200)) for i, t in enumerate(texts)]
    durations = [pcm.duration for pcm in synthesize_segments(jobs, workers=2, timeout_s=30, on_done=done.append)]
    assert done == list(range(6))
    by_length = sorted(range(6), key=lambda i: len(texts[i]))
    assert sorted(range(6), key=lambda i: durations[i]) == by_length


def test_results_stream_before_later_jobs_finish():
    texts = ["first words here", "then this one hangs"]
    stream = synthesize_segments(jobs_for("HangingEngine", texts), workers=2, timeout_s=30)
    started = time.monotonic()
    first = next(stream)
    assert first.duration > 0 and time.monotonic() - started < 20
    stream.close()


def test_a_hung_segment_times_out_is_retried_then_named():
    texts = ["All is well here.", "This segment will hang forever and ever.", "Never reached."]
    started = time.monotonic()
    with pytest.raises(EngineError) as caught:
        list(synthesize_segments(jobs_for("HangingEngine", texts), workers=2, timeout_s=1, retries=1))
    message = str(caught.value)
    assert message.startswith('Segment 2 ("This segment will hang forever and ever.")')
    assert "after 2 attempts" in message and "longer than 1 s" in message
    assert time.monotonic() - started < 30


def test_a_crashed_worker_is_replaced_and_the_segment_retried(tmp_path):
    marker = tmp_path / "crashed-once"
    pcms = list(synthesize_segments(jobs_for("CrashOnceEngine", ["One two three four."], voice=str(marker)), 1, 30))
    assert marker.exists() and len(pcms) == 1 and pcms[0].duration > 0


def test_unverifiable_audio_is_never_a_silent_gap():
    with pytest.raises(EngineError, match=r"Segment 1 .*no audio"):
        list(synthesize_segments(jobs_for("EmptyEngine", ["Some words to say."]), 1, 10, retries=1))


def test_no_jobs_yield_nothing():
    assert list(synthesize_segments([], 2, 10)) == []
