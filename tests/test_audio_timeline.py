"""Timeline, JSON chapters and WebVTT: times come from sample counts; chapters are contiguous and nested."""

from __future__ import annotations

import json
import re
import time

from narrate.audio.chapters_json import chapters_json
from narrate.audio.layout import ChunkPlanner, LaidSegment, pause_frames
from narrate.audio.timeline import build_timeline
from narrate.audio.transcript import vtt_time, webvtt
from narrate.script.model import Chapter, Script, Segment

RATE = 22050


def script_of(*chapters: tuple[str, int, list[int]]) -> Script:
    """A script from (title, level, [pause_ms per segment]) tuples."""
    return Script(
        "T",
        tuple(
            Chapter(title, tuple(Segment(f"{title} {i} <b>", pause_ms=p) for i, p in enumerate(pauses)), level)
            for title, level, pauses in chapters
        ),
    )


def test_timeline_nesting_and_contiguity() -> None:
    script = script_of(("Intro", 0, [500]), ("Story", 0, []), ("Part A", 1, [300, 700]), ("Part B", 1, [900]), ("End", 0, [0]))
    # Segment spans in samples: 1 s each, pauses after.
    spans, pos = [], 0
    for seg in script.segments():
        spans.append((pos, pos + RATE))
        pos += RATE + seg.pause_ms * RATE // 1000
    total = spans[-1][1]
    tl = build_timeline(script, spans, total, RATE)
    titles = [(c.title, c.level, c.start_ms, c.end_ms, c.parent) for c in tl.chapters]
    assert titles == [
        ("Intro", 0, 0, 1500, None),
        ("Story", 0, 1500, 6400, None),
        ("Part A", 1, 1500, 4500, 1),
        ("Part B", 1, 4500, 6400, 1),
        ("End", 0, 6400, 7400, None),
    ]
    assert tl.top_level() == [0, 1, 4] and tl.children(1) == [2, 3]
    assert tl.duration_ms == 7400

    doc = chapters_json(tl, "T")
    json.dumps(doc)
    assert doc["version"] == "1.2.0"
    starts = [c["startTime"] for c in doc["chapters"]]
    assert starts == [0.0, 1.5, 4.5, 6.4]  # Part A starts with its parent: the parent's entry stands
    assert [c["title"] for c in doc["chapters"]] == ["Intro", "Story", "Part B", "End"]
    assert doc["chapters"][-1]["endTime"] == 7.4

    vtt = webvtt(tl)
    assert vtt.startswith("WEBVTT\n\n")
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)\n(.*)\n", vtt)
    assert len(cues) == len(tl.segments)
    for (a, b, text), seg in zip(cues, tl.segments):
        assert (a, b) == (vtt_time(seg.start_ms), vtt_time(seg.end_ms))
        assert "<" not in text
    assert vtt_time(3_723_004) == "01:02:03.004"


def test_layout_is_linear_and_counts_samples() -> None:
    n, frames = 6000, 7120
    planner = ChunkPlanner(44100, RATE)
    started = time.perf_counter()
    chunks = [c for i in range(n) for c in planner.add(LaidSegment(i, f"{i:064x}", frames, 120))]
    chunks += list(planner.finish())
    elapsed = time.perf_counter() - started
    pause = pause_frames(120, RATE)
    assert len(chunks) == 1  # 120 ms pauses leave no room for a cut: one long chunk
    starts = chunks[0].segment_starts()
    assert starts[1] == frames + pause and starts[-1] == (n - 1) * (frames + pause)
    assert chunks[0].input_frames == n * frames + (n - 1) * pause
    assert elapsed < 5.0, elapsed
