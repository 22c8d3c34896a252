"""Helpers for the publish tests: short real MP3s, episode files, a free port and a running `narrate serve`."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrate.publish.record import EpisodeRecord
from narrate.slug import episode_stem

REPO = Path(__file__).resolve().parents[1]


def make_mp3(path: Path, seconds: float = 6.0, frequency: int = 440) -> bytes:
    """Encode a sine tone to a real MP3 file with imageio-ffmpeg's ffmpeg; return its bytes."""
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=44100:duration={seconds}",
         "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k", str(path)],
        check=True,
    )
    return path.read_bytes()


def _vtt_time(s: float) -> str:
    ms = int(round(s * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def make_episode(output_dir: Path, title: str, identity: str | None = None, frequency: int = 440,
                 seconds: float = 6.0, chapter_titles: tuple[str, ...] = ("Opening", "Middle part", "Closing"),
                 **fields) -> EpisodeRecord:  # type: ignore[no-untyped-def]
    """Write STEM.mp3, STEM.chapters.json and STEM.vtt like a build does; return the record to publish."""
    output_dir.mkdir(parents=True, exist_ok=True)
    tmp = output_dir / f".tmp-{os.getpid()}-{frequency}.mp3"
    data = make_mp3(tmp, seconds, frequency)
    stem = episode_stem(title, hashlib.sha256(data).hexdigest())
    os.replace(tmp, output_dir / f"{stem}.mp3")
    span = seconds / len(chapter_titles)
    chapters = tuple((t, 0, round(i * span, 3), round((i + 1) * span, 3)) for i, t in enumerate(chapter_titles))
    (output_dir / f"{stem}.chapters.json").write_text(json.dumps({
        "version": "1.2.0", "title": title,
        "chapters": [{"startTime": s, "endTime": e, "title": t} for t, _l, s, e in chapters],
    }), encoding="utf-8")
    cues = ["WEBVTT", ""]
    for n, (t, _l, s, e) in enumerate(chapters, start=1):
        cues += [str(n), f"{_vtt_time(s)} --> {_vtt_time(e)}", f"Spoken words of the part called {t} &amp; more.", ""]
    (output_dir / f"{stem}.vtt").write_text("\n".join(cues), encoding="utf-8")
    return EpisodeRecord(
        identity=identity or f"title:{title}", title=title, mp3=f"{stem}.mp3", mp3_bytes=len(data),
        duration_s=seconds, chapters_json=f"{stem}.chapters.json", vtt=f"{stem}.vtt", chapters=chapters,
        **fields,
    )


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVE_LAUNCHER = (
    "import sys, typer; from narrate.errors import NarrateError; from narrate.publish.commands import register\n"
    "app = typer.Typer(); register(app)\n"
    "@app.callback()\n"
    "def _root() -> None: pass\n"
    "try:\n    app()\nexcept NarrateError as exc:\n    print(exc, file=sys.stderr); sys.exit(1)\n"
)
"""Runs the publish commands exactly as `narrate` registers them (the CLI module is the lead's)."""


def run_command(*args: str) -> subprocess.CompletedProcess[str]:
    """Run one publish command (feed, episodes, remove...) in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", SERVE_LAUNCHER, *args], capture_output=True, text=True,
                          env=env, timeout=120)


@contextlib.contextmanager
def running_server(output_dir: Path, *extra: str, host: str = "127.0.0.1", max_files: int | None = None,
                   code: str = SERVE_LAUNCHER) -> Iterator[str]:
    """Start `serve -o OUTPUT --port FREE` in a subprocess (with at most `max_files` descriptors, when given);
    yield its base URL; stop it afterwards. `code` may run the server another way with the same arguments."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def limit() -> None:
        if max_files is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (max_files, max_files))

    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "-o", str(output_dir),
                             "--host", host, "--port", str(port), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limit)
    url = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited early: {proc.stderr.read()}")
            try:
                urllib.request.urlopen(url + "/index.html", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_make_episode_writes_a_real_mp3(tmp_path: Path) -> None:
    record = make_episode(tmp_path, "Support check")
    data = (tmp_path / record.mp3).read_bytes()
    assert len(data) == record.mp3_bytes > 10_000
    assert data[:3] == b"ID3" or data[0] == 0xFF
    assert record.mp3.startswith("support-check-") and len(record.chapters) == 3


@pytest.fixture
def published(tmp_path: Path):  # type: ignore[no-untyped-def]
    """An output folder with two published episodes."""
    from narrate.publish import publish_episode

    out = tmp_path / "out"
    first = make_episode(out, "First story", frequency=440)
    second = make_episode(out, "Second story", frequency=660)
    publish_episode(out, first)
    publish_episode(out, second)
    return out
