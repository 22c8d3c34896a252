"""Progress from the first second: reading, composing and normalizing report as they go, before synthesis starts;
-q and --json show nothing. Checked by the order of what is shown, never by seconds."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from cli_support import REPO
from narrate.build import ScriptOptions, make_script
from narrate.script.compose import PROGRESS_EVERY as BLOCKS_PER_UPDATE
from narrate.script.speech import PROGRESS_EVERY as SEGMENTS_PER_UPDATE

_PLACES = ("harbour", "market hall", "bridge", "school", "library", "ferry pier", "town hall", "orchard")
_ACTS = ("reopened", "closed for repairs", "asked for a new budget", "met the council", "counted its visitors")


def long_article(paragraphs: int) -> str:
    """A long article of our own words: `paragraphs` short paragraphs of two sentences each."""
    body = [f"The {_PLACES[n % len(_PLACES)]} {_ACTS[n % len(_ACTS)]} on day {n + 1}. "
            f"Dr. Okafor said that {n % 7 + 2} people had written to the board about it."
            for n in range(paragraphs)]
    return "# A long year in a small town\n\n" + "\n\n".join(body) + "\n"


def test_the_script_stage_reports_each_stage_as_it_goes(tmp_path: Path) -> None:
    source = tmp_path / "long.md"
    source.write_text(long_article(300), encoding="utf-8")
    events: list[tuple[str, int, int]] = []
    script = make_script(ScriptOptions((str(source),)), progress=lambda *event: events.append(event))
    stages = [stage for stage, _, _ in events]
    assert events[0] == ("read", 0, 1)
    assert stages.index("compose") > stages.index("read") and stages.index("normalize") > stages.index("compose")
    assert stages == sorted(stages, key=["read", "compose", "normalize"].index)  # each stage ends before the next
    compose = [(done, total) for stage, done, total in events if stage == "compose"]
    normalize = [(done, total) for stage, done, total in events if stage == "normalize"]
    assert compose[0] == (0, 300) and compose[-1] == (300, 300)
    assert len(compose) >= 300 // BLOCKS_PER_UPDATE  # reported as it goes, not only at the end
    segments = len(script.segments())
    assert normalize[-1] == (segments, segments) and len(normalize) >= segments // SEGMENTS_PER_UPDATE
    assert all(a[0] <= b[0] for a, b in zip(compose, compose[1:]))


def _run_in_terminal(args: list[str], cwd: Path, until: str, timeout_s: float = 240) -> tuple[str, str]:
    """Run `narrate ARGS` with stderr on a pseudo-terminal (so rich draws its bars as it goes) until `until` shows
    there or the command ends; return (what stderr showed, escape codes removed; stdout)."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "narrate", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave, start_new_session=True)
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the command ended and closed the terminal
                    break
                if not data:
                    break
                shown += data
                if until and until in _plain(shown):
                    break
            elif proc.poll() is not None:
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        stdout = proc.communicate()[0].decode("utf-8", "replace")
        os.close(master)
    return _plain(shown), stdout


def _plain(data: bytes) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", data.decode("utf-8", "replace")).replace("\r", "\n")


def test_a_huge_input_shows_progress_before_its_composition_ends(tmp_path: Path) -> None:
    (tmp_path / "long.md").write_text(long_article(1500), encoding="utf-8")
    shown, _ = _run_in_terminal(["build", "long.md", "-o", "out", "--cache", "cache", "--no-publish"], tmp_path,
                                until="synthesize")
    lines = [line.strip() for line in shown.splitlines() if line.strip()]
    first_read = next(i for i, line in enumerate(lines) if line.startswith("read"))
    partial = [i for i, line in enumerate(lines)
               if (m := re.match(r"compose\s.*?(\d+)/1500\b", line)) and int(m[1]) < 1500]
    complete = next(i for i, line in enumerate(lines) if re.match(r"compose\s.*\b1500/1500\b", line))
    assert partial and first_read < partial[0] < complete, shown[-3000:]  # bars while composing, not only after
    assert "normalize" in shown and "synthesize" in shown


def test_quiet_and_json_show_no_progress(tmp_path: Path) -> None:
    (tmp_path / "short.md").write_text("# Short notice\n\nThe ferry sails at one.\n", encoding="utf-8")
    for flag in ("-q", "--json"):
        shown, stdout = _run_in_terminal(["build", "short.md", "-o", f"out{flag}", "--cache", "cache", "--no-publish",
                                          flag], tmp_path, until="")
        assert ".mp3" in stdout
        assert not re.search(r"read|compose|normalize|synthesize|assemble", shown), shown
