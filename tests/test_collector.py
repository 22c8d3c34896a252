"""The cyclic garbage collector is paused while a build process starts, and resumed once its synthesis is under way."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import FIXTURES, REPO

from narrate import collector


@pytest.fixture
def restored_collector():
    """Leave this test process's collector as it was (on, nothing frozen)."""
    was_enabled = gc.isenabled()
    yield
    collector._paused = False
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_pause_then_resume_hides_what_was_made_from_later_collections(restored_collector) -> None:
    gc.enable()
    collector.pause()
    assert not gc.isenabled()
    kept = [[index] for index in range(1000)]  # made while paused, lives on
    collector.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)
    collector.resume()  # a second resume changes nothing
    assert gc.isenabled()


def test_resume_leaves_a_collector_it_did_not_pause_alone(restored_collector) -> None:
    gc.disable()  # an application that runs without the collector
    collector.pause()
    collector.resume()
    assert not gc.isenabled() and gc.get_freeze_count() == 0
    gc.enable()
    collector.resume()  # never paused: nothing is frozen
    assert gc.isenabled() and gc.get_freeze_count() == 0


BUILD_WATCHING_THE_COLLECTOR = r'''
import atexit, gc, runpy, sys
import narrate.build
import narrate.collector

seen = {"before": 0, "after": 0}
paused, resumed = [], []
original_pause, original_resume = narrate.collector.pause, narrate.build.resume_collector
def pause():
    paused.append(True)
    original_pause()
def resume():
    resumed.append(gc.isenabled())
    original_resume()
narrate.collector.pause = pause
narrate.build.resume_collector = resume
# Counted from the pause on: whether a collection runs while the program imports the module that pauses it depends on
# how many objects Python happened to allocate before (compiling a module from source, say), not on narrate.
gc.callbacks.append(lambda phase, info: phase == "start" and paused and seen.__setitem__(
    "after" if resumed else "before", seen["after" if resumed else "before"] + 1))
atexit.register(lambda: print("COLLECTOR", resumed, gc.isenabled(), gc.get_freeze_count() > 0, seen["before"], file=sys.stderr))
sys.argv = ["narrate", "build", "canal.md", "--cache", "cache", "-q"]
runpy.run_module("narrate", run_name="__main__", alter_sys=True)
'''


def test_a_build_runs_without_collections_until_its_synthesis_is_under_way(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "canal.md", tmp_path / "canal.md")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", BUILD_WATCHING_THE_COLLECTOR], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # Resumed once, from paused; on at the end, with the start-up's objects frozen; no collection before that.
    assert "COLLECTOR [False] True True 0" in done.stderr, done.stderr
