"""check_segment_audio: empty, silent, too short and too long audio are refused; plausible speech passes."""

import math
import struct

import pytest

from narrate.audio.pcm import Pcm
from narrate.engines.base import EngineError
from narrate.engines.verify import check_segment_audio, plausible_seconds


def tone(seconds: float, rate: int = 22050) -> Pcm:
    frames = int(seconds * rate)
    data = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * i / rate))) for i in range(frames))
    return Pcm(data=data, sample_rate=rate)


TEXT = "The harbour opened again after three weeks of repairs."  # 9 words: about 3.1 s at 175 wpm


def test_plausible_speech_passes():
    check_segment_audio(tone(3.0), TEXT, 175)


def test_a_one_word_sentence_may_be_short():
    check_segment_audio(tone(0.4), "Yes.", 175)


@pytest.mark.parametrize("pcm", [Pcm(b"", 22050), Pcm(b"\x00", 22050)])
def test_no_audio_is_refused(pcm):
    with pytest.raises(EngineError, match="no audio"):
        check_segment_audio(pcm, TEXT)


def test_silence_is_refused():
    with pytest.raises(EngineError, match="silence"):
        check_segment_audio(Pcm(b"\x00" * 22050 * 2 * 3, 22050), TEXT)


def test_too_short_for_the_words_is_refused():
    with pytest.raises(EngineError, match="too short"):
        check_segment_audio(tone(0.3), TEXT, 175)


def test_too_long_for_the_words_is_refused():
    with pytest.raises(EngineError, match="too long"):
        check_segment_audio(tone(20.0), TEXT, 175)


def test_slower_rate_allows_longer_audio():
    assert plausible_seconds(TEXT, 100)[1] > plausible_seconds(TEXT, 300)[1]


def test_numbers_count_as_several_words():
    assert plausible_seconds("1,234,567 people", 175)[1] > plausible_seconds("many people", 175)[1]
