"""End to end: `narrate build` on a short article, read back with mutagen and ffmpeg (issue 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3, BitrateMode

from cli_support import (
    FIXTURES, MP3_FRAME_S, STEM_RE, all_segments, build_json, decoded_seconds, measure_loudness, ok, parse_vtt,
    run_narrate, script_json,
)

ARTICLE = FIXTURES / "bakery.md"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One plain `narrate build` of the bakery article: the process, the output folder and the files."""
    work = tmp_path_factory.mktemp("build")
    shutil.copy(ARTICLE, work / "bakery.md")
    proc = ok(run_narrate(["build", "bakery.md", "-o", "out", "--cache", "cache"], work))
    out = work / "out"
    mp3s = sorted(out.glob("*.mp3"))
    assert len(mp3s) == 1, mp3s
    stem = mp3s[0].name[: -len(".mp3")]
    script = script_json(["bakery.md"], work)
    return {"work": work, "proc": proc, "out": out, "stem": stem, "mp3": mp3s[0],
            "json": out / f"{stem}.chapters.json", "vtt": out / f"{stem}.vtt", "script": script}


def test_build_prints_the_episode_paths_and_nothing_from_the_engine(built: dict) -> None:
    stem, out = built["stem"], built["out"]
    assert STEM_RE.match(stem), stem
    assert stem.startswith("village-bakery-reopens-with-a-wood-fired-oven-")
    printed = [Path(line) for line in built["proc"].stdout.splitlines() if line.strip()]
    names = {p.name for p in printed}
    for suffix in (".mp3", ".chapters.json", ".vtt"):
        assert f"{stem}{suffix}" in names
        assert (out / f"{stem}{suffix}").is_file()
    for path in printed:
        assert (built["work"] / path).exists(), path
    for stream in (built["proc"].stdout, built["proc"].stderr):
        assert "Audio saved to" not in stream
    assert not list(out.rglob("*.part"))


def test_mp3_is_podcast_grade_cbr_mono(built: dict) -> None:
    info = MP3(built["mp3"]).info
    assert info.sample_rate == 44100
    assert info.channels == 1
    assert info.bitrate_mode == BitrateMode.CBR
    assert info.bitrate == 64000


def test_id3v23_tags(built: dict) -> None:
    raw = built["mp3"].read_bytes()
    assert raw[:4] == b"ID3\x03", raw[:5]
    tags = ID3(built["mp3"])
    assert tags.version[:2] == (2, 3)
    assert str(tags["TIT2"]) == "Village bakery reopens with a wood-fired oven"
    assert str(tags["TPE1"]) == "Lena Harrow"
    assert tags.getall("TALB"), "TALB (publication) missing"
    dates = [str(f) for f in tags.getall("TDRC") + tags.getall("TYER")]
    assert any(d.startswith("2026") for d in dates), dates
    assert str(tags["TCON"]) == "Podcast"
    assert tags.getall("COMM") and str(tags.getall("COMM")[0]).strip()
    covers = tags.getall("APIC")
    assert len(covers) == 1 and covers[0].data[:8] == b"\x89PNG\r\n\x1a\n"


def _chapters(path: Path) -> tuple[list, list]:
    tags = ID3(path)
    return tags.getall("CHAP"), tags.getall("CTOC")


def test_one_top_level_ordered_toc_and_contiguous_chapters(built: dict) -> None:
    chaps, tocs = _chapters(built["mp3"])
    top = [t for t in tocs if t.flags & CTOCFlags.TOP_LEVEL]
    assert len(top) == 1
    assert top[0].flags & CTOCFlags.ORDERED
    by_id = {c.element_id: c for c in chaps}
    listed = [by_id[i] for i in top[0].child_element_ids]
    # A single article: every chapter is a top-level one (headline chapter, then one per ## section).
    assert {c.element_id for c in listed} == set(by_id)
    assert [str(c.sub_frames["TIT2"]) for c in listed] == [
        "Village bakery reopens with a wood-fired oven", "A new oven"]
    starts = [c.start_time for c in listed]
    assert starts == sorted(starts)
    assert starts[0] == 0
    for before, after in zip(listed, listed[1:]):
        assert before.end_time == after.start_time
    for chap in chaps:
        assert str(chap.sub_frames["TIT2"]).strip()
        assert chap.end_time > chap.start_time
    audio_end = decoded_seconds(built["mp3"])
    assert abs(listed[-1].end_time / 1000 - audio_end) <= MP3_FRAME_S, (listed[-1].end_time, audio_end)
    assert abs(MP3(built["mp3"]).info.length - audio_end) <= 2 * MP3_FRAME_S


def test_loudness_on_the_final_mp3(built: dict) -> None:
    loudness = measure_loudness(built["mp3"])
    assert abs(loudness.integrated_lufs - (-19.0)) <= 1.0, loudness
    assert loudness.true_peak_dbtp <= -1.0, loudness


