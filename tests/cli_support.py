"""Helpers for the end-to-end CLI tests: run `narrate` as a user would and read its results back."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
"""The repository root (put on PYTHONPATH for the subprocess)."""
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cli"
"""Short articles of our own written for these tests."""
CORPUS = REPO.parent / "shared" / "corpus"
"""Real sample inputs, read-only (may be absent)."""
MP3_FRAME_S = 1152 / 44100
"""The length of one MP3 frame at 44.1 kHz."""


def run_narrate(args: list[str], cwd: Path, stdin: bytes | None = None, timeout: float = 300,
                extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m narrate ARGS` in `cwd` with the repository on PYTHONPATH (and `extra_env`); never raises on failure."""
    env = {**os.environ, **(extra_env or {})}
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("NO_COLOR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "narrate", *args], cwd=cwd, env=env, input=stdin if stdin is not None else b"",
        capture_output=True, timeout=timeout, check=False,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """`proc`, after asserting that it succeeded (showing its output otherwise)."""
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def build_json(args: list[str], cwd: Path) -> dict:
    """Run `narrate build --json ARGS` and return the parsed summary."""
    return json.loads(ok(run_narrate(["build", "--json", *args], cwd)).stdout)


def script_json(args: list[str], cwd: Path) -> dict:
    """Run `narrate script --format json ARGS` and return the parsed script."""
    return json.loads(ok(run_narrate(["script", "--format", "json", *args], cwd)).stdout)


def all_segments(script: dict) -> list[dict]:
    """Every segment of a script JSON, in order."""
    return [seg for chapter in script["chapters"] for seg in chapter["segments"]]


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` (relative) with its bytes (None for folders)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


def ffmpeg() -> str:
    """The ffmpeg binary narrate uses."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class Loudness:
    """ebur128 results for a whole file."""

    integrated_lufs: float
    true_peak_dbtp: float


def measure_loudness(path: Path) -> Loudness:
    """Integrated loudness and true peak of `path` via ffmpeg's ebur128 filter (peak=true)."""
    proc = subprocess.run([ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path), "-af", "ebur128=peak=true",
                           "-f", "null", "-"], capture_output=True, check=True)
    text = proc.stderr.decode("utf-8", "replace")
    summary = text[text.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return Loudness(integrated, peak)


def decoded_seconds(path: Path) -> float:
    """The duration of `path` as decoded by ffmpeg (sample count / rate, encoder delay removed)."""
    proc = subprocess.run([ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path), "-f", "s16le", "-ac", "1",
                           "-ar", "44100", "-"], capture_output=True, check=True)
    return len(proc.stdout) / 2 / 44100


@dataclass(frozen=True)
class Cue:
    """One WebVTT cue."""

    start_s: float
    end_s: float
    text: str


def _vtt_time(stamp: str) -> float:
    parts = stamp.split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2])
    hours = int(parts[-3]) if len(parts) == 3 else 0
    return hours * 3600 + minutes * 60 + seconds


def parse_vtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file (asserting its header)."""
    assert text.startswith("WEBVTT"), text[:40]
    cues = []
    for block in re.split(r"\n\s*\n", text.strip())[1:]:
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if "-->" in line:
                start, _, end = line.partition("-->")
                cues.append(Cue(_vtt_time(start.strip()), _vtt_time(end.strip().split()[0]), " ".join(lines[i + 1:])))
                break
    return cues


STEM_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{8}$")
"""What an episode file STEM looks like: an ASCII slug, a hyphen and 8 hex digits."""
