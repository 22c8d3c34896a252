"""Encode: one ffmpeg process turns the episode's PCM, piped in as it is made, into a podcast-grade MP3.

The input is float32 samples that already carry each segment's gain (narrate.audio.leveler), so
nothing is clipped before the limiter; ffmpeg resamples to the output rate, runs a peak limiter
and encodes CBR MP3 while synthesis is still going. No raw temporary file is written.

True peak: the limiter runs at the output rate (44.1 kHz) by default. Speech from the engines is
22.05 kHz (nothing above 11 kHz), so at 44.1 kHz it is already oversampled twice and peaks between
samples are small; the limiter's ceiling sits limiter_margin_db (1 dB) below the true-peak target,
which covers them and the MP3 encoder's overshoot (checked with ebur128 true peak on the final MP3
in the tests). Running the limiter at 4x cost about a second per 8 minutes of audio;
`limiter_oversample` still allows it.
"""

from __future__ import annotations

import queue
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from narrate.audio.ffmpeg import _last_line, ffmpeg_exe
from narrate.errors import NarrateError

WRITE_QUEUE_CHUNKS = 64
"""Most chunks (a segment or a pause each, typically under 0.5 MB) waiting for ffmpeg to read them."""
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
    limiter_oversample: int = 1
    """The limiter runs at this multiple of the output rate (1: at the output rate; see the module docstring)."""
    mp3_quality: int = 7
    """LAME's -q (ffmpeg -compression_level), 0 slowest .. 9 fastest. 7 turns off LAME's psychoacoustic noise
    shaping, which buys nothing for 22 kHz engine speech at 64 kbit/s: on the 8.5-minute sample article it
    encodes in 1.5 s instead of 2.6 s (ffmpeg's default, LAME's -q 3; 6 takes 2.4 s) and decodes closer
    to the source (SNR 24.7 vs 21.6 dB, log-spectral distance 0-10 kHz 1.1 vs 1.6 dB)."""
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


def filter_chain(settings: AudioSettings) -> str:
    """The ffmpeg audio filter graph: resample, limit (oversampled if asked), at the output rate (and measure)."""
    ceiling = 10 ** (settings.limiter_ceiling_db / 20)
    limiter = f"alimiter=limit={ceiling:.6f}:attack=5:release=50:level=0:latency=1"
    over = settings.sample_rate * max(1, settings.limiter_oversample)
    chain = [f"aresample={over}", limiter]
    if over != settings.sample_rate:
        chain.append(f"aresample={settings.sample_rate}")
    if settings.verify_loudness:
        chain.append("ebur128=peak=true:framelog=quiet")
    return ",".join(chain)


class Mp3Encoder:
    """One running ffmpeg that encodes mono float32 samples written to it into a CBR MP3."""

    def __init__(self, input_rate: int, mp3_path: Path, settings: AudioSettings) -> None:
        """Start ffmpeg reading mono f32le at `input_rate` on its stdin and writing `mp3_path`."""
        self.settings = settings
        args = [
            ffmpeg_exe(), "-hide_banner", "-nostats", "-y", "-loglevel", "info",
            "-f", "f32le", "-ar", str(input_rate), "-ac", "1", "-i", "pipe:0",
            "-af", filter_chain(settings),
            "-map_metadata", "-1",
            "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k", "-compression_level", str(settings.mp3_quality),
            "-ar", str(settings.sample_rate), "-ac", "1",
            "-fflags", "+bitexact", "-flags:a", "+bitexact",
            "-id3v2_version", "0", "-write_id3v1", "0", "-write_xing", "1",
            "-f", "mp3", str(mp3_path),
        ]  # fmt: skip
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish()/abort()
        try:
            self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr)
        except OSError as exc:
            self._stderr.close()
            raise NarrateError(f"Encoding the MP3 could not start ffmpeg: {exc}.") from exc
        assert self._proc.stdin is not None
        self._stdin = self._proc.stdin
        # A thread feeds ffmpeg, so the caller is not blocked while ffmpeg catches up and can keep
        # collecting synthesized segments (a blocked caller would leave the synthesis workers idle).
        self._queue: queue.Queue[bytes | memoryview | None] = queue.Queue(WRITE_QUEUE_CHUNKS)
        self._broken = False
        self._feeder = threading.Thread(target=self._feed, name="narrate-mp3-feeder", daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        """Thread: write queued chunks to ffmpeg until the None that ends the input."""
        while (chunk := self._queue.get()) is not None:
            if self._broken:
                continue
            try:
                self._stdin.write(chunk)
            except (BrokenPipeError, OSError):
                self._broken = True
        try:
            self._stdin.close()
        except OSError:
            pass

    def write(self, samples: bytes | memoryview) -> None:
        """Append float32 samples (native little-endian) to the episode."""
        if self._broken:
            self.finish()  # raises with ffmpeg's own message
            raise NarrateError("Encoding the MP3 failed: ffmpeg stopped reading.")
        self._queue.put(samples)

    def finish(self) -> Loudness | None:
        """Close the input, wait for ffmpeg, raise NarrateError on failure; return the measured loudness if asked."""
        try:
            if self._feeder.is_alive():
                self._queue.put(None)
                self._feeder.join()
            code = self._proc.wait()
            self._stderr.seek(0)
            err = self._stderr.read().decode("utf-8", "replace")
        finally:
            self._stderr.close()
        if code != 0:
            raise NarrateError(f"Encoding the MP3 failed in ffmpeg (exit {code}): {_last_line(err.encode())}.")
        return parse_ebur128_summary(err) if self.settings.verify_loudness else None

    def abort(self) -> None:
        """Stop ffmpeg (the build failed part way); the partial MP3 is the caller's to remove."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._broken = True
        if self._feeder.is_alive():
            self._queue.put(None)
            self._feeder.join()
        self._proc.wait()
        self._stderr.close()


def parse_ebur128_summary(stderr: str) -> Loudness:
    """Read the integrated loudness and true peak from ffmpeg's ebur128 summary."""
    summary = stderr[stderr.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf)\s+LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf)\s+dBFS", summary)
    if not integrated or not peak:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    return Loudness(float(integrated.group(1)), float(peak.group(1)), measured=True)
