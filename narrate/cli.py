"""The `narrate` command: a thin typer layer that parses options, calls the stages and shows progress.

Heavy modules are imported inside the commands so that `narrate --help` answers at once.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="narrate",
    help="Turn written news into podcast-ready audio, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
cache_app = typer.Typer(help="Inspect or clear the segment cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")

Sources = Annotated[list[str], typer.Argument(help="Articles: Markdown, text or HTML files, http(s) URLs, or - for standard input.", show_default=False)]
Edition = Annotated[Optional[str], typer.Option("--edition", "-e", help="Title of an edition: several articles become one episode.")]
Output = Annotated[Path, typer.Option("--output", "-o", help="Output folder.")]
Voice = Annotated[Optional[str], typer.Option("--voice", "-v", help="Voice profile name (see `narrate voices`; default: 'default', or [build] voice in narrate.toml).", show_default=False)]
VoicesDir = Annotated[Optional[list[Path]], typer.Option("--voices", help="Extra folder of voice profiles (repeatable).")]
LexiconFiles = Annotated[Optional[list[Path]], typer.Option("--lexicon", help="Pronunciation lexicon TOML (repeatable; default ./lexicon.toml if present).")]
CacheDir = Annotated[Optional[Path], typer.Option("--cache", help="Segment cache folder (default: the user cache folder).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _stdin():  # type: ignore[no-untyped-def]
    return sys.stdin.buffer if sys.stdin is not None and not sys.stdin.closed else None


@dataclass(frozen=True)
class _Choices:
    """Options after merging the command line over OUTPUT/narrate.toml's [build] table."""

    voice: str
    voices: tuple[Path, ...]
    lexicons: tuple[Path, ...]
    jobs: int
    bitrate: int
    scheduler: str | None
    cache: Path | None


def _choices(output: Path, voice: str | None = None, voices: list[Path] | None = None,
             lexicon: list[Path] | None = None, jobs: int | None = None, bitrate: int | None = None,
             scheduler: str | None = None, cache: Path | None = None) -> _Choices:
    from narrate.config import load_build_config

    config = load_build_config(output)
    return _Choices(
        voice=voice or config.voice or "default",
        voices=tuple(voices or ()) or config.voices,
        lexicons=tuple(lexicon or ()) or config.lexicons,
        jobs=jobs if jobs is not None else (config.jobs or 0),
        bitrate=bitrate or config.bitrate_kbps or 64,
        scheduler=scheduler or config.scheduler,
        cache=cache or config.cache,
    )


def _script(sources: list[str], edition: str | None, choices: _Choices, stdin=None):  # type: ignore[no-untyped-def]
    from narrate.build import ScriptOptions, make_script

    options = ScriptOptions(sources=tuple(sources), edition=edition, voice=choices.voice,
                            voices_dirs=choices.voices, lexicons=choices.lexicons)
    return make_script(options, stdin=stdin if stdin is not None else _stdin())


