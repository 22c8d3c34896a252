"""Chunk: one stretch of the episode encoded as its own LAME stream, a pure function of what its ChunkSpec holds.

What a chunk's MP3 frames depend on, all of it in ChunkSpec and so in chunk_key:
- the content keys of its segments in order: their cached audio, and so their loudness measurements;
- their gains, which narrate.audio.leveler decides from those measurements and the level target alone: the key
  holds the target and the versions of the leveller and of the measurements (narrate.audio.formats) in
  place of the gains, so that a rebuild names a chunk without working out any gain;
- its silences: the lead before its first segment, the gap after each segment but the last, the tail after its
  last one (working samples), and whether it is the episode's last chunk;
- the working rate, and the MP3's rate, bitrate, LAME quality and the limiter's ceiling;
- the code that turns those into frames: CHUNK_FORMAT (narrate.audio.formats: this module and the limiter), lameenc,
  soxr and numpy.
Nothing else: not where it sits in the episode, nor anything before or after it. Its lead and tail are silence
longer than anything that carries state across samples (soxr's filter, the limiter's 5 ms look-ahead and 40 ms
hold, LAME's bit reservoir and MDCT overlap), so every stage starts from rest and ends in silence, and a fresh
LAME stream starts with an empty bit reservoir: its first frame needs no byte of any frame before it.

level_and_encode decides the gains and encode_chunk mixes the segments at their gains into float32 samples at the working rate, resamples them to the
MP3's rate (soxr), limits their peaks (narrate.audio.limiter), and encodes them with LAME (lameenc), in blocks of
BLOCK_SAMPLES, so its memory is a few blocks beside the chunk's own samples. soxr, numpy and LAME let go of the
interpreter lock while they work, so chunks are encoded on threads of the build process, side by side.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from narrate.audio.formats import CHUNK_FORMAT, encoder_versions
from narrate.audio.layout import ENCODER_DELAY, MP3_FRAME
from narrate.audio.leveler import LevelTarget, chunk_gains
from narrate.audio.loudness import SegmentLoudness

BLOCK_SAMPLES = 1 << 16
"""Working-rate samples resampled, limited and encoded at a time."""
_HEADER = struct.Struct("<4sBIQII")
"""Serialized chunk: magic, format, frame count, input samples, padding, segment count; then the gains (float64),
the frame offsets (uint32) and the frames."""
_MAGIC = b"NCHK"


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


@dataclass(frozen=True)
class ChunkSpec:
    """Everything a chunk's frames depend on (see the module docstring); its segments' audio is named by key."""

    segment_keys: tuple[str, ...]
    """Content keys of its segments' audio, in order."""
    level: LevelTarget
    """What the segments' gains bring them to (the gains follow from it and their measurements)."""
    lead: int
    """Working samples of silence before the first segment."""
    gaps: tuple[int, ...]
    """Working samples of silence after each segment but the last."""
    tail: int
    """Working samples of silence after the last segment."""
    last: bool
    """The episode's last chunk: any length (LAME pads it); every other chunk is a whole number of frames long."""
    rate: int
    """Working sample rate of the segments' audio."""
    mp3: Mp3Format
    """The MP3's format."""


@dataclass(frozen=True)
class EncodedChunk:
    """A chunk's MP3 frames and what the episode's Info frame needs to know of them."""

    frames: bytes
    """Whole MPEG audio frames, the first starting with an empty bit reservoir."""
    offsets: bytes
    """Byte offset of every frame in `frames`, as little-endian uint32."""
    input_samples: int
    """MP3-rate samples LAME was given (after its ENCODER_DELAY, before its padding)."""
    padding: int
    """MP3-rate samples of LAME's padding after the input."""
    gains_db: tuple[float, ...] = ()
    """The gain each of its segments was given."""

    @property
    def frame_count(self) -> int:
        """Number of MP3 frames."""
        return len(self.offsets) // 4

    def to_bytes(self) -> bytes:
        """The chunk as one byte string (for the cache)."""
        header = _HEADER.pack(_MAGIC, CHUNK_FORMAT, self.frame_count, self.input_samples, self.padding, len(self.gains_db))
        return header + struct.pack(f"<{len(self.gains_db)}d", *self.gains_db) + self.offsets + self.frames

    @classmethod
    def from_bytes(cls, data: bytes) -> EncodedChunk | None:
        """The chunk `to_bytes` wrote, or None when `data` is not one (of this format)."""
        if len(data) < _HEADER.size:
            return None
        magic, version, count, samples, padding, segments = _HEADER.unpack_from(data)
        offsets = _HEADER.size + 8 * segments
        body = offsets + 4 * count
        if magic != _MAGIC or version != CHUNK_FORMAT or len(data) <= body:
            return None
        gains = struct.unpack_from(f"<{segments}d", data, _HEADER.size)
        return cls(data[body:], data[offsets:body], samples, padding, gains)


