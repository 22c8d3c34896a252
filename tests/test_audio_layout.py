"""Layout: the working rate, pauses less the margins, and where chunks are cut (never inside speech) and placed."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.audio.layout import (
    MIN_CUT_EDGE,
    MP3_FRAME,
    ChunkLayout,
    ChunkPlanner,
    ChunkPolicy,
    LaidSegment,
    pause_frames,
    working_rate,
)
from narrate.audio.trim import MARGIN_MS

RATE = 22050
FRAME = MP3_FRAME // 2
"""An MP3 frame in working samples (44.1 kHz MP3, 22.05 kHz working rate)."""
POLICY = ChunkPolicy()


def key(n: int) -> str:
    """A content key."""
    return hashlib.sha256(str(n).encode()).hexdigest()


def plan(segments: list[LaidSegment], policy: ChunkPolicy = POLICY) -> list[ChunkLayout]:
    planner = ChunkPlanner(44100, RATE, policy)
    return [c for s in segments for c in planner.add(s)] + list(planner.finish())


def content(chunk: ChunkLayout) -> tuple:
    """What a chunk's encode depends on (narrate.audio.chunk): not where it sits in the episode."""
    return chunk.segments, chunk.lead, chunk.gaps, chunk.tail, chunk.mp3_frames, chunk.last


def seconds(s: float) -> int:
    return round(s * RATE)


