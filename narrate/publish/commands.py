"""The publish commands of the CLI: feed, serve, episodes, remove (registered on the main typer app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from narrate.publish.settings import DEFAULT_HOST, DEFAULT_PORT

Output = Annotated[Path, typer.Option("--output", "-o", help="Output folder (holds the catalog, feed and pages).")]
BaseUrl = Annotated[Optional[str], typer.Option("--base-url", help="Public URL of the output folder (overrides narrate.toml).")]


def feed(output: Output = Path("output"), base_url: BaseUrl = None) -> None:
    """Rewrite feed.xml, index.html and the episode pages from the catalog."""
    from narrate.publish.site import write_feed

    typer.echo(str(write_feed(output, base_url)))


def serve(
    output: Output = Path("output"),
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", "-p", help="Port to listen on.")] = DEFAULT_PORT,
    base_url: BaseUrl = None,
    follow: Annotated[Optional[list[str]], typer.Option("--follow", help="Also follow this feed or folder (repeatable), as `narrate follow` does.")] = None,
    every: Annotated[str, typer.Option("--every", help="With --follow: how often to follow (e.g. 30m, 1h).")] = "30m",
    follow_edition: Annotated[Optional[str], typer.Option("--follow-edition", help="With --follow: make each run's new items one edition titled TITLE.")] = None,
) -> None:
    """Host the output folder (feed, pages, audio) over HTTP, with byte ranges for podcast apps."""
    from narrate.publish.serve import serve as run

    background = []
    if follow:
        from narrate.follow.schedule import follow_in_background

        background.append(follow_in_background(output, follow, every, base_url, follow_edition))
        output.mkdir(parents=True, exist_ok=True)  # the first run makes the podcast
    run(output, host, port, base_url, background=background)


def episodes(
    output: Output = Path("output"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the episodes in the catalog, newest first."""
    import json

    from narrate.publish.feed import clock
    from narrate.publish.site import list_episodes

    entries = list_episodes(output)
    if as_json:
        typer.echo(json.dumps([
            {"slug": e.slug, "guid": e.guid, "title": e.record.title, "published": e.published.isoformat(),
             "mp3": e.record.mp3, "bytes": e.record.mp3_bytes, "duration_s": round(e.record.duration_s, 3),
             "page": e.page, "identity": e.record.identity}
            for e in entries
        ], indent=2, ensure_ascii=False))
        return
    if not entries:
        typer.echo(f"No episodes in {output}.", err=True)
        return
    for e in entries:
        typer.echo(f"{e.slug}\t{e.published.date().isoformat()}\t{clock(e.record.duration_s)}\t{e.record.title}")


def remove(
    slug: Annotated[str, typer.Argument(help="The episode's slug (see `narrate episodes`), STEM or file name.")],
    output: Output = Path("output"),
    base_url: BaseUrl = None,
) -> None:
    """Take an episode out of the feed and pages and delete its files."""
    from narrate.publish.site import remove_episode

    entry = remove_episode(output, slug, base_url)
    typer.echo(f"Removed {entry.slug}: {entry.record.title}", err=True)


def register(app: typer.Typer) -> None:
    """Add the feed, serve, episodes and remove commands to `app`."""
    app.command("feed")(feed)
    app.command("serve")(serve)
    app.command("episodes")(episodes)
    app.command("remove")(remove)
