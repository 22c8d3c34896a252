"""narrate build: articles -> script -> cached, parallel synthesis -> one chaptered MP3, chapters and transcript -> feed.

This module only wires the stages together; each stage lives in its own package.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from narrate.article.model import Article
from narrate.article.read import DEFAULT_MAX_INPUT_MB, read_article
from narrate.audio.encode import AudioSettings
from narrate.audio.formats import encoder_versions
from narrate.audio.layout import ChunkPolicy
from narrate.audio.pcm import MeasuredPcm, Pcm, SegmentAudio
from narrate.audio.tags import EpisodeTags
from narrate.cache.key import segment_key
from narrate.cache.store import NullCache, SegmentCache
from narrate.collector import resume as resume_collector
from narrate.config import default_lexicons
from narrate.engines.base import VoiceSettings
from narrate.engines.pool import SynthJob, engine_info, synthesize_segments
from narrate.errors import NarrateError
from narrate.faults import checkpoint
from narrate.files import remove_stale_parts, write_text_atomic
from narrate.locks import EpisodeLock, episode_lock
from narrate.manifest import ManifestHeader, episode_fingerprint, manifest_path, read_header, write_build_manifest
from narrate.memo import remembering
from narrate.result import BuildResult, ChapterInfo
from narrate.script.compose import compose_script, script_language
from narrate.script.lexicon import Lexicon, load_lexicon
from narrate.script.model import Script, Segment
from narrate.script.pauses import Pauses
from narrate.script.speech import speakable, spoken_text
from narrate.slug import episode_stem
from narrate.voices import VoiceProfile, get_profile, load_profiles, profile_for_language

if TYPE_CHECKING:
    from narrate.script.check import CheckIssue

STATE_DIR = ".narrate"
"""Folder inside the output folder for build state (manifests, work files); never published."""
EPISODE_SUFFIXES = (".mp3", ".chapters.json", ".vtt")
"""The files of an episode: STEM plus each of these."""


@dataclass(frozen=True)
class ScriptOptions:
    """What shapes the script: sources, edition, pauses, voice profile and lexicon."""

    sources: tuple[str, ...]
    """Paths, URLs or '-' for standard input."""
    edition: str | None = None
    """Edition title: several articles become one episode."""
    pauses: Pauses = field(default_factory=Pauses)
    """Silences between structural units."""
    voice: str = "default"
    """The voice profile (its lexicon entries apply)."""
    voices_dirs: tuple[Path, ...] = ()
    """Extra folders with user voice profiles."""
    lexicons: tuple[Path, ...] = ()
    """Pronunciation lexicon files (TOML)."""
    max_input_bytes: int = DEFAULT_MAX_INPUT_MB * 1024**2
    """The largest article read (file, standard input or web page); a larger one is refused in one sentence."""
    cache_dir: Path | None = None
    """Folder of the script memo (narrate.memo: sentence splits, spoken text and guessed languages kept by content,
    so a rebuild redoes only the paragraphs that changed); None composes everything afresh."""


Progress = Callable[[str, int, int], None]
"""`progress(stage, done, total)`: `done` of `total` units of `stage` are finished (see narrate.progress.STAGES)."""


@dataclass(frozen=True)
class BuildOptions:
    """Everything `narrate build` needs besides the script."""

    output_dir: Path = Path("output")
    """Where the episode files land."""
    voice: str = "default"
    """The voice profile name."""
    voices_dirs: tuple[Path, ...] = ()
    """Extra folders with user voice profiles."""
    jobs: int = 0
    """Worker processes for synthesis; 0 means one per core."""
    cache_dir: Path | None = None
    """Segment cache folder; None means the user's cache folder."""
    use_cache: bool = True
    """False disables the segment cache."""
    audio: AudioSettings = field(default_factory=AudioSettings)
    """Encoding and loudness settings."""
    segment_timeout_s: float = 120.0
    """How long one segment may take before its worker is restarted."""
    publish: bool = True
    """Record the episode in the catalog and rewrite the feed and pages."""
    base_url: str | None = None
    """Public base URL for the feed (overrides narrate.toml)."""
    scheduler: str | None = None
    """Dask scheduler address (tcp://HOST:PORT): synthesize on that cluster instead of local worker processes."""


