"""The commands agree with each other: one vocabulary of options, help written for people, small things right."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from cli_support import FIXTURES, ok, run_narrate

COMMANDS = ("build", "script", "voices", "say", "demo", "feed", "serve", "episodes", "remove", "cache")


def test_version_and_short_help_option(tmp_path: Path) -> None:
    from narrate import __version__

    assert ok(run_narrate(["--version"], tmp_path)).stdout.strip() == f"narrate {__version__}"
    top = ok(run_narrate(["-h"], tmp_path)).stdout
    assert "--install-completion" in top  # typer's shell completion
    for command in COMMANDS:
        assert "Usage: narrate" in ok(run_narrate([command, "-h"], tmp_path)).stdout, command


def test_help_is_written_for_people(tmp_path: Path) -> None:
    top = ok(run_narrate(["--help"], tmp_path)).stdout
    summaries = [line for line in top.splitlines() if re.match(r"^  [a-z]+\s{2,}\S", line)]
    assert {line.split()[0] for line in summaries} >= set(COMMANDS)
    for line in summaries:
        assert not line.rstrip().endswith("..."), f"summary cut mid-phrase: {line}"
    for command in COMMANDS:
        text = ok(run_narrate([command, "--help"], tmp_path)).stdout
        assert not re.search(r"<(?:list|int|str|path|bool|float)\b", text, re.I), (command, text)
        assert "{" not in text.split("\n", 1)[0], (command, text.split("\n", 1)[0])
    usage = ok(run_narrate(["build", "--help"], tmp_path)).stdout.splitlines()[0]
    assert usage == "Usage: narrate build [OPTIONS] ARTICLE..."


@pytest.mark.parametrize("command", ["build", "script", "voices", "say", "demo", "episodes"])
def test_json_where_a_command_prints_data(tmp_path: Path, command: str) -> None:
    assert "--json" in ok(run_narrate([command, "--help"], tmp_path)).stdout


@pytest.mark.parametrize("command", ["build", "demo", "voices", "say"])
def test_quiet_where_a_command_shows_progress_or_notes(tmp_path: Path, command: str) -> None:
    assert "--quiet" in ok(run_narrate([command, "--help"], tmp_path)).stdout


def test_demo_takes_the_options_build_takes(tmp_path: Path) -> None:
    build_help = ok(run_narrate(["build", "--help"], tmp_path)).stdout
    demo_help = ok(run_narrate(["demo", "--help"], tmp_path)).stdout
    build_options = set(re.findall(r"(--[a-z][a-z-]+)", build_help)) - {"--edition", "--no-publish"}
    assert build_options <= set(re.findall(r"(--[a-z][a-z-]+)", demo_help))


def test_script_json_flag_is_the_json_format(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes((FIXTURES / "canal.md").read_bytes())
    assert (json.loads(ok(run_narrate(["script", "a.md", "--json"], tmp_path)).stdout)
            == json.loads(ok(run_narrate(["script", "a.md", "-f", "json"], tmp_path)).stdout))


def test_negative_jobs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes((FIXTURES / "canal.md").read_bytes())
    proc = run_narrate(["build", "a.md", "-j", "-1"], tmp_path)
    assert proc.returncode == 2 and "--jobs" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "output").exists()


def test_an_output_path_that_is_a_file_is_called_a_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes((FIXTURES / "canal.md").read_bytes())
    (tmp_path / "pub").write_text("not a folder")
    proc = run_narrate(["build", "a.md", "-o", "pub", "--cache", "cache"], tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "narrate: The output folder pub is a file, not a folder."


def test_an_existing_folder_that_cannot_be_written_is_called_not_writable(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A read-only file system (or a folder root may not write) makes mkdir fail: the folder exists, so say so."""
    from narrate import build
    from narrate.errors import NarrateError

    out = tmp_path / "pub"
    out.mkdir()

    def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(NarrateError, match=r"^The output folder .*pub is not writable \(Read-only file system\)\.$"):
        build._prepare_output_dir(out)


def test_an_engine_that_is_not_installed_leaves_the_output_folder_untouched(tmp_path: Path) -> None:
    voices = tmp_path / "my-voices"
    voices.mkdir()
    (voices / "ghost.toml").write_text('name = "ghost"\nengine = "no_such_engine_module:Engine"\n')
    (tmp_path / "a.md").write_bytes((FIXTURES / "canal.md").read_bytes())
    proc = run_narrate(["build", "a.md", "--voices", "my-voices", "--voice", "ghost", "--cache", "cache"], tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "output").exists()


def test_cache_info_does_not_create_the_folder_and_speaks_binary_units(tmp_path: Path) -> None:
    proc = ok(run_narrate(["cache", "info", "--cache", "new-cache"], tmp_path))
    assert not (tmp_path / "new-cache").exists()
    assert "not created yet" in proc.stdout
    assert "(cap 2 GiB)" in proc.stdout
    info = json.loads(ok(run_narrate(["cache", "info", "--cache", "new-cache", "--json"], tmp_path)).stdout)
    assert info["exists"] is False and info["cap_bytes"] == 2 * 1024**3
    ok(run_narrate(["cache", "clear", "--cache", "new-cache"], tmp_path))
    assert not (tmp_path / "new-cache").exists()