@pytest.mark.parametrize(("out", "first", "rate"), [
    (44100, 22050, 22050), (44100, 16000, 22050), (44100, 24000, 44100), (44100, 44100, 44100),
    (44100, 48000, 44100), (44100, 8000, 11025), (48000, 22050, 24000), (32000, 16000, 16000),
])
def test_the_working_rate_divides_the_mp3_rate_and_its_frame(out: int, first: int, rate: int) -> None:
    assert working_rate(out, first) == rate
    assert out % rate == 0 and MP3_FRAME % (out // rate) == 0


def test_a_pause_is_laid_out_less_both_margins() -> None:
    assert pause_frames(700, RATE) == round((700 - 2 * MARGIN_MS) * RATE / 1000)
    assert pause_frames(2 * MARGIN_MS - 10, RATE) == pause_frames(0, RATE) == 0


def check_layout(segments: list[LaidSegment], chunks: list[ChunkLayout], policy: ChunkPolicy) -> None:
    """Every invariant of a plan: coverage, cuts only at pauses that allow one, whole frames, the silence at a cut."""
    assert [s for c in chunks for s in c.segments] == segments
    assert [c.number for c in chunks] == list(range(len(chunks)))
    assert [c.last for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert chunks[0].start == chunks[0].lead == 0 and chunks[-1].tail == 0
    for chunk in chunks:
        assert chunk.gaps == tuple(pause_frames(s.pause_ms, RATE) for s in chunk.segments[:-1])
        starts = chunk.segment_starts()
        assert all(b - a == s.frames + g for a, b, s, g in zip(starts, starts[1:], chunk.segments, chunk.gaps))
    for chunk, after in zip(chunks, chunks[1:]):
        end = chunk.segments[-1]
        held_s = (chunk.input_frames - chunk.lead - chunk.tail) / RATE
        assert end.pause_ms >= policy.min_cut_pause_ms  # never inside speech, never at a pause too short for a cut
        assert held_s >= policy.max_s or (end.pause_ms >= policy.cut_pause_ms and held_s >= policy.min_s)
        assert chunk.input_frames == (chunk.mp3_frames - 1) * FRAME  # whole frames: LAME pads exactly ENCODER_DELAY
        assert after.start == chunk.start + chunk.mp3_frames * FRAME
        assert chunk.tail * 2 >= MIN_CUT_EDGE and after.lead * 2 >= MIN_CUT_EDGE
        silence = after.segment_starts()[0] - (chunk.segment_starts()[-1] + end.frames)
        assert abs(silence - pause_frames(end.pause_ms, RATE)) <= FRAME // 2 or chunk.tail * 2 < MIN_CUT_EDGE + MP3_FRAME


segment_lists = st.lists(
    st.tuples(st.floats(0.3, 25.0), st.sampled_from([0, 200, 300, 600, 700, 1200, 2000]), st.integers(0, 2**32)),
    min_size=1, max_size=120,
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(segment_lists)
def test_any_script_is_cut_only_where_a_cut_may_go(raw: list[tuple[float, int, int]]) -> None:
    segments = [LaidSegment(i, key(n), seconds(s), p) for i, (s, p, n) in enumerate(raw)]
    check_layout(segments, plan(segments), POLICY)


def test_a_script_without_long_pauses_is_fewer_longer_chunks() -> None:
    sentences = [LaidSegment(i, key(i), seconds(4.0), 300) for i in range(60)]  # 4 min, sentence pauses only
    chunks = plan(sentences)
    check_layout(sentences, chunks, POLICY)
    assert 1 < len(chunks) <= 4 * 60 / POLICY.max_s and all(c.input_frames / RATE > POLICY.max_s for c in chunks[:-1])
    quoted = [LaidSegment(i, key(i), seconds(4.0), 200) for i in range(60)]  # no pause leaves room for a cut
    assert len(plan(quoted)) == 1


def test_a_typical_article_is_cut_into_chunks_of_min_s_to_max_s() -> None:
    segments = [LaidSegment(i, key(i), seconds(3.0 + (i * 7) % 6), 700 if i % 3 == 2 else 300) for i in range(150)]
    chunks = plan(segments)
    check_layout(segments, chunks, POLICY)
    lengths = [c.input_frames / RATE for c in chunks[:-1]]
    assert len(chunks) >= 8 and min(lengths) >= POLICY.min_s and max(lengths) <= POLICY.max_s + 10
    # Each chunk is one paragraph: it ends at every paragraph pause and nowhere else.
    assert [c.segments[-1].index for c in chunks] == [s.index for s in segments[:-1] if s.pause_ms == 700] + [149]


def test_a_heading_joins_the_paragraph_after_it() -> None:
    heading = [LaidSegment(0, key(0), seconds(1.5), 1200)]
    paragraphs = [LaidSegment(i, key(i), seconds(5.0), 700 if i % 2 == 0 else 300) for i in range(1, 9)]
    chunks = plan(heading + paragraphs)
    check_layout(heading + paragraphs, chunks, POLICY)
    assert [[s.index for s in c.segments] for c in chunks] == [[0, 1, 2], [3, 4], [5, 6], [7, 8]]


def test_an_edit_inside_a_chunk_changes_that_chunk_only() -> None:
    segments = [LaidSegment(i, key(i), seconds(3.0 + (i * 7) % 6), 700 if i % 3 == 2 else 300) for i in range(150)]
    before = plan(segments)
    middle = before[len(before) // 2]
    edited_index = middle.segments[len(middle.segments) // 2].index
    old = segments[edited_index]
    # Other words of about the same length: a new key and a slightly other length.
    new = LaidSegment(old.index, key(10_000 + old.index), old.frames + seconds(0.2), old.pause_ms)
    after = plan([new if s.index == edited_index else s for s in segments])
    changed = [a for a, b in zip(before, after) if content(a) != content(b)]
    assert len(before) == len(after) and [c.number for c in changed] == [middle.number]
    assert all(a.start == b.start for a, b in zip(before, after) if a.number <= middle.number)
    assert all(a.start != b.start for a, b in zip(before, after) if a.number > middle.number)  # moved, not changed


def test_after_an_edit_that_moves_a_cut_the_chunking_falls_back_in_step() -> None:
    segments = [LaidSegment(i, key(i), seconds(2.0 + (i * 5) % 7), 700 if i % 2 else 300) for i in range(200)]
    before = plan(segments)
    spans = lambda chunks: [(c.segments[0].index, c.segments[-1].index) for c in chunks]  # noqa: E731
    moved, encoded_s = 0, []
    for chunk in before[1:-3]:
        edited = chunk.segments[0]  # lengthen the first segment of each chunk in turn past max_s: cuts may move
        longer = [LaidSegment(s.index, s.key, s.frames + seconds(POLICY.max_s), s.pause_ms) if s is edited else s
                  for s in segments]
        after = plan(longer)
        old = set(spans(before))
        new = [c for c in after if spans([c])[0] not in old or spans([c])[0] == spans([chunk])[0]]  # chunks to encode
        moved += len(new) > 1
        encoded_s.append(sum(c.input_frames for c in new) / RATE)
    assert moved  # the example does move cuts...
    # ...and the chunking falls back in step at once: an edit re-encodes one or two chunks' worth of audio on average,
    # and never more than a few chunks' worth.
    assert sum(encoded_s) / len(encoded_s) < 2 * POLICY.max_s and max(encoded_s) < 6 * POLICY.max_s


def test_segments_in_other_formats_become_mono_16_bit_at_the_working_rate() -> None:
    """Stereo, 8-, 24- and 32-bit and another rate all reach the join as mono 16-bit at the working rate, same tone."""
    import numpy as np

    from narrate.audio.layout import to_working_format
    from narrate.audio.pcm import Pcm

    rate = 22050
    t = np.arange(rate // 2) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)

    def encoded(samples: np.ndarray, width: int, channels: int, at: int) -> Pcm:
        frames = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
        if width == 1:
            data = np.rint(frames * 127 + 128).astype(np.uint8).tobytes()
        elif width == 3:
            ints = np.rint(frames * (2**23 - 1)).astype("<i4")
            data = b"".join(int(v).to_bytes(3, "little", signed=True) for v in ints)
        else:
            data = np.rint(frames * (2 ** (8 * width - 1) - 1)).astype({2: "<i2", 4: "<i4"}[width]).tobytes()
        return Pcm(data=data, sample_rate=at, sample_width=width, channels=channels)

    reference = np.rint(tone * 32767).astype("<i2")
    for width, channels in ((2, 1), (2, 2), (1, 1), (3, 2), (4, 1)):
        out = np.frombuffer(to_working_format(encoded(tone, width, channels, rate), rate), dtype="<i2")
        assert len(out) == len(reference), (width, channels)
        tolerance = 300 if width == 1 else 2
        assert np.max(np.abs(out.astype(int) - reference)) <= tolerance, (width, channels)
    t16 = np.arange(8000) / 16000
    upsampled = np.frombuffer(to_working_format(encoded(0.5 * np.sin(2 * np.pi * 440 * t16), 2, 1, 16000), rate), dtype="<i2")
    assert abs(len(upsampled) - len(t16) * rate / 16000) <= 1
    spectrum = np.abs(np.fft.rfft(upsampled.astype(float)))
    assert abs(np.argmax(spectrum) * rate / len(upsampled) - 440) < 5
