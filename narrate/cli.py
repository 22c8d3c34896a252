"""The `narrate` command: a thin typer layer that parses options, calls the stages and shows progress.

Heavy modules are imported inside the commands so that `narrate --help` answers at once.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from narrate.cli_options import (
    DEFAULT_MAX_INPUT_MB, AsJson, BaseUrl, Bitrate, CacheDir, Edition, Jobs, LexiconFiles, MaxInputMb, NoCache, Output,
    Quiet, Scheduler, SettingsFolder, Sources, Voice, VoicesDir, quiet_notes,
)

if TYPE_CHECKING:
    from narrate.config import BuildChoices

def _plain_argument_help() -> None:
    """Show arguments in help as people read them: `ARTICLE...`, not typer's `{sources}...` and `<list[str]>`.

    typer (0.26 on, without rich markup) prints a required argument as `{NAME}` in the usage line, and 0.29 its
    Python type beside it in the list; click's convention (a bare NAME, [NAME] when optional) is what other tools use."""
    from typer.core import TyperArgument

    def usage_pieces(self, ctx) -> list[str]:  # type: ignore[no-untyped-def]
        name = self.metavar or self.name.upper()
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return [name if self.required else f"[{name}]"]

    if hasattr(TyperArgument, "display_type"):
        TyperArgument.display_type = lambda self, ctx: ""  # type: ignore[method-assign]
    TyperArgument.get_usage_pieces = usage_pieces  # type: ignore[method-assign]


_plain_argument_help()

CONTEXT = {"help_option_names": ["-h", "--help"]}
"""Every command answers -h as well as --help."""

APP_SETTINGS = dict(
    name="narrate",
    help="Turn written news into podcast-ready audio, offline.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=CONTEXT,
)
"""The `narrate` app's settings (the whole app's, and those of the one-command apps of _app_for)."""

app = typer.Typer(**APP_SETTINGS)  # type: ignore[arg-type]
cache_app = typer.Typer(help="Inspect or clear the segment cache.", no_args_is_help=True, context_settings=CONTEXT)
app.add_typer(cache_app, name="cache", short_help="Inspect or clear the segment cache.")

def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _stdin():  # type: ignore[no-untyped-def]
    return sys.stdin.buffer if sys.stdin is not None and not sys.stdin.closed else None


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _version(value: bool) -> None:
    if value:
        from narrate import __version__

        typer.echo(f"narrate {__version__}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show narrate's version and exit.")] = False,
) -> None:
    """Turn written news into podcast-ready audio, offline."""


def _choices(output: Path, voice: str | None = None, voices: list[Path] | None = None,
             lexicon: list[Path] | None = None, jobs: int | None = None, bitrate: int | None = None,
             scheduler: str | None = None, cache: Path | None = None) -> BuildChoices:
    from narrate.config import build_choices

    return build_choices(output, voice, voices, lexicon, jobs, bitrate, scheduler, cache)


def _max_bytes(max_input_mb: float) -> int:
    return int(max_input_mb * 1024 * 1024)


def _read_stdin(stdin, max_input_mb: float) -> bytes:  # type: ignore[no-untyped-def]
    """Standard input's bytes, refused in one sentence past the input limit."""
    from narrate.article.read import read_source_bytes

    return read_source_bytes("-", stdin, _max_bytes(max_input_mb))


def _script_options(sources: list[str], edition: str | None, choices: BuildChoices,  # type: ignore[no-untyped-def]
                    max_input_mb: float = DEFAULT_MAX_INPUT_MB):
    from narrate.build import ScriptOptions

    return ScriptOptions(sources=tuple(sources), edition=edition, voice=choices.voice, voices_dirs=choices.voices,
                         lexicons=choices.lexicons, max_input_bytes=_max_bytes(max_input_mb))


def _script(sources: list[str], edition: str | None, choices: BuildChoices, stdin=None,  # type: ignore[no-untyped-def]
            max_input_mb: float = DEFAULT_MAX_INPUT_MB, cache: Path | None = None, progress=None, on_spoken=None):
    from dataclasses import replace

    from narrate.build import make_script

    return make_script(replace(_script_options(sources, edition, choices, max_input_mb), cache_dir=cache),
                       stdin=stdin if stdin is not None else _stdin(), progress=progress, on_spoken=on_spoken)


