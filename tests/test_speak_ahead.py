"""Speaking ahead: while the script is still being made, the prewarmed worker speaks the segments already rewritten
that are not cached; the synthesis then takes those results instead of speaking the segments again. The audio is the
same either way."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from cli_support import FIXTURES
from narrate.audio.encode import AudioSettings
from narrate.build import (BuildOptions, ScriptOptions, build_episode, discard_prewarmed, early_speaker, make_script,
                           prewarm_synthesis)
from narrate.engines import pool
from narrate.engines.base import VoiceSettings
from narrate.engines.pool import AHEAD_LIMIT, SynthJob, discard_warm, prewarm, speak_ahead, synthesize_segments
from test_pool_prewarm import speech_like

ARTICLE = FIXTURES / "bakery.md"


class TextEngine:
    """Writes each text it speaks, one line per segment, to the file the settings' voice names."""

    name, version = "texts", "1"

    def synthesize(self, text, settings):
        with open(settings.voice, "a", encoding="utf-8") as spoken:
            spoken.write(text + "\n")
        return speech_like(text, settings)


def _spoken(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines() if path.exists() else []


def _settle(path: Path, count: int) -> None:
    deadline = time.monotonic() + 20
    while len(_spoken(path)) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_segments_spoken_ahead_are_taken_by_the_synthesis_and_spoken_once(tmp_path: Path) -> None:
    record = tmp_path / "spoken.txt"
    engine, settings = f"{__name__}:TextEngine", VoiceSettings(voice=str(record))
    jobs = [SynthJob(i, f"segment number {i} of five", engine, settings) for i in range(5)]
    prewarm(engine, settings)
    assert speak_ahead(replace(jobs[0], index=-1)) and speak_ahead(replace(jobs[1], index=-1))
    assert speak_ahead(SynthJob(-1, "a sentence the script later dropped", engine, settings))
    assert not speak_ahead(SynthJob(-1, "another engine's sentence", "pyttsx3", settings))  # nothing prewarmed for it
    _settle(record, 3)
    assert _spoken(record) == [jobs[0].text, jobs[1].text, "a sentence the script later dropped"]

    results = list(synthesize_segments(jobs, workers=2, timeout_s=60, measure=True))

    elsewhere = VoiceSettings(voice=str(tmp_path / "fresh.txt"))  # the same audio, spoken without a prewarmed worker
    fresh = synthesize_segments([replace(j, settings=elsewhere) for j in jobs], workers=2, timeout_s=60, measure=True)
    assert [r.pcm.data for r in results] == [r.pcm.data for r in fresh]
    spoken = _spoken(record)
    assert sorted(spoken) == sorted([j.text for j in jobs] + ["a sentence the script later dropped"])  # each once
    assert engine not in pool._warm_pools and not speak_ahead(jobs[0])  # taken: nothing more is spoken ahead


def test_a_prewarmed_worker_speaks_at_most_the_limit_ahead(tmp_path: Path) -> None:
    record = tmp_path / "spoken.txt"
    engine, settings = f"{__name__}:TextEngine", VoiceSettings(voice=str(record))
    prewarm(engine, settings)
    for i in range(AHEAD_LIMIT + 10):
        speak_ahead(SynthJob(-1, f"early sentence number {i}", engine, settings))
    _settle(record, AHEAD_LIMIT)
    time.sleep(0.5)  # the worker would have spoken a few more by now
    discard_warm()
    assert _spoken(record) == [f"early sentence number {i}" for i in range(AHEAD_LIMIT)]


def test_make_script_hears_every_segment_as_it_is_rewritten_and_makes_the_same_script(tmp_path: Path) -> None:
    options = ScriptOptions(sources=(str(ARTICLE),), cache_dir=tmp_path / "cache")
    heard: list[tuple[str, str, str]] = []
    script = make_script(options, on_spoken=lambda segment, profile: not heard.append((segment.text, segment.role, profile.name)))
    assert script == make_script(replace(options, cache_dir=None))
    texts = list(dict.fromkeys(s.text for s in script.segments()))  # each text once, in speaking order
    assert [text for text, _, _ in heard] == texts
    roles = {s.text: s.role for s in script.segments()}
    assert all(role == roles[text] and profile == "default" for text, role, profile in heard)
    # A listener that wants no more after three segments hears three; the script is the same.
    few: list[str] = []
    assert make_script(options, on_spoken=lambda segment, _: len(few.append(segment.text) or few) < 3) == script
    assert few == texts[:3]


def _options(work: Path, out: str) -> BuildOptions:
    return BuildOptions(output_dir=work / out, cache_dir=work / "cache", jobs=2, audio=AudioSettings(), publish=False)


def test_an_edit_speaks_ahead_only_its_new_segment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    article = tmp_path / "article.md"
    shutil.copy(ARTICLE, article)
    options = _options(tmp_path, "out")
    script_options = ScriptOptions(sources=(str(article),), cache_dir=tmp_path / "cache")
    build_episode(make_script(script_options), options)  # every segment cached
    asked: list[SynthJob] = []
    monkeypatch.setattr(pool, "speak_ahead", lambda job: not asked.append(job))
    paragraphs = ARTICLE.read_text("utf-8").split("\n\n")
    paragraphs[-1] += " The oven was replaced in March."
    article.write_text("\n\n".join(paragraphs), "utf-8")

    script = make_script(script_options, on_spoken=early_speaker(options))

    assert [job.text for job in asked] == ["The oven was replaced in March."]
    assert "The oven was replaced in March." in [s.text for s in script.segments()]


def test_a_cold_build_speaks_ahead_at_most_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[SynthJob] = []
    monkeypatch.setattr(pool, "speak_ahead", lambda job: not asked.append(job))
    monkeypatch.setattr(pool, "AHEAD_LIMIT", 3)
    script = make_script(ScriptOptions(sources=(str(ARTICLE),), cache_dir=tmp_path / "cache"),
                         on_spoken=early_speaker(_options(tmp_path, "out")))
    assert [job.text for job in asked] == [s.text for s in script.segments()[:3]]


def test_a_build_that_spoke_ahead_writes_the_same_mp3_as_one_that_did_not(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[int] = []
    take_warm = pool._take_warm

    def counting_take(engine_name: str):
        warm = take_warm(engine_name)
        taken.append(len(warm.ahead) if warm is not None else -1)
        return warm

    monkeypatch.setattr(pool, "_take_warm", counting_take)
    script_options = ScriptOptions(sources=(str(ARTICLE),))
    ahead = _options(tmp_path, "ahead")
    prewarm_synthesis(ahead)
    try:
        time.sleep(1.0)  # the prewarmed worker is ready before the script is made, as in a build of a long article
        script = make_script(replace(script_options, cache_dir=tmp_path / "cache"), on_spoken=early_speaker(ahead))
        spoke_ahead = build_episode(script, ahead)
    finally:
        discard_prewarmed()
    plain = replace(_options(tmp_path, "plain"), cache_dir=tmp_path / "other-cache")
    did_not = build_episode(make_script(script_options), plain)

    assert taken and taken[0] > 0  # the build took segments spoken ahead
    assert spoke_ahead.mp3.read_bytes() == did_not.mp3.read_bytes()
