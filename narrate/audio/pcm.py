"""Pcm: raw audio that carries its own format, passed between engines, cache and assembly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from narrate.audio.loudness import SegmentLoudness


@dataclass(frozen=True)
class Pcm:
    """Signed little-endian PCM samples with their format."""

    data: bytes
    """The samples, interleaved when there is more than one channel."""
    sample_rate: int
    """Samples per second per channel."""
    sample_width: int = 2
    """Bytes per sample (2 for 16-bit)."""
    channels: int = 1
    """Number of channels (1 for mono)."""

    @property
    def frames(self) -> int:
        """Number of sample frames."""
        return len(self.data) // (self.sample_width * self.channels)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate


@dataclass(frozen=True)
class MeasuredPcm:
    """A segment's audio with its loudness, measured where it was synthesized (or read from the cache)."""

    pcm: Pcm
    """The audio."""
    loudness: SegmentLoudness | None
    """Its BS.1770 step measurements (narrate.audio.loudness), or None when it still has to be measured."""


@dataclass(frozen=True)
class SegmentAudio:
    """One script segment as assembly takes it: its content key and loudness, and its audio unless that stays in the
    cache until a chunk needs it (then assembly's `load` fetches it)."""

    key: str
    """Content key of the audio (the segment cache key); chunk keys are made of these."""
    loudness: SegmentLoudness | None
    """Its BS.1770 step measurements, or None when assembly must measure `pcm`."""
    pcm: Pcm | None = None
    """The audio, or None when it is fetched only if its chunk is encoded (then `loudness` is required)."""


def measure_pcm(pcm: Pcm) -> MeasuredPcm:
    """`pcm` with its loudness measured (mono 16-bit audio only; other formats are measured after conversion)."""
    if pcm.channels != 1 or pcm.sample_width != 2:
        return MeasuredPcm(pcm, None)
    from narrate.audio.loudness import measure_pcm16

    return MeasuredPcm(pcm, measure_pcm16(pcm.data[: len(pcm.data) // 2 * 2], pcm.sample_rate))
