"""Assemble: a script and its segment audio become one tagged, chaptered, loudness-normalized MP3."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from narrate.audio.cover import generate_cover
from narrate.audio.encode import MAX_GAIN_DB, AudioSettings, Loudness, Mp3Encoder
from narrate.audio.join import MeasuredPcm, join_segments
from narrate.audio.leveler import LevelTarget
from narrate.audio.pcm import Pcm
from narrate.audio.tags import EpisodeTags, write_tags
from narrate.audio.timeline import Timeline, build_timeline
from narrate.script.model import Script

__all__ = ["AssembledEpisode", "AudioSettings", "EpisodeTags", "Loudness", "MeasuredPcm", "assemble_episode"]


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
    """The episode's overall gain: its loudness after the segments' gains (before the limiter) minus source_lufs."""


def assemble_episode(
    script: Script,
    audio: Iterable[Pcm | MeasuredPcm],
    mp3_path: Path,
    settings: AudioSettings,
    tags: EpisodeTags,
    on_segment: Callable[[int], None] | None = None,
) -> AssembledEpisode:
    """Join `audio` (one Pcm or MeasuredPcm per script segment, in order) with pauses, level, encode once, tag.

    The encode runs while the audio is still arriving: samples are piped into the encoder process
    (narrate.audio.encode) as each segment's gain becomes known (narrate.audio.leveler), so memory stays
    flat on long input and no temporary raw file is written. `on_segment(i)` is called after segment i
    has been joined.
    """
    target = LevelTarget(settings.target_lufs, settings.limiter_ceiling_db, MAX_GAIN_DB)
    encoder = Mp3Encoder(Path(mp3_path), settings)  # starts now, ready by the time the first segment is spoken
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="narrate-cover") as background:
        # The cover is drawn while the segments arrive, not after the encode (a 1400 px PNG takes ~40 ms).
        cover_future = background.submit(generate_cover, tags.title, _cover_subtitle(tags)) if tags.cover_png is None else None
        try:
            joined = join_segments(script, audio, target, encoder.begin, on_segment)
            measured = encoder.finish()
        except BaseException:
            encoder.abort()
            raise
        cover = cover_future.result() if cover_future is not None else tags.cover_png
    timeline = build_timeline(script, joined.segment_spans, joined.total_samples, joined.sample_rate)
    write_tags(Path(mp3_path), tags, timeline, cover)
    source_lufs = joined.source.integrated_lufs()
    levelled_lufs = joined.levelled.integrated_lufs()
    loudness = measured or Loudness(
        integrated_lufs=joined.levelled.limited_lufs(0.0, settings.limiter_ceiling_db),
        true_peak_db=min(joined.levelled.peak_db, settings.limiter_ceiling_db),
        measured=False,
    )
    gain_db = levelled_lufs - source_lufs if math.isfinite(source_lufs) and math.isfinite(levelled_lufs) else 0.0
    return AssembledEpisode(
        duration_s=timeline.duration_s,
        sample_rate=settings.sample_rate,
        timeline=timeline,
        loudness=loudness,
        source_lufs=source_lufs if math.isfinite(source_lufs) else -math.inf,
        gain_db=round(gain_db, 3),
    )


def _cover_subtitle(tags: EpisodeTags) -> str | None:
    """The line under the title on a generated cover: the publication, else the date, never the title again."""
    if tags.album and tags.album.strip().casefold() != tags.title.strip().casefold():
        return tags.album
    if tags.date is not None:
        return f"{tags.date.day} {tags.date:%B %Y}"
    return tags.author
