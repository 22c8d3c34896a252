"""Articles become a published episode through the stages' public functions: compose_script, speakable,
build_episode (which publishes). The build stage imports its heavy modules (audio, engines) only here, when
there is something to build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from narrate.article.model import Article
from narrate.follow.model import EpisodeInfo


@dataclass(frozen=True)
class EpisodeMaker:
    """The build settings a follow run shares across its episodes (those of `narrate build`)."""

    output_dir: Path
    """Where episodes are written and published."""
    voice: str = "default"
    """The voice profile."""
    voices_dirs: tuple[Path, ...] = ()
    """Extra folders of voice profiles."""
    lexicons: tuple[Path, ...] = ()
    """Pronunciation lexicons (none: ./lexicon.toml when it exists)."""
    jobs: int = 0
    """Synthesis worker processes (0: one per core)."""
    bitrate_kbps: int = 64
    """MP3 bitrate."""
    cache_dir: Path | None = None
    """Segment cache folder (None: the user's)."""
    use_cache: bool = True
    """False disables the segment cache."""
    base_url: str | None = None
    """Public base URL for the feed."""
    scheduler: str | None = None
    """A Dask scheduler address to synthesize on."""

    @cached_property
    def _lexicon(self):  # type: ignore[no-untyped-def]
        from narrate.config import default_lexicons
        from narrate.script.lexicon import load_lexicon

        files = self.lexicons or default_lexicons()
        return load_lexicon(files) if files else None

    def script(self, articles: Sequence[Article], identity: str, edition: str | None = None,
               edition_date: dt.date | None = None, say_date: bool = True):  # type: ignore[no-untyped-def]
        """The speakable script of one article (or, with `edition`, of several), under the catalog identity `identity`
        (with the script memo of the cache folder: an edited article re-composes only its changed paragraphs).
        `say_date` False: the edition's title already says its date, so the intro does not say it again."""
        from narrate.build import choose_profile
        from narrate.cache.store import SegmentCache
        from narrate.memo import remembering
        from narrate.script.compose import compose_script
        from narrate.script.speech import speakable

        with remembering((self.cache_dir or SegmentCache.default_dir()) if self.use_cache else None):
            script = replace(compose_script(articles, edition=edition, edition_date=edition_date, say_date=say_date), identity=identity)
            profile = choose_profile(self.voice, self.voices_dirs, script.language)
            return speakable(script, self._lexicon, profile.name)

    def build(self, script, progress: Callable[[str, int, int], None] | None = None) -> EpisodeInfo:  # type: ignore[no-untyped-def]
        """Synthesize, assemble and publish `script` (reusing cached segments); what was made."""
        from narrate.audio.encode import AudioSettings
        from narrate.build import BuildOptions, build_episode

        options = BuildOptions(
            output_dir=self.output_dir, voice=self.voice, voices_dirs=self.voices_dirs, jobs=self.jobs,
            cache_dir=self.cache_dir, use_cache=self.use_cache, audio=AudioSettings(bitrate_kbps=self.bitrate_kbps),
            publish=True, base_url=self.base_url, scheduler=self.scheduler,
        )
        result = build_episode(script, options, progress=progress)
        return EpisodeInfo(
            identity=script.identity, title=result.title, mp3=result.mp3.name,
            page=result.page.name if result.page else None, segments_total=result.segments_total,
            segments_synthesized=result.segments_synthesized, unchanged=result.unchanged,
        )
