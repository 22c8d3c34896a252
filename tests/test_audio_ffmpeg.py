"""The ffmpeg helper: the bundled binary runs, and a failure becomes one clear NarrateError sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.audio.ffmpeg import ffmpeg_exe, run_ffmpeg
from narrate.errors import NarrateError


def test_bundled_ffmpeg_has_what_we_use() -> None:
    assert Path(ffmpeg_exe()).exists()
    out = run_ffmpeg(["-encoders"]).stdout.decode()
    assert "libmp3lame" in out


def test_failure_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(NarrateError) as caught:
        run_ffmpeg(["-i", str(tmp_path / "missing.wav"), "-f", "null", "-"], what="Reading the test file")
    message = str(caught.value)
    assert message.startswith("Reading the test file failed in ffmpeg") and "\n" not in message
