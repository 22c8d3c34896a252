"""Assembly end to end with real ffmpeg: one CBR MP3, ID3v2.3 chapters, loudness, reproducibility."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from narrate.audio.assemble import AudioSettings, EpisodeTags, assemble_episode
from narrate.audio.ffmpeg import run_ffmpeg
from narrate.audio.layout import MP3_FRAME, pause_frames
from narrate.audio.pcm import Pcm
from narrate.script.model import Chapter, Script, Segment
from chapter_tree import assert_contiguous_tree, read_toc, title
from memory_store import DictStore

RATE = 22050


def speechlike(seconds: float, amplitude: float, seed: int, rate: int = RATE) -> Pcm:
    """Syllables of a harmonic buzz plus noise, with one short loud plosive-like burst: speech's rare high peaks."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 110 + 15 * seed
    harmonics = range(1, int(4000 / f0))
    buzz = sum(np.cos(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi)) / k for k in harmonics)
    buzz /= np.max(np.abs(buzz))
    voice = 0.8 * buzz + 0.2 * np.clip(rng.laplace(size=t.size) / 4, -1, 1)
    envelope = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None)
    x = 0.35 * amplitude * voice * envelope
    burst = int(rng.integers(0, t.size - rate // 100))
    x[burst : burst + rate // 200] = amplitude * np.clip(rng.standard_normal(rate // 200) / 2.5, -1, 1)
    return Pcm((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes(), rate)


def sample_script() -> Script:
    """Two top-level chapters, the first with two nested ones, then a third top-level chapter."""
    return Script(
        title="A test episode",
        chapters=(
            Chapter("Opening", (Segment("Headline.", "heading", 600), Segment("By a writer.", pause_ms=900))),
            Chapter("Part one", (Segment("First words.", pause_ms=300), Segment("More words.", pause_ms=900)), level=1),
            Chapter("Part two", (Segment("Second part.", pause_ms=1200),), level=1),
            Chapter("Closing", (Segment("The end.", pause_ms=0), Segment("Really.", pause_ms=400))),
        ),
    )


def audio_for(script: Script, amplitude: float) -> list[Pcm]:
    """One speech-like clip per segment."""
    return [speechlike(1.5 + 0.25 * i, amplitude, i) for i, _ in enumerate(script.segments())]


def measure_mp3(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of an MP3, by ffmpeg's ebur128."""
    err = run_ffmpeg(["-i", str(path), "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"]).stderr.decode()
    summary = err[err.rfind("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return integrated, peak


TAGS = EpisodeTags(
    title="A test episode",
    author="Tess Writer",
    album="The Test Gazette",
    date=dt.date(2025, 5, 18),
    comment="A short description.",
    language="en",
)


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory):
    """One assembled episode and its path."""
    script = sample_script()
    path = tmp_path_factory.mktemp("ep") / "episode.mp3"
    seen: list[int] = []
    result = assemble_episode(script, audio_for(script, 0.3), path, AudioSettings(), TAGS, on_segment=seen.append)
    assert seen == list(range(len(script.segments())))
    return script, path, result


def test_mp3_is_cbr_mono_44k(episode) -> None:
    _, path, result = episode
    info = MP3(path).info
    assert info.bitrate_mode == BitrateMode.CBR
    assert info.sample_rate == 44100 and info.channels == 1
    assert info.bitrate == 64000
    assert abs(info.length - result.duration_s) < 0.1


def test_id3v23_metadata_and_cover(episode) -> None:
    _, path, _ = episode
    tags = ID3(path, translate=False)
    assert tags.version == (2, 3, 0)
    assert str(tags["TIT2"]) == "A test episode"
    assert str(tags["TPE1"]) == "Tess Writer"
    assert str(tags["TALB"]) == "The Test Gazette"
    assert str(tags["TYER"]) == "2025" and str(tags["TDAT"]) == "1805"
    assert str(tags["TCON"]) == "Podcast"
    assert str(tags["TLAN"]) == "eng"
    assert tags.getall("COMM")[0].text == ["A short description."]
    apic = tags.getall("APIC")[0]
    assert apic.mime == "image/png" and apic.type == 3 and apic.data.startswith(b"\x89PNG")


def test_chapters_contiguous_and_nested(episode) -> None:
    script, path, result = episode
    tree = read_toc(path)
    assert len(tree.chapters) == len(script.chapters)
    # The top-level table: 'Opening' as a child table (its own part, then its nested chapters), then 'Closing'.
    (opening_toc,) = [t for t in tree.tables if t is not tree.top]
    assert tree.top.child_element_ids == [opening_toc.element_id, "chp3"]
    assert title(opening_toc) == "Opening"
    assert [title(c) for c in tree.leaves] == ["Opening", "Part one", "Part two", "Closing"]
    assert_contiguous_tree(tree, result.timeline.duration_ms)
    assert abs(tree.leaves[-1].end_time / 1000 - MP3(path).info.length) < 0.1
    # The opening part ends where the first nested chapter starts.
    assert tree.chapters["chp0"].end_time == tree.chapters["chp1"].start_time > 0


def test_timeline_from_sample_counts(episode) -> None:
    script, _, result = episode
    timeline = result.timeline
    segments = script.segments()
    clips = audio_for(script, 0.3)
    assert [s.text for s in timeline.segments] == [s.text for s in segments]
    expected, cuts = 0, 0
    for seg, timed, clip in zip(segments, timeline.segments, clips):
        # The pause less the segments' margins; at a chunk cut, to within half an MP3 frame (the chunk is a whole
        # number of frames: tests/test_audio_chunked.py checks the cuts themselves).
        if timed.start_sample != expected:
            assert abs(timed.start_sample - expected) <= MP3_FRAME * RATE // 44100 // 2
            cuts += 1
        assert timed.end_sample - timed.start_sample == clip.frames
        expected = timed.end_sample + pause_frames(seg.pause_ms, RATE)
    assert cuts < result.chunks
    assert timeline.total_samples == timeline.segments[-1].end_sample  # no pause after the last segment
    assert timeline.chapters[1].start_ms == timeline.segments[2].start_ms


@pytest.mark.parametrize("amplitude", [0.02, 1.0], ids=["quiet", "loud"])
def test_loudness_on_final_mp3(tmp_path: Path, amplitude: float) -> None:
    script = sample_script()
    path = tmp_path / "x.mp3"
    result = assemble_episode(script, audio_for(script, amplitude), path, AudioSettings(verify_loudness=True), TAGS)
    integrated, peak = measure_mp3(path)
    assert abs(integrated - -19.0) <= 1.0
    assert peak <= -1.0
    assert result.loudness.measured
    assert abs(result.loudness.integrated_lufs - integrated) < 0.5


def test_byte_identical_rebuild(tmp_path: Path) -> None:
    script = sample_script()
    a, b = tmp_path / "a.mp3", tmp_path / "b.mp3"
    assemble_episode(script, audio_for(script, 0.2), a, AudioSettings(), TAGS)
    assemble_episode(script, iter(audio_for(script, 0.2)), b, AudioSettings(), TAGS)
    assert a.read_bytes() == b.read_bytes()
    assert not re.search(rb"Lav[fc]\d", a.read_bytes())  # no encoder version string


def test_other_rates_and_stereo_are_converted(tmp_path: Path) -> None:
    script = Script("Mixed", (Chapter("Only", (Segment("a", pause_ms=250), Segment("b"))),))
    first = speechlike(1.0, 0.3, 1, rate=16000)
    stereo_44k = speechlike(1.0, 0.3, 2, rate=44100)
    stereo = Pcm(bytes(b for i in range(0, len(stereo_44k.data), 2) for b in stereo_44k.data[i : i + 2] * 2), 44100, 2, 2)
    result = assemble_episode(script, [first, stereo], tmp_path / "m.mp3", AudioSettings(), EpisodeTags("Mixed"))
    assert result.timeline.sample_rate == 22050  # the MP3's 44.1 kHz over the largest factor that keeps 16 kHz audio
    expected = 2.0 + pause_frames(250, 22050) / 22050
    assert abs(result.duration_s - expected) < 0.001
    assert abs(MP3(tmp_path / "m.mp3").info.length - expected) < 0.001


def test_the_generated_cover_is_kept_in_the_chunk_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from narrate.audio import assemble, cover

    script, store = sample_script(), DictStore()
    a, b = tmp_path / "a.mp3", tmp_path / "b.mp3"
    assemble_episode(script, audio_for(script, 0.2), a, AudioSettings(), TAGS, chunk_store=store)
    key = cover.cover_key(TAGS.title, TAGS.album, assemble.EPISODE_COVER_PX)
    assert store.chunks[key] == cover.generate_cover(TAGS.title, TAGS.album, assemble.EPISODE_COVER_PX)

    def no_drawing(*args: object) -> bytes:
        raise AssertionError("the cover was drawn again")

    monkeypatch.setattr(assemble, "generate_cover", no_drawing)
    assemble_episode(script, audio_for(script, 0.2), b, AudioSettings(), TAGS, chunk_store=store)
    assert a.read_bytes() == b.read_bytes()
    assert cover.cover_key(TAGS.title, "Another subtitle", 1400) != key