@dataclass(frozen=True)
class _BuildRequest:
    """What `build` and `demo` were asked, as the command line gave it."""

    sources: list[str]
    edition: str | None
    output: Path
    voice: str | None
    voices: list[Path] | None
    lexicon: list[Path] | None
    jobs: int | None
    bitrate: int | None
    cache: Path | None
    no_cache: bool
    base_url: str | None
    no_publish: bool
    as_json: bool
    quiet: bool
    scheduler: str | None
    max_input_mb: float = DEFAULT_MAX_INPUT_MB


def _run_build(request: _BuildRequest) -> None:
    """Build (or recall) the episode `request` describes and print what was made."""
    import io

    from narrate import fastpath
    from narrate.config import BITRATES

    if request.quiet:
        quiet_notes()

    if request.bitrate is not None and request.bitrate not in BITRATES:
        raise typer.BadParameter("use an MP3 bitrate such as 48, 64, 96 or 128.", param_hint="--bitrate")
    chosen = _choices(request.output, request.voice, request.voices, request.lexicon, request.jobs, request.bitrate,
                      request.scheduler, request.cache)
    stdin = _stdin()
    stdin_data = _read_stdin(stdin, request.max_input_mb) if "-" in request.sources and stdin is not None else None
    fingerprint = fastpath.build_fingerprint(
        request.sources, stdin_data, output_dir=request.output, edition=request.edition, voice=chosen.voice,
        voices_dirs=chosen.voices, lexicons=chosen.lexicons, bitrate_kbps=chosen.bitrate, base_url=request.base_url,
        publish=not request.no_publish,
    )
    result = fastpath.recall(request.output, fingerprint)
    if result is None:
        from narrate.processes import start as start_workers

        start_workers()  # the worker fork server imports numpy, LAME and the engines while the script is composed
        from narrate.audio.encode import AudioSettings
        from narrate.build import BuildOptions, build_episode, discard_prewarmed, early_speaker, prewarm_synthesis
        from narrate.progress import ProgressReporter

        from narrate.cache.store import SegmentCache

        options = BuildOptions(
            output_dir=request.output, voice=chosen.voice, voices_dirs=chosen.voices, jobs=chosen.jobs,
            cache_dir=chosen.cache, use_cache=not request.no_cache, audio=AudioSettings(bitrate_kbps=chosen.bitrate),
            publish=not request.no_publish, base_url=request.base_url, scheduler=chosen.scheduler,
        )
        prewarm_synthesis(options)  # the workers start their engine while the script is made
        try:
            with ProgressReporter(enabled=not request.quiet and not request.as_json) as reporter:
                script = _script(request.sources, request.edition, chosen,
                                 stdin=io.BytesIO(stdin_data) if stdin_data is not None else None,
                                 max_input_mb=request.max_input_mb, progress=reporter.update,
                                 cache=None if request.no_cache else (chosen.cache or SegmentCache.default_dir()),
                                 on_spoken=early_speaker(options))  # the prewarmed worker speaks meanwhile
                result = build_episode(script, options, progress=reporter.update)
        finally:
            discard_prewarmed()
        fastpath.remember(request.output, fingerprint, result)
    if request.as_json:
        _print_json(result.to_json())
        return
    if not request.quiet:
        if result.unchanged:
            typer.echo(f"Nothing changed: {result.title}", err=True)
        else:
            typer.echo(
                f"{result.title}: {result.duration_s / 60:.1f} min, {_plural(len(result.chapters), 'chapter')}; "
                f"{_plural(result.segments_synthesized, 'segment')} synthesized, {result.segments_reused} reused",
                err=True,
            )
    for path in (result.mp3, result.chapters_json, result.vtt, result.page, result.feed):
        if path is not None:
            typer.echo(str(path))


@app.command("build", short_help="Build one episode from one or more articles, and publish it.")
def build(
    sources: Sources,
    edition: Edition = None,
    output: Output = Path("output"),
    voice: Voice = None,
    voices: VoicesDir = None,
    lexicon: LexiconFiles = None,
    jobs: Jobs = None,
    bitrate: Bitrate = None,
    cache: CacheDir = None,
    no_cache: NoCache = False,
    base_url: BaseUrl = None,
    no_publish: Annotated[bool, typer.Option("--no-publish", help="Write the episode files only; leave catalog, feed and pages alone.")] = False,
    as_json: AsJson = False,
    quiet: Quiet = False,
    scheduler: Scheduler = None,
    max_input_mb: MaxInputMb = DEFAULT_MAX_INPUT_MB,
) -> None:
    """Build one episode (chaptered MP3, chapters JSON, WebVTT transcript) from one or more articles, and publish it."""
    _run_build(_BuildRequest(sources, edition, output, voice, voices, lexicon, jobs, bitrate, cache, no_cache, base_url,
                             no_publish, as_json, quiet, scheduler, max_input_mb))