@app.command()
def build(
    sources: Sources,
    edition: Edition = None,
    output: Output = Path("output"),
    voice: Voice = None,
    voices: VoicesDir = None,
    lexicon: LexiconFiles = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="Synthesis worker processes (0: one per core).", show_default=False)] = None,
    bitrate: Annotated[Optional[int], typer.Option("--bitrate", help="MP3 bitrate in kbps, CBR (default 64).", show_default=False)] = None,
    cache: CacheDir = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the segment cache.")] = False,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="Public URL of the output folder, for the feed.")] = None,
    no_publish: Annotated[bool, typer.Option("--no-publish", help="Write the episode files only; leave catalog, feed and pages alone.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable summary instead of paths.")] = False,
    quiet: Quiet = False,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler (tcp://HOST:PORT): synthesize on its workers (needs narrate[dask]).")] = None,
) -> None:
    """Build one episode (chaptered MP3, chapters JSON, WebVTT transcript) from one or more articles, and publish it."""
    import io

    from narrate import fastpath

    from narrate.config import BITRATES

    if bitrate is not None and bitrate not in BITRATES:
        raise typer.BadParameter("use an MP3 bitrate such as 48, 64, 96 or 128.", param_hint="--bitrate")
    chosen = _choices(output, voice, voices, lexicon, jobs, bitrate, scheduler, cache)
    stdin = _stdin()
    stdin_data = stdin.read() if "-" in sources and stdin is not None else None
    fingerprint = fastpath.build_fingerprint(
        sources, stdin_data, output_dir=output, edition=edition, voice=chosen.voice, voices_dirs=chosen.voices,
        lexicons=chosen.lexicons, bitrate_kbps=chosen.bitrate, base_url=base_url, publish=not no_publish,
    )
    result = fastpath.recall(output, fingerprint)
    if result is None:
        from narrate.audio.assemble import AudioSettings
        from narrate.build import BuildOptions, build_episode
        from narrate.progress import ProgressReporter

        script = _script(sources, edition, chosen, stdin=io.BytesIO(stdin_data) if stdin_data is not None else None)
        options = BuildOptions(
            output_dir=output, voice=chosen.voice, voices_dirs=chosen.voices, jobs=chosen.jobs,
            cache_dir=chosen.cache, use_cache=not no_cache, audio=AudioSettings(bitrate_kbps=chosen.bitrate),
            publish=not no_publish, base_url=base_url, scheduler=chosen.scheduler,
        )
        with ProgressReporter(enabled=not quiet and not as_json) as reporter:
            result = build_episode(script, options, progress=reporter.update)
        fastpath.remember(output, fingerprint, result)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    if not quiet:
        if result.unchanged:
            typer.echo(f"Nothing changed: {result.title}", err=True)
        else:
            typer.echo(
                f"{result.title}: {result.duration_s / 60:.1f} min, {_plural(len(result.chapters), 'chapter')}; "
                f"{result.segments_synthesized} segments synthesized, {result.segments_reused} reused",
                err=True,
            )
    for path in (result.mp3, result.chapters_json, result.vtt, result.page, result.feed):
        if path is not None:
            typer.echo(str(path))


@app.command()
def script(
    sources: Sources,
    edition: Edition = None,
    voice: Voice = None,
    voices: VoicesDir = None,
    lexicon: LexiconFiles = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder whose narrate.toml [build] settings apply.")] = Path("output"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    check: Annotated[bool, typer.Option("--check", help="List what could not be verbalized with confidence; exit 1 if anything is found.")] = False,
) -> None:
    """Print what will be said, chapter by chapter, without synthesizing anything."""
    if fmt not in ("text", "json"):
        raise typer.BadParameter("use text or json.", param_hint="--format")
    result = _script(sources, edition, _choices(output, voice, voices, lexicon))
    if check:
        from narrate.script.check import check_script

        issues = check_script(result)
        for issue in issues:
            typer.echo(str(issue))
        typer.echo(f"{len(issues)} place(s) to look at." if issues else "Nothing to fix: every segment reads cleanly.", err=True)
        raise typer.Exit(1 if issues else 0)
    if fmt == "json":
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    from narrate.script.render import render_text

    typer.echo(render_text(result))


@app.command()
def voices(
    voices_dir: VoicesDir = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder whose narrate.toml [build] voices apply.")] = Path("output"),
    sample: Annotated[Optional[Path], typer.Option("--sample", help="Write one short MP3 sample per usable profile into this folder.")] = None,
) -> None:
    """List the voice profiles (engine, language, usable here?) and the engine's installed voices."""
    from narrate.voice_listing import describe_voices, profile_statuses

    folders = _choices(output, voices=voices_dir).voices
    if sample is None:
        typer.echo(describe_voices(folders))
        return
    from narrate.sample import SAMPLE_TEXT, write_sample

    for status in profile_statuses(folders):
        if not status.usable:
            typer.echo(f"skipped {status.profile.name}: {status.problem}", err=True)
            continue
        path = write_sample(SAMPLE_TEXT, status.profile.name, sample / f"{status.profile.name}.mp3", folders)
        typer.echo(str(path))


