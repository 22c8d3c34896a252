"""EpisodeManifest: segment -> text hash -> cache key -> start/end sample, the one record of a built episode.

Chapters, transcript, cache reuse and GUID/versioning are all read from it. It holds plain values only
(no audio types), so any stage can read it without knowing how the audio was made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narrate.files import atomic_path
from narrate.locks import STATE_DIR
from narrate.script.model import Script

MANIFEST_VERSION = 1
"""Format version of the manifest file; a file of another version reads as absent (a full rebuild check)."""

FINGERPRINT_SCHEMA = 1
"""Bump when the meaning of `episode_fingerprint` changes; every episode then counts as changed."""


def text_sha256(text: str) -> str:
    """The sha256 hex digest of `text` in UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
"""Canonical JSON: sorted keys, no spaces, non-JSON values such as dates as str."""


def episode_fingerprint(
    segment_keys: Iterable[str],
    pauses_ms: Iterable[int],
    *,
    chapters: Sequence[tuple[str, int, int]],
    audio_settings: Any,
    tags: Any,
) -> str:
    """A sha256 hex over everything that shapes the final files, to tell "nothing changed" before any work.

    `segment_keys` are the cache keys in speaking order and `pauses_ms` the silence after each;
    `chapters` are (title, level, segment count) in order; `audio_settings` (output format, loudness
    target, bitrate...) and `tags` (the values written into the file) are any JSON-able values or
    strings such as a dataclass repr; mappings are compared regardless of key order.

    The digest is that of the canonical JSON of {"schema", "segments": [[key, pause]...], "chapters", "audio",
    "tags"}, fed to the hash a piece at a time: keys and pauses may be iterators, and no list of pairs nor JSON text
    of the whole episode is ever held (a 2-million-word book has 115,000 segments).
    """
    digest = hashlib.sha256()

    def feed(text: str) -> None:
        digest.update(text.encode("utf-8", "surrogatepass"))

    feed('{"audio":')
    _feed_canonical(feed, dict(audio_settings) if isinstance(audio_settings, Mapping) else audio_settings)
    feed(',"chapters":')
    _feed_canonical(feed, [[str(t), int(level), int(first)] for t, level, first in chapters])
    feed(f',"schema":{FINGERPRINT_SCHEMA},"segments":[')
    try:
        for index, (key, pause) in enumerate(zip(segment_keys, pauses_ms, strict=True)):
            feed(("," if index else "") + "[" + _CANONICAL.encode(key) + "," + str(int(pause)) + "]")
    except ValueError:
        raise ValueError("episode_fingerprint needs one pause per segment") from None
    feed('],"tags":')
    _feed_canonical(feed, dict(tags) if isinstance(tags, Mapping) else tags)
    feed("}")
    return digest.hexdigest()


def _feed_canonical(feed: Callable[[str], None], value: Any) -> None:
    """Feed the canonical JSON of `value` (as _canonical writes it) a piece at a time."""
    for piece in _CANONICAL.iterencode(value):
        feed(piece)


class _SampleSpan:
    """Seconds from the start_sample / end_sample / sample_rate fields of a record."""

    start_sample: int
    end_sample: int
    sample_rate: int

    @property
    def start_s(self) -> float:
        """Start time in seconds."""
        return self.start_sample / self.sample_rate

    @property
    def end_s(self) -> float:
        """End time in seconds (for a segment: the end of its speech, before its pause)."""
        return self.end_sample / self.sample_rate


@dataclass(frozen=True)
class SegmentRecord(_SampleSpan):
    """Where one segment's speech sits in the episode."""

    index: int
    """Position in speaking order, from 0."""
    chapter_index: int
    """Index of the chapter it belongs to."""
    role: str
    """Who reads it: 'narrator', 'heading' or 'quote'."""
    text: str
    """Exactly what was spoken."""
    text_sha256: str
    """sha256 hex of `text`."""
    cache_key: str
    """The segment's cache key (see narrate.cache.segment_key)."""
    start_sample: int
    """First sample of its speech in the episode's joined PCM."""
    end_sample: int
    """One past its last sample of speech (the pause after it starts here)."""
    sample_rate: int
    """Sample rate the sample positions count in."""
    pause_ms: int = 0
    """Silence after the segment, in milliseconds."""


