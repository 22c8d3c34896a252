"""German dates: the day before a month name is said as an ordinal with the ending the word before it asks for."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.script.normalize import normalize_for_speech
from narrate.script.normalize.german_days import say_day_ordinals


@pytest.mark.parametrize(("written", "said"), [
    ("Die Wahl findet am 3. Dezember statt.", "Die Wahl findet am dritten Dezember statt."),
    ("Der 1. Mai ist ein Feiertag.", "Der erste Mai ist ein Feiertag."),
    ("Bis zum 24. Dezember, seit 12. März.", "Bis zum vierundzwanzigsten Dezember, seit zwölften März."),
    ("Berlin, 31. Januar 2025.", "Berlin, einunddreißigster Januar 2025."),
    ("Am 7. Jänner", "Am siebten Jänner"),
    ("Von Anna Weber, 3. Dezember 2026.", "Von Anna Weber, dritter Dezember 2026."),
    ("Die Messe läuft vom 3. bis 5. Mai.", "Die Messe läuft vom dritten bis fünften Mai."),
    ("Geöffnet am 3. und 4. Mai.", "Geöffnet am dritten und vierten Mai."),
    ("Am 3.–5. Mai", "Am dritten bis fünften Mai"),
    ("Der 1. und 2. Mai", "Der erste und zweite Mai"),
])
def test_the_day_is_an_ordinal_with_its_ending(written, said):
    assert normalize_for_speech(written, "de") == said
    assert normalize_for_speech(written, "de-AT") == said


@pytest.mark.parametrize("written", [
    "Es waren 45. Mai",  # not a day
    "Am 0. Dezember",
    "Am 2.3. Dezember",  # part of a longer number
    "Seite 3. Dezemberausgabe",  # not a month name
    "Am 3.Dezember",  # no space: not read as a date here
    "vom 3. bis 45. Mai",  # one of the pair cannot be a day
])
def test_what_cannot_be_a_day_before_a_month_is_left(written):
    assert say_day_ordinals(written) == written


def test_other_languages_are_not_touched():
    assert normalize_for_speech("am 3. Dezember", "fr") == "am 3. Dezember"
    assert normalize_for_speech("am 3. Dezember", "nl") == "am 3. Dezember"


@given(st.lists(st.sampled_from([*"0123456789. ,\n", "am ", "der ", "Dezember", "Mai", "Januar", "ß", "x"]), max_size=30).map("".join))
@settings(max_examples=300, deadline=None, derandomize=True)
def test_any_text_keeps_its_other_words(text):
    said = say_day_ordinals(text)
    assert isinstance(said, str)
    # Only a day number and its dot are rewritten: the month names stay, and so does text without a day's dot.
    assert said.count("Dezember") == text.count("Dezember") and said.count("Januar") == text.count("Januar")
    if "." not in text:
        assert said == text
