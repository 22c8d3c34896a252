"""LAME tag: the 'Info' frame in front of a CBR MP3 that gives players its exact length (gapless playback).

An MP3 encoder starts with a delay of silence (LAME: 576 samples, plus the 529 of the decoder's
filter bank) and pads the last frame. Without this frame players cannot cut either off, so the
episode plays about 25 ms late and its chapters with it. The frame is a silent frame of the same
format as the audio, holding the Xing 'Info' header (frame count, byte count, seek table) and the
LAME extension (encoder delay and padding, music length and CRC, tag CRC). The layout and the CRCs
follow what ffmpeg's MP3 muxer writes (the tests compare the two byte for byte).

Written here: lameenc, the LAME binding narrate encodes with, does not expose LAME's own
lame_get_lametag_frame, and mutagen reads these frames but does not write them.
"""

from __future__ import annotations

import bisect
import functools
import struct
import sys
from collections.abc import Iterator
from array import array
from dataclasses import dataclass

import fastcrc

LAME_ENCODER_DELAY = 576
"""Samples of delay LAME 3.100 puts before the audio when it does not resample (its ENCDELAY)."""
_BITRATES_KBPS = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
"""Layer III bitrates by MPEG version (2 also for 2.5), by the header's bitrate index."""
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
"""Sample rates by the header's version bits (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5), by rate index."""
_TAG_CRC_SPAN = 190
"""The tag CRC covers this many bytes from the start of the frame (with the CRC field itself zero)."""
_ENCODER_TAG_BYTES = 9
"""Length of the encoder name field at the start of the LAME extension."""


@dataclass(frozen=True)
class FrameHeader:
    """The fields of an MPEG audio Layer III frame header that size and describe a frame."""

    raw: int
    """The header's 32 bits."""
    mpeg1: bool
    """MPEG-1 (1152 samples per frame) rather than MPEG-2/2.5 (576)."""
    bitrate_kbps: int
    """Bitrate of the frame."""
    sample_rate: int
    """Sample rate in Hz."""
    padded: bool
    """The frame carries one extra byte."""
    mono: bool
    """Single channel."""

    @property
    def samples(self) -> int:
        """Samples per channel in one frame."""
        return 1152 if self.mpeg1 else 576

    @property
    def size(self) -> int:
        """Bytes in the frame, header included."""
        return (144 if self.mpeg1 else 72) * self.bitrate_kbps * 1000 // self.sample_rate + int(self.padded)

    @property
    def side_info_size(self) -> int:
        """Bytes of Layer III side information after the header (no CRC)."""
        if self.mpeg1:
            return 17 if self.mono else 32
        return 9 if self.mono else 17


def parse_header(data: bytes | memoryview, offset: int = 0) -> FrameHeader | None:
    """The Layer III frame header at `offset`, or None when there is none."""
    if offset + 4 > len(data):
        return None
    return _header(int.from_bytes(data[offset : offset + 4], "big"))


@functools.lru_cache(maxsize=256)
def _header(raw: int) -> FrameHeader | None:
    """The header with these 32 bits (cached: a CBR stream repeats two headers, with and without padding)."""
    version, layer = (raw >> 19) & 3, (raw >> 17) & 3
    bitrate_index, rate_index = (raw >> 12) & 15, (raw >> 10) & 3
    if raw >> 21 != 0x7FF or version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    return FrameHeader(
        raw=raw,
        mpeg1=mpeg1,
        bitrate_kbps=_BITRATES_KBPS[1 if mpeg1 else 2][bitrate_index],
        sample_rate=_SAMPLE_RATES[version][rate_index],
        padded=bool((raw >> 9) & 1),
        mono=(raw >> 6) & 3 == 3,
    )


class FrameOffsets:
    """Byte offsets of frames, kept as runs of offsets from a base: a chunk's thousands of offsets are added as one
    run, without a Python loop over them (the Info frame reads only the count and a hundred of them)."""

    def __init__(self) -> None:
        self._bases: list[int] = []
        self._runs: list[array] = []
        self._ends: list[int] = []
        """Offsets in the runs up to and including each one."""

    def add_run(self, base: int, offsets: array) -> None:
        """Add the offsets `base + o` for every `o` of `offsets`, in order."""
        if len(offsets):
            self._bases.append(base)
            self._runs.append(offsets)
            self._ends.append(len(self) + len(offsets))

    def append(self, offset: int) -> None:
        """Add one offset."""
        if not self._runs or self._bases[-1] != 0 or self._runs[-1].typecode != "Q":
            self._bases.append(0)
            self._runs.append(array("Q"))
            self._ends.append(len(self))
        self._runs[-1].append(offset)
        self._ends[-1] += 1

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < len(self):
            raise IndexError("frame offset index out of range")
        run = bisect.bisect_right(self._ends, index)
        start = self._ends[run - 1] if run else 0
        return self._bases[run] + self._runs[run][index - start]

    def __iter__(self) -> Iterator[int]:
        for base, run in zip(self._bases, self._runs):
            for offset in run:
                yield base + offset

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrameOffsets) and len(self) == len(other) and list(self) == list(other)


