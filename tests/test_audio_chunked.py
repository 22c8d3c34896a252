"""An episode encoded in many chunks: one clean CBR stream, every sample where a single encode puts it, chunks reused."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from narrate.audio.assemble import AudioSettings, ChunkPolicy, EpisodeTags, assemble_episode
from narrate.audio.chunk import ChunkSpec, Mp3Format, encode_chunk
from narrate.audio.ffmpeg import ffmpeg_exe
from narrate.audio.leveler import LevelTarget
from narrate.audio.mp3file import Mp3File
from narrate.audio.pcm import Pcm
from narrate.audio.trim import trim_silence
from narrate.script.model import Chapter, Script, Segment
from memory_store import DictStore

RATE = 22050
POLICY = ChunkPolicy(min_s=3.0, max_s=8.0)
"""Short chunks, so a short test episode has many cuts of every kind (paragraph pauses, forced past max_s at sentence
pauses)."""
PAUSES = (300, 700, 300, 1200, 200, 700, 300, 2000)
MARK_AT = 0.3
"""Seconds into each segment's speech where it carries a sharp click, to find it again in the decoded audio."""
SETTINGS = AudioSettings()


def spoken(i: int, variant: int = 0) -> Pcm:
    """A syllable-like buzz of 1.2-3.6 s with a click MARK_AT s into it, trimmed like engine audio."""
    rng = np.random.default_rng(1000 * variant + i)
    seconds = 1.2 + (i * 7 % 13) / 5
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = 100 + 9 * (i % 7) + 13 * variant
    buzz = sum(np.cos(2 * np.pi * k * f0 * t + rng.uniform(0, 6.3)) / k for k in range(1, int(3500 / f0)))
    x = 0.2 * (0.3 + i % 3 * 0.3) * buzz / np.max(np.abs(buzz)) * np.clip(np.sin(np.pi * 3 * t) + 0.2, 0, None)
    x[int(MARK_AT * RATE)] = 0.9
    padded = np.concatenate([np.zeros(300), x, np.zeros(6000)])
    return trim_silence(Pcm(np.rint(padded * 32767).astype("<i2").tobytes(), RATE))