@app.command("script", short_help="Print what will be said, without synthesizing anything.")
def script(
    sources: Sources,
    edition: Edition = None,
    voice: Voice = None,
    voices: VoicesDir = None,
    lexicon: LexiconFiles = None,
    output: SettingsFolder = Path("output"),
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="text|json", help="Output format.")] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="Print the script as JSON (the same as --format json).")] = False,
    check: Annotated[bool, typer.Option("--check", help="List what could not be verbalized with confidence; exit 1 if anything is found.")] = False,
    max_input_mb: MaxInputMb = DEFAULT_MAX_INPUT_MB,
) -> None:
    """Print what will be said, chapter by chapter, without synthesizing anything."""
    if fmt not in ("text", "json"):
        raise typer.BadParameter("use text or json.", param_hint="--format")
    choices = _choices(output, voice, voices, lexicon)
    if check:
        from narrate.build import check_sources

        issues = check_sources(_script_options(sources, edition, choices, max_input_mb), stdin=_stdin())
        if as_json or fmt == "json":
            _print_json([{"kind": issue.kind, "chapter": issue.chapter_number or None,
                          "chapter_title": issue.chapter_title, "segment": issue.segment_index,
                          "excerpt": issue.excerpt, "context": issue.context or None, "message": issue.message}
                         for issue in issues])
        else:
            for issue in issues:
                typer.echo(str(issue))
        typer.echo(f"{_plural(len(issues), 'place')} to look at." if issues else "Nothing to fix: every segment reads cleanly.", err=True)
        raise typer.Exit(1 if issues else 0)
    result = _script(sources, edition, choices, max_input_mb=max_input_mb)
    if as_json or fmt == "json":
        _print_json(result.to_json())
        return
    from narrate.script.render import render_text

    typer.echo(render_text(result))


@app.command("voices", short_help="List the voice profiles and the engine's installed voices.")
def voices(
    voices_dir: VoicesDir = None,
    output: SettingsFolder = Path("output"),
    sample: Annotated[Optional[Path], typer.Option("--sample", metavar="DIR", help="Write one short MP3 sample per usable profile into this folder.", show_default=False)] = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
) -> None:
    """List the voice profiles (engine, language, usable here?) and the engine's installed voices."""
    from narrate.voice_listing import describe_voices, profile_statuses, voices_json

    folders = _choices(output, voices=voices_dir).voices
    if sample is None:
        if as_json:
            _print_json(voices_json(folders))
        else:
            typer.echo(describe_voices(folders))
        return
    from narrate.sample import SAMPLE_TEXT, write_sample

    written = []
    for status in profile_statuses(folders):
        if not status.usable:
            if not quiet and not as_json:
                typer.echo(f"skipped {status.profile.name}: {status.problem}", err=True)
            continue
        path = write_sample(SAMPLE_TEXT, status.profile.name, sample / f"{status.profile.name}.mp3", folders)
        written.append({"profile": status.profile.name, "mp3": str(path)})
        if not as_json:
            typer.echo(str(path))
    if as_json:
        _print_json(written)


@app.command("say", short_help="Speak a short text with a voice, to hear it before building.")
def say(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What to say (- reads standard input).", show_default=False)],
    voice: Voice = None,
    voices: VoicesDir = None,
    lexicon: LexiconFiles = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", "--out", metavar="FILE|DIR",
        help="Where the MP3 goes: a file name ending in .mp3, or a folder (say-VOICE.mp3 inside it; its narrate.toml "
             "[build] settings apply). Default: say-VOICE.mp3 here, with output/narrate.toml's settings.",
        show_default=False)] = None,
    play: Annotated[Optional[bool], typer.Option(
        "--play/--no-play", help="Play the sample (default: when an audio player is installed).",
        show_default=False)] = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
    max_input_mb: MaxInputMb = DEFAULT_MAX_INPUT_MB,
) -> None:
    """Speak a short text with a voice profile, through the full normalizing path, to hear it before building."""
    from narrate.config import default_lexicons
    from narrate.sample import play_file, sample_path, settings_folder_for, write_sample
    from narrate.script.lexicon import load_lexicon

    if text == "-":
        import io

        from narrate.article.decode import decode_text

        text = decode_text(_read_stdin(_stdin() or io.BytesIO(), max_input_mb), "-")
    chosen = _choices(settings_folder_for(output), voice, voices, lexicon)
    files = chosen.lexicons or default_lexicons()
    dest = write_sample(text, chosen.voice, sample_path(output, chosen.voice), chosen.voices,
                        load_lexicon(files) if files else None)
    if as_json:
        _print_json({"mp3": str(dest), "voice": chosen.voice})
    else:
        typer.echo(str(dest))
    if play is False or (play is None and as_json):
        return
    outcome = play_file(dest)
    if outcome.problem and (play or outcome.attempted) and not quiet:
        typer.echo(f"narrate: nothing could be played: {outcome.problem}", err=True)
    elif outcome.problem and not quiet:
        typer.echo(f"Not played: {outcome.problem}", err=True)
    if outcome.problem and (play or outcome.attempted):
        raise typer.Exit(1)