class ChunkStore(Protocol):
    """Where encoded chunks are kept between builds, by chunk_key (narrate.cache.SegmentCache); assembly keeps the
    generated episode cover there too, by narrate.audio.cover.cover_key."""

    def get_chunk(self, key: str) -> bytes | None: ...
    def put_chunk(self, key: str, data: bytes) -> None: ...


def chunk_key(spec: ChunkSpec) -> str:
    """The sha256 hex content key of a chunk: its whole spec and the encoder's versions."""
    payload = {"spec": asdict(spec), "encoder": encoder_versions()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def level_and_encode(spec: ChunkSpec, segments: Sequence[bytes], loudness: Sequence[SegmentLoudness]) -> EncodedChunk:
    """Decide the chunk's gains from its segments' measurements (narrate.audio.leveler), then encode it."""
    return encode_chunk(spec, segments, chunk_gains(loudness, spec.level))


def encode_chunk(spec: ChunkSpec, segments: Sequence[bytes], gains_db: Sequence[float]) -> EncodedChunk:
    """Encode the chunk: `segments` are its segments' audio (mono 16-bit at spec.rate) in order, `gains_db` their gains."""
    import lameenc
    import numpy as np
    import soxr

    from narrate.audio.lametag import frame_offsets
    from narrate.audio.limiter import PeakLimiter

    if len(segments) != len(spec.segment_keys) or len(gains_db) != len(segments) or len(spec.gaps) != len(segments) - 1:
        raise ValueError("a chunk needs one audio, one gain and (but for the last) one gap per segment")
    factor = spec.mp3.sample_rate // spec.rate
    total = spec.lead + sum(len(s) // 2 for s in segments) + sum(spec.gaps) + spec.tail
    mixed = np.zeros(total, dtype=np.float32)
    position = spec.lead
    for data, gain, gap in zip(segments, gains_db, (*spec.gaps, 0)):
        n = len(data) // 2
        scale = np.float32(10 ** (gain / 20) / 32768.0)
        np.multiply(np.frombuffer(data, dtype="<i2", count=n), scale, out=mixed[position : position + n], dtype=np.float32)
        position += n + gap
    resampler = soxr.ResampleStream(spec.rate, spec.mp3.sample_rate, 1, dtype="float32", quality="HQ") if factor > 1 else None
    limiter = PeakLimiter(spec.mp3.sample_rate, spec.mp3.ceiling)
    lame = lameenc.Encoder()
    lame.set_bit_rate(spec.mp3.bitrate_kbps)
    lame.set_in_sample_rate(spec.mp3.sample_rate)
    lame.set_channels(1)
    lame.set_quality(spec.mp3.quality)
    encoded = bytearray()
    given = 0
    for start in range(0, total, BLOCK_SAMPLES):
        block = mixed[start : start + BLOCK_SAMPLES]
        last = start + BLOCK_SAMPLES >= total
        if resampler is not None:
            block = resampler.resample_chunk(block, last=last)
        limited = limiter.process(block)
        if last:
            limited = np.concatenate((limited, limiter.flush()))
        given += limited.size
        np.multiply(limited, np.float32(32768), out=limited)  # in place: x * 2^15 is exact, so this is rint(clip(x) * 2^15)
        np.clip(limited, -32768, 32767, out=limited)
        encoded += lame.encode(np.rint(limited, out=limited).astype("<i2").tobytes())
    encoded += lame.flush()
    if given != total * factor:
        raise ValueError(f"the chunk's {total} samples became {given} at the MP3's rate instead of {total * factor}")
    offsets = frame_offsets(encoded)
    count = len(offsets)
    expected = -(-given // MP3_FRAME) + 1
    if count != expected or (not spec.last and given % MP3_FRAME):
        raise ValueError(f"LAME made {count} frames of {given} samples where {expected} whole frames were expected")
    return EncodedChunk(bytes(encoded), np.asarray(offsets, dtype="<u4").tobytes(), given,
                        count * MP3_FRAME - ENCODER_DELAY - given, tuple(float(g) for g in gains_db))