def script_of(n: int) -> Script:
    segments = [Segment(f"Segment {i}.", pause_ms=PAUSES[i % len(PAUSES)]) for i in range(n)]
    return Script("Chunked", (Chapter("First", tuple(segments[: n // 2])), Chapter("Second", tuple(segments[n // 2 :]))))


N = 40
SCRIPT = script_of(N)


def decode(path: Path) -> np.ndarray:
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The episode, assembled in chunks into a store."""
    work = tmp_path_factory.mktemp("chunked")
    store = DictStore()
    audio = [spoken(i) for i in range(N)]
    result = assemble_episode(SCRIPT, audio, work / "a.mp3", SETTINGS, EpisodeTags("Chunked"), chunk_store=store,
                              workers=2, policy=POLICY)
    return {"work": work, "store": store, "audio": audio, "result": result, "mp3": work / "a.mp3",
            "decoded": decode(work / "a.mp3")}


def test_many_chunks_decode_cleanly_as_one_cbr_stream_of_the_exact_length(built: dict) -> None:
    result, path = built["result"], built["mp3"]
    from narrate.audio.assemble import EPISODE_COVER_PX
    from narrate.audio.cover import cover_key

    chunks = set(built["store"].chunks) - {cover_key("Chunked", None, EPISODE_COVER_PX)}  # the cover is kept there too
    assert result.chunks >= 8 and result.chunks == result.chunks_encoded == len(chunks)
    errors = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True)
    assert errors.returncode == 0 and errors.stdout == errors.stderr == b""
    info = MP3(path).info
    assert info.bitrate_mode == BitrateMode.CBR and info.sample_rate == 44100
    assert abs(info.bitrate - 64000) <= 10  # bytes over length: each chunk's LAME starts its padding-byte count afresh
    assert info.length == pytest.approx(result.timeline.total_samples / RATE, abs=1e-9)
    assert built["decoded"].size == 2 * result.timeline.total_samples  # to the sample
    assert path.read_bytes().count(b"Xing") + path.read_bytes().count(b"Info") == 1  # one Info frame for the file


def test_it_is_a_single_encode_of_the_same_audio_to_the_sample(built: dict) -> None:
    result, work = built["result"], built["work"]
    spans = [(s.start_sample, s.end_sample) for s in result.timeline.segments]
    gaps = tuple(b[0] - a[1] for a, b in zip(spans, spans[1:]))
    spec = ChunkSpec(tuple(str(i) for i in range(N)), LevelTarget(-19.0, SETTINGS.limiter_ceiling_db, 40.0), 0, gaps, 0,
                     True, RATE, Mp3Format(44100, 64, 7, 10 ** (SETTINGS.limiter_ceiling_db / 20)))
    single = Mp3File(work / "single.mp3")
    single.add(encode_chunk(spec, [a.data for a in built["audio"]], result.gains_db))  # the chunks' own gains
    single.close()
    one, chunked = decode(work / "single.mp3"), built["decoded"]
    assert one.size == chunked.size
    # The same samples up to LAME's own choices (its bit reservoir starts empty at every chunk): close, never shifted.
    difference_db = 10 * np.log10(np.mean(np.square(one - chunked)) / np.mean(np.square(one)))
    assert difference_db < -40
    for start, end in spans:
        a, b = one[2 * start : 2 * end], chunked[2 * start : 2 * end]
        lags = [np.dot(a[8:-8], np.roll(b, lag)[8:-8]) for lag in range(-3, 4)]
        assert int(np.argmax(lags)) == 3


def test_no_click_in_any_pause(built: dict) -> None:
    decoded, timeline = built["decoded"], built["result"].timeline
    for a, b in zip(timeline.segments, timeline.segments[1:]):
        quiet = decoded[2 * a.end_sample + 441 : 2 * b.start_sample - 441]  # 10 ms clear of each segment's faded edge
        if quiet.size:
            assert np.abs(np.diff(quiet)).max() < 10 ** (-60 / 20), (a.text, b.text)


def test_every_segment_is_where_the_timeline_says_after_every_cut(built: dict) -> None:
    decoded, result = built["decoded"], built["result"]
    for timed, audio in zip(result.timeline.segments, built["audio"]):
        click = 2 * (timed.start_sample + int(np.argmax(np.frombuffer(audio.data, dtype="<i2"))))
        window = decoded[click - 40 : click + 41]
        assert abs(int(np.argmax(np.abs(window))) - 40) <= 1, timed.text
    chapters = ID3(built["mp3"]).getall("CHAP")
    assert [c.start_time for c in sorted(chapters, key=lambda c: c.start_time)] == [c.start_ms for c in result.timeline.chapters]


def test_loudness_and_true_peak_of_the_chunked_file(built: dict) -> None:
    err = subprocess.run([ffmpeg_exe(), "-nostats", "-i", str(built["mp3"]), "-af", "ebur128=peak=true:framelog=quiet",
                          "-f", "null", "-"], capture_output=True).stderr.decode()
    summary = err[err.rfind("Summary:") :]
    assert abs(float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1)) + 19.0) <= 1.0
    assert float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1)) <= -1.0


def test_unchanged_chunks_are_reused_and_a_changed_segment_changes_exactly_its_chunk(built: dict, tmp_path: Path) -> None:
    store = built["store"]
    again = assemble_episode(SCRIPT, built["audio"], tmp_path / "again.mp3", SETTINGS, EpisodeTags("Chunked"),
                             chunk_store=store, workers=1, policy=POLICY)
    assert again.chunks_encoded == 0 and (tmp_path / "again.mp3").read_bytes() == built["mp3"].read_bytes()
    before = set(store.chunks)
    edited = 21
    audio = [spoken(i, variant=1) if i == edited else a for i, a in enumerate(built["audio"])]
    changed = assemble_episode(SCRIPT, audio, tmp_path / "edited.mp3", SETTINGS, EpisodeTags("Chunked"),
                               chunk_store=store, workers=2, policy=POLICY)
    assert changed.chunks == built["result"].chunks and changed.chunks_encoded == 1
    assert len(set(store.chunks) - before) == 1
    # The same as encoding the edited episode from nothing.
    fresh = assemble_episode(SCRIPT, audio, tmp_path / "fresh.mp3", SETTINGS, EpisodeTags("Chunked"), policy=POLICY)
    assert fresh.chunks_encoded == fresh.chunks
    assert (tmp_path / "fresh.mp3").read_bytes() == (tmp_path / "edited.mp3").read_bytes()


def test_a_script_without_room_for_a_cut_is_one_chunk(tmp_path: Path) -> None:
    script = Script("Tight", (Chapter("All", tuple(Segment(f"S{i}.", pause_ms=200) for i in range(12))),))
    result = assemble_episode(script, [spoken(i) for i in range(12)], tmp_path / "t.mp3", SETTINGS, EpisodeTags("Tight"),
                              policy=POLICY)
    assert result.chunks == 1 and decode(tmp_path / "t.mp3").size == 2 * result.timeline.total_samples
