"""Pcm: raw audio that carries its own format, passed between engines, cache and assembly."""

from __future__ import annotations

from dataclasses import dataclass


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
