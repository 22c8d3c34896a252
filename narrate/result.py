"""BuildResult: what a build wrote and how much work it did (light to import: the fast 'unchanged' path uses it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ChapterInfo:
    """A chapter as reported to users."""

    title: str
    level: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote and how much work it did."""

    mp3: Path
    chapters_json: Path
    vtt: Path
    manifest: Path
    title: str
    duration_s: float
    chapters: tuple[ChapterInfo, ...]
    segments_total: int
    segments_synthesized: int
    segments_reused: int
    unchanged: bool
    """True when nothing changed since the last build of this episode and no audio was rewritten."""
    feed: Path | None = None
    """The feed file, when the build was published."""
    page: Path | None = None
    """The episode page, when the build was published."""
    chunks_total: int = 0
    """MP3 chunks the episode was written from (0 when no audio was written)."""
    chunks_encoded: int = 0
    """Of those, the chunks encoded by this build (the others were reused from the cache)."""

    def to_json(self) -> dict[str, Any]:
        """The `narrate build --json` summary."""
        return {
            "title": self.title,
            "mp3": str(self.mp3),
            "chapters_json": str(self.chapters_json),
            "vtt": str(self.vtt),
            "feed": str(self.feed) if self.feed else None,
            "page": str(self.page) if self.page else None,
            "duration_s": round(self.duration_s, 3),
            "chapters": [
                {"title": c.title, "level": c.level, "start_s": round(c.start_s, 3), "end_s": round(c.end_s, 3)}
                for c in self.chapters
            ],
            "segments": {
                "total": self.segments_total,
                "synthesized": self.segments_synthesized,
                "reused": self.segments_reused,
            },
            "chunks": {"total": self.chunks_total, "encoded": self.chunks_encoded,
                       "reused": self.chunks_total - self.chunks_encoded},
            "unchanged": self.unchanged,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], manifest: Path) -> BuildResult:
        """Rebuild a result from its `to_json()` form (as recorded for the fast 'unchanged' path)."""
        segments = data["segments"]
        return cls(
            mp3=Path(data["mp3"]),
            chapters_json=Path(data["chapters_json"]),
            vtt=Path(data["vtt"]),
            manifest=manifest,
            title=data["title"],
            duration_s=float(data["duration_s"]),
            chapters=tuple(ChapterInfo(c["title"], int(c["level"]), float(c["start_s"]), float(c["end_s"]))
                           for c in data["chapters"]),
            segments_total=int(segments["total"]),
            segments_synthesized=int(segments["synthesized"]),
            segments_reused=int(segments["reused"]),
            unchanged=bool(data["unchanged"]),
            feed=Path(data["feed"]) if data.get("feed") else None,
            page=Path(data["page"]) if data.get("page") else None,
        )
