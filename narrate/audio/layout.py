"""Layout: where every sample of the episode goes, and where it is cut into independently encoded chunks.

Working format. Segments are joined as mono 16-bit samples at the working rate: the MP3's rate divided by the
largest whole factor that keeps it at or above the first segment's rate and divides the MP3 frame (1152 samples),
so 22,050 Hz for engine speech into a 44.1 kHz MP3. Every position in the episode is then a whole number of
working samples and of MP3 samples. Segments at another rate are resampled to it (soxr).

Pauses. Segments arrive trimmed to narrate.audio.trim.MARGIN_MS of quiet at each end, so the silence put between
two is the script's pause less the two margins: the pause heard, from the end of one's speech to the start of the
next, is the configured one.

Chunks. The episode is cut into chunks, each encoded as its own LAME stream (narrate.audio.chunk), at pauses the
script already has, never inside speech. ChunkPlanner decides each cut from the segments since the last cut alone:
a pause of at least ChunkPolicy.cut_pause_ms (paragraph and longer) becomes a cut once the chunk holds min_s of
audio, so a chunk is a paragraph (a heading or a short paragraph joins the next one); past max_s any pause of at
least min_cut_pause_ms will do. An edit changes the chunk of the paragraph it is in (and the next one when it
moves a cut), and the chunking after it falls back in step at the next paragraph. A script with no pause that
long is one long chunk.

Frames. A chunk that is not the last spans a whole number F of MP3 frames: LAME's 576 samples of delay, then its
input, (F - 1) * 1152 samples of lead silence, speech and tail silence, then 576 samples of padding (LAME pads any
input of n samples to ceil(n / 1152) + 1 frames; this input is a whole number of frames, so exactly 576). The next
chunk's frames follow at once, so in the decoded stream LAME's padding and the next chunk's delay take the place
of 1152 samples of the cut's silence: every sample stays where a single encode of the same audio would put it.
Each cut's silence is split into the tail of the chunk before it and the lead (half the silence) of the chunk
after it, and F is chosen to the nearest frame, so the silence at a cut is the configured pause to within half a
frame (+-13 ms at 44.1 kHz), and a chunk's frames depend on its own segments and the pauses at its two ends only,
never on where it sits in the episode. The last chunk ends with the last segment; the Info frame's padding field
trims its padding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from narrate.audio.pcm import Pcm
from narrate.audio.trim import MARGIN_MS

MP3_FRAME = 1152
"""Samples in an MPEG-1 Layer III frame (the MP3's rate is 32, 44.1 or 48 kHz)."""
ENCODER_DELAY = 576
"""Samples of silence LAME 3.100 puts before its input (without resampling), and the padding it adds to an input
that is a whole number of frames."""
MP3_RATES = (32000, 44100, 48000)
"""Output rates of MPEG-1 Layer III."""
MIN_CUT_EDGE = MP3_FRAME
"""Least silence (MP3 samples) a chunk keeps after its last speech and before its first, so that no speech shares
an MDCT window with the padding, delay and decoder overlap at a cut."""


def working_rate(out_rate: int, first_rate: int) -> int:
    """The rate segments are joined at for an MP3 at `out_rate` whose first segment is at `first_rate`."""
    factors = [d for d in range(1, MP3_FRAME + 1) if MP3_FRAME % d == 0 and out_rate % d == 0 and out_rate // d >= first_rate]
    return out_rate // max(factors, default=1)


def to_working_format(pcm: Pcm, rate: int) -> bytes:
    """One segment's samples as mono 16-bit PCM at `rate` (a no-op for engine audio already in that format).

    pydub, on this segment alone, makes it mono and 16-bit (any width and channel count it can read); soxr changes
    its rate, with a better filter than pydub's."""
    if pcm.sample_rate == rate and pcm.channels == 1 and pcm.sample_width == 2:
        return pcm.data[: pcm.frames * 2]
    import warnings

    with warnings.catch_warnings():  # pydub warns about ffmpeg at import; only its in-memory operations are used
        warnings.simplefilter("ignore")
        from pydub import AudioSegment

    import numpy as np

    data = pcm.data[: pcm.frames * pcm.channels * pcm.sample_width]
    if pcm.sample_width == 1:  # 8-bit PCM is unsigned (as in WAV files); pydub's raw segments are signed
        data = (np.frombuffer(data, dtype=np.uint8) ^ 0x80).tobytes()
    segment = AudioSegment(data=data, sample_width=pcm.sample_width, frame_rate=pcm.sample_rate, channels=pcm.channels)
    data = segment.set_channels(1).set_sample_width(2).raw_data
    if pcm.sample_rate == rate:
        return data
    import soxr

    mono = soxr.resample(np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768, pcm.sample_rate, rate, quality="HQ")
    return np.rint(np.clip(mono, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes()


def pause_frames(pause_ms: int, rate: int) -> int:
    """Samples of silence at `rate` put after a segment whose pause is `pause_ms` (the pause less both margins)."""
    return (max(0, pause_ms - 2 * MARGIN_MS) * rate + 500) // 1000


@dataclass(frozen=True)
class ChunkPolicy:
    """Where chunks may be cut and how long they are (see the module docstring).

    An edit re-encodes the chunk around it (and a neighbour when the edit moves a cut), so chunks are short: one
    paragraph, 4 to 30 s (about 16 s on the sample article), against 20 to 60 s (about 45 s) at first and 10 to
    30 s (about 25 s) after that. LAME takes about 3 ms per second of audio here, so on the sample article an
    edited paragraph re-encodes about 16 s of audio (some 50 ms) instead of 25 to 50 s. A chunk costs nothing at
    playback, a file in the chunk cache, and a fresh LAME stream whose first frame starts in the cut's silence."""

    min_s: float = 4.0
    """A chunk holds at least this much audio before it is cut at a paragraph pause."""
    max_s: float = 30.0
    """Past this much audio a chunk is cut at the next pause of at least min_cut_pause_ms, a sentence's too."""
    cut_pause_ms: int = 700
    """Pauses this long and longer (a paragraph's, by default) are where chunks are cut."""
    min_cut_pause_ms: int = 250
    """The shortest pause a cut may use at all (a sentence's is 300 ms)."""


@dataclass(frozen=True)
class LaidSegment:
    """What layout needs of one segment: its content key, its length and the pause after it."""

    index: int
    """Position in the script, from 0."""
    key: str
    """Content key of its audio (the cache key)."""
    frames: int
    """Length in working samples."""
    pause_ms: int
    """The script's pause after it."""


@dataclass(frozen=True)
class ChunkLayout:
    """One chunk: its segments and every sample of silence around and between them, and where it sits."""

    number: int
    """Position of the chunk in the episode, from 0."""
    segments: tuple[LaidSegment, ...]
    """Its segments, in order."""
    start: int
    """Working sample of the episode where its input starts (its frames start ENCODER_DELAY MP3 samples before)."""
    lead: int
    """Working samples of silence before its first segment (half the cut's silence; 0 for the first chunk)."""
    gaps: tuple[int, ...]
    """Working samples of silence after each segment but the last."""
    tail: int
    """Working samples of silence after its last segment (0 for the last chunk)."""
    mp3_frames: int
    """MP3 frames its encode makes; for every chunk but the last they span the chunk exactly."""
    last: bool
    """True for the episode's last chunk (its LAME padding is trimmed by the Info frame, not by the next chunk)."""

    @property
    def input_frames(self) -> int:
        """Working samples of its input: lead, segments, gaps and tail."""
        return self.lead + sum(s.frames for s in self.segments) + sum(self.gaps) + self.tail

    def segment_starts(self) -> list[int]:
        """Working sample of the episode where each of its segments starts."""
        starts, position = [], self.start + self.lead
        for segment, gap in zip(self.segments, (*self.gaps, 0)):
            starts.append(position)
            position += segment.frames + gap
        return starts


class ChunkPlanner:
    """Feed segments in script order; get each chunk's layout as soon as the segment that ends it is known.

    A cut depends only on the segments since the previous cut (their lengths, pauses and keys), so the input
    may be a stream; the chunk after a cut needs nothing from before it but the pause at the cut.
    """

    def __init__(self, out_rate: int, rate: int, policy: ChunkPolicy = ChunkPolicy()) -> None:
        """A planner for an MP3 at `out_rate` joined at the working `rate`."""
        if out_rate not in MP3_RATES:
            raise ValueError(f"an MP3 sample rate of {out_rate} Hz is not one of {', '.join(map(str, MP3_RATES))} Hz")
        if out_rate % rate or MP3_FRAME % (out_rate // rate):
            raise ValueError(f"the working rate {rate} Hz does not divide the MP3 rate {out_rate} Hz into whole frames")
        self.policy = policy
        self.rate = rate
        self.factor = out_rate // rate
        """MP3 samples per working sample."""
        self._frame = MP3_FRAME // self.factor
        """An MP3 frame in working samples."""
        self._open: list[LaidSegment] = []
        self._open_samples = 0
        self._start = 0
        self._lead = 0
        self._number = 0
        self._cut: int | None = None
        """Working samples of silence of the cut after the last open segment, once it is decided."""
        self._min_cut = max(pause_frames(policy.min_cut_pause_ms, rate), 3 * self._frame)
        """The shortest silence (working samples) a cut may use: room for both edges and LAME's padding and delay."""

    def add(self, segment: LaidSegment) -> Iterator[ChunkLayout]:
        """Take the next segment; yield the chunk the segment before it ended, if the pause between them is a cut.

        (A cut is known once the segment after it arrives: the pause after the script's last segment is no cut.)"""
        if self._cut is not None:
            yield self._close(self._cut)
            self._cut = None
        self._open.append(segment)
        silence = pause_frames(segment.pause_ms, self.rate)
        self._open_samples += segment.frames
        held_s = self._open_samples / self.rate
        if silence >= self._min_cut and (
            (segment.pause_ms >= self.policy.cut_pause_ms and held_s >= self.policy.min_s)
            or held_s >= self.policy.max_s
        ):
            self._cut = silence
        else:
            self._open_samples += silence

    def finish(self) -> Iterator[ChunkLayout]:
        """Yield the last chunk (ending with the last segment; the pause after it is not laid out)."""
        if self._open:
            yield self._close(None)

    def _close(self, cut: int | None) -> ChunkLayout:
        """The layout of the open segments as one chunk, ended by a cut of `cut` working samples of silence (None: the end)."""
        segments = tuple(self._open)
        gaps = tuple(pause_frames(s.pause_ms, self.rate) for s in segments[:-1])
        body = self._lead + sum(s.frames for s in segments) + sum(gaps)
        if cut is None:
            tail, frames, next_lead = 0, -(-body * self.factor // MP3_FRAME) + 1, 0
        else:
            next_lead = cut // 2
            # The chunk spans `frames` frames: its input is (frames - 1) frames long (ENCODER_DELAY of padding and the
            # next chunk's delay fill the last one), and the silence from its speech to the next chunk's is the cut's.
            frames = max(round((body + cut - next_lead) / self._frame), 1)
            while (frames - 1) * self._frame - body < MIN_CUT_EDGE // self.factor:
                frames += 1
            tail = (frames - 1) * self._frame - body
        layout = ChunkLayout(self._number, segments, self._start, self._lead, gaps, tail, frames, cut is None)
        self._number += 1
        self._start += frames * self._frame if cut is not None else 0
        self._lead = next_lead
        self._open, self._open_samples = [], 0
        return layout
