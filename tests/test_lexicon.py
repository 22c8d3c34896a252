"""The pronunciation lexicon: TOML rules applied per voice profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.errors import InputError
from narrate.script.lexicon import Lexicon, contains_phonemes, load_lexicon, parse_lexicon, spelled
from narrate.script.normalize import normalize_for_speech

LEXICON = r"""
[[entry]]
word = "Nguyen"
say = "win"

[[entry]]
word = "QXR"
spell = true

[[entry]]
regex = '\bTallinn(?P<s>\b|s\b)'
phonemes = "t'alIn"
profiles = ["calm"]

[[entry]]
word = "Tallinn"
say = "tah linn"

[[entry]]
word = "IT"
say = "eye tee"
case_sensitive = true
"""


@pytest.fixture()
def lexicon(tmp_path: Path) -> Lexicon:
    path = tmp_path / "lexicon.toml"
    path.write_text(LEXICON, encoding="utf-8")
    return load_lexicon([path])


def test_respelling_matches_whole_words_any_case(lexicon: Lexicon) -> None:
    assert lexicon.apply("Nguyen met nguyen and Nguyens.") == "win met win and Nguyens."


def test_spell_out(lexicon: Lexicon) -> None:
    assert lexicon.apply("The QXR said.") == "The Q.X.R. said."


def test_profile_entry_wins_over_global_only_for_that_profile(lexicon: Lexicon) -> None:
    assert lexicon.apply("In Tallinn today", "calm") == "In [[t'alIn]] today"
    assert lexicon.apply("In Tallinn today", "brisk") == "In tah linn today"
    assert lexicon.apply("In Tallinn today") == "In tah linn today"


def test_case_sensitive_entry(lexicon: Lexicon) -> None:
    assert lexicon.apply("the IT desk said it") == "the eye tee desk said it"


def test_replacements_are_not_matched_again() -> None:
    lex = parse_lexicon('[[entry]]\nword = "cat"\nsay = "dog"\n[[entry]]\nword = "dog"\nsay = "cow"\n')
    assert lex.apply("cat dog") == "dog cow"


def test_phonemes_survive_normalizing(lexicon: Lexicon) -> None:
    text = normalize_for_speech(lexicon.apply("Tallinn had 2 ferries.", "calm"))
    assert text == "[[t'alIn]] had two ferries."
    assert contains_phonemes(text) and not contains_phonemes("plain text")


def test_fingerprint_changes_with_an_entry(lexicon: Lexicon) -> None:
    other = parse_lexicon(LEXICON.replace('say = "win"', 'say = "wen"'))
    assert lexicon.fingerprint("calm") != other.fingerprint("calm")
    assert lexicon.fingerprint("calm") != lexicon.fingerprint(None)


def test_later_files_follow_earlier_ones(tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text('[[entry]]\nword = "Ana"\nsay = "Ahna"\n', encoding="utf-8")
    second.write_text('[[entry]]\nword = "Ana"\nsay = "Anna"\n', encoding="utf-8")
    assert load_lexicon([first, second]).apply("Ana") == "Ahna"
    assert load_lexicon([second, first]).apply("Ana") == "Anna"


def test_spelled() -> None:
    assert spelled("sbu") == "S.B.U."


@pytest.mark.parametrize(
    "toml",
    [
        '[[entry]]\nsay = "x"\n',
        '[[entry]]\nword = "a"\nregex = "a"\nsay = "x"\n',
        '[[entry]]\nword = "a"\n',
        '[[entry]]\nword = "a"\nsay = "x"\nspell = true\n',
        '[[entry]]\nregex = "("\nsay = "x"\n',
        '[[entry]]\nword = "a"\nphonemes = "[[x]]"\n',
        "entry = 3\n",
        "[[entry\n",
    ],
)
def test_bad_lexicons_are_input_errors(toml: str) -> None:
    with pytest.raises(InputError):
        parse_lexicon(toml, "bad.toml")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        load_lexicon([tmp_path / "none.toml"])
