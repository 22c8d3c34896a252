"""The MP3 writer and its LAME 'Info' frame: exact length for players, the same frame ffmpeg writes, same bytes however fed."""

from __future__ import annotations

import random
import re
import struct
from pathlib import Path

import mutagen.mp3
import numpy as np
import pytest

from narrate.audio.ffmpeg import run_ffmpeg
from narrate.audio.lametag import AudioFrames, info_frame, info_frame_for, parse_header
from narrate.audio.mp3writer import Mp3Format, Mp3Writer

FORMAT = Mp3Format(sample_rate=44100, bitrate_kbps=64, quality=7, ceiling=0.79)


def tone_with_click(seconds: float, rate: int, click_at: int) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    samples = (0.05 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    samples[click_at] = 0.7
    return samples


def write_mp3(path: Path, samples: np.ndarray, rate: int, chunks: list[int] | None = None) -> Mp3Writer:
    writer = Mp3Writer(rate, path, FORMAT)
    start = 0
    for size in chunks or []:
        writer.write(samples[start : start + size])
        start += size
    writer.write(samples[start:])
    writer.close()
    return writer


def decode(path: Path) -> np.ndarray:
    raw = run_ffmpeg(["-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"]).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def test_players_get_exactly_the_samples_that_went_in(tmp_path: Path) -> None:
    rate, click = 22050, 15000
    samples = tone_with_click(1.3, rate, click)
    path = tmp_path / "x.mp3"
    writer = write_mp3(path, samples, rate)
    assert writer.samples == 2 * samples.size  # resampled to 44.1 kHz, nothing lost or added
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


def test_same_bytes_however_the_samples_are_written(tmp_path: Path) -> None:
    samples = np.random.default_rng(2).standard_normal(22050 * 3).astype(np.float32) * 0.6  # loud: the limiter works
    a, b = tmp_path / "a.mp3", tmp_path / "b.mp3"
    limited = write_mp3(a, samples, 22050).limited_blocks
    write_mp3(b, samples, 22050, chunks=[7, 65536, 1, 30000])
    assert limited > 0
    assert a.read_bytes() == b.read_bytes()
    assert re.search(rb"LAME3\.100", a.read_bytes()[:300])


def test_at_the_output_rate_nothing_is_resampled(tmp_path: Path) -> None:
    samples = tone_with_click(0.5, 44100, 2000)
    path = tmp_path / "x.mp3"
    assert write_mp3(path, samples, 44100).samples == samples.size
    assert decode(path).size == samples.size


def test_a_lame_failure_surfaces_from_close_and_nothing_hangs(tmp_path: Path) -> None:
    class BrokenLame:
        def encode(self, block: bytes) -> bytes:
            raise RuntimeError("LAME encoding failed")

        def flush(self) -> bytes:
            return b""

    writer = Mp3Writer(22050, tmp_path / "x.mp3", FORMAT)
    writer._lame = BrokenLame()  # stands in for a LAME error on real input
    with pytest.raises(RuntimeError, match="LAME encoding failed"):
        for _ in range(40):  # more blocks than the queue holds: the writer must not block on a dead LAME thread
            writer.write(np.zeros(65536, dtype=np.float32))
        writer.close()
    writer.abort()
