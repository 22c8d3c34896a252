"""Voice profiles: the shipped ones, user folders, role overrides and clear errors."""

import pytest

from narrate.errors import NarrateError
from narrate.voices import get_profile, load_profiles, shipped_voices_dir


def test_shipped_profiles_are_found():
    folder = shipped_voices_dir()
    assert folder is not None and (folder / "default.toml").is_file()
    profiles = load_profiles()
    assert {"default", "quote"} <= set(profiles)
    assert profiles["default"].engine == "pyttsx3"


def test_quotes_stay_with_the_narrator_by_default_and_a_profile_can_hand_them_to_the_quote_voice(tmp_path):
    default, quote = get_profile("default"), get_profile("quote")
    assert default.settings_for("quote") == default.settings_for("narrator")
    (tmp_path / "duo.toml").write_text('name = "duo"\nengine = "pyttsx3"\nvoice = "gmw/en-us"\n[roles]\nquote = "quote"\n')
    duo = get_profile("duo", (tmp_path,))
    assert duo.settings_for("quote") == quote.settings_for("narrator")
    assert duo.settings_for("quote")[1].voice != duo.settings_for("narrator")[1].voice


def test_inline_role_override_changes_only_that_setting():
    default = get_profile("default")
    narrator = default.settings_for("narrator")[1]
    heading = default.settings_for("heading")[1]
    assert heading.voice == narrator.voice
    assert heading.rate_wpm != narrator.rate_wpm


def test_unknown_voice_lists_the_available_ones():
    with pytest.raises(NarrateError) as caught:
        get_profile("nosuch")
    assert str(caught.value) == f"Unknown voice 'nosuch'; available: {', '.join(sorted(load_profiles()))}."


def test_user_folder_adds_and_overrides_profiles(tmp_path):
    (tmp_path / "slow.toml").write_text('voice = "gmw/en-gb-x-rp"\nrate_wpm = 120\n[roles]\nquote = "quote"\n')
    (tmp_path / "mine.toml").write_text('name = "quote"\nvoice = "gmw/en-us"\nrate_wpm = 190\n')
    profiles = load_profiles([tmp_path])
    assert profiles["slow"].settings_for("narrator")[1].rate_wpm == 120
    assert profiles["quote"].rate_wpm == 190
    assert profiles["slow"].settings_for("quote")[1].rate_wpm == 190


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("rate_wpm = 'fast'", "rate_wpm"),
        ("speed = 3", "unknown setting 'speed'"),
        ("voice = ", "not valid TOML"),
        ("[roles.footnote]\nrate_wpm = 150", "unknown role 'footnote'"),
        ("[roles.quote]\nprofile = 'ghost'", "unknown profile 'ghost'"),
        ("pitch = 150", "pitch"),
    ],
)
def test_bad_profiles_are_one_clear_sentence(tmp_path, content, fragment):
    (tmp_path / "bad.toml").write_text(content)
    with pytest.raises(NarrateError, match=fragment):
        load_profiles([tmp_path])


def test_missing_voices_folder_is_an_error(tmp_path):
    with pytest.raises(NarrateError, match="does not exist"):
        load_profiles([tmp_path / "nowhere"])
