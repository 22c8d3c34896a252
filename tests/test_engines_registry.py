"""Engine registry: names map to classes imported lazily; unknown names give one clear sentence."""

import subprocess
import sys
from pathlib import Path

import pytest

from narrate.engines.registry import create_engine, engine_info
from narrate.errors import NarrateError

REPO = Path(__file__).resolve().parents[1]


class EchoEngine:
    name = "echo"
    version = "echo-1"

    def synthesize(self, text, settings):  # pragma: no cover - not called here
        raise NotImplementedError


def test_unknown_engine_is_one_sentence():
    with pytest.raises(NarrateError) as caught:
        create_engine("nosuch")
    assert str(caught.value) == "Unknown engine 'nosuch'; available: piper, pyttsx3."


def test_module_class_string_creates_that_engine():
    engine = create_engine(f"{__name__}:EchoEngine")
    assert isinstance(engine, EchoEngine)
    assert engine_info(f"{__name__}:EchoEngine") == ("echo", "echo-1")


def test_missing_engine_module_is_a_narrate_error():
    with pytest.raises(NarrateError, match="not available"):
        create_engine("narrate.engines.no_such_module:Nothing")


def test_engine_info_does_not_load_espeak_in_the_caller():
    code = (
        "import sys; from narrate.engines.registry import engine_info;"
        "from narrate.engines.espeak_library import loaded_espeak_library;"
        "print(engine_info('pyttsx3')); print(loaded_espeak_library(), 'pyttsx3' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}).stdout.splitlines()
    name, version = eval(out[0])  # a printed tuple of two strings
    assert name == "pyttsx3"
    assert version.startswith("pyttsx3-") and "/espeak-ng-" in version
    assert out[1] == "None False"
