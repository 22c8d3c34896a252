"""Encode settings: what the episode's MP3 is (CBR, rate, bitrate, LAME quality) and how loud it is.

The episode is encoded in chunks (narrate.audio.chunk, laid out by narrate.audio.layout): each chunk's samples
already carry their segments' gains (narrate.audio.leveler), so nothing is clipped before the limiter; they are
resampled to the output rate (soxr), run through the look-ahead peak limiter (narrate.audio.limiter) and encoded
with LAME (lameenc); narrate.audio.mp3file writes the chunks' frames behind one LAME 'Info' frame.

True peak: the limiter runs at the output rate (44.1 kHz). Speech from the engines is 22.05 kHz
(nothing above 11 kHz), so at 44.1 kHz it is already oversampled twice and peaks between samples
are small; the limiter's ceiling sits limiter_margin_db (1 dB) below the true-peak target, which
covers them and the MP3 encoder's overshoot (checked with ebur128 true peak on the final MP3 in
the tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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
    mp3_quality: int = 7
    """LAME's -q, 0 slowest .. 9 fastest. 7 turns off LAME's psychoacoustic noise shaping, which buys nothing
    for 22 kHz engine speech at 64 kbit/s: on the 8.5-minute sample article LAME encodes in 1.2 s instead of
    3.9 s at -q 2 (measured with ffmpeg's libmp3lame: 1.5 s against 2.6 s at its default -q 3) and decodes
    closer to the source (SNR 24.7 vs 21.6 dB, log-spectral distance 0-10 kHz 1.1 vs 1.6 dB)."""
    verify_loudness: bool = False
    """Also measure the finished MP3 (ffmpeg's ebur128 with true peak); a decode pass of its own."""

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


def measure_mp3_loudness(path: Path) -> Loudness:
    """Integrated loudness and true peak of an MP3 file, measured by ffmpeg's ebur128 filter."""
    from narrate.audio.ffmpeg import run_ffmpeg

    result = run_ffmpeg(["-nostats", "-i", str(path), "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
                        what="Measuring the MP3's loudness")
    return parse_ebur128_summary(result.stderr.decode("utf-8", "replace"))


def parse_ebur128_summary(stderr: str) -> Loudness:
    """Read the integrated loudness and true peak from ffmpeg's ebur128 summary."""
    summary = stderr[stderr.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf)\s+LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf)\s+dBFS", summary)
    if not integrated or not peak:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    return Loudness(float(integrated.group(1)), float(peak.group(1)), measured=True)
