"""Join: segment audio and the silences between them, streamed into one raw PCM file (memory stays flat)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from narrate.audio.loudness import LoudnessMeter, measure_pcm16
from narrate.audio.pcm import Pcm
from narrate.errors import NarrateError
from narrate.script.model import Script

SILENCE_CHUNK = 1 << 16
"""Bytes of silence written at a time."""


@dataclass(frozen=True)
class JoinedAudio:
    """The episode's joined audio as raw mono signed 16-bit little-endian PCM in a file."""

    raw_path: Path
    """The file holding the samples."""
    sample_rate: int
    """The working sample rate (the first segment's)."""
    total_samples: int
    """Length in samples."""
    segment_spans: tuple[tuple[int, int], ...]
    """(start_sample, end_sample) of each segment's speech, in script order."""
    loudness: LoudnessMeter
    """The measurements of the joined audio, ready to give its integrated loudness."""


def to_working_format(pcm: Pcm, sample_rate: int) -> bytes:
    """One segment's samples as mono 16-bit PCM at `sample_rate` (pydub, on this segment alone)."""
    if pcm.sample_rate == sample_rate and pcm.channels == 1 and pcm.sample_width == 2:
        return pcm.data
    import warnings

    with warnings.catch_warnings():  # pydub warns about ffmpeg/audioop at import; only its pure-Python ops are used
        warnings.simplefilter("ignore")
        from pydub import AudioSegment

    seg = AudioSegment(data=pcm.data, sample_width=pcm.sample_width, frame_rate=pcm.sample_rate, channels=pcm.channels)
    seg = seg.set_channels(1).set_sample_width(2).set_frame_rate(sample_rate)
    return seg.raw_data


def join_to_file(
    script: Script,
    audio: Iterable[Pcm],
    raw_path: Path,
    on_segment: Callable[[int], None] | None = None,
) -> JoinedAudio:
    """Write every segment's audio, with each segment's pause between it and the next, to `raw_path`."""
    segments = script.segments()
    if not segments:
        raise NarrateError("The script has nothing to say, so there is no audio to assemble.")
    spans: list[tuple[int, int]] = []
    meter: LoudnessMeter | None = None
    rate = 0
    position = 0
    with open(raw_path, "wb") as out:
        for index, pcm in enumerate(audio):
            if index >= len(segments):
                raise NarrateError(f"More audio arrived than the script's {len(segments)} segments.")
            if meter is None:
                rate = pcm.sample_rate
                meter = LoudnessMeter(rate)
            if index > 0:
                position += _write_silence(out, _ms_to_samples(segments[index - 1].pause_ms, rate), meter)
            data = to_working_format(pcm, rate)
            if len(data) % 2:
                data = data[:-1]
            out.write(data)
            meter.add_segment(measure_pcm16(data, rate))
            n = len(data) // 2
            spans.append((position, position + n))
            position += n
            if on_segment is not None:
                on_segment(index)
    if len(spans) != len(segments):
        raise NarrateError(f"Audio arrived for {len(spans)} of the script's {len(segments)} segments.")
    assert meter is not None
    return JoinedAudio(Path(raw_path), rate, position, tuple(spans), meter)


def _ms_to_samples(ms: int, rate: int) -> int:
    """Milliseconds to a whole number of samples at `rate`."""
    return (max(0, ms) * rate + 500) // 1000


def _write_silence(out: BinaryIO, samples: int, meter: LoudnessMeter) -> int:
    """Write `samples` of silence; return how many were written."""
    remaining = samples * 2
    zeros = bytes(min(remaining, SILENCE_CHUNK))
    while remaining > 0:
        chunk = zeros[: min(remaining, SILENCE_CHUNK)]
        out.write(chunk)
        remaining -= len(chunk)
    meter.add_silence(samples)
    return samples
