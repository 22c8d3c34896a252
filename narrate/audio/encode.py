"""Encode: the episode's samples, piped in as they are made, become a CBR MP3 in an encoder process.

The input is float32 samples that already carry each segment's gain (narrate.audio.leveler), so
nothing is clipped before the limiter. The encoder process (narrate.audio.encoder_process, running
narrate.audio.mp3writer) resamples them to the output rate (soxr), runs the look-ahead peak limiter
(narrate.audio.limiter), encodes with LAME (lameenc) while synthesis is still going, and at the end
puts the LAME 'Info' frame in front (exact length for gapless players, narrate.audio.lametag).
No raw temporary file is written.

This replaced ffmpeg as the encoder: ffmpeg 7+ hands every 1152-sample frame between its demuxer,
decoder, filter, encoder and muxer threads (about 230,000 futex calls for the 8.5-minute sample
article), which cost about 0.6 s of CPU on top of LAME's own 1.2 s.

True peak: the limiter runs at the output rate (44.1 kHz). Speech from the engines is 22.05 kHz
(nothing above 11 kHz), so at 44.1 kHz it is already oversampled twice and peaks between samples
are small; the limiter's ceiling sits limiter_margin_db (1 dB) below the true-peak target, which
covers them and the MP3 encoder's overshoot (checked with ebur128 true peak on the final MP3 in
the tests).
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from narrate.errors import NarrateError

WRITE_QUEUE_CHUNKS = 64
"""Most chunks (a segment or a pause each, typically under 0.5 MB) waiting for the encoder to read them."""
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


class Mp3Encoder:
    """One running encoder process (narrate.audio.encoder_process) that turns mono float32 written to it into a CBR MP3."""

    def __init__(self, mp3_path: Path, settings: AudioSettings) -> None:
        """Start the encoder process (it loads its libraries while the first audio is made); `begin` gives the input rate."""
        self.settings = settings
        self.path = Path(mp3_path)
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish()/abort()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "narrate.audio.encoder_process"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr, env=env,
            )
        except OSError as exc:
            self._stderr.close()
            raise NarrateError(f"Encoding the MP3 could not start its encoder process: {exc}.") from exc
        assert self._proc.stdin is not None
        self._stdin = self._proc.stdin
        self._begun = False
        # A thread feeds the encoder, so the caller is not blocked while the encoder catches up and can keep
        # collecting synthesized segments (a blocked caller would leave the synthesis workers idle).
        self._queue: queue.Queue[bytes | memoryview | None] = queue.Queue(WRITE_QUEUE_CHUNKS)
        self._broken = False
        self._feeder = threading.Thread(target=self._feed, name="narrate-mp3-feeder", daemon=True)
        self._feeder.start()

    def begin(self, input_rate: int) -> Mp3Encoder:
        """Tell the encoder the rate of the mono float32 samples that `write` will bring; returns self."""
        spec = {
            "input_rate": input_rate,
            "path": str(self.path),
            "format": {
                "sample_rate": self.settings.sample_rate,
                "bitrate_kbps": self.settings.bitrate_kbps,
                "quality": self.settings.mp3_quality,
                "ceiling": 10 ** (self.settings.limiter_ceiling_db / 20),
            },
        }
        self._queue.put(json.dumps(spec).encode("utf-8") + b"\n")
        self._begun = True
        return self

    def _feed(self) -> None:
        """Thread: write queued chunks to the encoder until the None that ends the input."""
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
        """Append float32 samples (native little-endian) to the episode (after `begin`)."""
        if not self._begun:
            raise RuntimeError("Mp3Encoder.begin(rate) comes before the first write")
        if self._broken:
            self.finish()  # raises with the encoder's own message
            raise NarrateError("Encoding the MP3 failed: the encoder stopped reading.")
        self._queue.put(samples)

    def finish(self) -> Loudness | None:
        """Close the input, wait for the encoder, raise NarrateError on failure; return the measured loudness if asked."""
        try:
            if self._feeder.is_alive():
                self._queue.put(None)
                self._feeder.join()
            code = self._proc.wait()
            self._stderr.seek(0)
            err = self._stderr.read().decode("utf-8", "replace").strip()
        finally:
            self._stderr.close()
        if code != 0:
            reason = err.splitlines()[-1].rstrip(".") if err else f"exit status {code}"
            raise NarrateError(f"Encoding the MP3 failed: {reason}.")
        if not self._begun:
            raise NarrateError("Encoding the MP3 failed: no audio was given to the encoder.")
        return measure_mp3_loudness(self.path) if self.settings.verify_loudness else None

    def abort(self) -> None:
        """Stop the encoder (the build failed part way); the partial MP3 is the caller's to remove."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._broken = True
        if self._feeder.is_alive():
            self._queue.put(None)
            self._feeder.join()
        self._proc.wait()
        self._stderr.close()


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
