"""The English normalizer, table-driven: written news copy in, the intended reading out."""

from __future__ import annotations

import time

import pytest

from narrate.script.normalize import normalize_for_speech, normalizer_for, register_language, registered_languages
from normalize_cases import CASES


@pytest.mark.parametrize(("category", "written", "intended"), CASES, ids=[f"{c}:{w[:30]}" for c, w, _ in CASES])
def test_english_case(category: str, written: str, intended: str) -> None:
    assert normalize_for_speech(written, "en") == intended


def test_table_is_broad() -> None:
    categories = {c for c, _, _ in CASES}
    assert len(CASES) >= 80 and len(categories) >= 20


def test_no_digits_left_in_any_case() -> None:
    for _, written, _ in CASES:
        assert not any(ch.isdigit() for ch in normalize_for_speech(written))


def test_regional_tag_uses_english() -> None:
    assert normalize_for_speech("It cost $5.", "en-GB") == "It cost five dollars."


def test_unknown_language_gets_typography_only() -> None:
    assert normalize_for_speech("Es kostet 5 € — heute…", "de") == "Es kostet 5 €, heute."


def test_a_language_can_plug_in() -> None:
    register_language("xx-test", lambda text: text.upper())
    assert normalizer_for("xx-TEST") is not None
    assert "xx-test" in registered_languages()
    assert normalize_for_speech("abc", "xx-test") == "ABC"


def test_phoneme_spans_pass_through_untouched() -> None:
    out = normalize_for_speech("In 2024 [[k'i:v 2]] said 5.")
    assert out == "In twenty twenty-four [[k'i:v 2]] said five."


def test_pronoun_i_and_plain_capitals_survive() -> None:
    assert normalize_for_speech("I think I can.") == "I think I can."
    assert normalize_for_speech("Malcolm X spoke.") == "Malcolm X spoke."


def test_fast_on_a_long_article() -> None:
    text = " ".join(w for _, w, _ in CASES) * 5
    start = time.perf_counter()
    normalize_for_speech(text)
    assert time.perf_counter() - start < 2.0


def test_unknown_language_shortens_digit_strings_too_long_to_read() -> None:
    assert normalize_for_speech("Il a payé " + "9" * 400 + " euros.", "fr") == "Il a payé 999999999999, euros."