@app.command("demo", short_help="Build the bundled demo edition and publish it.")
def demo(
    output: Output = Path("output"),
    voice: Voice = None,
    voices: VoicesDir = None,
    lexicon: LexiconFiles = None,
    jobs: Jobs = None,
    bitrate: Bitrate = None,
    cache: CacheDir = None,
    no_cache: NoCache = False,
    base_url: BaseUrl = None,
    as_json: AsJson = False,
    quiet: Quiet = False,
    scheduler: Scheduler = None,
    max_input_mb: MaxInputMb = DEFAULT_MAX_INPUT_MB,
) -> None:
    """Build the bundled demo edition (three short articles of our own) into OUTPUT and publish it."""
    from narrate.demo import demo_articles

    _run_build(_BuildRequest([str(p) for p in demo_articles()], "The narrate demo edition", output, voice, voices,
                             lexicon, jobs, bitrate, cache, no_cache, base_url, False, as_json, quiet, scheduler,
                             max_input_mb))


def _size(n_bytes: float) -> str:
    """A byte count for people, in binary units (2 GiB, 310.5 MiB)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n_bytes) < 1024 or unit == "TiB":
            text = f"{n_bytes:.1f}".rstrip("0").rstrip(".") if unit != "B" else str(int(n_bytes))
            return f"{text} {unit}"
        n_bytes /= 1024
    raise AssertionError("unreachable")


def _cache(folder: Path | None):  # type: ignore[no-untyped-def]
    """The segment cache at `folder` (default: the user cache folder), not created by looking at it."""
    from narrate.cache.store import SegmentCache
    from narrate.errors import NarrateError

    root = folder or SegmentCache.default_dir()
    if root.exists() and not root.is_dir():
        raise NarrateError(f"The cache folder {root} is a file, not a folder.")
    return SegmentCache(root)


@cache_app.command("info", short_help="Show where the cache is, its size and the last build's hit rate.")
def cache_info(cache: CacheDir = None, as_json: AsJson = False) -> None:
    """Show the cache's location, entries, size and the last build's hit rate."""

    info = _cache(cache).info()
    if as_json:
        _print_json({"location": str(info.root), "exists": info.exists, "entries": info.entries,
                     "chunks": info.chunks, "size_bytes": info.size_bytes, "cap_bytes": info.cap_bytes,
                     "last_build": {"reused": info.last_build_hits, "synthesized": info.last_build_misses}})
        return
    lookups = info.last_build_hits + info.last_build_misses
    rate = f"{100 * info.last_build_hits / lookups:.0f}%" if lookups else "n/a"
    typer.echo(f"location:   {info.root}" + ("" if info.exists else " (not created yet)"))
    typer.echo(f"entries:    {info.entries}")
    typer.echo(f"chunks:     {info.chunks} encoded MP3 chunks")
    typer.echo(f"size:       {_size(info.size_bytes)} (cap {_size(info.cap_bytes)})")
    typer.echo(f"last build: {info.last_build_hits} reused, {info.last_build_misses} synthesized (hit rate {rate})")


@cache_app.command("clear", short_help="Delete every cached segment and encoded chunk.")
def cache_clear(cache: CacheDir = None) -> None:
    """Delete every cached segment, encoded chunk and remembered piece of script work."""
    from narrate.memo import clear_memo

    store = _cache(cache)
    store.clear()
    clear_memo(store.root)
    typer.echo(f"Cleared {store.root}")


_registered_elsewhere = False
"""Whether the commands of narrate.publish.commands and narrate.follow.commands are on `app` yet (_whole_app)."""


def _whole_app() -> typer.Typer:
    """`app` with every command on it: this module's, and the publish and follow commands, registered on first use."""
    global _registered_elsewhere
    if not _registered_elsewhere:
        from narrate.follow.commands import register as register_follow
        from narrate.publish.commands import register

        register(app)
        register_follow(app)
        _registered_elsewhere = True
    return app