@dataclass(frozen=True)
class ChapterRecord(_SampleSpan):
    """Where one chapter sits in the episode."""

    title: str
    """The chapter title shown in podcast apps."""
    level: int
    """0 for top level, 1 for nested under the previous top-level chapter."""
    start_sample: int
    """First sample of the chapter in the episode's joined PCM."""
    end_sample: int
    """One past the chapter's last sample; a level-0 chapter spans its nested children."""
    sample_rate: int
    """Sample rate the sample positions count in."""


@dataclass(frozen=True)
class ManifestHeader:
    """A built episode's record without its segments: identity, fingerprint, files and chapters (what a rebuild
    needs to tell that nothing changed, and what a build reports)."""

    identity: str
    """The episode's stable source identity (its GUID derives from it)."""
    stem: str
    """The output file stem, e.g. 'city-council-votes'."""
    title: str
    """The episode title."""
    fingerprint: str
    """episode_fingerprint of the build that produced it."""
    sample_rate: int
    """Sample rate of the joined PCM that sample positions count in."""
    total_samples: int
    """Length of the joined PCM in samples."""
    chapters: tuple[ChapterRecord, ...]
    """Every chapter in time order."""
    audio_file: str = ""
    """File name of the built audio (a changed audio gets a new name), or '' if not recorded."""
    output_sample_rate: int = 0
    """Sample rate of the encoded audio file, or 0 if not recorded."""

    @property
    def duration_s(self) -> float:
        """Length of the episode in seconds."""
        return self.total_samples / self.sample_rate if self.sample_rate else 0.0

    def chapter_spans(self) -> list[ChapterRecord]:
        """Every chapter in time order, with start_s/end_s."""
        return list(self.chapters)

    def header_json(self) -> dict[str, Any]:
        """The JSON-able fields of the header (the start of the on-disk format)."""
        return {
            "manifest_version": MANIFEST_VERSION,
            "identity": self.identity,
            "stem": self.stem,
            "title": self.title,
            "fingerprint": self.fingerprint,
            "sample_rate": self.sample_rate,
            "total_samples": self.total_samples,
            "audio_file": self.audio_file,
            "output_sample_rate": self.output_sample_rate,
            "chapters": [
                {"title": c.title, "level": c.level, "start_sample": c.start_sample, "end_sample": c.end_sample,
                 "sample_rate": c.sample_rate}
                for c in self.chapters
            ],
        }

    @classmethod
    def header_from_json(cls, data: Mapping[str, Any]) -> ManifestHeader:
        """The header of a manifest from its JSON (segments, if there, are not read); ValueError if not one of this
        version."""
        if not isinstance(data, Mapping) or data.get("manifest_version") != MANIFEST_VERSION:
            raise ValueError("not a narrate episode manifest of this version")
        try:
            return ManifestHeader(**_header_fields(data))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"incomplete episode manifest: {exc}") from exc


def _header_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "identity": str(data["identity"]),
        "stem": str(data["stem"]),
        "title": str(data["title"]),
        "fingerprint": str(data["fingerprint"]),
        "sample_rate": int(data["sample_rate"]),
        "total_samples": int(data["total_samples"]),
        "audio_file": str(data.get("audio_file", "")),
        "output_sample_rate": int(data.get("output_sample_rate", 0)),
        "chapters": tuple(
            ChapterRecord(title=str(c["title"]), level=int(c["level"]), start_sample=int(c["start_sample"]),
                          end_sample=int(c["end_sample"]), sample_rate=int(c["sample_rate"]))
            for c in data["chapters"]
        ),
    }


def _segment_json(s: SegmentRecord) -> dict[str, Any]:
    return {
        "index": s.index,
        "chapter_index": s.chapter_index,
        "role": s.role,
        "text": s.text,
        "text_sha256": s.text_sha256,
        "cache_key": s.cache_key,
        "start_sample": s.start_sample,
        "end_sample": s.end_sample,
        "sample_rate": s.sample_rate,
        "pause_ms": s.pause_ms,
    }