def read_articles(sources: Sequence[str], stdin: BinaryIO | None = None,
                  max_bytes: int = DEFAULT_MAX_INPUT_MB * 1024**2, progress: Progress | None = None) -> list[Article]:
    """Read every source (each at most `max_bytes`); standard input may be named once. `progress` hears 'read'."""
    if not sources:
        raise NarrateError("Name at least one article to read (a file, a URL, or - for standard input).")
    if list(sources).count("-") > 1:
        raise NarrateError("Standard input ('-') can be read only once.")
    articles = []
    for source in sources:
        if progress is not None:
            progress("read", len(articles), len(sources))
        articles.append(read_article(source, stdin=stdin, max_bytes=max_bytes))
    if progress is not None:
        progress("read", len(articles), len(sources))
    return articles


SpokenObserver = Callable[[Segment, VoiceProfile], bool]
"""make_script's `on_spoken`: hears a segment rewritten for speech and the voice profile that will speak it, and
answers whether it wants to hear more."""


def make_script(options: ScriptOptions, stdin: BinaryIO | None = None, progress: Progress | None = None,
                on_spoken: SpokenObserver | None = None) -> Script:
    """Read the sources, compose the script and rewrite it for speech (no synthesis).

    `progress` hears 'read' (sources), 'compose' (paragraphs and other blocks) and 'normalize' (segments). With
    `on_spoken`, each paragraph is rewritten as soon as it is composed, and `on_spoken(segment, profile)` hears each
    segment (once per text) while the rest of the script is still being made, until it answers False: a build speaks
    them meanwhile (early_speaker). The script is the same either way."""
    with remembering(options.cache_dir):
        known: dict[str, str] = {}
        script, lexicon, profile = _composed(options, stdin, progress, on_spoken, known)
        return speakable(script, lexicon, profile.name, on_progress=_reporting(progress, "normalize"), known=known)


def check_sources(options: ScriptOptions, stdin: BinaryIO | None = None) -> list[CheckIssue]:
    """`narrate script --check`: every place in the sources' script that may not be said as meant."""
    from narrate.script.check import check_script

    with remembering(options.cache_dir):
        script, lexicon, profile = _composed(options, stdin)
        spoken = speakable(script, lexicon, profile.name)
    return check_script(spoken, lexicon=lexicon, profile_name=profile.name)