class AudioFrames:
    """What an Info frame needs to know of the audio frames after it, gathered as they are written (no second read)."""

    def __init__(self) -> None:
        self.offsets = FrameOffsets()
        """Byte offset of every frame from the start of the audio."""
        self.size = 0
        """Bytes of audio so far."""
        self.crc = 0
        """CRC-16 (ARC) of the audio so far: the LAME tag's music CRC."""
        self.first: FrameHeader | None = None
        """The first frame's header."""
        self._next = 0
        """Offset where the next frame starts."""
        self._tail = b""
        """The last few bytes, for a frame header cut in two by a write."""

    def add(self, data: bytes | memoryview) -> None:
        """Account for the next bytes of the MP3 stream (whole frames or not); ValueError when they are not MP3 frames."""
        if not len(data):
            return
        self.crc = fastcrc.crc16.arc(bytes(data), initial=self.crc)
        base = self.size - len(self._tail)
        window = self._tail + bytes(data)
        self.size += len(data)
        while self._next + 4 <= self.size:
            header = parse_header(window, self._next - base)
            if header is None:
                raise ValueError(f"no MP3 frame header at byte {self._next} of the encoded audio")
            if self.first is None:
                self.first = header
            self.offsets.append(self._next)
            self._next += header.size
        keep = max(0, self.size - self._next) if self._next < self.size else 0
        self._tail = window[len(window) - min(3, keep) :] if keep else b""

    def add_frames(self, data: bytes, offsets: bytes) -> None:
        """Account for whole frames whose byte offsets from the start of `data` are known (little-endian uint32s)."""
        if not self.complete:
            raise ValueError("whole frames cannot follow a cut-off frame")
        if not len(data):
            return
        if self.first is None:
            self.first = parse_header(data)
            if self.first is None:
                raise ValueError("no MP3 frame header at the start of the frames")
        self.crc = fastcrc.crc16.arc(data, initial=self.crc)
        chunk_offsets = array("I", offsets)
        if sys.byteorder != "little":  # pragma: no cover - big-endian hosts
            chunk_offsets.byteswap()
        self.offsets.add_run(self.size, chunk_offsets)
        self.size += len(data)
        self._next = self.size

    @property
    def complete(self) -> bool:
        """True when the bytes so far end exactly at a frame boundary."""
        return self._next == self.size


def frame_offsets(data: bytes) -> array:
    """Byte offset of every frame of `data`, whole CBR frames that differ only in their padding bit (as one LAME
    stream writes them); ValueError when they are not. About ten times faster than AudioFrames.add."""
    first = parse_header(data)
    if first is None:
        raise ValueError("no MP3 frame header at the start of the frames")
    fixed = first.raw & ~(1 << 9) & ~0xFF  # all but the padding bit and the last byte (mode extension, flags)
    unpadded = first.size - int(first.padded)
    offsets = array("Q")
    position, end = 0, len(data)
    while position < end:
        if position + 4 > end or (int.from_bytes(data[position : position + 3], "big") << 8) & ~(1 << 9) != fixed:
            raise ValueError(f"no MP3 frame header of the stream's format at byte {position} of the encoded audio")
        offsets.append(position)
        position += unpadded + ((data[position + 2] >> 1) & 1)
    if position != end:
        raise ValueError("the encoded audio ends inside a frame")
    return offsets


def info_frame_size(first: FrameHeader) -> int:
    """Bytes of the Info frame that goes in front of audio whose first frame is `first`."""
    return _info_header(first)[1].size


def info_frame(frames: AudioFrames, delay: int, padding: int, encoder: str = "LAME3.100") -> bytes:
    """The Info frame to put in front of the audio `frames` describes, for `delay` and `padding` samples."""
    if frames.first is None or not frames.complete:
        raise ValueError("an Info frame needs whole audio frames, at least one")
    if not (0 <= delay < 1 << 12 and 0 <= padding < 1 << 12):
        raise ValueError(f"delay {delay} and padding {padding} must each fit in 12 bits")
    header, frame_header = _info_header(frames.first)
    size = frame_header.size
    start = 4 + frame_header.side_info_size
    frame = bytearray(size)
    frame[0:4] = header.to_bytes(4, "big")
    count = len(frames.offsets)
    total_bytes = size + frames.size
    toc = bytes(min(255, (size + frames.offsets[i * count // 100]) * 256 // total_bytes) for i in range(100))
    xing = b"Info" + struct.pack(">III", 0x0F, count, total_bytes) + toc + struct.pack(">I", 0)
    lame = bytearray(36)
    lame[0:_ENCODER_TAG_BYTES] = encoder.encode("ascii")[:_ENCODER_TAG_BYTES].ljust(_ENCODER_TAG_BYTES, b"\0")
    lame[21:24] = ((delay << 12) | padding).to_bytes(3, "big")
    lame[28:32] = total_bytes.to_bytes(4, "big")
    lame[32:34] = frames.crc.to_bytes(2, "big")
    frame[start : start + 120] = xing
    frame[start + 120 : start + 156] = lame
    crc = fastcrc.crc16.arc(bytes(frame[:_TAG_CRC_SPAN]))
    frame[start + 154 : start + 156] = crc.to_bytes(2, "big")
    return bytes(frame)


def info_frame_for(audio: bytes, delay: int, padding: int, encoder: str = "LAME3.100") -> bytes:
    """The Info frame for `audio` (CBR frames only, all in memory)."""
    frames = AudioFrames()
    frames.add(audio)
    return info_frame(frames, delay, padding, encoder)


def _info_header(audio: FrameHeader) -> tuple[int, FrameHeader]:
    """The Info frame's header: the audio's version, rate and channel mode without padding byte, CRC, mode
    extension, copyright, original or emphasis bits (a frame decoders play as silence), at the audio's bitrate
    or the lowest higher one whose frame holds the tag."""
    for index in range((audio.raw >> 12) & 15, 15):
        raw = (audio.raw & ~(1 << 9) & ~(15 << 12) & ~0x3F) | (1 << 16) | (index << 12)
        header = parse_header(raw.to_bytes(4, "big"))
        assert header is not None
        if header.size >= max(4 + header.side_info_size + 156, _TAG_CRC_SPAN):
            return raw, header
    raise ValueError(f"no {audio.sample_rate} Hz frame is large enough for the Info tag")
