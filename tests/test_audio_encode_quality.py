"""The MP3 encoder process: LAME's quality setting reaches it, the encode is deterministic, failures are one sentence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrate.audio.encode import AudioSettings, Mp3Encoder
from narrate.errors import NarrateError


def _encode(tmp_path: Path, name: str, settings: AudioSettings) -> bytes:
    rng = np.random.default_rng(7)
    t = np.arange(22050 * 2) / 22050
    samples = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
               + 0.02 * rng.standard_normal(t.size)).astype("<f4")
    path = tmp_path / name
    encoder = Mp3Encoder(path, settings).begin(22050)
    encoder.write(samples.tobytes())
    encoder.finish()
    return path.read_bytes()


def test_quality_setting_changes_the_encode_and_is_deterministic(tmp_path: Path) -> None:
    default = _encode(tmp_path, "a.mp3", AudioSettings())
    again = _encode(tmp_path, "b.mp3", AudioSettings())
    careful = _encode(tmp_path, "c.mp3", AudioSettings(mp3_quality=2))
    assert AudioSettings().mp3_quality == 7
    assert default == again
    assert careful != default
    assert abs(len(careful) - len(default)) < 1000  # same CBR bitrate and length either way


def test_an_encoder_that_cannot_write_fails_with_one_sentence(tmp_path: Path) -> None:
    encoder = Mp3Encoder(tmp_path / "missing-folder" / "x.mp3", AudioSettings()).begin(22050)
    encoder.write(np.zeros(22050, dtype="<f4").tobytes())
    with pytest.raises(NarrateError) as failure:
        encoder.finish()
    message = str(failure.value)
    assert message.startswith("Encoding the MP3 failed: ") and "missing-folder" in message
    assert "\n" not in message and "Traceback" not in message