def _reporting(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    """`progress` for one stage, as a stage's own `on_progress(done, total)`."""
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


def _composed(options: ScriptOptions, stdin: BinaryIO | None, progress: Progress | None = None,
              on_spoken: SpokenObserver | None = None,
              known: dict[str, str] | None = None) -> tuple[Script, Lexicon | None, VoiceProfile]:
    """The composed (written) script, the lexicon that applies and the voice profile. With `on_spoken`, every
    segment is also rewritten as it is composed, into `known` (written text -> spoken text), and heard there."""
    articles = read_articles(options.sources, stdin=stdin, max_bytes=options.max_input_bytes, progress=progress)
    if len(articles) > 1 and not options.edition:
        raise NarrateError('Several articles make one edition: give it a title with --edition "TITLE".')
    language = script_language(articles, options.edition)
    profile = choose_profile(options.voice, options.voices_dirs, language)
    lexicon_files = options.lexicons or default_lexicons()
    lexicon: Lexicon | None = load_lexicon(lexicon_files) if lexicon_files else None

    on_segments = None
    if on_spoken is not None and known is not None:
        on_segments = _rewriting_early(on_spoken, known, lexicon, profile, language or "en")
    script = compose_script(articles, edition=options.edition, pauses=options.pauses,
                            on_progress=_reporting(progress, "compose"), on_segments=on_segments)
    return script, lexicon, profile


def _rewriting_early(on_spoken: SpokenObserver, known: dict[str, str], lexicon: Lexicon | None, profile: VoiceProfile,
                     language: str) -> Callable[[Sequence[Segment]], None]:
    """compose_script's `on_segments` for make_script's `on_spoken`: rewrite each new text into `known` (as speakable
    would) and let `on_spoken` hear the segment, until it answers False."""
    listening = True

    def rewrite(segments: Sequence[Segment]) -> None:
        nonlocal listening
        for segment in segments:
            if not listening:
                return
            if segment.text not in known:
                text = known[segment.text] = spoken_text(segment.text, lexicon, profile.name, language)
                if text:
                    listening = on_spoken(replace(segment, text=text), profile)

    return rewrite


def choose_profile(voice: str, voices_dirs: Sequence[Path], language: str | None) -> VoiceProfile:
    """The voice profile named `voice`; 'default' follows the article's language where a voice for it exists."""
    profiles = load_profiles(voices_dirs)
    profile = get_profile(voice, voices_dirs, profiles)
    if voice == "default" and language:
        return profile_for_language(language, voices_dirs, profiles) or profile
    return profile


@dataclass(frozen=True, slots=True)
class PlannedSegment:
    """One segment with the engine, settings and cache key that will produce its audio."""

    index: int
    """Position in speaking order, from 0."""
    text: str
    """What the engine is asked to say."""
    engine: str
    """The engine's name."""
    settings: VoiceSettings
    """Voice, rate, pitch and volume for the segment's role."""
    key: str
    """The content-addressed cache key of its audio (narrate.cache.key.segment_key)."""


class SegmentPlan(Sequence[PlannedSegment]):
    """Every segment of a script with its engine, settings and cache key, held compactly: the keys as 32-byte digests
    in one buffer and the engine and settings once per role; each PlannedSegment is made when it is asked for.

    A 2-million-word book has about 115,000 segments: as a list of PlannedSegment objects (one VoiceSettings each)
    the plan took 43 MB; held like this, 4 MB beside the script it refers to."""

    def __init__(self, segments: Sequence[Segment], voices: dict[str, tuple[str, VoiceSettings]], keys: bytes) -> None:
        self._segments = segments
        self._voices = voices
        self._keys = keys

    def __len__(self) -> int:
        return len(self._segments)

    def __getitem__(self, index: int) -> PlannedSegment:  # type: ignore[override]
        if index < 0:
            index += len(self._segments)
        segment = self._segments[index]
        engine, settings = self._voices[segment.role]
        return PlannedSegment(index, segment.text, engine, settings, self.key(index))

    def key(self, index: int) -> str:
        """The cache key of segment `index`."""
        return self._keys[32 * index: 32 * index + 32].hex()

    def keys(self) -> Iterator[str]:
        """Every segment's cache key, in speaking order."""
        return (self.key(index) for index in range(len(self)))


def plan_segments(script: Script, profile: VoiceProfile) -> SegmentPlan:
    """Give every segment its engine, voice settings (by role) and content-addressed cache key."""
    segments = script.segments()
    voices: dict[str, tuple[str, VoiceSettings]] = {}
    versions: dict[str, str] = {}
    keys = bytearray()
    for segment in segments:
        voice = voices.get(segment.role)
        if voice is None:
            voice = voices[segment.role] = profile.settings_for(segment.role)
        engine, settings = voice
        keys += bytes.fromhex(_cache_key(segment.text, engine, settings, profile, versions))
    return SegmentPlan(segments, voices, bytes(keys))


def _cache_key(text: str, engine: str, settings: VoiceSettings, profile: VoiceProfile, versions: dict[str, str]) -> str:
    """The cache key of `text` said by `engine` with `settings` in `profile` (`versions` keeps each engine's version,
    asked once)."""
    if engine not in versions:
        versions[engine] = engine_info(engine)[1]
    return segment_key(text, engine, versions[engine], settings, profile.name)


def prewarm_synthesis(options: BuildOptions) -> None:
    """Start a synthesis worker for the voice profile `options` names and get its engine ready, before the
    script is made (narrate.engines.pool.prewarm): the engine and settings of its narrator, the profile 'default'
    standing for whichever profile the article's language will choose (the shipped ones share its engine). Nothing when the segments go
    to a Dask cluster, or when the profile cannot be read (the build reports that). Pair with discard_prewarmed."""
    if options.scheduler:
        return
    from narrate.engines.pool import prewarm

    try:
        engine, settings = get_profile(options.voice, options.voices_dirs).settings_for()
    except NarrateError:
        return
    prewarm(engine, settings, timeout_s=options.segment_timeout_s)


def early_speaker(options: BuildOptions) -> SpokenObserver | None:
    """make_script's `on_spoken` for a build with `options`: each rewritten segment whose audio is not in the cache
    goes to the worker prewarm_synthesis started (narrate.engines.pool.speak_ahead), which speaks it while the rest of
    the script is made; the build's synthesis then takes the result. It stops listening once the worker takes no
    more (narrate.engines.pool.AHEAD_LIMIT), so the rest of a long script is rewritten as before. None where no
    worker is prewarmed (a Dask cluster) or the cache cannot be opened (the build reports that). It stops listening,
    too, at a segment whose engine cannot be described (plan_segments reports that)."""
    if options.scheduler:
        return None
    from narrate.engines import pool

    try:
        cache = _open_cache(options)
    except NarrateError:
        return None
    versions: dict[str, str] = {}
    asked = 0

    def speak_early(segment: Segment, profile: VoiceProfile) -> bool:
        nonlocal asked
        engine, settings = profile.settings_for(segment.role)
        try:
            key = _cache_key(segment.text, engine, settings, profile, versions)
        except Exception:  # noqa: BLE001 - plan_segments reports an engine that cannot be loaded
            return False
        if cache.contains(key):
            return True
        asked += 1
        return pool.speak_ahead(SynthJob(index=-1, text=segment.text, engine=engine, settings=settings)) \
            and asked < pool.AHEAD_LIMIT

    return speak_early


def discard_prewarmed() -> None:
    """Stop the workers prewarm_synthesis started that the build did not use (another engine, or nothing to say)."""
    from narrate.engines.pool import discard_warm

    discard_warm()


def _tags(script: Script, output_dir: Path) -> EpisodeTags:
    from narrate.publish.settings import load_settings

    return EpisodeTags(
        title=script.title,
        author=script.author,
        # TALB: the publication (or edition); when the article names none, the podcast's own title.
        album=script.site or load_settings(output_dir).title,
        date=script.date,
        comment=script.description,
        cover_png=None,
        language=script.language,
    )


def _prepare_output_dir(output_dir: Path) -> None:
    if output_dir.exists() and not output_dir.is_dir():
        raise NarrateError(f"The output folder {output_dir} is a file, not a folder.")
    existed = output_dir.is_dir()
    try:
        (output_dir / STATE_DIR / "episodes").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if existed:
            raise NarrateError(f"The output folder {output_dir} is not writable ({exc.strerror or exc}).") from None
        raise NarrateError(f"Cannot create the output folder {output_dir}: {exc.strerror or exc}.") from None
    if not os.access(output_dir, os.W_OK | os.X_OK):
        raise NarrateError(f"The output folder {output_dir} is not writable.")


def _open_cache(options: BuildOptions) -> SegmentCache | NullCache:
    if not options.use_cache:
        return NullCache()
    root = options.cache_dir or SegmentCache.default_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        return SegmentCache(root)
    except OSError as exc:
        raise NarrateError(f"Cannot use the cache folder {root}: {exc.strerror or exc}.") from None


def _audio_stream(
    planned: Sequence[PlannedSegment],
    cache: SegmentCache | NullCache,
    options: BuildOptions,
    on_synthesized: Callable[[int], None] | None,
    counts: dict[str, int],
    on_idle: Callable[[], None] | None = None,
) -> tuple[Iterator[SegmentAudio], Callable[[int], Pcm]]:
    """Every segment in order as assembly takes it, and the loader assembly calls for the audio it did not get.

    A cached segment comes as its key and loudness only (the measurements stored with it): its audio is read only
    if its chunk has to be encoded. The others are synthesized on the worker pool (or the Dask cluster), which
    trims and measures them in the worker that spoke them; they come with their audio, and are cached as assembly
    takes them (after it has laid each out: an edit's chunk goes to its encoder before its new segment is compressed
    and written to the cache, about 5 ms).
    """

    def job(p: PlannedSegment) -> SynthJob:
        return SynthJob(index=p.index, text=p.text, engine=p.engine, settings=p.settings)

    def synthesize_one(p: PlannedSegment) -> MeasuredPcm:
        """Synthesize a segment that left the cache after it was looked up, and cache it again."""
        item = next(synthesize_segments([job(p)], workers=1, timeout_s=options.segment_timeout_s, measure=True))
        cache.put(p.key, item.pcm, item.loudness.to_extra() if item.loudness else None)
        return item

    def load(index: int) -> Pcm:
        p = planned[index]
        pcm = cache.get(p.key)
        return pcm if pcm is not None else synthesize_one(p).pcm

    missing = {p.index for p in planned if not cache.contains(p.key)}
    counts["to_synthesize"] = len(missing)
    from functools import partial

    synthesize: Callable[..., Iterator[MeasuredPcm]] = partial(synthesize_segments, on_idle=on_idle)
    if options.scheduler:
        from narrate.engines.dask_pool import synthesize_segments_dask

        synthesize = partial(synthesize_segments_dask, scheduler=options.scheduler)
    # Started here, before assembly takes the cached segments that come first (the local pool starts at once).
    fresh = synthesize(
        [job(p) for p in planned if p.index in missing],
        workers=options.jobs or (os.cpu_count() or 1), timeout_s=options.segment_timeout_s,
        on_done=on_synthesized, measure=True,
    )

    def stream() -> Iterator[SegmentAudio]:
        from narrate.audio.loudness import SegmentLoudness

        for p in planned:
            if p.index in missing:
                item = next(fresh)
                counts["synthesized"] += 1
                try:
                    yield SegmentAudio(p.key, item.loudness, item.pcm)
                finally:  # cached once assembly has taken it (and handed its chunk to an encoder): not before
                    cache.put(p.key, item.pcm, item.loudness.to_extra() if item.loudness else None)
                continue
            loudness = SegmentLoudness.from_extra(cache.get_extra(p.key))
            if loudness is not None:
                counts["reused"] += 1
                yield SegmentAudio(p.key, loudness, None)
                continue
            found = cache.get_with_extra(p.key)  # measured by an older narrate, or evicted since we looked
            if found is not None:
                counts["reused"] += 1
                yield SegmentAudio(p.key, SegmentLoudness.from_extra(found[1]), found[0])
            else:
                item = synthesize_one(p)
                counts["synthesized"] += 1
                yield SegmentAudio(p.key, item.loudness, item.pcm)

    return stream(), load


def build_episode(
    script: Script,
    options: BuildOptions,
    progress: Callable[[str, int, int], None] | None = None,
) -> BuildResult:
    """Synthesize and assemble `script` into OUTPUT/STEM.mp3, .chapters.json and .vtt, then publish it.

    Reuses every cached segment; when nothing changed since the last build of this episode it writes no
    audio at all. `progress(stage, done, total)` reports 'synthesize' and 'assemble' steps. Builds of one episode
    into one folder take turns (narrate.locks): a second one waits for the first, then finds its result.
    """
    if not script.segments():
        raise NarrateError("The article holds nothing to say.")
    output_dir = Path(options.output_dir)
    profile = choose_profile(options.voice, options.voices_dirs, script.language)
    planned = plan_segments(script, profile)  # an engine that is not installed fails here, before OUTPUT is touched
    _prepare_output_dir(output_dir)
    with episode_lock(output_dir, script.identity or script.title) as lock:
        return _build_locked(script, planned, options, progress, lock)


def _build_locked(script: Script, planned: SegmentPlan, options: BuildOptions,
                  progress: Callable[[str, int, int], None] | None, lock: EpisodeLock) -> BuildResult:
    output_dir = Path(options.output_dir)
    tags = _tags(script, output_dir)
    fingerprint = episode_fingerprint(
        planned.keys(),
        (s.pause_ms for s in script.segments()),
        chapters=[(c.title, c.level, len(c.segments)) for c in script.chapters],
        audio_settings={"settings": repr(options.audio), "chunking": repr(ChunkPolicy()), "encoder": encoder_versions()},
        tags={"tags": repr(tags), "captions": [s.written for s in script.segments()]},
    )
    identity = script.identity or script.title
    state = manifest_path(output_dir, identity)
    previous = read_header(state)
    total = len(planned)
    if previous is not None and previous.fingerprint == fingerprint:
        lock.placing([f"{previous.stem}{suffix}" for suffix in EPISODE_SUFFIXES])  # a concurrent publish keeps off
        if all((output_dir / f"{previous.stem}{suffix}").exists() for suffix in EPISODE_SUFFIXES):
            return _publish(script, _result(previous, output_dir, state, total, 0, total, unchanged=True), options)

    cache = _open_cache(options)
    publishing = _PublishPreparation(options)
    counts = {"synthesized": 0, "reused": 0}
    done = 0

    def on_synth(_index: int) -> None:
        nonlocal done
        done += 1
        if progress:
            progress("synthesize", done, counts.get("to_synthesize", done))

    def on_segment(index: int) -> None:
        if progress:
            progress("assemble", index + 1, total)

    fd, tmp_name = tempfile.mkstemp(prefix=".episode-", suffix=".mp3.part", dir=output_dir)
    os.close(fd)
    tmp_mp3 = Path(tmp_name)
    try:
        audio, load = _audio_stream(planned, cache, options, on_synth, counts, on_idle=publishing.start)
        resume_collector()  # paused while the program started (narrate.collector)
        # Imported now, while the workers speak the first new segments (not before: an edit waits for one of them).
        from narrate.audio.assemble import assemble_episode
        from narrate.audio.chapters_json import chapters_json
        from narrate.audio.transcript import webvtt

        assembled = assemble_episode(
            script, audio, tmp_mp3, options.audio, tags, on_segment=on_segment,
            load=load, chunk_store=cache, workers=options.jobs, on_idle=publishing.start,
        )
        stem = episode_stem(script.title, _sha256_file(tmp_mp3))
        lock.placing([f"{stem}{suffix}" for suffix in EPISODE_SUFFIXES])
        write_text_atomic(output_dir / f"{stem}.chapters.json",
                          json.dumps(chapters_json(assembled.timeline, script.title), indent=2, ensure_ascii=False) + "\n")
        write_text_atomic(output_dir / f"{stem}.vtt", webvtt(assembled.timeline))
        checkpoint("build:sidecars-placed")
        os.chmod(tmp_mp3, 0o644)
        os.replace(tmp_mp3, output_dir / f"{stem}.mp3")
    finally:
        tmp_mp3.unlink(missing_ok=True)
    checkpoint("build:audio-placed")
    cache.record_build_stats(hits=counts["reused"], misses=counts["synthesized"])
    for folder in (output_dir, output_dir / STATE_DIR / "episodes"):  # temporary files of builds killed long ago
        remove_stale_parts(folder)

    manifest = write_build_manifest(
        state, identity=identity, stem=stem, title=script.title, fingerprint=fingerprint, script=script,
        segment_keys=planned.keys(), timeline=assembled.timeline,
        sample_rate=options.audio.sample_rate, audio_file=f"{stem}.mp3",
    )
    result = replace(_result(manifest, output_dir, state, total, counts["synthesized"], counts["reused"], unchanged=False),
                     chunks_total=assembled.chunks, chunks_encoded=assembled.chunks_encoded)
    publishing.join()
    return _publish(script, result, options)


class _PublishPreparation:
    """Loading the page templates (and the tag writer's library) and drawing the show cover, on a thread, while this
    process would otherwise wait.

    The thread holds the interpreter lock most of the time it runs (imports, template compiling), so it starts when
    the build mostly waits from then on: 20 ms into a wait for a segment still being synthesized (a cold build), or
    when the first chunk is handed to an encoder (an edit: its one new segment is spoken sooner than that, and the
    rest is waiting for that chunk). Failures are left to the publish step itself, which reports them."""

    def __init__(self, options: BuildOptions) -> None:
        self._options = options
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the preparation (once; nothing when the build does not publish)."""
        with self._lock:
            if self._thread is not None or not self._options.publish:
                return
            self._thread = threading.Thread(target=self._prepare, name="narrate-prepare-publish", daemon=True)
            self._thread.start()

    def join(self) -> None:
        """Wait for the preparation (there was no wait to run it in: run it now)."""
        self.start()
        if self._thread is not None:
            self._thread.join()

    def _prepare(self) -> None:
        from narrate.publish import prepare_publish

        with contextlib.suppress(Exception):
            import mutagen.id3  # noqa: F401 - the tag writer's, needed as soon as the last chunk is written

            prepare_publish(Path(self._options.output_dir), base_url=self._options.base_url)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _publish(script: Script, result: BuildResult, options: BuildOptions) -> BuildResult:
    if not options.publish:
        return result

    from narrate.publish import EpisodeRecord, publish_episode

    record = EpisodeRecord(
        identity=script.identity or script.title,
        title=script.title,
        mp3=result.mp3.name,
        mp3_bytes=result.mp3.stat().st_size,
        duration_s=result.duration_s,
        chapters_json=result.chapters_json.name,
        vtt=result.vtt.name,
        chapters=tuple((c.title, c.level, c.start_s, c.end_s) for c in result.chapters),
        author=script.author,
        description=script.description,
        site=script.site,
        language=script.language,
        date=script.date,
    )
    published = publish_episode(Path(options.output_dir), record, base_url=options.base_url)
    output_dir = Path(options.output_dir)
    return replace(result, feed=output_dir / published.feed, page=output_dir / published.entry.page)


def _result(manifest: ManifestHeader, output_dir: Path, state: Path, total: int,
            synthesized: int, reused: int, unchanged: bool) -> BuildResult:
    return BuildResult(
        mp3=output_dir / f"{manifest.stem}.mp3",
        chapters_json=output_dir / f"{manifest.stem}.chapters.json",
        vtt=output_dir / f"{manifest.stem}.vtt",
        manifest=state,
        title=manifest.title,
        duration_s=manifest.duration_s,
        chapters=tuple(ChapterInfo(c.title, c.level, c.start_s, c.end_s) for c in manifest.chapter_spans()),
        segments_total=total,
        segments_synthesized=synthesized,
        segments_reused=reused,
        unchanged=unchanged,
    )