@dataclass(frozen=True)
class EpisodeManifest(ManifestHeader):
    """The record of one built episode: its header, and where every segment sits."""

    segments: tuple[SegmentRecord, ...] = ()
    """Every segment in speaking order."""

    def segment_keys(self) -> list[str]:
        """Cache keys of all segments in speaking order."""
        return [s.cache_key for s in self.segments]

    @classmethod
    def read(cls, path: Path) -> EpisodeManifest | None:
        """Same as narrate.manifest.read: the manifest at `path`, or None if missing, unreadable or outdated."""
        return read(path)

    @classmethod
    def from_build(
        cls,
        *,
        identity: str,
        stem: str,
        title: str,
        fingerprint: str,
        script: Script,
        segment_keys: Sequence[str],
        timeline: Any,
        sample_rate: int = 0,
        duration_s: float | None = None,
        audio_file: str = "",
    ) -> EpisodeManifest:
        """Record a finished build from its script, the segments' cache keys and its timeline.

        `timeline` is read only through plain attributes: `sample_rate`, `total_samples`, `segments[i]`
        with `chapter`, `start_sample`, `end_sample`, and `chapters[j]` with `title`, `level`, `start_ms`.
        `sample_rate` is the encoded file's rate; `duration_s` is accepted for the caller's convenience
        (the manifest derives its duration from sample counts). write_build_manifest writes the same record
        without holding it.
        """
        header = build_header(identity=identity, stem=stem, title=title, fingerprint=fingerprint, timeline=timeline,
                              sample_rate=sample_rate, audio_file=audio_file)
        return cls(**vars(header), segments=tuple(_segment_records(script, segment_keys, timeline)))

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict of the whole manifest (the on-disk format)."""
        return {**self.header_json(), "segments": [_segment_json(s) for s in self.segments]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EpisodeManifest:
        """Rebuild a manifest from `to_json()` output; raise ValueError if it is not one of this version."""
        header = ManifestHeader.header_from_json(data)
        try:
            segments = tuple(
                SegmentRecord(
                    index=int(s["index"]),
                    chapter_index=int(s["chapter_index"]),
                    role=str(s["role"]),
                    text=str(s["text"]),
                    text_sha256=str(s["text_sha256"]),
                    cache_key=str(s["cache_key"]),
                    start_sample=int(s["start_sample"]),
                    end_sample=int(s["end_sample"]),
                    sample_rate=int(s["sample_rate"]),
                    pause_ms=int(s.get("pause_ms", 0)),
                )
                for s in data["segments"]
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"incomplete episode manifest: {exc}") from exc
        return cls(**vars(header), segments=segments)

    def write(self, path: Path) -> None:
        """Write the manifest as JSON to `path` atomically."""
        _write(Path(path), self, self.segments)


def build_header(*, identity: str, stem: str, title: str, fingerprint: str, timeline: Any, sample_rate: int = 0,
                 audio_file: str = "") -> ManifestHeader:
    """The header of a finished build's manifest (see EpisodeManifest.from_build for `timeline`)."""
    rate, total = int(timeline.sample_rate), int(timeline.total_samples)
    starts = ((int(timed.chapter), int(timed.start_sample)) for timed in timeline.segments)
    return ManifestHeader(identity=identity, stem=stem, title=title, fingerprint=fingerprint, sample_rate=rate,
                          total_samples=total, chapters=_chapter_records(timeline.chapters, starts, total, rate),
                          audio_file=audio_file, output_sample_rate=int(sample_rate))


def write_build_manifest(path: Path, *, identity: str, stem: str, title: str, fingerprint: str, script: Script,
                         segment_keys: Iterable[str], timeline: Any, sample_rate: int = 0,
                         audio_file: str = "") -> ManifestHeader:
    """Write the manifest of a finished build to `path` (atomically) a segment at a time, as EpisodeManifest.from_build
    would make it, without holding its records (a 2-million-word book has 115,000); return its header."""
    header = build_header(identity=identity, stem=stem, title=title, fingerprint=fingerprint, timeline=timeline,
                          sample_rate=sample_rate, audio_file=audio_file)
    _write(Path(path), header, _segment_records(script, segment_keys, timeline))
    return header


