"""An interrupted build (kill -9 of the whole build) resumes from the segment cache on the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cli_support import REPO, build_json, ffmpeg


def _article() -> str:
    lines = ["# Ferry log for the spring season", "", "**Tove Lindqvist****2 April 2026**", ""]
    for day in range(1, 41):
        lines.append(f"On day {day} of the season the ferry crossed the bay {day + 4} times and carried "
                     f"{day * 37} passengers, {day % 7 + 2} bicycles and one very patient dog.")
        lines.append("")
    return "\n".join(lines)


def test_a_killed_build_resumes_from_the_cache_and_leaves_no_episode_behind(tmp_path):
    (tmp_path / "log.md").write_text(_article(), "utf-8")
    cache = tmp_path / "cache"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    build = subprocess.Popen(
        [sys.executable, "-m", "narrate", "build", "log.md", "--cache", str(cache), "--jobs", "1", "-q"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(cache.glob("segments/*/*.seg"))) < 6:
        assert build.poll() is None, "the build finished before it could be interrupted"
        time.sleep(0.05)
    os.killpg(build.pid, signal.SIGKILL)
    build.wait(timeout=30)
    cached = len(list(cache.glob("segments/*/*.seg")))
    assert cached >= 6
    assert not list((tmp_path / "output").glob("*.mp3")), "a killed build must not leave an episode"
    leftovers = list((tmp_path / "output").glob(".episode-*.mp3.part"))
    assert len(leftovers) == 1  # the killed encode's temporary file, hidden and never served
    hour_ago = time.time() - 2 * 3600
    os.utime(leftovers[0], (hour_ago, hour_ago))  # as if killed long ago
    live = tmp_path / "output" / ".episode-live.mp3.part"  # as if another build were writing it right now
    live.write_bytes(b"\xff\xfb")

    resumed = build_json(["log.md", "--cache", str(cache)], tmp_path)
    assert resumed["segments"]["reused"] >= cached  # every entry on disk is whole: renamed into place
    assert resumed["segments"]["synthesized"] + resumed["segments"]["reused"] == resumed["segments"]["total"]
    assert Path(tmp_path, resumed["mp3"]).is_file()
    assert not [p for p in (tmp_path / "output").iterdir() if p.name.endswith(".part") and not p.name.startswith(".")]
    assert not leftovers[0].exists(), "a temporary file of a build killed long ago is swept"
    assert live.exists(), "a temporary file being written is left alone"


def test_a_build_killed_while_encoding_chunks_reuses_every_finished_chunk(tmp_path):
    (tmp_path / "log.md").write_text(_article(), "utf-8")
    cache = tmp_path / "cache"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    build = subprocess.Popen(
        [sys.executable, "-m", "narrate", "build", "log.md", "--cache", str(cache), "--jobs", "1", "-q", "--no-publish"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(cache.glob("chunks/*/*.chunk"))) < 2:
        assert build.poll() is None, "the build finished before it could be interrupted"
        time.sleep(0.02)
    os.killpg(build.pid, signal.SIGKILL)
    build.wait(timeout=30)
    finished = {p.stem for p in cache.glob("chunks/*/*.chunk")}
    assert len(finished) >= 2
    assert not list((tmp_path / "output").glob("*.mp3")), "a killed build must not leave an episode"

    resumed = build_json(["log.md", "--cache", str(cache), "--no-publish"], tmp_path)
    chunks = resumed["chunks"]
    assert chunks["total"] > len(finished)
    assert chunks["reused"] == len(finished) and chunks["encoded"] == chunks["total"] - len(finished)
    assert {p.stem for p in cache.glob("chunks/*/*.chunk")} >= finished
    errors = subprocess.run([ffmpeg(), "-v", "error", "-i", str(tmp_path / resumed["mp3"]), "-f", "null", "-"],
                            capture_output=True)
    assert errors.returncode == 0 and errors.stderr == b""
