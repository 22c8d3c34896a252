"""FollowOptions: everything one `narrate follow` run needs, and `follow_options` to merge the command line over
OUTPUT/narrate.toml's [build] table the way `narrate build` does (the command line wins)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from narrate.follow.episode import EpisodeMaker
from narrate.follow.lock import DEFAULT_WAIT_S


@dataclass(frozen=True)
class FollowOptions:
    """One follow run: the sources, what to make of them, which items to choose, and how to build."""

    sources: tuple[str, ...]
    """Feed URLs, feed files and folders."""
    maker: EpisodeMaker
    """The build settings (output folder, voice, jobs, cache...)."""
    edition: str | None = None
    """An edition title ({date} allowed): everything new becomes one episode."""
    window_s: float | None = None
    """With an edition: only items published within this many seconds."""
    dry_run: bool = False
    """Plan and print only: nothing is fetched beyond the sources, built or written."""
    limit: int | None = None
    """Build at most this many items in this run (newest first)."""
    since: dt.datetime | None = None
    """Ignore items published before this time."""
    wait_s: float = DEFAULT_WAIT_S
    """How long to wait for another run on the same output folder."""

    @property
    def output_dir(self) -> Path:
        """The output folder."""
        return self.maker.output_dir


def follow_options(
    sources: list[str] | tuple[str, ...],
    output_dir: Path,
    *,
    edition: str | None = None,
    window_s: float | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    since: dt.datetime | None = None,
    wait_s: float = DEFAULT_WAIT_S,
    voice: str | None = None,
    voices: list[Path] | tuple[Path, ...] | None = None,
    lexicons: list[Path] | tuple[Path, ...] | None = None,
    jobs: int | None = None,
    bitrate_kbps: int | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    base_url: str | None = None,
    scheduler: str | None = None,
) -> FollowOptions:
    """FollowOptions from explicit values, each None falling back to OUTPUT/narrate.toml's [build] table, then the default."""
    from narrate.config import load_build_config
    from narrate.errors import NarrateError

    if limit is not None and limit < 1:
        raise NarrateError("--limit must be at least 1.")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise NarrateError("--base-url must start with http:// or https://.")
    config = load_build_config(output_dir)
    maker = EpisodeMaker(
        output_dir=Path(output_dir),
        voice=voice or config.voice or "default",
        voices_dirs=tuple(voices or ()) or config.voices,
        lexicons=tuple(lexicons or ()) or config.lexicons,
        jobs=jobs if jobs is not None else (config.jobs or 0),
        bitrate_kbps=bitrate_kbps or config.bitrate_kbps or 64,
        cache_dir=cache_dir or config.cache,
        use_cache=use_cache,
        base_url=base_url,
        scheduler=scheduler or config.scheduler,
    )
    return FollowOptions(sources=tuple(sources), maker=maker, edition=edition, window_s=window_s, dry_run=dry_run,
                         limit=limit, since=since, wait_s=wait_s)
