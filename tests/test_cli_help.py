"""`narrate --help` answers at once: the CLI module imports no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from cli_support import REPO, ok, run_narrate

HEAVY = ("numpy", "scipy", "pyttsx3", "aiohttp", "lxml", "mutagen", "pydub", "trafilatura", "pebble", "PIL")


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = "import sys, json, narrate.cli; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    loaded = {name.split(".")[0] for name in json.loads(proc.stdout)}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_help_lists_the_commands_and_is_quick(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = ok(run_narrate(["--help"], tmp_path))
    elapsed = time.monotonic() - started
    for command in ("build", "script", "voices", "say"):
        assert command in proc.stdout
    assert elapsed < 3.0, elapsed  # loose: the real guard is the import test above


def test_options_belong_to_the_subcommand(tmp_path: Path) -> None:
    proc = ok(run_narrate(["build", "--help"], tmp_path))
    for option in ("--quiet", "--json", "--edition", "--output", "--voice", "--bitrate", "--cache"):
        assert option in proc.stdout
