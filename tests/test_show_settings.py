"""Show settings are checked the way podcast directories check them, and placeholders are named, not published silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.errors import NarrateError
from narrate.publish.categories import APPLE_CATEGORIES, apple_category
from narrate.publish.settings import check_base_url, is_loopback_url, load_settings


def _settings(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    (tmp_path / "narrate.toml").write_text("[show]\n" + body, encoding="utf-8")
    return load_settings(tmp_path)


def test_author_defaults_to_the_title(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 'title = "Harbour Town News"\n')
    assert settings.author is None and settings.owner == "Harbour Town News"
    assert _settings(tmp_path, 'title = "T"\nauthor = "The Newsroom"\n').owner == "The Newsroom"


def test_categories_come_from_apple_list_in_apple_spelling(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 'category = "news"\nsubcategory = "daily news"\n')
    assert (settings.category, settings.subcategory) == ("News", "Daily News")
    assert apple_category("TV & Film", "After Shows", "x") == ("TV & Film", "After Shows")
    assert apple_category("education", "how-to", "x") == ("Education", "How To")
    assert len(APPLE_CATEGORIES) == 19 and sum(1 for subs in APPLE_CATEGORIES.values() if subs) == 15


@pytest.mark.parametrize(("body", "fragment"), [
    ('category = "Nonsense"\n', "'Nonsense' is not an Apple Podcasts category"),
    ('category = "Newz"\n', "did you mean 'News'"),
    ('category = "News"\nsubcategory = "Cooking"\n', "'Cooking' is not a subcategory of News"),
    ('category = "History"\nsubcategory = "Ancient"\n', "History has no subcategories"),
    ('subcategory = "Daily News"\ncategory = "Arts"\n', "'Daily News' is not a subcategory of Arts"),
    ('email = "not-an-email"\n', "email must be an address"),
    ('email = "a@b"\n', "email must be an address"),
    ('email = "Editor <editor@example.org>"\n', "email must be an address"),
    ('base_url = "pods.example.org"\n', "must be an http:// or https:// address"),
    ('base_url = "ftp://x.example.org/pod"\n', "must be an http:// or https:// address"),
    ('base_url = "https://"\n', "must be an http:// or https:// address"),
    ('base_url = "https://pods.example.org/?a=1"\n', "without ?query"),
])
def test_what_directories_reject_is_refused_in_one_sentence(tmp_path: Path, body: str, fragment: str) -> None:
    with pytest.raises(NarrateError) as caught:
        _settings(tmp_path, body)
    message = str(caught.value)
    assert fragment in message and "\n" not in message and str(tmp_path / "narrate.toml") in message


def test_good_values_are_kept(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 'title = "T"\nemail = "editor@news.example.org"\n'
                                   'base_url = "https://pods.example.org/news/"\n')
    assert settings.email == "editor@news.example.org"
    assert settings.base_url == "https://pods.example.org/news"


def test_notes_name_placeholders_and_a_loopback_feed(tmp_path: Path) -> None:
    bare = load_settings(tmp_path)
    notes = bare.notes()
    assert len(notes) == 2
    assert notes[0].startswith("the show has no title or owner e-mail yet (the feed says 'narrate', with no e-mail)")
    assert "http://127.0.0.1:8008" in notes[1] and "--base-url" in notes[1]
    done = _settings(tmp_path, 'title = "T"\nemail = "e@example.org"\nbase_url = "https://pods.example.org"\n')
    assert done.notes() == []


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:8008", True), ("http://localhost:8000/x", True), ("http://[::1]:80/", True),
    ("http://127.3.4.5", True), ("https://pods.example.org", False), ("http://192.168.1.20:8008", False),
])
def test_loopback_addresses(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_base_url_check_strips_the_trailing_slash() -> None:
    assert check_base_url(" https://pods.example.org/news/ ", "--base-url") == "https://pods.example.org/news"