def _segment_records(script: Script, segment_keys: Iterable[str], timeline: Any) -> Iterator[SegmentRecord]:
    spoken = script.segments()
    if not len(spoken) == len(timeline.segments):
        raise ValueError("from_build needs one cache key and one timed segment per script segment")
    rate = int(timeline.sample_rate)
    try:
        for i, (seg, key, timed) in enumerate(zip(spoken, segment_keys, timeline.segments, strict=True)):
            yield SegmentRecord(index=i, chapter_index=int(timed.chapter), role=seg.role, text=seg.text,
                                text_sha256=text_sha256(seg.text), cache_key=key, start_sample=int(timed.start_sample),
                                end_sample=int(timed.end_sample), sample_rate=rate, pause_ms=seg.pause_ms)
    except ValueError as exc:
        raise ValueError("from_build needs one cache key and one timed segment per script segment") from exc


def _write(path: Path, header: ManifestHeader, segments: Iterable[SegmentRecord]) -> None:
    """Write a manifest: the header with its chapters on the first line, ending where the segments list opens, then
    one segment a line. The whole is one JSON document; the first line alone, closed, is the header (read_header)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as out:
        head = json.dumps({**header.header_json(), "segments": []}, ensure_ascii=False)
        out.write(head[: -len("]}")])
        for index, record in enumerate(segments):
            out.write(("\n" if index == 0 else ",\n") + json.dumps(_segment_json(record), ensure_ascii=False))
        out.write("\n]}\n")


def _chapter_records(
    timed_chapters: Sequence[Any], segment_starts: Iterable[tuple[int, int]], total: int, rate: int
) -> tuple[ChapterRecord, ...]:
    """Chapter sample spans from the segments' samples: a chapter starts where its speech starts (the
    first at 0, an empty one where the next speech starts); level 0 runs to the next level-0 chapter,
    level 1 to the next chapter. Checked against the timeline's own milliseconds."""
    n = len(timed_chapters)
    first_start: dict[int, int] = {}
    for chapter_index, start_sample in segment_starts:
        first_start.setdefault(chapter_index, start_sample)
    starts = [total] * (n + 1)
    for i in range(n - 1, -1, -1):
        starts[i] = first_start.get(i, starts[i + 1])
    if n:
        starts[0] = 0
    records = []
    for i, c in enumerate(timed_chapters):
        level = int(c.level)
        nxt = i + 1 if level else next((j for j in range(i + 1, n) if int(timed_chapters[j].level) == 0), n)
        start, end = starts[i], starts[nxt]
        start_ms = getattr(c, "start_ms", None)
        if start_ms is not None and abs(start * 1000 / rate - start_ms) > 1:
            raise ValueError(f"chapter {i} starts at {start_ms} ms in the timeline but at sample {start}")
        records.append(ChapterRecord(title=str(c.title), level=level, start_sample=start, end_sample=end, sample_rate=rate))
    return tuple(records)


def read(path: Path) -> EpisodeManifest | None:
    """Read the manifest at `path`, or None if it is missing, unreadable or of another version."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return EpisodeManifest.from_json(data)
    except (OSError, ValueError):
        return None


def manifest_path(output_dir: Path, identity: str) -> Path:
    """Where the manifest of the episode with this identity lives (OUTPUT/.narrate/episodes/HASH.json)."""
    name = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:20] + ".json"
    return Path(output_dir) / STATE_DIR / "episodes" / name


def read_header(path: Path) -> ManifestHeader | None:
    """The header of the manifest at `path` (no segment is read), or None if it is missing, unreadable or of another
    version."""
    try:
        with open(path, encoding="utf-8") as handle:
            first = handle.readline()
        try:
            data = json.loads(first.rstrip("\n") + "]}")
        except ValueError:  # not laid out by _write: read it whole
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        return ManifestHeader.header_from_json(data)
    except (OSError, ValueError):
        return None
