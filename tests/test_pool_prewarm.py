"""Prewarmed synthesis workers: started before the script exists, taken by the synthesis that needs their engine,
the same bytes as workers started on demand, and stopped when nothing takes them."""

import math
import os
import struct
import time

from narrate.audio.pcm import Pcm
from narrate.engines import pool
from narrate.engines.base import VoiceSettings
from narrate.engines.pool import SynthJob, discard_warm, prewarm, synthesize_segments

NARRATOR = VoiceSettings(voice="gmw/en-us", rate_wpm=175, language="en-us")
HEADLINE = VoiceSettings(voice="gmw/en-us", rate_wpm=160, pitch=45, language="en-us")


def speech_like(text: str, settings: VoiceSettings) -> Pcm:
    """A tone as long as `text` takes at the settings' rate (passes verification)."""
    frames = int(60 * len(text.split()) / settings.rate_wpm * 8000)
    return Pcm(data=b"".join(struct.pack("<h", int(6000 * math.sin(i / 3))) for i in range(frames)), sample_rate=8000)


class SlowEngine:
    """Takes a quarter of a second per segment."""

    name, version = "slow", "1"

    def synthesize(self, text, settings):
        time.sleep(0.25)
        return speech_like(text, settings)


def real_jobs() -> list[SynthJob]:
    texts = [("Harbour ferries run again after the storm.", HEADLINE),
             ("The first boat left at six, with forty passengers and two dogs on board.", NARRATOR),
             ("Tickets bought for the cancelled crossings stay valid until Sunday.", NARRATOR)]
    return [SynthJob(i, text, "pyttsx3", settings) for i, (text, settings) in enumerate(texts)]


def test_a_prewarmed_pool_is_taken_and_speaks_the_same_bytes_as_a_fresh_one() -> None:
    fresh = [p.data for p in synthesize_segments(real_jobs(), workers=2, timeout_s=60)]
    prewarm("pyttsx3", NARRATOR)
    warm = pool._warm_pools["pyttsx3"].pool
    time.sleep(1.0)  # the workers have started eSpeak NG and trimmed and measured their warm-up audio
    spoken = [p.data for p in synthesize_segments(real_jobs(), workers=2, timeout_s=60)]
    assert "pyttsx3" not in pool._warm_pools  # taken...
    assert not warm.active  # ...and stopped with the synthesis that took it
    assert spoken == fresh


def test_a_prewarmed_pool_of_another_engine_is_left_alone_and_discarded() -> None:
    prewarm(f"{__name__}:SlowEngine", VoiceSettings())
    warm = pool._warm_pools[f"{__name__}:SlowEngine"].pool
    results = list(synthesize_segments(real_jobs()[:1], workers=1, timeout_s=60))
    assert len(results) == 1 and f"{__name__}:SlowEngine" in pool._warm_pools
    discard_warm()
    assert not pool._warm_pools and not warm.active


def test_the_caller_hears_once_that_it_is_waiting_for_its_workers() -> None:
    calls = []
    jobs = [SynthJob(i, f"segment number {i} of three", f"{__name__}:SlowEngine", VoiceSettings()) for i in range(3)]
    results = list(synthesize_segments(jobs, workers=1, timeout_s=60, on_idle=lambda: calls.append(time.monotonic())))
    assert len(results) == 3 and len(calls) == 1


class PidEngine:
    """Records which worker process spoke each segment, and when that worker made its engine (in the folder the
    settings' voice names)."""

    name, version = "pids", "1"

    def __init__(self) -> None:  # made once per worker: when it prepares, or at its first segment
        self.made = time.monotonic()  # CLOCK_MONOTONIC: comparable between processes

    def synthesize(self, text, settings):
        with open(os.path.join(settings.voice, f"{os.getpid()}.txt"), "a", encoding="utf-8") as spoken:
            spoken.write(f"{text}\t{self.made}\n")
        return speech_like(text, settings)


def _spoken_by(folder) -> dict[int, list[tuple[str, float]]]:
    """Per worker process id: (text, when its engine was made) of each segment it spoke."""
    return {int(f.stem): [(text, float(made)) for text, made in (line.split("\t") for line in f.read_text("utf-8").splitlines())]
            for f in folder.glob("*.txt")}


def test_an_edit_s_one_segment_is_spoken_by_the_prepared_worker_and_more_workers_start_beside_it(tmp_path, monkeypatch) -> None:
    engine, settings = f"{__name__}:PidEngine", VoiceSettings(voice=str(tmp_path))
    jobs = [SynthJob(i, f"segment number {i} of four", engine, settings) for i in range(4)]
    started = []
    new_pool = pool._new_pool
    monkeypatch.setattr(pool, "_new_pool", lambda name, workers: started.append(workers) or new_pool(name, workers))
    # One new segment (an edit) with two workers allowed: the prewarmed worker, ready before it was asked, speaks it.
    prewarm(engine, settings)
    assert started == [1]
    time.sleep(1.0)  # the prewarmed worker has made its engine
    asked = time.monotonic()
    assert len(list(synthesize_segments(jobs[:1], workers=2, timeout_s=60))) == 1
    spoken = _spoken_by(tmp_path)
    assert started == [1] and len(spoken) == 1  # no other worker was started
    [(text, made)] = next(iter(spoken.values()))
    assert text == jobs[0].text and made < asked
    # Four new segments with two workers: the prewarmed one and one started beside it share them.
    for f in tmp_path.iterdir():
        f.unlink()
    prewarm(engine, settings)
    assert len(list(synthesize_segments(jobs, workers=2, timeout_s=60))) == 4
    spoken = _spoken_by(tmp_path)
    assert started == [1, 1, 1] and len(spoken) == 2
    assert sorted(text for lines in spoken.values() for text, _ in lines) == [j.text for j in jobs]
