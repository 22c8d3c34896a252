"""End to end with the real engine: the pauses heard are the configured ones, and an edit re-encodes only its chunk."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cli_support import build_json, ffmpeg, script_json

RIVERS = ("Alder", "Birch", "Cedar", "Dunmore", "Elm", "Fenwick", "Glen", "Hazel", "Ivy", "Juniper", "Kestrel", "Linden")


def survey_article() -> str:
    """About four minutes of our own prose: a river survey, two or three sentences a paragraph, two sections."""
    lines = ["# Spring survey of the twelve rivers", "", "**Mara Ellison****3 May 2026**", ""]
    for n, river in enumerate(RIVERS):
        if n == 6:
            lines += ["## The northern rivers", ""]
        lines.append(f"The {river} river ran {n + 3} centimetres higher than last spring, and the survey team counted "
                     f"{n * 4 + 11} herons along its banks. Volunteers cleared {n + 2} fallen trees from the towpath.")
        if n % 3 == 0:
            lines[-1] += " The old footbridge there was repainted in a quiet shade of green."
        lines.append("")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("chunks")
    (work / "survey.md").write_text(survey_article(), encoding="utf-8")
    summary = build_json(["survey.md", "-o", "out", "--cache", "cache", "--jobs", "2", "--no-publish"], work)
    return {"work": work, "summary": summary, "mp3": work / summary["mp3"]}


def decode(path: Path) -> np.ndarray:
    raw = subprocess.run([ffmpeg(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"], capture_output=True,
                         check=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768


def manifest(work: Path) -> dict:
    return json.loads(next((work / "out" / ".narrate" / "episodes").glob("*.json")).read_text(encoding="utf-8"))


def test_the_silences_heard_are_the_configured_pauses(built: dict) -> None:
    assert built["summary"]["chunks"]["total"] >= 4
    audio = decode(built["mp3"])
    segments = manifest(built["work"])["segments"]
    window = 220  # 5 ms at 44.1 kHz
    db = 10 * np.log10(np.maximum(np.square(audio[: audio.size // window * window]).reshape(-1, window).mean(axis=1), 1e-20))
    heard: dict[int, list[float]] = {}
    for a, b in zip(segments, segments[1:]):
        in_a = np.flatnonzero(db[2 * a["start_sample"] // window : 2 * a["end_sample"] // window] > -45)
        in_b = np.flatnonzero(db[2 * b["start_sample"] // window : 2 * b["end_sample"] // window] > -45)
        speech_end = 2 * a["start_sample"] // window + in_a[-1] + 1
        speech_start = 2 * b["start_sample"] // window + in_b[0]
        heard.setdefault(a["pause_ms"], []).append((speech_start - speech_end) * window / 44.1)
        quiet = audio[2 * a["end_sample"] + 441 : 2 * b["start_sample"] - 441]  # 10 ms clear of each faded edge
        assert quiet.size == 0 or np.abs(np.diff(quiet)).max() < 10 ** (-60 / 20)  # no click, at cuts or elsewhere
    assert {300, 700} <= set(heard)
    for pause, gaps in heard.items():
        # Before trimming, eSpeak's own 300 ms of end silence came on top: about 600 ms after a sentence, 1,000 after a paragraph.
        assert abs(np.median(gaps) - pause) <= 15, (pause, gaps)
        assert max(abs(g - pause) for g in gaps) <= 40, (pause, gaps)


def test_an_edit_reencodes_only_its_chunk_and_gives_the_bytes_of_a_cold_build(built: dict, tmp_path: Path) -> None:
    work = built["work"]
    edited = survey_article().replace("counted 35 herons", "counted 36 herons")  # one word, inside a paragraph
    assert edited != survey_article()
    (work / "survey.md").write_text(edited, encoding="utf-8")
    again = build_json(["survey.md", "-o", "out", "--cache", "cache", "--jobs", "2", "--no-publish"], work)
    assert again["segments"]["synthesized"] == 1
    assert again["chunks"]["encoded"] == 1 and again["chunks"]["reused"] == again["chunks"]["total"] - 1
    # A cold build of the edited article, with one worker and its own cache, writes the very same file.
    (tmp_path / "survey.md").write_text(edited, encoding="utf-8")
    cold = build_json(["survey.md", "-o", "out", "--cache", "cache", "--jobs", "1", "--no-publish"], tmp_path)
    assert cold["chunks"]["encoded"] == cold["chunks"]["total"] == again["chunks"]["total"]
    assert (tmp_path / cold["mp3"]).read_bytes() == (work / again["mp3"]).read_bytes()
    errors = subprocess.run([ffmpeg(), "-v", "error", "-i", str(work / again["mp3"]), "-f", "null", "-"], capture_output=True)
    assert errors.stderr == b""
    assert len(script_json(["survey.md"], tmp_path)["chapters"]) == 2
