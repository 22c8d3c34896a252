"""Mp3Writer: mono float32 samples -> resampled (soxr) -> peak-limited -> LAME (lameenc) -> a CBR MP3 file with its Info frame.

Samples are taken in fixed blocks of BLOCK_SAMPLES whatever the sizes they are written in, so
the file's bytes depend on the samples only. The file starts with room for the LAME 'Info' frame
(narrate.audio.lametag), filled in by close() once the length is known.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from narrate.audio.lametag import LAME_ENCODER_DELAY, AudioFrames, info_frame, info_frame_size
from narrate.audio.limiter import PeakLimiter

BLOCK_SAMPLES = 1 << 16
"""Input samples handed on at a time (the same blocks however the input was split)."""
LAME_QUEUE_BLOCKS = 8
"""16-bit blocks (about 3 s of audio each) waiting for the LAME thread."""
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
    """Writes a CBR MP3 from mono float32 samples at `input_rate`; call write() as samples come, then close().

    Two stages run side by side: the caller's thread resamples, limits and converts each block, and a
    thread of its own runs LAME and writes the frames (soxr, numpy and LAME let go of the interpreter
    lock while they work). LAME is most of the work, so the MP3 is done about as soon as LAME alone
    could make it.
    """

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
        self._file = open(path, "wb")  # noqa: SIM115 - closed by close() or abort()
        self._pcm16: queue.Queue[bytes | None] = queue.Queue(LAME_QUEUE_BLOCKS)
        self._lame_error: BaseException | None = None
        self._aborted = False
        self._lame_thread = threading.Thread(target=self._run_lame, name="narrate-lame", daemon=True)
        self._lame_thread.start()

    @property
    def limited_blocks(self) -> int:
        """Gain blocks the limiter turned down so far."""
        return self._limiter.reduced_blocks

    def write(self, samples: np.ndarray) -> None:
        """Append float32 samples."""
        held = np.concatenate((self._held, samples)) if self._held.size else np.asarray(samples, dtype=np.float32)
        whole = held.size // BLOCK_SAMPLES * BLOCK_SAMPLES
        for start in range(0, whole, BLOCK_SAMPLES):
            self._prepare(held[start : start + BLOCK_SAMPLES], last=False)
        self._held = held[whole:].copy()

    def close(self) -> None:
        """Encode what is left, write the Info frame at the start and close the file."""
        try:
            self._prepare(self._held, last=True)
            self._held = np.zeros(0, dtype=np.float32)
            self._end_lame()
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
        self._aborted = True
        with contextlib.suppress(BaseException):
            self._end_lame()
        self._file.close()

    def _prepare(self, samples: np.ndarray, last: bool) -> None:
        """Resample, limit and convert `samples` to 16-bit, and queue them for LAME."""
        if self._lame_error is not None:
            self._end_lame()  # raises LAME's error
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples, last=last)
        limited = self._limiter.process(samples)
        if last:
            limited = np.concatenate((limited, self._limiter.flush()))
        self.samples += limited.size
        if limited.size:
            self._pcm16.put(np.rint(np.clip(limited, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes())

    def _end_lame(self) -> None:
        """Tell the LAME thread the input is complete, wait for it, and raise what went wrong there."""
        if self._lame_thread.is_alive():
            self._pcm16.put(None)
            self._lame_thread.join()
        if self._lame_error is not None:
            raise self._lame_error

    def _run_lame(self) -> None:
        """Thread: encode queued 16-bit blocks and write the frames; flush LAME at the end of the input."""
        ended = False
        try:
            while (block := self._pcm16.get()) is not None:
                if not self._aborted:
                    self._write_frames(self._lame.encode(block))
            ended = True
            if not self._aborted:
                self._write_frames(self._lame.flush())
        except BaseException as error:  # noqa: BLE001 - raised in the caller's thread by _end_lame
            self._lame_error = error
            while not ended and self._pcm16.get() is not None:  # keep taking blocks, so _prepare never blocks
                pass

    def _write_frames(self, data: bytes) -> None:
        if not data:
            return
        self._frames.add(data)
        if not self._info_size:
            assert self._frames.first is not None
            self._info_size = info_frame_size(self._frames.first)
            self._file.write(bytes(self._info_size))  # the Info frame's place, filled in by close()
        self._file.write(data)
