"""The command-line options several commands share, so each means one thing everywhere (typer annotations)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

Sources = Annotated[list[str], typer.Argument(
    help="Articles: Markdown, text or HTML files, http(s) URLs, or - for standard input.", metavar="ARTICLE...",
    show_default=False)]
Edition = Annotated[Optional[str], typer.Option(
    "--edition", "-e", metavar="TITLE", help="Title of an edition: several articles become one episode.")]
Output = Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Output folder.")]
SettingsFolder = Annotated[Path, typer.Option(
    "--output", "-o", metavar="DIR", help="Output folder whose narrate.toml [build] settings apply.")]
Voice = Annotated[Optional[str], typer.Option(
    "--voice", "-v", metavar="NAME",
    help="Voice profile (see `narrate voices`; default: [build] voice in narrate.toml, else 'default').",
    show_default=False)]
VoicesDir = Annotated[Optional[list[Path]], typer.Option(
    "--voices", metavar="DIR", help="Extra folder of voice profiles (repeatable).", show_default=False)]
LexiconFiles = Annotated[Optional[list[Path]], typer.Option(
    "--lexicon", metavar="FILE", help="Pronunciation lexicon TOML (repeatable; default ./lexicon.toml if present).",
    show_default=False)]
CacheDir = Annotated[Optional[Path], typer.Option(
    "--cache", metavar="DIR", help="Segment cache folder (default: the user cache folder).", show_default=False)]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the segment cache.")]
Jobs = Annotated[Optional[int], typer.Option(
    "--jobs", "-j", metavar="N", min=0, help="Synthesis worker processes (0: one per core).", show_default=False)]
Bitrate = Annotated[Optional[int], typer.Option(
    "--bitrate", metavar="KBPS", help="MP3 bitrate in kbps, CBR (default 64).", show_default=False)]


def _checked_base_url(url: Optional[str]) -> Optional[str]:
    """`url` unchanged, once it is an address podcast apps can use: refused before a build spends its time."""
    if url is not None:
        from narrate.publish.settings import check_base_url

        check_base_url(url, "--base-url")
    return url


BaseUrl = Annotated[Optional[str], typer.Option(
    "--base-url", metavar="URL", help="Public URL of the output folder, for the feed (remembered for the folder).",
    show_default=False, callback=_checked_base_url)]
Scheduler = Annotated[Optional[str], typer.Option(
    "--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler: synthesize on its workers (needs narrate[dask]).",
    show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of text.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress, summary or notes; errors and input warnings still show.")]
DEFAULT_MAX_INPUT_MB = 20.0
"""The default of --max-input-mb (narrate.article.read.DEFAULT_MAX_INPUT_MB, without importing the readers)."""
MaxInputMb = Annotated[float, typer.Option(
    "--max-input-mb", metavar="MB", min=0.001,
    help="Refuse an article (file, standard input or web page) larger than this many MB.")]


def quiet_notes() -> None:
    """-q/--quiet: the show-settings notes are not printed either (errors and input warnings still are)."""
    import warnings

    from narrate.errors import SettingsNote

    warnings.filterwarnings("ignore", category=SettingsNote)
