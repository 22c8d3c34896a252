"""The default voice follows the article's language: a matching profile, else eSpeak's voice for it; readers detect the language."""

from __future__ import annotations

import pytest

from narrate.article.markdown import parse_markdown
from narrate.article.text import parse_text
from narrate.engines.espeak_library import wheel_espeak_paths
from narrate.voices import espeak_voice_for_language, get_profile, profile_for_language


@pytest.mark.parametrize(("language", "voice"), [
    ("de", "gmw/de"), ("de-AT", "gmw/de"), ("pt-BR", "roa/pt-BR"), ("fr-CA", "roa/fr"), ("es", "roa/es"),
])
def test_espeak_voice_for_language_reads_the_wheel_voice_files(language: str, voice: str) -> None:
    assert espeak_voice_for_language(language) == voice
    assert (wheel_espeak_paths()[1] / "lang" / voice).is_file()


def test_no_espeak_voice_for_an_unknown_language() -> None:
    assert espeak_voice_for_language("xx") is None
    assert profile_for_language("xx") is None
    assert profile_for_language(None) is None


def test_english_articles_keep_the_default_profile() -> None:
    assert profile_for_language("en-GB") == get_profile("default")


def test_other_languages_get_the_default_with_espeaks_voice_and_its_role_settings() -> None:
    default = get_profile("default")
    german = profile_for_language("de")
    assert german is not None and german.name == "default-de"
    engine, narrator = german.settings_for("narrator")
    assert (engine, narrator.voice, narrator.language) == ("pyttsx3", "gmw/de", "de")
    heading = german.settings_for("heading")[1]
    assert heading.voice == "gmw/de" and heading.rate_wpm == default.settings_for("heading")[1].rate_wpm


def test_a_user_profile_for_the_language_wins(tmp_path) -> None:
    (tmp_path / "anna.toml").write_text('name = "anna"\nengine = "pyttsx3"\nvoice = "gmw/de+f2"\nlanguage = "de"\n')
    assert profile_for_language("de-DE", (tmp_path,)).name == "anna"


def test_a_derived_profile_keeps_a_role_voice_variant(tmp_path) -> None:
    (tmp_path / "default.toml").write_text(
        'name = "default"\nengine = "pyttsx3"\nvoice = "gmw/en-us"\nlanguage = "en-us"\n[roles.quote]\nvoice = "gmw/en+f3"\n')
    french = profile_for_language("fr", (tmp_path,))
    assert french.settings_for("quote")[1].voice == "roa/fr+f3"
    assert french.settings_for("quote")[1].language == "fr"


GERMAN = ("Die alte Hafenfähre hat am Samstag nach vier Monaten Pause wieder Fahrgäste über den Fluss gebracht. "
          "Die Stadt will den Fahrplan im Herbst noch einmal gründlich prüfen und die Preise senken.")


def test_markdown_and_text_articles_get_a_detected_language_unless_one_is_declared() -> None:
    assert parse_markdown(f"# Neue Fähre\n\n{GERMAN}\n").language == "de"
    assert parse_markdown(f"---\nlanguage: de-CH\n---\n# Neue Fähre\n\n{GERMAN}\n").language == "de-CH"
    assert parse_text(f"Neue Fähre\n\n{GERMAN}\n").language == "de"
    assert parse_markdown("# Short\n\nToo short.\n").language is None
