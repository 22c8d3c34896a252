"""End to end: `narrate voices`, `narrate voices --sample` and `narrate say`."""

from __future__ import annotations

import re
from pathlib import Path

from mutagen.mp3 import MP3, BitrateMode

from cli_support import decoded_seconds, ok, run_narrate


def _usable_profiles(listing: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^\s{2}(\S+)\s+engine=.*\[usable\]", listing, re.M)}


def test_voices_lists_profiles_and_espeak_voices(tmp_path: Path) -> None:
    proc = ok(run_narrate(["voices"], tmp_path))
    usable = _usable_profiles(proc.stdout)
    assert {"default", "quote"} <= usable
    assert "eSpeak NG voices" in proc.stdout
    for voice_id in ("gmw/en-us", "gmw/en", "roa/fr"):
        assert re.search(rf"^\s+{re.escape(voice_id)}\s", proc.stdout, re.M), voice_id
    assert "Audio saved to" not in proc.stdout + proc.stderr


def test_say_writes_a_valid_mp3(tmp_path: Path) -> None:
    proc = ok(run_narrate(["say", "It cost $2.5 billion.", "--out", "x.mp3", "--no-play"], tmp_path))
    mp3 = tmp_path / "x.mp3"
    assert mp3.is_file()
    assert "x.mp3" in proc.stdout
    info = MP3(mp3).info
    assert info.sample_rate == 44100 and info.channels == 1 and info.bitrate_mode == BitrateMode.CBR
    # "It cost two point five billion dollars" is several words: more than a second of speech.
    assert 1.0 < decoded_seconds(mp3) < 10.0
    assert "Audio saved to" not in proc.stdout + proc.stderr
    assert not list(tmp_path.glob("*.part"))


def test_voices_sample_writes_one_mp3_per_usable_profile(tmp_path: Path) -> None:
    usable = _usable_profiles(ok(run_narrate(["voices"], tmp_path)).stdout)
    proc = ok(run_narrate(["voices", "--sample", "samples"], tmp_path))
    written = {p.stem for p in (tmp_path / "samples").glob("*.mp3")}
    assert written == usable
    for name in written:
        mp3 = tmp_path / "samples" / f"{name}.mp3"
        assert MP3(mp3).info.bitrate_mode == BitrateMode.CBR
        assert decoded_seconds(mp3) > 3.0
    assert len([line for line in proc.stdout.splitlines() if line.endswith(".mp3")]) == len(usable)
