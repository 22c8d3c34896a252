"""Assemble: a script and its segment audio become one tagged, chaptered, loudness-normalized MP3, encoded in chunks.

Segments arrive in script order. Each is laid out (narrate.audio.layout) as soon as it arrives; when the pause
after it ends a chunk, the chunk's content key is formed from its segments' keys, its silences and the settings
(narrate.audio.chunk). A chunk already in the chunk store is taken from there; any other gets its gains from its
own segments' measurements (narrate.audio.leveler) and is encoded in an encoder process (forked from the fork
server, narrate.processes), beside synthesis and beside the other chunks. Chunks are appended to the MP3
(narrate.audio.mp3file) in order as they are ready, so only the chunks in flight are ever in memory, and the
audio of a segment whose chunk is reused is never read at all (assembly asks `load` for it only when its chunk
has to be encoded).

This process never imports numpy, soxr or LAME for a build whose segments come measured (every build through the
cache or the synthesis pool): the encoders do the signal work, and the episode's loudness figures are worked out
from the meters only when they are read (AssembledEpisode.loudness and friends).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from narrate.audio.chunk import ChunkSpec, ChunkStore, EncodedChunk, Mp3Format, chunk_key, level_and_encode
from narrate.audio.cover import cover_key, generate_cover
from narrate.audio.encode import MAX_GAIN_DB, AudioSettings, Loudness, measure_mp3_loudness
from narrate.audio.layout import MP3_RATES, ChunkLayout, ChunkPlanner, ChunkPolicy, LaidSegment, to_working_format, working_rate
from narrate.audio.leveler import LevelTarget
from narrate.audio.loudness import LoudnessMeter, SegmentLoudness, measure_pcm16
from narrate.audio.mp3file import Mp3File
from narrate.audio.pcm import MeasuredPcm, Pcm, SegmentAudio
from narrate.audio.tags import EpisodeTags, write_tags
from narrate.audio.timeline import Timeline, build_timeline
from narrate.dates import long_date
from narrate.errors import NarrateError
from narrate.processes import context, init_worker, reap_on_thread
from narrate.script.model import Script, Segment

__all__ = ["AssembledEpisode", "AudioSettings", "ChunkPolicy", "EpisodeTags", "Loudness", "MeasuredPcm", "SegmentAudio",
           "assemble_episode"]

EPISODE_COVER_PX = 1400
"""The side of a generated episode cover (the MP3's front cover picture)."""
CHUNKS_IN_FLIGHT_PER_WORKER = 2
"""Chunks encoded or waiting to be written, per encoder process, before assembly waits for the oldest one."""


@dataclass(frozen=True)
class AssembledEpisode:
    """What assembly produced, beside the MP3 file itself."""

    duration_s: float
    """Length of the audio in seconds (from sample counts)."""
    sample_rate: int
    """Sample rate of the MP3."""
    timeline: Timeline
    """Where each segment and chapter sits; source of chapters, CHAP frames and transcript."""
    gains_db: tuple[float, ...] = ()
    """The gain each segment was given, in script order."""
    chunks: int = 0
    """Chunks the MP3 was written from."""
    chunks_encoded: int = 0
    """Of those, the chunks encoded in this assembly (the others came from the chunk store)."""
    meters: _Meters | None = field(default=None, repr=False, compare=False)
    """The episode's loudness meters, before and after the gains (the figures below are worked out from them)."""

    @property
    def loudness(self) -> Loudness:
        """Integrated loudness and true peak of the encoded audio (measured, or predicted when not asked to measure)."""
        assert self.meters is not None
        return self.meters.loudness()

    @property
    def source_lufs(self) -> float:
        """Integrated loudness of the joined audio before the gains."""
        assert self.meters is not None
        source = self.meters.source.integrated_lufs()
        return source if math.isfinite(source) else -math.inf

    @property
    def gain_db(self) -> float:
        """The episode's overall gain: its loudness after the segments' gains (before the limiter) minus source_lufs."""
        assert self.meters is not None
        source, levelled = self.meters.source.integrated_lufs(), self.meters.levelled.integrated_lufs()
        return round(levelled - source, 3) if math.isfinite(source) and math.isfinite(levelled) else 0.0


@dataclass(frozen=True)
class _Meters:
    """The episode's loudness before and after the gains, and its measured loudness where it was measured."""

    source: LoudnessMeter
    levelled: LoudnessMeter
    ceiling_db: float
    measured: Loudness | None

    def loudness(self) -> Loudness:
        if self.measured is not None:
            return self.measured
        return Loudness(integrated_lufs=self.levelled.limited_lufs(0.0, self.ceiling_db),
                        true_peak_db=min(self.levelled.peak_db, self.ceiling_db), measured=False)


def assemble_episode(
    script: Script,
    audio: Iterable[Pcm | MeasuredPcm | SegmentAudio],
    mp3_path: Path,
    settings: AudioSettings,
    tags: EpisodeTags,
    on_segment: Callable[[int], None] | None = None,
    *,
    load: Callable[[int], Pcm] | None = None,
    chunk_store: ChunkStore | None = None,
    workers: int = 0,
    policy: ChunkPolicy = ChunkPolicy(),
    on_idle: Callable[[], None] | None = None,
) -> AssembledEpisode:
    """Lay out `audio` (one item per script segment, in order) with the script's pauses, encode it in chunks, tag it.

    A SegmentAudio without audio is fetched with `load(index)` only if its chunk has to be encoded. Encoded chunks
    are kept in `chunk_store` (by content) and taken from it when a later assembly needs the same chunk; so is the
    generated cover (narrate.audio.cover.cover_key) when `tags` brings none. At most
    `workers` encoder processes (0: one per core) are started, as chunks need them. `on_segment(i)` is called once
    segment i has arrived and been laid out; `on_idle()` once, when the first chunk is handed to an encoder (from
    then on this process mostly waits: for encoders, or for segments still being synthesized).
    """
    segments = script.segments()
    if not segments:
        raise NarrateError("The script has nothing to say, so there is no audio to assemble.")
    if settings.sample_rate not in MP3_RATES:
        raise NarrateError(f"The MP3 sample rate must be {', '.join(map(str, MP3_RATES))} Hz, not {settings.sample_rate} Hz.")
    processes = max(1, workers or os.cpu_count() or 1)
    out = Mp3File(Path(mp3_path))
    with contextlib.ExitStack() as stack:
        encoders = ProcessPoolExecutor(max_workers=processes, mp_context=context(), initializer=init_worker)
        # Not waiting here for the encoders to exit: every chunk is written by then.
        stack.callback(reap_on_thread, functools.partial(encoders.shutdown, wait=True, cancel_futures=True))
        covers = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="narrate-cover"))
        encoders.submit(_ready)  # the first encoder process starts now, not when the first chunk is ready for it
        # A generated cover is taken from the store (an earlier build of the episode kept it there), or drawn while
        # the segments arrive (0.1 s of CPU with Pillow's import).
        cover, cover_future = tags.cover_png, None
        if cover is None:
            drawn = (tags.title, _cover_subtitle(tags), EPISODE_COVER_PX)
            cover = chunk_store.get_chunk(cover_key(*drawn)) if chunk_store is not None else None
            cover_future = covers.submit(generate_cover, *drawn) if cover is None else None
        assembly = _Assembly(segments, settings, out, encoders, processes, chunk_store, load, policy, on_idle)
        try:
            for index, item in enumerate(audio):
                assembly.add(index, item)
                if on_segment is not None:
                    on_segment(index)
            assembly.finish()
            out.close()
        except BaseException:
            assembly.cancel()
            out.abort()
            raise
        if cover_future is not None:
            cover = cover_future.result()
            if chunk_store is not None:
                chunk_store.put_chunk(cover_key(*drawn), cover)
    timeline = build_timeline(script, assembly.spans, assembly.total_samples, assembly.rate)
    write_tags(Path(mp3_path), tags, timeline, cover)  # type: ignore[arg-type]
    measured = measure_mp3_loudness(Path(mp3_path)) if settings.verify_loudness else None
    return AssembledEpisode(
        duration_s=timeline.duration_s,
        sample_rate=settings.sample_rate,
        timeline=timeline,
        gains_db=tuple(assembly.gains),
        chunks=assembly.chunks,
        chunks_encoded=assembly.chunks_encoded,
        meters=_Meters(assembly.source, assembly.levelled, settings.limiter_ceiling_db, measured),
    )


