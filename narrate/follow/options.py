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
    from narrate.config import build_choices
    from narrate.errors import NarrateError
    from narrate.publish.settings import check_base_url

    if limit is not None and limit < 1:
        raise NarrateError("--limit must be at least 1.")
    if base_url:
        base_url = check_base_url(base_url, "--base-url")
    chosen = build_choices(output_dir, voice, voices, lexicons, jobs, bitrate_kbps, scheduler, cache_dir)
    maker = EpisodeMaker(
        output_dir=Path(output_dir),
        voice=chosen.voice,
        voices_dirs=chosen.voices,
        lexicons=chosen.lexicons,
        jobs=chosen.jobs,
        bitrate_kbps=chosen.bitrate,
        cache_dir=chosen.cache,
        use_cache=use_cache,
        base_url=base_url,
        scheduler=chosen.scheduler,
    )
    return FollowOptions(sources=tuple(sources), maker=maker, edition=edition, window_s=window_s, dry_run=dry_run,
                         limit=limit, since=since, wait_s=wait_s)
