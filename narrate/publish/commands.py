"""The publish commands of the CLI: feed, serve, episodes, remove (registered on the main typer app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from narrate.cli_options import AsJson, BaseUrl
from narrate.publish.limits import ServeLimits
from narrate.publish.settings import DEFAULT_HOST, DEFAULT_PORT

_LIMITS = ServeLimits()

Output = Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Output folder (holds the catalog, feed and pages).")]


def feed(output: Output = Path("output"), base_url: BaseUrl = None) -> None:
    """Rewrite feed.xml, index.html and the episode pages from the catalog."""
    from narrate.publish.site import write_feed

    typer.echo(str(write_feed(output, base_url)))


def serve(
    output: Output = Path("output"),
    host: Annotated[str, typer.Option("--host", metavar="HOST", help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", "-p", metavar="PORT", help="Port to listen on.")] = DEFAULT_PORT,
    base_url: BaseUrl = None,
    follow: Annotated[Optional[list[str]], typer.Option("--follow", metavar="SOURCE", show_default=False, help="Also follow this feed or folder (repeatable), as `narrate follow` does.")] = None,
    every: Annotated[str, typer.Option("--every", metavar="DURATION", help="With --follow: how often to follow (e.g. 30m, 1h).")] = "30m",
    follow_edition: Annotated[Optional[str], typer.Option("--follow-edition", metavar="TITLE", show_default=False, help="With --follow: make each run's new items one edition titled TITLE.")] = None,
) -> None:
    from narrate.publish.serve import serve as run

    background = []
    if follow:
        from narrate.follow.schedule import follow_in_background

        background.append(follow_in_background(output, follow, every, base_url, follow_edition))
        output.mkdir(parents=True, exist_ok=True)  # the first run makes the podcast
    run(output, host, port, base_url, background=background)


serve.__doc__ = (
    "Host the output folder (feed, pages, audio) over HTTP, with byte ranges for podcast apps.\n\n"
    f"Clients that send nothing for {_LIMITS.idle_timeout_s:g} s between requests, or take over "
    f"{_LIMITS.head_timeout_s:g} s to send a request's head, are disconnected, as are those that stop reading an "
    f"answer for {_LIMITS.stall_timeout_s:g} s; at most {_LIMITS.max_connections} connections are held at once."
)


def episodes(
    output: Output = Path("output"),
    as_json: AsJson = False,
) -> None:
    """List the episodes in the catalog, newest first."""
    import json

    from narrate.files import existing_folder

    existing_folder(output)

    from narrate.publish.feed import clock
    from narrate.publish.site import audio_in_place, list_episodes

    entries = list_episodes(output)
    if as_json:
        typer.echo(json.dumps([
            {"slug": e.slug, "guid": e.guid, "title": e.record.title, "published": e.published.isoformat(),
             "mp3": e.record.mp3, "bytes": e.record.mp3_bytes, "duration_s": round(e.record.duration_s, 3),
             "page": e.page, "identity": e.record.identity, "audio_in_place": audio_in_place(output, e)}
            for e in entries
        ], indent=2, ensure_ascii=False))
        return
    if not entries:
        typer.echo(f"No episodes in {output}.", err=True)
        return
    for e in entries:
        missing = "" if audio_in_place(output, e) else "\t(files missing: left out of the feed)"
        typer.echo(f"{e.slug}\t{e.published.date().isoformat()}\t{clock(e.record.duration_s)}\t{e.record.title}{missing}")


def remove(
    slugs: Annotated[list[str], typer.Argument(metavar="EPISODE...", help="The episodes' slugs (see `narrate episodes`), STEMs or file names.")],
    output: Output = Path("output"),
    base_url: BaseUrl = None,
) -> None:
    """Take episodes out of the feed and pages (in one publish) and delete their files."""
    from narrate.publish.site import remove_episodes

    for entry in remove_episodes(output, slugs, base_url):
        typer.echo(f"Removed {entry.slug}: {entry.record.title}", err=True)


def register(app: typer.Typer) -> None:
    """Add the feed, serve, episodes and remove commands to `app`."""
    app.command("feed", short_help="Rewrite the feed and pages from the catalog.")(feed)
    app.command("serve", short_help="Host the podcast over HTTP for apps and browsers.")(serve)
    app.command("episodes", short_help="List the episodes in the catalog, newest first.")(episodes)
    app.command("remove", short_help="Take an episode out of the feed and delete its files.")(remove)