@app.command()
def say(
    text: Annotated[str, typer.Argument(help="What to say (use - to read standard input).", show_default=False)],
    voice: Voice = None,
    voices: VoicesDir = None,
    lexicon: LexiconFiles = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Where to write the sample MP3 (default: say-VOICE.mp3).")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder whose narrate.toml [build] settings apply.")] = Path("output"),
    play: Annotated[bool, typer.Option("--play/--no-play", help="Play the sample when an audio player is installed.")] = True,
) -> None:
    """Speak a short text with a voice profile, through the full normalizing path, to hear it before building."""
    import subprocess

    from narrate.config import default_lexicons
    from narrate.sample import find_player, write_sample
    from narrate.script.lexicon import load_lexicon

    if text == "-":
        text = sys.stdin.read()
    chosen = _choices(output, voice, voices, lexicon)
    files = chosen.lexicons or default_lexicons()
    dest = write_sample(text, chosen.voice, out or Path(f"say-{chosen.voice}.mp3"), chosen.voices,
                        load_lexicon(files) if files else None)
    typer.echo(str(dest))
    player = find_player() if play else None
    if player:
        subprocess.run([*player, str(dest)], check=False)


@app.command()
def demo(
    output: Output = Path("output"),
    quiet: Quiet = False,
) -> None:
    """Build the bundled demo edition (three short articles of our own) into OUTPUT and publish it."""
    from narrate.demo import demo_articles

    build(sources=[str(p) for p in demo_articles()], edition="The narrate demo edition", output=output,
          voice=None, voices=None, lexicon=None, jobs=None, bitrate=None, cache=None, no_cache=False,
          base_url=None, no_publish=False, as_json=False, quiet=quiet, scheduler=None)


@cache_app.command("info")
def cache_info(cache: CacheDir = None) -> None:
    """Show the cache's location, entries, size and the last build's hit rate."""
    from narrate.cache.store import SegmentCache

    info = SegmentCache(cache or SegmentCache.default_dir()).info()
    lookups = info.last_build_hits + info.last_build_misses
    rate = f"{100 * info.last_build_hits / lookups:.0f}%" if lookups else "n/a"
    typer.echo(f"location:   {info.root}")
    typer.echo(f"entries:    {info.entries}")
    typer.echo(f"chunks:     {info.chunks} encoded MP3 chunks")
    typer.echo(f"size:       {info.size_bytes / 1e6:.1f} MB (cap {info.cap_bytes / 1e6:.0f} MB)")
    typer.echo(f"last build: {info.last_build_hits} reused, {info.last_build_misses} synthesized (hit rate {rate})")


@cache_app.command("clear")
def cache_clear(cache: CacheDir = None) -> None:
    """Delete every cached segment and encoded chunk."""
    from narrate.cache.store import SegmentCache

    store = SegmentCache(cache or SegmentCache.default_dir())
    store.clear()
    typer.echo(f"Cleared {store.root}")


def _register_publish_commands() -> None:
    from narrate.publish.commands import register

    register(app)


_register_publish_commands()


def _click_error_class() -> type[Exception]:
    """Click's ClickException as this typer uses it (typer >= 0.20 vendors its own copy of click)."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def _usage_error_line(exc: Exception) -> str:
    """A usage error (bad option value, unknown option or command) as one line naming where help is."""
    message = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
    if not message.endswith((".", "!", "?")):
        message += "."
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f" See '{ctx.command_path} --help'."
    return f"narrate: {message}"


def main() -> None:
    """Entry point: run the app; user errors become one sentence on stderr and a non-zero exit."""
    from narrate.errors import NarrateError

    interrupted = "narrate: interrupted; finished segments stay cached for the next run."
    try:
        # Not standalone: click's own multi-line usage errors would otherwise bypass the one-line rule.
        code = app(prog_name="narrate", standalone_mode=False)
    except NarrateError as exc:
        typer.echo(f"narrate: {exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # a full disk, a folder removed under us...: one sentence, not a traceback
        where = f": {exc.filename}" if exc.filename else ""
        typer.echo(f"narrate: {exc.strerror or exc}{where}.", err=True)
        sys.exit(1)
    except _click_error_class() as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `narrate` alone: show the help, as click does
            exc.show()  # type: ignore[attr-defined]
        else:
            typer.echo(_usage_error_line(exc), err=True)
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        typer.echo(interrupted, err=True)
        sys.exit(130)
    except Exception as exc:
        if type(exc).__name__ != "Abort":  # click's Abort: Ctrl-C or end of input at a prompt
            raise
        typer.echo(interrupted, err=True)
        sys.exit(130)
    if code == 130:  # typer turns Ctrl-C inside a command into exit code 130
        typer.echo(interrupted, err=True)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
