"""Mp3Writer: mono float32 samples -> resampled (soxr) -> peak-limited -> LAME (lameenc) -> a CBR MP3 file with its Info frame.

Samples are taken in fixed blocks of BLOCK_SAMPLES whatever the sizes they are written in, so
the file's bytes depend on the samples only. The file starts with room for the LAME 'Info' frame
(narrate.audio.lametag), filled in by close() once the length is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from narrate.audio.lametag import LAME_ENCODER_DELAY, AudioFrames, info_frame, info_frame_size
from narrate.audio.limiter import PeakLimiter

BLOCK_SAMPLES = 1 << 16
"""Input samples handed on at a time (the same blocks however the input was split)."""
LAME_VERSION_TAG = "LAME3.100"
"""The encoder named in the Info frame: lameenc 1.x is built on LAME 3.100."""


@dataclass(frozen=True)
class Mp3Format:
    """What the MP3 is: rate, bitrate, LAME quality, and the limiter's ceiling."""

    sample_rate: int
    """Sample rate of the MP3 (the input is resampled to it)."""
    bitrate_kbps: int
    """Constant bitrate."""
    quality: int
    """LAME's -q (0 slowest .. 9 fastest)."""
    ceiling: float
    """Largest sample magnitude after the limiter (full scale 1.0)."""


class Mp3Writer:
    """Writes a CBR MP3 from mono float32 samples at `input_rate`; call write() as samples come, then close()."""

    def __init__(self, input_rate: int, path: Path, mp3: Mp3Format) -> None:
        """Open `path` for the MP3 (truncating it)."""
        import lameenc
        import soxr

        self._resampler = (
            soxr.ResampleStream(input_rate, mp3.sample_rate, 1, dtype="float32", quality="HQ")
            if input_rate != mp3.sample_rate else None
        )
        self._limiter = PeakLimiter(mp3.sample_rate, mp3.ceiling)
        self._lame = lameenc.Encoder()
        self._lame.set_bit_rate(mp3.bitrate_kbps)
        self._lame.set_in_sample_rate(mp3.sample_rate)
        self._lame.set_channels(1)
        self._lame.set_quality(mp3.quality)
        self._frames = AudioFrames()
        self._held = np.zeros(0, dtype=np.float32)
        self.samples = 0
        """Samples encoded so far, at the MP3's rate."""
        self._info_size = 0
        self._file = open(path, "wb")  # noqa: SIM115 - closed by close()

    @property
    def limited_blocks(self) -> int:
        """Gain blocks the limiter turned down so far."""
        return self._limiter.reduced_blocks

    def write(self, samples: np.ndarray) -> None:
        """Append float32 samples."""
        held = np.concatenate((self._held, samples)) if self._held.size else np.asarray(samples, dtype=np.float32)
        whole = held.size // BLOCK_SAMPLES * BLOCK_SAMPLES
        for start in range(0, whole, BLOCK_SAMPLES):
            self._encode(held[start : start + BLOCK_SAMPLES], last=False)
        self._held = held[whole:].copy()

    def close(self) -> None:
        """Encode what is left, write the Info frame at the start and close the file."""
        try:
            self._encode(self._held, last=True)
            self._held = np.zeros(0, dtype=np.float32)
            if self._frames.first is None:
                raise ValueError("LAME produced no audio")
            padding = len(self._frames.offsets) * self._frames.first.samples - LAME_ENCODER_DELAY - self.samples
            frame = info_frame(self._frames, LAME_ENCODER_DELAY, max(0, padding), encoder=LAME_VERSION_TAG)
            if len(frame) != self._info_size:
                raise ValueError("the Info frame does not fit the room left for it")
            self._file.seek(0)
            self._file.write(frame)
        finally:
            self._file.close()

    def abort(self) -> None:
        """Close the file without finishing it."""
        self._file.close()

    def _encode(self, samples: np.ndarray, last: bool) -> None:
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples, last=last)
        limited = self._limiter.process(samples)
        if last:
            limited = np.concatenate((limited, self._limiter.flush()))
        self.samples += limited.size
        if limited.size:
            pcm16 = np.rint(np.clip(limited, -1.0, 32767 / 32768) * 32768).astype("<i2")
            self._write_frames(self._lame.encode(pcm16.tobytes()))
        if last:
            self._write_frames(self._lame.flush())

    def _write_frames(self, data: bytes) -> None:
        if not data:
            return
        self._frames.add(data)
        if not self._info_size:
            assert self._frames.first is not None
            self._info_size = info_frame_size(self._frames.first)
            self._file.write(bytes(self._info_size))  # the Info frame's place, filled in by close()
        self._file.write(data)
