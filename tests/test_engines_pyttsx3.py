"""The pyttsx3 engine with the real eSpeak NG from the espeakng-loader wheel (always run in worker processes)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from narrate.engines.base import EngineError, VoiceSettings
from narrate.engines.pool import SynthJob, synthesize_segments
from narrate.voices import get_profile

REPO = Path(__file__).resolve().parents[1]
SENTENCE = "The ferry leaves the north pier at seven every morning."  # 10 words


def speak(*settings: VoiceSettings, text: str = SENTENCE, workers: int = 1):
    jobs = [SynthJob(i, text, "pyttsx3", s) for i, s in enumerate(settings)]
    return list(synthesize_segments(jobs, workers=workers, timeout_s=30))


def median_pitch(pcm) -> float:
    """Median fundamental frequency (Hz) of the voiced 40 ms frames, by autocorrelation (60-400 Hz)."""
    x = np.frombuffer(pcm.data, dtype="<i2").astype(np.float64)
    rate, width = pcm.sample_rate, int(0.04 * pcm.sample_rate)
    pitches = []
    for start in range(0, x.size - width, width // 2):
        frame = x[start : start + width] - x[start : start + width].mean()
        if np.sqrt(np.mean(frame**2)) < 1000:
            continue
        correlation = np.correlate(frame, frame, "full")[width - 1 :]
        lag = rate // 400 + int(np.argmax(correlation[rate // 400 : rate // 60]))
        if correlation[lag] > 0.3 * correlation[0]:
            pitches.append(rate / lag)
    return float(np.median(pitches))


def test_short_sentence_is_22050_hz_mono_16_bit_of_plausible_length():
    (pcm,) = speak(VoiceSettings(voice="gmw/en-us", rate_wpm=175))
    assert (pcm.sample_rate, pcm.sample_width, pcm.channels) == (22050, 2, 1)
    expected = 10 / 175 * 60
    assert 0.6 * expected < pcm.duration < 1.8 * expected


def test_faster_rate_gives_shorter_audio():
    slow, fast = speak(VoiceSettings(voice="gmw/en-us", rate_wpm=120), VoiceSettings(voice="gmw/en-us", rate_wpm=300))
    assert fast.duration < 0.7 * slow.duration


def test_rate_still_applies_after_a_voice_change():
    a, b, c = speak(
        VoiceSettings(voice="gmw/en+f3", rate_wpm=120),
        VoiceSettings(voice="gmw/en-us", rate_wpm=120),
        VoiceSettings(voice="gmw/en-us", rate_wpm=300),
    )
    assert c.duration < 0.7 * b.duration


def test_quote_voice_sounds_different_from_the_narrator():
    narrator = get_profile("default").settings_for("narrator")[1]
    quote = get_profile("quote").settings_for("narrator")[1]
    a, b = speak(narrator, quote)
    assert median_pitch(b) > 1.5 * median_pitch(a)  # the quote voice is a higher (female) variant


def test_unknown_engine_voice_names_the_segment():
    with pytest.raises(EngineError, match=r"Segment 1 .*no voice 'xx-nowhere'"):
        list(synthesize_segments([SynthJob(0, SENTENCE, "pyttsx3", VoiceSettings(voice="xx-nowhere"))], 1, 30, retries=0))


def test_audio_saved_message_never_reaches_stdout(capfd):
    speak(VoiceSettings())
    assert "Audio saved" not in capfd.readouterr().out


ENGINE_PROBE = """
import sys
from narrate.engines.pyttsx3_engine import Pyttsx3Engine
from narrate.engines.espeak_library import loaded_espeak_library, wheel_espeak_paths
from narrate.engines.base import VoiceSettings
engine = Pyttsx3Engine()
from pyttsx3.drivers import _espeak
pcm = engine.synthesize("Testing the library.", VoiceSettings())
print(loaded_espeak_library(), file=sys.stderr)
print(wheel_espeak_paths()[0], file=sys.stderr)
print(engine.version, file=sys.stderr)
print(_espeak.Info(None).decode().split()[0], file=sys.stderr)
print(pcm.duration > 0.3, file=sys.stderr)
"""


def test_the_wheels_espeak_library_is_the_one_loaded():
    result = subprocess.run([sys.executable, "-c", ENGINE_PROBE], cwd=REPO, capture_output=True, text=True,
                            timeout=60, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    loaded, wheel, version, runtime_version, spoke = result.stderr.strip().splitlines()[-5:]
    assert Path(loaded) == Path(wheel)
    assert "espeakng_loader" in loaded
    assert version.endswith(f"/espeak-ng-{runtime_version}")
    assert spoke == "True"
    assert "Audio saved" not in result.stdout


def test_phoneme_input_is_spoken_as_the_word_not_the_brackets():
    phonemes, word, literal = (pcm.duration for pcm in synthesize_segments(
        [SynthJob(i, t, "pyttsx3", VoiceSettings(voice="gmw/en-us", rate_wpm=175))
         for i, t in enumerate(["[[h@l'oU]]", "hello", "h at l apostrophe o u"])], workers=2, timeout_s=30))
    assert 0.3 < phonemes < 0.8
    assert abs(phonemes - word) < 0.25 * word
    assert literal > 1.8 * phonemes


def test_wheel_espeak_refuses_a_process_running_piper():
    pytest.importorskip("piper")
    script = (
        "from piper import espeakbridge\n"
        "from narrate.engines.base import EngineError\n"
        "from narrate.engines.espeak_library import ensure_wheel_espeak\n"
        "try:\n"
        "    ensure_wheel_espeak()\n"
        "except EngineError as error:\n"
        "    print('REFUSED', error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "REFUSED" in result.stdout and "separate worker process" in result.stdout


MODE_PROBE = """
import hashlib, os, sys
from narrate.engines.espeak_library import ensure_wheel_espeak
from narrate.engines.base import VoiceSettings
ensure_wheel_espeak()
if sys.argv[1] == "pyttsx3-starts-espeak":
    import pyttsx3
    pyttsx3.init()  # the driver starts eSpeak itself, asynchronously (with eSpeak's own thread)
