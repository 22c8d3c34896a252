"""Podcasting 2.0 JSON chapters (version 1.2.0) from the timeline."""

from __future__ import annotations

from typing import Any

from narrate.audio.timeline import Timeline

VERSION = "1.2.0"
"""The JSON chapters format version written."""


def chapters_json(timeline: Timeline, title: str) -> dict[str, Any]:
    """The episode's chapters as a flat, time-ordered Podcasting 2.0 JSON chapters document.

    The format has no nesting, so nested chapters appear in the flat list after their parent;
    a nested chapter that starts where its parent starts is left out (the parent's title shows).
    Each chapter runs until the next one starts; the last until the end of the audio.
    """
    starts: list[tuple[int, str]] = []
    for chapter in timeline.chapters:
        if starts and chapter.start_ms <= starts[-1][0]:
            continue
        starts.append((chapter.start_ms, chapter.title))
    ends = [s for s, _ in starts[1:]] + [timeline.duration_ms]
    return {
        "version": VERSION,
        "title": title,
        "chapters": [
            {"startTime": start / 1000, "endTime": end / 1000, "title": name}
            for (start, name), end in zip(starts, ends)
        ],
    }