def test_one_segment_is_singular(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Short news\n\nThe ferry sails at noon.\n")
    ok(run_narrate(["build", "a.txt", "--cache", "cache", "--no-publish", "-q"], tmp_path))
    (tmp_path / "a.txt").write_text("Short news\n\nThe ferry sails at one.\n")
    proc = ok(run_narrate(["build", "a.txt", "--cache", "cache", "--no-publish"], tmp_path))
    assert re.search(r"; 1 segment synthesized, 1 reused$", proc.stderr.strip().splitlines()[-1]), proc.stderr


def test_progress_bars_are_listed_in_stage_order_whichever_reports_first() -> None:
    from narrate.progress import ProgressReporter

    with ProgressReporter(enabled=True) as reporter:
        reporter.update("assemble", 3, 10)  # a partial rebuild: cached segments are assembled first
        reporter.update("synthesize", 1, 2)
        reporter.update("assemble", 4, 10)
        assert reporter.shown_stages == ("synthesize", "assemble")
        assert reporter.completed("assemble") == 4 and reporter.completed("synthesize") == 1


# -- say


def test_say_output_names_the_file(tmp_path: Path) -> None:
    proc = ok(run_narrate(["say", "Hello there.", "-o", "hello.mp3", "--no-play"], tmp_path))
    assert proc.stdout.strip() == "hello.mp3"
    assert (tmp_path / "hello.mp3").stat().st_size > 1000
    assert not (tmp_path / "say-default.mp3").exists()


def test_say_output_naming_a_folder_writes_into_it(tmp_path: Path) -> None:
    (tmp_path / "samples").mkdir()
    proc = ok(run_narrate(["say", "Hello there.", "--out", "samples", "--no-play"], tmp_path))
    assert proc.stdout.strip() == str(Path("samples") / "say-default.mp3")
    assert (tmp_path / "samples" / "say-default.mp3").is_file()
    assert not list(tmp_path.rglob("*.part"))


def test_say_output_with_another_extension_is_one_sentence(tmp_path: Path) -> None:
    proc = run_narrate(["say", "Hello there.", "-o", "hello.wav", "--no-play"], tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "narrate: hello.wav: say writes an MP3; name a file ending in .mp3, or a folder."


def _fake_player(folder: Path, body: str) -> dict[str, str]:
    """A stand-in `mpg123` first on PATH (the real players need a sound card this machine does not have)."""
    folder.mkdir()
    player = folder / "mpg123"
    player.write_text("#!/bin/sh\n" + body)
    player.chmod(player.stat().st_mode | stat.S_IEXEC)
    return {"PATH": str(folder)}  # nothing else: a real player installed on the machine must not be found first


def test_say_keeps_a_failing_player_quiet_and_says_so_in_one_line(tmp_path: Path) -> None:
    alsa = "".join(f"echo 'ALSA lib pcm.c:{n}: cannot find card 0' >&2\n" for n in range(8))
    env = _fake_player(tmp_path / "bin", alsa + "echo 'mpg123: cannot open audio device' >&2\nexit 1\n")
    proc = run_narrate(["say", "Hello there.", "-o", "hello.mp3"], tmp_path, extra_env=env)
    assert proc.returncode == 1
    assert "ALSA" not in proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "narrate: nothing could be played: mpg123 found no way to play audio here: mpg123: cannot open audio device"]
    assert proc.stdout.strip() == "hello.mp3" and (tmp_path / "hello.mp3").is_file()


def test_say_plays_through_a_working_player(tmp_path: Path) -> None:
    env = _fake_player(tmp_path / "bin", 'test -s "$2" && echo played > played.txt\n')
    proc = ok(run_narrate(["say", "Hello there.", "-o", "hello.mp3"], tmp_path, extra_env=env))
    assert (tmp_path / "played.txt").read_text().strip() == "played"
    assert proc.stderr.strip() == ""


def test_demo_builds_with_build_options(tmp_path: Path) -> None:
    """The README's first command, with the options a user would pass to build."""
    summary = json.loads(ok(run_narrate(["demo", "-o", "pub", "--cache", "cache", "--base-url",
                                         "https://pods.example.org/demo", "--json", "-q"], tmp_path)).stdout)
    mp3 = Path(summary["mp3"]) if Path(summary["mp3"]).is_absolute() else tmp_path / summary["mp3"]
    assert mp3.is_file() and mp3.parent == tmp_path / "pub"
    feed = (tmp_path / "pub" / "feed.xml").read_text("utf-8")
    assert f'url="https://pods.example.org/demo/{mp3.name}"' in feed
    assert (tmp_path / "cache" / "segments").is_dir()


@pytest.mark.parametrize("args", [["feed"], ["episodes"], ["remove", "x"], ["serve", "-p", "0"], ["follow", "feed.xml"],
                                  ["build", "a.md", "--cache", "cache"]])
def test_every_command_calls_an_output_file_a_file(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "a.md").write_bytes((FIXTURES / "canal.md").read_bytes())
    (tmp_path / "pub").write_text("not a folder")
    proc = run_narrate([*args, "-o", "pub"], tmp_path, timeout=60)
    assert proc.returncode != 0
    assert proc.stderr.strip() == "narrate: The output folder pub is a file, not a folder.", proc.stderr


def test_cache_commands_call_a_cache_file_a_file(tmp_path: Path) -> None:
    (tmp_path / "c").write_text("not a folder")
    proc = run_narrate(["cache", "info", "--cache", "c"], tmp_path)
    assert proc.returncode == 1 and proc.stderr.strip() == "narrate: The cache folder c is a file, not a folder."