@dataclass
class _Arrived:
    """A segment laid out but whose chunk is not yet closed."""

    loudness: SegmentLoudness
    data: bytes | None


@dataclass
class _Pending:
    """A chunk scheduled but not yet written: taken from the store, or being encoded."""

    key: str
    layout: ChunkLayout
    loudness: list[SegmentLoudness]
    chunk: EncodedChunk | None = None
    future: Future[EncodedChunk] | None = None
    stored: bool = False
    """Whether it is in the store (taken from it, or put there once encoded)."""

    @property
    def ready(self) -> bool:
        return self.future is None or self.future.done()


class _Assembly:
    """The state of one assembly: the layout so far, the chunks in flight and the MP3 being written."""

    def __init__(self, segments: Sequence[Segment], settings: AudioSettings, out: Mp3File, pool: Executor, workers: int,
                 store: ChunkStore | None, load: Callable[[int], Pcm] | None, policy: ChunkPolicy,
                 on_idle: Callable[[], None] | None = None) -> None:
        self.segments = segments
        self.settings = settings
        self.target = LevelTarget(settings.target_lufs, settings.limiter_ceiling_db, MAX_GAIN_DB)
        self.mp3 = Mp3Format(settings.sample_rate, settings.bitrate_kbps, settings.mp3_quality,
                             10 ** (settings.limiter_ceiling_db / 20))
        self.out = out
        self.pool = pool
        self.max_in_flight = CHUNKS_IN_FLIGHT_PER_WORKER * workers
        self.store = store
        self.load = load
        self.policy = policy
        self.on_idle = on_idle
        """Called once, when the first chunk is handed to an encoder."""
        self.rate = 0
        """The working rate, fixed by the first segment."""
        self.planner: ChunkPlanner | None = None
        self.arrived: dict[int, _Arrived] = {}
        self.pending: deque[_Pending] = deque()
        self.spans: list[tuple[int, int]] = []
        self.gains: list[float] = []
        self.total_samples = 0
        self.source = LoudnessMeter(1)
        self.levelled = LoudnessMeter(1)
        self._meter_position = 0
        self.chunks = 0
        self.chunks_encoded = 0
        self.count = 0

    def add(self, index: int, item: Pcm | MeasuredPcm | SegmentAudio) -> None:
        """Lay out the next segment; schedule the chunk it ends, if any; write the chunks that are ready."""
        if index >= len(self.segments):
            raise NarrateError(f"More audio arrived than the script's {len(self.segments)} segments.")
        key, loudness, pcm = _parts(item)
        if self.planner is None:
            first_rate = pcm.sample_rate if pcm is not None else loudness.sample_rate  # type: ignore[union-attr]
            self.rate = working_rate(self.settings.sample_rate, first_rate)
            self.planner = ChunkPlanner(self.settings.sample_rate, self.rate, self.policy)
            self.source, self.levelled = LoudnessMeter(self.rate), LoudnessMeter(self.rate)
        if pcm is None and (loudness is None or loudness.sample_rate != self.rate):
            pcm = self._load(index)  # its length at the working rate is known only from its audio
        data = None
        if pcm is not None:
            data = to_working_format(pcm, self.rate)
            if loudness is None or loudness.sample_rate != self.rate or sum(loudness.step_samples) != len(data) // 2:
                loudness = measure_pcm16(data, self.rate)
            key = key or hashlib.blake2b(data + self.rate.to_bytes(4, "little"), digest_size=20).hexdigest()
        assert loudness is not None
        self.arrived[index] = _Arrived(loudness, data)
        self.count += 1
        laid = LaidSegment(index, key, sum(loudness.step_samples), self.segments[index].pause_ms)
        for chunk in self.planner.add(laid):
            self._schedule(chunk)
        self._write_ready(block=False)

    def finish(self) -> None:
        """Schedule the last chunk and write every chunk."""
        if self.count != len(self.segments):
            raise NarrateError(f"Audio arrived for {self.count} of the script's {len(self.segments)} segments.")
        assert self.planner is not None
        for chunk in self.planner.finish():
            self._schedule(chunk)
        self._write_ready(block=True)

    def cancel(self) -> None:
        """Drop the chunks not yet started (the build failed)."""
        for item in self.pending:
            if item.future is not None:
                item.future.cancel()
        self.pending.clear()

    def _load(self, index: int) -> Pcm:
        if self.load is None:
            raise ValueError(f"segment {index + 1} came without audio and assembly was given no way to load it")
        return self.load(index)

    def _schedule(self, chunk: ChunkLayout) -> None:
        """Lay the chunk's segments out in the timeline; take the chunk from the store, or start encoding it."""
        arrived = [self.arrived.pop(s.index) for s in chunk.segments]
        for segment, start in zip(chunk.segments, chunk.segment_starts()):
            self.spans.append((start, start + segment.frames))
        self.total_samples = self.spans[-1][1]
        spec = ChunkSpec(tuple(s.key for s in chunk.segments), self.target, chunk.lead, chunk.gaps, chunk.tail,
                         chunk.last, self.rate, self.mp3)
        pending = _Pending(chunk_key(spec), chunk, [a.loudness for a in arrived])
        self.chunks += 1
        stored = self.store.get_chunk(pending.key) if self.store is not None else None
        found = EncodedChunk.from_bytes(stored) if stored is not None else None
        if found is not None and found.frame_count == chunk.mp3_frames and len(found.gains_db) == len(arrived):
            pending.chunk, pending.stored = found, True
        else:
            audio = [a.data if a.data is not None else self._working_audio(s) for s, a in zip(chunk.segments, arrived)]
            pending.future = self.pool.submit(level_and_encode, spec, audio, pending.loudness)
            self.chunks_encoded += 1
            if self.on_idle is not None:
                on_idle, self.on_idle = self.on_idle, None
                on_idle()
        self.pending.append(pending)

    def _working_audio(self, segment: LaidSegment) -> bytes:
        data = to_working_format(self._load(segment.index), self.rate)
        if len(data) // 2 != segment.frames:
            raise NarrateError(f"The cached audio of segment {segment.index + 1} no longer matches its measurements; "
                               "clear the cache (narrate cache clear) and build again.")
        return data

    def _write_ready(self, block: bool) -> None:
        """Store every chunk that has finished encoding; append the chunks at the head of the queue that are ready."""
        for item in self.pending:
            if item.future is not None and item.future.done() and not item.stored:
                self._store(item)
        while self.pending:
            head = self.pending[0]
            if not (block or head.ready or len(self.pending) > self.max_in_flight):
                return
            if head.chunk is None:
                self._store(head)
            assert head.chunk is not None
            self.out.add(head.chunk)
            self._measure(head)
            self.pending.popleft()

    def _store(self, item: _Pending) -> None:
        """Take the encoded chunk from its future (raising what the encode raised) and keep it in the store."""
        assert item.future is not None
        try:
            item.chunk = item.future.result()
        except BrokenProcessPool:
            raise NarrateError("An encoder process died while encoding the episode (out of memory?); "
                               "build again to reuse everything finished so far.") from None
        if self.store is not None and not item.stored:
            self.store.put_chunk(item.key, item.chunk.to_bytes())
        item.stored = True

    def _measure(self, item: _Pending) -> None:
        """Add a written chunk's segments, before and after their gains, to the episode's loudness meters."""
        assert item.chunk is not None
        self.gains += item.chunk.gains_db
        for segment, start, loudness, gain in zip(item.layout.segments, item.layout.segment_starts(), item.loudness,
                                                  item.chunk.gains_db):
            self.source.add_silence(start - self._meter_position)
            self.levelled.add_silence(start - self._meter_position)
            self.source.add_segment(loudness)
            self.levelled.add_segment(loudness, gain)
            self._meter_position = start + segment.frames


def _ready() -> None:
    """An encoder's first task: nothing (submitted to start the process early)."""


def _parts(item: Pcm | MeasuredPcm | SegmentAudio) -> tuple[str, SegmentLoudness | None, Pcm | None]:
    """(content key or '', loudness or None, audio or None) of one assembly input."""
    if isinstance(item, SegmentAudio):
        if item.pcm is None and item.loudness is None:
            raise ValueError("a segment without audio needs its loudness")
        return item.key, item.loudness, item.pcm
    if isinstance(item, MeasuredPcm):
        return "", item.loudness, item.pcm
    return "", None, item


def _cover_subtitle(tags: EpisodeTags) -> str | None:
    """The line under the title on a generated cover: the publication, else the date, never the title again."""
    if tags.album and tags.album.strip().casefold() != tags.title.strip().casefold():
        return tags.album
    if tags.date is not None:
        return long_date(tags.date, tags.language)
    return tags.author
