"""Join: segment audio and the silences between them, levelled and streamed to an encoder (memory stays flat).

Segments arrive in script order, each as a Pcm or a MeasuredPcm (a Pcm with its loudness measured
where it was made). Each is brought to the working format (the first segment's rate, mono, 16-bit),
measured here only when it came without a measurement, given its gain by the Leveler and written as
float32 samples, followed by its pause. Only the few short segments waiting for a gain are held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from narrate.audio.leveler import Leveler, LevelTarget
from narrate.audio.loudness import LoudnessMeter, SegmentLoudness, measure_pcm16
from narrate.audio.pcm import MeasuredPcm, Pcm
from narrate.errors import NarrateError
from narrate.script.model import Script

__all__ = ["JoinedAudio", "MeasuredPcm", "SampleSink", "join_segments", "to_working_format"]


class SampleSink(Protocol):
    """Where joined float32 samples go (an Mp3Encoder, or any binary file)."""

    def write(self, samples: bytes | memoryview, /) -> object: ...


@dataclass(frozen=True)
class JoinedAudio:
    """What joining wrote: the episode's layout and its loudness measurements."""

    sample_rate: int
    """The working sample rate (the first segment's)."""
    total_samples: int
    """Length in samples."""
    segment_spans: tuple[tuple[int, int], ...]
    """(start_sample, end_sample) of each segment's speech, in script order."""
    source: LoudnessMeter
    """Measurements of the joined audio before any gain."""
    levelled: LoudnessMeter
    """Measurements of the joined audio after each segment's gain (before the limiter)."""


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


def join_segments(
    script: Script,
    audio: Iterable[Pcm | MeasuredPcm],
    target: LevelTarget,
    open_sink: Callable[[int], SampleSink],
    on_segment: Callable[[int], None] | None = None,
) -> JoinedAudio:
    """Level and write every segment, with each segment's pause after it but the last, to the sink.

    `open_sink(sample_rate)` is called once the first segment shows the working rate. `on_segment(i)`
    is called when segment i has arrived and been measured.
    """
    segments = script.segments()
    if not segments:
        raise NarrateError("The script has nothing to say, so there is no audio to assemble.")
    spans: list[tuple[int, int]] = []
    leveler: Leveler[tuple[int, bytes, SegmentLoudness]] = Leveler(target)
    sink: SampleSink | None = None
    source: LoudnessMeter | None = None
    levelled: LoudnessMeter | None = None
    rate = 0
    position = 0
    written = 0

    def emit(index: int, data: bytes, measured: SegmentLoudness, gain_db: float) -> None:
        nonlocal position, written
        assert sink is not None and levelled is not None
        pause = _ms_to_samples(segments[index - 1].pause_ms, rate) if index > 0 else 0
        if pause:
            levelled.add_silence(pause)
            position += pause
        n = len(data) // 2
        # The pause before the segment and the segment go out as one chunk (one queue hop, no zero buffers).
        chunk = np.empty(pause + n, dtype="<f4")
        chunk[:pause] = 0.0
        scale = np.float32(10 ** (gain_db / 20) / 32768.0)
        np.multiply(np.frombuffer(data, dtype="<i2"), scale, out=chunk[pause:], dtype=np.float32)
        sink.write(memoryview(chunk).cast("B"))
        levelled.add_segment(measured, gain_db)
        spans.append((position, position + n))
        position += n
        written += 1

    for index, item in enumerate(audio):
        if index >= len(segments):
            raise NarrateError(f"More audio arrived than the script's {len(segments)} segments.")
        pcm, measured = (item.pcm, item.loudness) if isinstance(item, MeasuredPcm) else (item, None)
        if sink is None:
            rate = pcm.sample_rate
            source, levelled = LoudnessMeter(rate), LoudnessMeter(rate)
            sink = open_sink(rate)
        assert source is not None
        data = to_working_format(pcm, rate)
        if len(data) % 2:
            data = data[:-1]
        if measured is None or measured.sample_rate != rate or sum(measured.step_samples) != len(data) // 2:
            measured = measure_pcm16(data, rate)
        if index > 0:
            source.add_silence(_ms_to_samples(segments[index - 1].pause_ms, rate))
        source.add_segment(measured)
        for (i, d, m), gain in leveler.add((index, data, measured), measured):
            emit(i, d, m, gain)
        if on_segment is not None:
            on_segment(index)
    for (i, d, m), gain in leveler.finish():
        emit(i, d, m, gain)
    if written != len(segments):
        raise NarrateError(f"Audio arrived for {written} of the script's {len(segments)} segments.")
    assert source is not None and levelled is not None
    return JoinedAudio(rate, position, tuple(spans), source, levelled)


def _ms_to_samples(ms: int, rate: int) -> int:
    """Milliseconds to a whole number of samples at `rate`."""
    return (max(0, ms) * rate + 500) // 1000