def _app_for(args: list[str]) -> typer.Typer:
    """The app that runs `narrate ARGS`: for a command of this module's own (build, script, ...), an app that holds
    just that command and the program's options; otherwise the whole app (_whole_app).

    typer turns every command's signature into click options before it runs any (inspect, typing): for all of
    narrate's commands that took about 30 ms of every run, and the publish and follow command modules' imports
    15 ms more, on a 0.5 s edit rebuild. Help, usage errors and exit codes are the same as the whole app's (the
    command's usage line reads `narrate COMMAND`); `narrate`, `narrate --help`, completion and every other
    command get the whole app."""
    name = args[0] if args else ""
    if app.registered_callback is not None:
        for command in app.registered_commands:
            if command.callback is not None and command.name == name:
                one = typer.Typer(**APP_SETTINGS)  # type: ignore[arg-type]
                one.registered_callback = app.registered_callback
                one.registered_commands = [command]
                return one
    return _whole_app()


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


def _show_input_warnings() -> None:
    """Print InputWarning (something in the input was ignored) as one 'narrate: warning: ...' line and SettingsNote
    (something about the show's settings) as one 'narrate: note: ...' line, each once per command; others as
    Python does."""
    import warnings

    from narrate.errors import InputWarning, SettingsNote

    default = warnings.showwarning
    # A follow run publishes many times: each note is said once. Not with the "once" filter: its registry is per
    # module and is cleared whenever any code changes the warning filters (a library's import, catch_warnings).
    warnings.simplefilter("always", SettingsNote)
    said: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        if issubclass(category, InputWarning):
            typer.echo(f"narrate: warning: {message}", err=True)
        elif issubclass(category, SettingsNote):
            if str(message) not in said:
                said.add(str(message))
                typer.echo(f"narrate: note: {message}", err=True)
        else:
            default(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def main() -> None:
    """Entry point: run the app; user errors become one sentence on stderr and a non-zero exit."""
    from narrate.errors import NarrateError

    _show_input_warnings()
    interrupted = "narrate: interrupted; finished segments stay cached for the next run."
    try:
        # Not standalone: click's own multi-line usage errors would otherwise bypass the one-line rule.
        code = _app_for(sys.argv[1:])(prog_name="narrate", standalone_mode=False)
    except NarrateError as exc:
        typer.echo(f"narrate: {exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # a full disk, a folder removed under us...: one sentence, not a traceback
        # A rename that failed names the place the file was going to (not its temporary name) as the second one.
        where = f": {exc.filename2 or exc.filename}" if exc.filename else ""
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


def program() -> None:
    """The `narrate` program (the console script, and `python -m narrate`): main(), then the process ends at once.

    main() ends with SystemExit, for a Python caller to catch; the program itself ends without the interpreter's
    teardown (_leave)."""
    try:
        main()
    except SystemExit as done:
        _leave(done.code)


def _leave(code: object) -> None:
    """Exit with `code` without the interpreter's teardown where nothing needs it.

    The teardown clears every module (a build imports about 700) and collects what is left: 0.06 s and more on a
    rebuild, after the result is printed, with whoever reads the output waiting. The atexit handlers still run
    (multiprocessing's, weakref finalizers such as temporary folders', other libraries'), then the process ends at
    once. Where the code is not a number, another non-daemon thread still runs, a profiler or tracer is attached
    (cProfile and coverage write their results after the program returns), or the output cannot be flushed, the
    exit is the ordinary one."""
    import atexit
    import os
    import threading

    others = [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
    if (not isinstance(code, int) or others or threading.current_thread() is not threading.main_thread()
            or sys.getprofile() or sys.gettrace()):
        _stop_fork_server()
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        _stop_fork_server()
        sys.exit(code)
    atexit._run_exitfuncs()
    _stop_fork_server()
    os._exit(code)


def _stop_fork_server() -> None:
    """Kill the worker fork server, if one was started: one started for a build that needed none may still be busy
    with its imports, holding the program's output open (narrate.processes.stop; nothing is imported for it)."""
    processes = sys.modules.get("narrate.processes")
    if processes is not None:
        processes.stop()


if __name__ == "__main__":
    main()