def test_chapters_json_matches_the_chap_frames(built: dict) -> None:
    doc = json.loads(built["json"].read_text(encoding="utf-8"))
    assert doc["version"].startswith("1.")
    chaps, _ = _chapters(built["mp3"])
    chap_starts = sorted(c.start_time / 1000 for c in chaps)
    json_starts = [c["startTime"] for c in doc["chapters"]]
    assert json_starts == sorted(json_starts)
    assert json_starts == pytest.approx(chap_starts, abs=0.0015)
    assert [c["title"] for c in doc["chapters"]] == [
        str(c.sub_frames["TIT2"]) for c in sorted(chaps, key=lambda c: c.start_time)]


def test_vtt_has_one_cue_per_spoken_segment_in_time_order(built: dict) -> None:
    cues = parse_vtt(built["vtt"].read_text(encoding="utf-8"))
    segments = all_segments(built["script"])
    assert len(cues) == len(segments)
    for cue, segment in zip(cues, segments):
        assert cue.end_s > cue.start_s
        words = len(segment["text"].split())
        # Nothing dropped: every cue lasts long enough for its words (eSpeak reads ~2.5-3.5 words/s).
        assert cue.end_s - cue.start_s >= 0.15 * words, (cue, segment)
    for before, after in zip(cues, cues[1:]):
        assert after.start_s >= before.end_s
    assert cues[-1].end_s <= decoded_seconds(built["mp3"]) + MP3_FRAME_S


def test_duration_fits_the_word_count(built: dict) -> None:
    words = sum(len(s["text"].split()) for s in all_segments(built["script"]))
    duration = decoded_seconds(built["mp3"])
    assert 1.0 <= words / duration <= 4.5, (words, duration)


def test_json_summary(built: dict) -> None:
    work = built["work"]
    summary = build_json(["bakery.md", "-o", "out", "--cache", "cache"], work)
    assert {"title", "mp3", "chapters_json", "vtt", "duration_s", "chapters", "segments", "unchanged"} <= set(summary)
    assert summary["title"] == "Village bakery reopens with a wood-fired oven"
    assert Path(summary["mp3"]).name == built["mp3"].name
    assert (work / summary["mp3"]).is_file()
    assert summary["duration_s"] == pytest.approx(decoded_seconds(built["mp3"]), abs=2 * MP3_FRAME_S)
    assert [c["title"] for c in summary["chapters"]] == ["Village bakery reopens with a wood-fired oven", "A new oven"]
    total = len(all_segments(built["script"]))
    assert summary["segments"]["total"] == total
    assert summary["segments"]["synthesized"] + summary["segments"]["reused"] == total


def test_quiet_prints_no_progress(tmp_path: Path, built: dict) -> None:
    shutil.copy(ARTICLE, tmp_path / "bakery.md")
    proc = ok(run_narrate(["build", "--quiet", "bakery.md", "-o", "out", "--cache", str(built["work"] / "cache")], tmp_path))
    assert proc.stderr == ""
    assert any(line.endswith(".mp3") for line in proc.stdout.splitlines())


def test_progress_is_shown_without_quiet(built: dict) -> None:
    assert "synthesize" in built["proc"].stderr


def test_stdin_is_read_with_a_dash(tmp_path: Path, built: dict) -> None:
    proc = ok(run_narrate(["build", "-", "-o", "out", "--cache", str(built["work"] / "cache"), "-q", "--no-publish"],
                          tmp_path, stdin=ARTICLE.read_bytes()))
    mp3s = [Path(line) for line in proc.stdout.splitlines() if line.endswith(".mp3")]
    assert len(mp3s) == 1
    # The same text through stdin is the same episode, to the byte.
    assert mp3s[0].name == built["mp3"].name
    assert (tmp_path / mp3s[0]).read_bytes() == built["mp3"].read_bytes()


def test_text_file_input(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "garden.txt", tmp_path / "garden.txt")
    summary = build_json(["garden.txt", "-o", "out", "--cache", "cache"], tmp_path)
    assert summary["title"] == "Community garden plants its first trees"
    mp3 = tmp_path / summary["mp3"]
    assert STEM_RE.match(mp3.name[:-4])
    assert MP3(mp3).info.bitrate_mode == BitrateMode.CBR
    script = script_json(["garden.txt"], tmp_path)
    spoken = " ".join(s["text"] for s in all_segments(script))
    assert "apple trees" in spoken and "three years" in spoken
    assert summary["segments"]["total"] == len(all_segments(script))


def test_bitrate_option(tmp_path: Path, built: dict) -> None:
    shutil.copy(ARTICLE, tmp_path / "bakery.md")
    summary = build_json(["bakery.md", "--bitrate", "96", "-o", "out", "--cache", str(built["work"] / "cache"),
                          "--no-publish"], tmp_path)
    info = MP3(tmp_path / summary["mp3"]).info
    assert info.bitrate == 96000 and info.bitrate_mode == BitrateMode.CBR
    assert summary["segments"]["synthesized"] == 0
