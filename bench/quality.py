"""The quality figures of issue 13, measured on a built episode: loudness, true peak, a clean decode, CBR and the
exact duration, no click in any pause (so none at a chunk cut), and the decoded length to the sample."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def episode_quality(out_dir: Path, summary: dict) -> dict:
    """Every quality figure of the episode `summary` (narrate build --json) describes, built into `out_dir`."""
    from mutagen.mp3 import MP3, BitrateMode

    from narrate.audio.encode import parse_ebur128_summary

    mp3 = Path(summary["mp3"]) if Path(summary["mp3"]).is_absolute() else out_dir.parent / summary["mp3"]
    manifest = json.loads(next((out_dir / ".narrate" / "episodes").glob("*.json")).read_text(encoding="utf-8"))
    out_rate = manifest.get("output_sample_rate") or 44100
    rate_factor = out_rate // manifest["sample_rate"]
    loud = subprocess.run([_ffmpeg(), "-nostats", "-i", str(mp3), "-af", "ebur128=peak=true:framelog=quiet", "-f", "null",
                           "-"], capture_output=True, text=True)
    loudness = parse_ebur128_summary(loud.stderr)
    errors = subprocess.run([_ffmpeg(), "-v", "error", "-i", str(mp3), "-f", "null", "-"], capture_output=True, text=True)
    raw = subprocess.run([_ffmpeg(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-"], capture_output=True,
                         check=True).stdout
    decoded = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768
    info = MP3(mp3).info
    expected = manifest["total_samples"] * rate_factor
    worst = 0.0
    spans = [(s["start_sample"] * rate_factor, s["end_sample"] * rate_factor) for s in manifest["segments"]]
    for (_, end), (start, _) in zip(spans, spans[1:]):
        quiet = decoded[end + 441 : start - 441]  # 10 ms clear of each segment's faded edge
        if quiet.size > 1:
            worst = max(worst, float(np.abs(np.diff(quiet)).max()))
    return {
        "integrated_lufs": loudness.integrated_lufs,
        "true_peak_dbtp": loudness.true_peak_db,
        "ffmpeg_error_output": (errors.stdout + errors.stderr).strip(),
        "cbr": info.bitrate_mode == BitrateMode.CBR,
        "mutagen_length_s": info.length,
        "exact_length_s": expected / out_rate,
        "decoded_samples": int(decoded.size),
        "expected_samples": int(expected),
        "largest_step_in_pauses_dbfs": 20 * math.log10(worst) if worst > 0 else -math.inf,
        "pauses": len(spans) - 1,
    }


def quality_lines(q: dict) -> list[str]:
    """The report's quality table."""
    ok = lambda good: "yes" if good else "**no**"  # noqa: E731
    return [
        "| Check (issue 13) | Measured | Target | Met |", "|---|---|---|---|",
        f"| Integrated loudness (ffmpeg ebur128) | {q['integrated_lufs']:.1f} LUFS | -19 ± 1 | {ok(abs(q['integrated_lufs'] + 19) <= 1)} |",
        f"| True peak (ffmpeg ebur128) | {q['true_peak_dbtp']:.1f} dBTP | <= -1 | {ok(q['true_peak_dbtp'] <= -1)} |",
        f"| `ffmpeg -v error -i EPISODE.mp3 -f null -` output | {q['ffmpeg_error_output'] or 'nothing'} | nothing | {ok(not q['ffmpeg_error_output'])} |",
        f"| mutagen: CBR, duration | {'CBR' if q['cbr'] else 'not CBR'}, {q['mutagen_length_s']:.6f} s "
        f"| CBR, {q['exact_length_s']:.6f} s | {ok(q['cbr'] and abs(q['mutagen_length_s'] - q['exact_length_s']) < 1e-6)} |",
        f"| Decoded length vs a single encode of the same layout | {q['decoded_samples']:,} samples | {q['expected_samples']:,} "
        f"| {ok(q['decoded_samples'] == q['expected_samples'])} |",
        f"| Largest step inside any of the {q['pauses']} pauses (so at every cut) | {q['largest_step_in_pauses_dbfs']:.1f} dBFS "
        f"| < -60 | {ok(q['largest_step_in_pauses_dbfs'] < -60)} |",
    ]
