"""ffmpeg: the bundled binary from imageio-ffmpeg, run with errors turned into one clear sentence."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence

from narrate.errors import NarrateError


@functools.cache
def ffmpeg_exe() -> str:
    """The path of the ffmpeg binary that ships in the imageio-ffmpeg wheel."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a broken install
        raise NarrateError("ffmpeg is missing: install the imageio-ffmpeg package.") from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:  # pragma: no cover - a broken install
        raise NarrateError(f"ffmpeg could not be found ({exc}); reinstall imageio-ffmpeg.") from exc


def run_ffmpeg(args: Sequence[str], input: bytes | None = None, what: str = "ffmpeg") -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with `args` (no leading 'ffmpeg'), returning its completed process; raise NarrateError on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-y", *([] if input is not None else ["-nostdin"]), *args]
    try:
        proc = subprocess.run(cmd, input=input, capture_output=True, check=False)
    except OSError as exc:
        raise NarrateError(f"{what} could not start ffmpeg: {exc}.") from exc
    if proc.returncode != 0:
        raise NarrateError(f"{what} failed in ffmpeg (exit {proc.returncode}): {_last_line(proc.stderr)}.")
    return proc


def _last_line(stderr: bytes) -> str:
    """The last meaningful line of ffmpeg's stderr, which usually names the problem."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1].rstrip(".") if lines else "no message"
