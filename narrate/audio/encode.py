"""Encode: one ffmpeg pass from the joined PCM to a podcast-grade MP3 (fixed gain, true-peak limiter, CBR)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from narrate.audio.ffmpeg import run_ffmpeg

MAX_GAIN_DB = 40.0
"""Largest gain applied either way, so near-silent input is not blown up into noise."""


@dataclass(frozen=True)
class AudioSettings:
    """How the episode's audio is encoded and how loud it is."""

    bitrate_kbps: int = 64
    """Constant MP3 bitrate in kbit/s."""
    sample_rate: int = 44100
    """Sample rate of the MP3."""
    target_lufs: float = -19.0
    """Integrated loudness to reach (mono speech; the same as -16 LUFS stereo)."""
    true_peak_db: float = -1.0
    """Highest true peak the MP3 may reach, in dBTP."""
    limiter_margin_db: float = 1.0
    """How far below true_peak_db the limiter's ceiling sits, leaving room for the MP3 encoder's overshoot."""
    limiter_oversample: int = 4
    """The limiter runs at this multiple of the output rate, so that it catches peaks between samples."""
    verify_loudness: bool = False
    """Also measure the encoded signal (ebur128 with true peak) inside the one encode; costs about half an encode."""

    @property
    def limiter_ceiling_db(self) -> float:
        """The limiter's ceiling in dBFS."""
        return self.true_peak_db - self.limiter_margin_db


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness and true peak of the episode."""

    integrated_lufs: float
    """Gated integrated loudness in LUFS."""
    true_peak_db: float
    """True peak in dBTP (or the limiter-bound estimate when not measured)."""
    measured: bool
    """True when measured on the encoded signal; False when predicted from the PCM measurements and the gain."""


def filter_chain(gain_db: float, settings: AudioSettings) -> str:
    """The ffmpeg audio filter graph: oversample, gain, limit, resample to the output rate (and measure)."""
    ceiling = 10 ** (settings.limiter_ceiling_db / 20)
    over = settings.sample_rate * max(1, settings.limiter_oversample)
    chain = [
        f"aresample={over}",
        f"volume={gain_db:.4f}dB:precision=double",
        f"alimiter=limit={ceiling:.6f}:attack=5:release=50:level=0:latency=1",
        f"aresample={settings.sample_rate}",
    ]
    if settings.verify_loudness:
        chain.append("ebur128=peak=true:framelog=quiet")
    return ",".join(chain)


def encode_mp3(raw_path: Path, input_rate: int, mp3_path: Path, gain_db: float, settings: AudioSettings) -> Loudness | None:
    """Encode mono s16le PCM at `input_rate` to a CBR MP3 at `mp3_path`; return the measured loudness if asked for."""
    args = [
        "-f", "s16le", "-ar", str(input_rate), "-ac", "1", "-i", str(raw_path),
        "-af", filter_chain(gain_db, settings),
        "-map_metadata", "-1",
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k", "-ar", str(settings.sample_rate), "-ac", "1",
        "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-id3v2_version", "0", "-write_id3v1", "0", "-write_xing", "1",
        "-f", "mp3", str(mp3_path),
    ]  # fmt: skip
    proc = run_ffmpeg(args, what="Encoding the MP3")
    if not settings.verify_loudness:
        return None
    return parse_ebur128_summary(proc.stderr.decode("utf-8", "replace"))


def parse_ebur128_summary(stderr: str) -> Loudness:
    """Read the integrated loudness and true peak from ffmpeg's ebur128 summary."""
    summary = stderr[stderr.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf)\s+LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf)\s+dBFS", summary)
    if not integrated or not peak:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    return Loudness(float(integrated.group(1)), float(peak.group(1)), measured=True)
