"""Property-based: any input, through the readers, the normalizer and make_script, ends in a sound script or one
clean NarrateError, never a traceback. Derandomized and bounded so it runs in seconds; `bench/fuzz.py` runs the
same strategies for thousands of examples and tallies what it finds."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_inputs import HOSTILE, inputs, invisible_in, paragraphs
from fuzz_invariants import UNSPOKEN_SYMBOLS, script_problems
from narrate.build import ScriptOptions, make_script
from narrate.errors import NarrateError
from narrate.script.clean import clean_for_speech
from narrate.script.lexicon import PHONEME_SPAN
from narrate.script.normalize import normalize_for_speech

FAST = settings(derandomize=True, database=None, deadline=None, max_examples=60,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.fixture(autouse=True)
def _input_warnings_are_fine():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unusable front matter is a warning by design
        yield


@FAST
@given(case=inputs)
def test_any_input_makes_a_sound_script_or_one_clean_error(tmp_path_factory: pytest.TempPathFactory,
                                                          case: tuple[str, bytes]) -> None:
    suffix, data = case
    if suffix:
        path = Path(tmp_path_factory.mktemp("fuzz")) / f"input{suffix}"
        path.write_bytes(data)
        source, stdin = str(path), None
    else:
        source, stdin = "-", io.BytesIO(data)
    try:
        script = make_script(ScriptOptions(sources=(source,)), stdin=stdin)
    except NarrateError as error:
        message = str(error)
        assert message and "\n" not in message and "Traceback" not in message
        return
    assert script.segments()
    assert script_problems(script) == []


@settings(FAST, max_examples=300)
@given(text=st.one_of(paragraphs(), st.text(max_size=400), st.sampled_from(HOSTILE)))
def test_normalizer_says_every_symbol_and_nothing_invisible(text: str) -> None:
    spoken = PHONEME_SPAN.sub(" ", normalize_for_speech(clean_for_speech(text), "en"))  # [[...]] is lexicon input
    assert not UNSPOKEN_SYMBOLS.search(spoken), spoken
    assert invisible_in(spoken, joiners_allowed=False) == []
    assert not any(ch in spoken for ch in "*`[]_")
    for language in ("de", "fr", "xx"):
        assert invisible_in(normalize_for_speech(text, language), joiners_allowed=False) == []