from narrate.engines import pyttsx3_engine
from narrate.engines.pyttsx3_engine import Pyttsx3Engine
threads_before = len(os.listdir("/proc/self/task"))
engine = Pyttsx3Engine()
spoken = [engine.synthesize(text, settings) for text, settings in (
    ("Seven ferries left the harbour at dawn, one after another.", VoiceSettings(rate_wpm=190)),
    ("The [[f'Er@ri]] sails at nine.", VoiceSettings(rate_wpm=160, pitch=30)),  # phoneme input
    ("A second voice reads the quote.", VoiceSettings(voice="gmw/en-us+f3", rate_wpm=175)),
)]
digest = hashlib.sha256(b"".join(hashlib.sha256(pcm.data).digest() for pcm in spoken)).hexdigest()
print(pyttsx3_engine._synchronous_espeak, len(os.listdir("/proc/self/task")) - threads_before,
      digest, min(len(pcm.data) for pcm in spoken))
"""


def test_synchronous_espeak_speaks_the_same_samples_as_pyttsx3s_own_start_and_runs_no_thread():
    def probe(mode: str) -> list[str]:
        result = subprocess.run([sys.executable, "-c", MODE_PROBE, mode], cwd=REPO, capture_output=True, text=True,
                                timeout=60, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    synchronous, ours_threads, ours_hash, ours_size = probe("narrate-starts-espeak")
    asynchronous, _, theirs_hash, theirs_size = probe("pyttsx3-starts-espeak")
    assert (synchronous, asynchronous) == ("True", "False")
    assert ours_threads == "0"  # nothing to break a fork of this process
    assert int(ours_size) > 22050  # each of the three utterances is more than half a second of speech
    # Synchronously, narrate's own callback collects the buffers; asynchronously, pyttsx3's driver does: same samples.
    assert (ours_hash, ours_size) == (theirs_hash, theirs_size)
