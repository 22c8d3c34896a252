"""Encoding: LAME's quality setting reaches the encode, the encode is deterministic, a failure to write is one sentence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrate.audio.assemble import assemble_episode
from narrate.audio.chunk import ChunkSpec, Mp3Format, encode_chunk
from narrate.audio.encode import AudioSettings
from narrate.audio.leveler import LevelTarget
from narrate.audio.pcm import Pcm
from narrate.audio.tags import EpisodeTags
from narrate.errors import NarrateError
from narrate.script.model import Chapter, Script, Segment


def _encode(quality: int) -> bytes:
    rng = np.random.default_rng(7)
    t = np.arange(22050 * 2) / 22050
    samples = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
               + 0.02 * rng.standard_normal(t.size))
    pcm16 = np.rint(samples * 32767).astype("<i2").tobytes()
    spec = ChunkSpec(("k",), LevelTarget(-19.0, -2.0, 40.0), 0, (), 0, True, 22050, Mp3Format(44100, 64, quality, 0.79))
    return encode_chunk(spec, [pcm16], [0.0]).frames


def test_quality_setting_changes_the_encode_and_is_deterministic() -> None:
    default, again, careful = _encode(AudioSettings().mp3_quality), _encode(7), _encode(2)
    assert AudioSettings().mp3_quality == 7
    assert default == again
    assert careful != default
    assert abs(len(careful) - len(default)) < 1000  # same CBR bitrate and length either way


def test_an_mp3_that_cannot_be_written_fails_with_one_sentence(tmp_path: Path) -> None:
    script = Script("T", (Chapter("C", (Segment("Some words."),)),))
    pcm = Pcm(np.zeros(22050, dtype="<i2").tobytes(), 22050)
    with pytest.raises(NarrateError) as failure:
        assemble_episode(script, [pcm], tmp_path / "missing-folder" / "x.mp3", AudioSettings(), EpisodeTags("T"))
    message = str(failure.value)
    assert message.startswith("Writing the MP3 ") and "missing-folder" in message
    assert "\n" not in message and "Traceback" not in message
