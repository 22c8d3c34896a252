"""Timeline: where every segment and chapter sits in the joined audio, from sample counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from narrate.script.model import Role, Script


@dataclass(frozen=True)
class TimedSegment:
    """One spoken segment placed in the episode (its pause after it is not included)."""

    text: str
    """What is said."""
    chapter: int
    """Index of the chapter it belongs to in Timeline.chapters."""
    start_sample: int
    """First sample of the speech, at Timeline.sample_rate."""
    end_sample: int
    """One past the last sample of the speech."""
    start_ms: int
    """Start in milliseconds."""
    end_ms: int
    """End in milliseconds."""
    role: Role = "narrator"
    """Who reads it: the narrator, the heading voice or the quote voice."""


@dataclass(frozen=True)
class TimedChapter:
    """One chapter placed in the episode; chapters are contiguous and cover the whole audio."""

    title: str
    """The chapter title."""
    level: int
    """0 for top-level, 1 for nested under the level-0 chapter before it."""
    start_ms: int
    """Start in milliseconds (the first chapter starts at 0)."""
    end_ms: int
    """End in milliseconds; a level-0 chapter spans its nested children."""
    parent: int | None = None
    """Index of the level-0 chapter a level-1 chapter is nested in, else None."""


@dataclass(frozen=True)
class Timeline:
    """The episode's map: every segment and chapter with its time, computed from sample counts."""

    sample_rate: int
    """Sample rate of the joined PCM the sample counts refer to."""
    total_samples: int
    """Length of the joined audio in samples."""
    segments: tuple[TimedSegment, ...]
    """Every spoken segment in order."""
    chapters: tuple[TimedChapter, ...]
    """Every chapter in order (level 0 and level 1)."""

    @property
    def duration_ms(self) -> int:
        """Length of the audio in milliseconds."""
        return samples_to_ms(self.total_samples, self.sample_rate)

    @property
    def duration_s(self) -> float:
        """Length of the audio in seconds."""
        return self.total_samples / self.sample_rate

    def top_level(self) -> list[int]:
        """Indexes of the level-0 chapters, in time order."""
        return [i for i, c in enumerate(self.chapters) if c.level == 0]

    def children(self, parent: int) -> list[int]:
        """Indexes of the level-1 chapters nested in chapter `parent`, in time order."""
        return [i for i, c in enumerate(self.chapters) if c.parent == parent]


def samples_to_ms(samples: int, sample_rate: int) -> int:
    """Samples to whole milliseconds, rounded to nearest."""
    return (samples * 1000 + sample_rate // 2) // sample_rate


def build_timeline(script: Script, segment_spans: Sequence[tuple[int, int]], total_samples: int, sample_rate: int) -> Timeline:
    """Place the script's segments and chapters from (start_sample, end_sample) spans of the joined PCM."""
    segs = [(ci, s) for ci, c in enumerate(script.chapters) for s in c.segments]
    if len(segs) != len(segment_spans):
        raise ValueError(f"{len(segment_spans)} audio spans for {len(segs)} segments")
    timed = tuple(
        TimedSegment(s.written, ci, a, b, samples_to_ms(a, sample_rate), samples_to_ms(b, sample_rate), s.role)
        for (ci, s), (a, b) in zip(segs, segment_spans)
    )
    # A chapter starts where its first segment starts; an empty chapter starts where the next speech starts.
    starts: list[int] = []
    first_seg = 0
    for chapter in script.chapters:
        start = segment_spans[first_seg][0] if first_seg < len(segment_spans) else total_samples
        starts.append(start)
        first_seg += len(chapter.segments)
    if starts:
        starts[0] = 0
    chapters: list[TimedChapter] = []
    parent: int | None = None
    n = len(script.chapters)
    for i, chapter in enumerate(script.chapters):
        level = 1 if chapter.level >= 1 and parent is not None else 0
        if level == 0:
            parent = i
            nxt = next((j for j in range(i + 1, n) if script.chapters[j].level == 0), n)
        else:
            nxt = i + 1
        end = starts[nxt] if nxt < n else total_samples
        chapters.append(
            TimedChapter(
                chapter.title,
                level,
                samples_to_ms(starts[i], sample_rate),
                samples_to_ms(end, sample_rate),
                parent if level == 1 else None,
            )
        )
    return Timeline(sample_rate, total_samples, timed, tuple(chapters))
