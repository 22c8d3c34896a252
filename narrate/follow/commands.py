"""The `narrate follow` command (registered on the main typer app by `register`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from narrate.cli_options import (
    AsJson, BaseUrl, Bitrate, CacheDir, Jobs, LexiconFiles, NoCache, Quiet, Scheduler, Voice, VoicesDir, quiet_notes,
)
from narrate.follow.lock import DEFAULT_WAIT_S

Sources = Annotated[list[str], typer.Argument(
    metavar="SOURCE...", help="Feeds (RSS, Atom, JSON Feed; a URL or a file) and folders of articles.", show_default=False)]


def follow(
    sources: Sources,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Output folder (the podcast).")] = Path("output"),
    edition: Annotated[Optional[str], typer.Option("--edition", "-e", metavar="TITLE", help="Make ONE episode of everything new, titled TITLE ({date} is the date in the show's language).")] = None,
    window: Annotated[Optional[str], typer.Option("--window", metavar="DURATION", help="With --edition: only items published within this long (e.g. 24h).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List each item and what would happen; build and change nothing.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", metavar="N", min=1, help="Build at most N items in this run (newest first); the rest wait for the next run.", show_default=False)] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="DATE", help="Ignore items published before DATE (e.g. 2026-05-01).", show_default=False)] = None,
    as_json: AsJson = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Report every item, and why (full text in the feed or page read, unchanged, skipped).")] = False,
    quiet: Quiet = False,
    wait: Annotated[float, typer.Option("--wait", metavar="SECONDS", help="Seconds to wait for another follow run on the same output folder before giving up (exit 3).")] = DEFAULT_WAIT_S,
    voice: Voice = None,
    voices: VoicesDir = None,
    lexicon: LexiconFiles = None,
    jobs: Jobs = None,
    bitrate: Bitrate = None,
    cache: CacheDir = None,
    no_cache: NoCache = False,
    base_url: BaseUrl = None,
    scheduler: Scheduler = None,
) -> None:
    """Keep a podcast current from a site's feed or a folder of articles: build what is new or changed, publish, report.

    Exit status: 0 when all went well (nothing new included), 1 when an item failed (it is retried next run),
    2 when a source could not be read, 3 when another follow run held the output folder for longer than --wait.
    """
    import json
    import sys

    from narrate.config import BITRATES
    from narrate.follow.options import follow_options
    from narrate.follow.report import render_text, to_json
    from narrate.follow.run import run_follow
    from narrate.follow.when import parse_duration, parse_since

    if bitrate is not None and bitrate not in BITRATES:
        raise typer.BadParameter("use an MP3 bitrate such as 48, 64, 96 or 128.", param_hint="--bitrate")
    options = follow_options(
        sources, output, edition=edition, window_s=parse_duration(window, "--window") if window else None,
        dry_run=dry_run, limit=limit, since=parse_since(since) if since else None, wait_s=max(0.0, wait), voice=voice,
        voices=voices, lexicons=lexicon, jobs=jobs, bitrate_kbps=bitrate, cache_dir=cache, use_cache=not no_cache,
        base_url=base_url, scheduler=scheduler,
    )
    show_progress = not quiet and not as_json
    if quiet:
        quiet_notes()

    def log(line: str) -> None:
        if show_progress:
            print(f"narrate follow: {line}", file=sys.stderr, flush=True)

    report = run_follow(options, log=log)
    if as_json:
        typer.echo(json.dumps(to_json(report), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(report, verbose=verbose or dry_run))
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    """Add the follow command to `app`."""
    app.command("follow", short_help="Keep a podcast current from a site's feed or a folder of articles.")(follow)
