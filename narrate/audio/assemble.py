"""Assemble: a script and its segment audio become one tagged, chaptered, loudness-normalized MP3."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from narrate.audio.cover import generate_cover
from narrate.audio.encode import AudioSettings, Loudness, MAX_GAIN_DB, encode_mp3
from narrate.audio.join import join_to_file
from narrate.audio.pcm import Pcm
from narrate.audio.tags import EpisodeTags, write_tags
from narrate.audio.timeline import Timeline, build_timeline
from narrate.script.model import Script

__all__ = ["AssembledEpisode", "AudioSettings", "EpisodeTags", "Loudness", "assemble_episode"]


@dataclass(frozen=True)
class AssembledEpisode:
    """What assembly produced, beside the MP3 file itself."""

    duration_s: float
    """Length of the audio in seconds (from sample counts)."""
    sample_rate: int
    """Sample rate of the MP3."""
    timeline: Timeline
    """Where each segment and chapter sits; source of chapters, CHAP frames and transcript."""
    loudness: Loudness
    """Integrated loudness and true peak of the encoded audio (measured, or predicted when not asked to measure)."""
    source_lufs: float
    """Integrated loudness of the joined PCM before the gain."""
    gain_db: float
    """The fixed gain applied in the encode."""


def assemble_episode(
    script: Script,
    audio: Iterable[Pcm],
    mp3_path: Path,
    settings: AudioSettings,
    tags: EpisodeTags,
    on_segment: Callable[[int], None] | None = None,
    work_dir: Path | None = None,
) -> AssembledEpisode:
    """Join `audio` (one Pcm per script segment, in order) with pauses, normalize, encode once, tag `mp3_path`.

    `on_segment(i)` is called after segment i has been joined. Raw PCM is streamed to a temporary
    file (in `work_dir`, else the system's temporary folder), so memory stays flat on long input.
    """
    with tempfile.TemporaryDirectory(prefix="narrate-assemble-", dir=work_dir) as tmp:
        joined = join_to_file(script, audio, Path(tmp) / "episode.s16le", on_segment)
        source_lufs = joined.loudness.integrated_lufs()
        gain_db = joined.loudness.gain_for(settings.target_lufs, settings.limiter_ceiling_db, MAX_GAIN_DB)
        measured = encode_mp3(joined.raw_path, joined.sample_rate, Path(mp3_path), gain_db, settings)
    timeline = build_timeline(script, joined.segment_spans, joined.total_samples, joined.sample_rate)
    cover = tags.cover_png if tags.cover_png is not None else generate_cover(tags.title, _cover_subtitle(tags))
    write_tags(Path(mp3_path), tags, timeline, cover)
    loudness = measured or Loudness(
        integrated_lufs=joined.loudness.limited_lufs(gain_db, settings.limiter_ceiling_db),
        true_peak_db=min(joined.loudness.peak_db + gain_db, settings.limiter_ceiling_db),
        measured=False,
    )
    return AssembledEpisode(
        duration_s=timeline.duration_s,
        sample_rate=settings.sample_rate,
        timeline=timeline,
        loudness=loudness,
        source_lufs=source_lufs if math.isfinite(source_lufs) else -math.inf,
        gain_db=gain_db,
    )


def _cover_subtitle(tags: EpisodeTags) -> str | None:
    """The line under the title on a generated cover: the publication, else the date, never the title again."""
    if tags.album and tags.album.strip().casefold() != tags.title.strip().casefold():
        return tags.album
    if tags.date is not None:
        return f"{tags.date.day} {tags.date:%B %Y}"
    return tags.author
