"""One chunk encoded and written behind its LAME 'Info' frame: exact length for players, the frame ffmpeg writes, same bytes."""

from __future__ import annotations

import random
import re
import struct
from pathlib import Path

import mutagen.mp3
import numpy as np
import pytest

from narrate.audio.ffmpeg import run_ffmpeg
from narrate.audio.chunk import ChunkSpec, EncodedChunk, Mp3Format, encode_chunk
from narrate.audio.leveler import LevelTarget
from narrate.audio.lametag import AudioFrames, info_frame, info_frame_for, parse_header
from narrate.audio.mp3file import Mp3File

FORMAT = Mp3Format(sample_rate=44100, bitrate_kbps=64, quality=7, ceiling=0.79)


def tone_with_click(seconds: float, rate: int, click_at: int) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    samples = (0.05 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    samples[click_at] = 0.7
    return samples


def one_chunk(samples: np.ndarray, rate: int) -> EncodedChunk:
    """`samples` (float, full scale 1.0) encoded as an episode's only chunk."""
    pcm16 = np.rint(np.clip(samples, -1, 32767 / 32768) * 32768).astype("<i2").tobytes()
    return encode_chunk(ChunkSpec(("k",), LevelTarget(-19.0, -2.0, 40.0), 0, (), 0, True, rate, FORMAT), [pcm16], [0.0])


def write_mp3(path: Path, samples: np.ndarray, rate: int) -> EncodedChunk:
    chunk = one_chunk(samples, rate)
    out = Mp3File(path)
    out.add(chunk)
    out.close()
    return chunk


def decode(path: Path) -> np.ndarray:
    raw = run_ffmpeg(["-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"]).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def test_players_get_exactly_the_samples_that_went_in(tmp_path: Path) -> None:
    rate, click = 22050, 15000
    samples = tone_with_click(1.3, rate, click)
    path = tmp_path / "x.mp3"
    chunk = write_mp3(path, samples, rate)
    assert chunk.input_samples == 2 * samples.size  # resampled to 44.1 kHz, nothing lost or added
    assert chunk.frame_count == -(-chunk.input_samples // 1152) + 1 and 576 <= chunk.padding < 576 + 1152
    decoded = decode(path)
    assert decoded.size == 2 * samples.size  # encoder delay and padding cut off by the decoder
    assert abs(int(np.argmax(np.abs(decoded))) - 2 * click) <= 2  # and nothing shifted
    assert mutagen.mp3.MP3(path).info.length == pytest.approx(samples.size / rate, abs=1e-6)


def test_the_info_frame_is_the_one_ffmpeg_writes(tmp_path: Path) -> None:
    # ffmpeg's own MP3 muxer writes the same Info/LAME tag; rebuild it from ffmpeg's audio frames and compare.
    source = tmp_path / "in.wav"
    samples = (tone_with_click(2.0, 44100, 30000) * 32767).astype("<i2")
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + samples.nbytes, b"WAVE", b"fmt ", 16, 1, 1, 44100,
                         88200, 2, 16, b"data", samples.nbytes)
    source.write_bytes(header + samples.tobytes())
    theirs_path = tmp_path / "ffmpeg.mp3"
    run_ffmpeg(["-v", "error", "-i", str(source), "-c:a", "libmp3lame", "-b:a", "64k", "-fflags", "+bitexact",
                "-id3v2_version", "0", "-write_xing", "1", str(theirs_path)])
    data = theirs_path.read_bytes()
    first = parse_header(data)
    assert first is not None
    theirs, audio = data[: first.size], data[first.size :]
    tag = theirs.index(b"Info") + 120
    delay_padding = int.from_bytes(theirs[tag + 21 : tag + 24], "big")
    ours = info_frame_for(audio, delay_padding >> 12, delay_padding & 0xFFF, encoder=theirs[tag : tag + 9].decode())
    toc = range(theirs.index(b"Info") + 16, theirs.index(b"Info") + 116)
    crc = range(tag + 34, tag + 36)
    different = [i for i in range(len(theirs)) if ours[i] != theirs[i] and i not in toc and i not in crc]
    assert len(ours) == len(theirs) and different == []
    # The seek tables agree to within one frame: ffmpeg samples frame positions, ours are exact.
    one_frame = 256 * first.size / len(data)
    assert max(abs(ours[i] - theirs[i]) for i in toc) <= one_frame + 1
    assert all(ours[i] <= ours[i + 1] for i in toc[:-1])


def test_frames_are_counted_the_same_however_the_bytes_arrive(tmp_path: Path) -> None:
    path = tmp_path / "x.mp3"
    write_mp3(path, tone_with_click(1.0, 22050, 100), 22050)
    data = path.read_bytes()
    first = parse_header(data)
    assert first is not None
    audio = data[first.size :]
    whole = info_frame_for(audio, 576, 100)
    frames, position, rng = AudioFrames(), 0, random.Random(4)
    while position < len(audio):
        size = rng.choice([1, 2, 3, 4, 5, 208, 209, 1000])
        frames.add(audio[position : position + size])
        position += size
    assert info_frame(frames, 576, 100) == whole
    with pytest.raises(ValueError):
        info_frame_for(audio[:-5], 576, 100)  # a cut-off last frame is not an MP3 stream


def test_frames_with_known_offsets_are_accounted_like_parsed_ones(tmp_path: Path) -> None:
    chunks = [one_chunk(tone_with_click(seconds, 22050, 100), 22050) for seconds in (0.7, 1.1)]
    parsed, known = AudioFrames(), AudioFrames()
    for chunk in chunks:
        parsed.add(chunk.frames)
        known.add_frames(chunk.frames, chunk.offsets)
    assert (parsed.offsets, parsed.size, parsed.crc, parsed.first) == (known.offsets, known.size, known.crc, known.first)


def test_a_chunk_is_the_same_bytes_every_time_and_survives_serializing() -> None:
    samples = np.random.default_rng(2).standard_normal(22050 * 3).astype(np.float32) * 0.6  # loud: the limiter works
    first, again = one_chunk(samples, 22050), one_chunk(samples, 22050)
    assert first == again
    assert re.search(rb"LAME3\.100", first.frames[:2000]) is None  # the encoder's name is in the Info frame only
    assert EncodedChunk.from_bytes(first.to_bytes()) == first
    assert EncodedChunk.from_bytes(first.to_bytes()[:20]) is None


def test_the_limiter_keeps_a_loud_chunk_under_its_ceiling(tmp_path: Path) -> None:
    samples = np.random.default_rng(3).standard_normal(22050 * 2).astype(np.float32) * 0.9
    path = tmp_path / "loud.mp3"
    write_mp3(path, samples, 22050)
    assert np.abs(decode(path)).max() < FORMAT.ceiling * 1.2  # the encoder's overshoot is small


def test_at_the_output_rate_nothing_is_resampled(tmp_path: Path) -> None:
    samples = tone_with_click(0.5, 44100, 2000)
    path = tmp_path / "x.mp3"
    assert write_mp3(path, samples, 44100).input_samples == samples.size
    assert decode(path).size == samples.size
    assert b"LAME3.100" in path.read_bytes()[:300]
