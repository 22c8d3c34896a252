"""read_article: the one entry point of the read stage, and its user-facing errors."""

import io
import os
from pathlib import Path

import pytest

from narrate.article.read import read_article, sniff_format
from narrate.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"


def test_markdown_file(tmp_path):
    article = read_article(str(FIXTURES / "harbour-ferry.md"))
    assert article.title == "Harbour ferry returns after a winter of repairs"
    assert article.source == str(FIXTURES / "harbour-ferry.md")


def test_stdin_bytes_are_read_and_sniffed():
    data = "# Pier lights\n\n**Ana Lopez**\n\nThe pier lights came back on.\n".encode("utf-8-sig")
    article = read_article("-", stdin=io.BytesIO(data))
    assert (article.title, article.author, article.source) == ("Pier lights", "Ana Lopez", "-")
    assert article.sections[0].blocks[0].text == "The pier lights came back on."


def test_unknown_suffix_is_sniffed(tmp_path):
    plain = tmp_path / "note.article"
    plain.write_text("Bakery wins a prize\n\nThe bakery on Mill Lane won a regional prize.\n")
    marked = tmp_path / "other.article"
    marked.write_text("# Bakery wins a prize\n\nThe bakery on **Mill Lane** won.\n")
    assert read_article(str(plain)).title == "Bakery wins a prize"
    assert read_article(str(marked)).sections[0].blocks[0].text == "The bakery on Mill Lane won."


@pytest.mark.parametrize(
    "text, expected",
    [("# Title\n\nBody.", "markdown"), ("Title\n\nBody.", "text"), ("<!DOCTYPE html><html></html>", "html"),
     ("---\ntitle: x\n---\nBody", "markdown"), ("See [the site](https://example.org).", "markdown")],
)
def test_sniff_format(text, expected):
    assert sniff_format(text) == expected


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: str(d / "missing.md"), r"missing\.md does not exist\."),
        (lambda d: str(d), r"is a folder, not an article file\."),
        (lambda d: _write(d, "empty.md", b""), r"empty\.md is empty"),
        (lambda d: _write(d, "blank.txt", b"  \n\t\n \r\n"), r"blank\.txt is empty"),
        (lambda d: _write(d, "pic.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), r"pic\.md is a binary file"),
        (lambda d: _write(d, "title-only.md", b"# Just a headline\n"), r"no article text"),
        (lambda d: _write(d, "page.html", b"<html><body>Hi</body></html>"), r"page\.html holds no article text"),
        (lambda d: "http://127.0.0.1:1/story", r"Could not fetch http://127\.0\.0\.1:1/story: .* refused"),
    ],
    ids=["missing", "folder", "empty", "whitespace", "binary", "title-only", "html", "url"],
)
def test_bad_input_is_one_clear_sentence(tmp_path, make, message):
    with pytest.raises(InputError, match=message) as caught:
        read_article(make(tmp_path))
    text = str(caught.value)
    assert "\n" not in text and text.endswith(".")


def test_empty_stdin():
    with pytest.raises(InputError, match="Standard input is empty"):
        read_article("-", stdin=io.BytesIO(b"\n\n"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    path = tmp_path / "locked.md"
    path.write_text("# A\n\nB.\n")
    path.chmod(0)
    try:
        with pytest.raises(InputError, match=r"locked\.md cannot be read: permission denied\."):
            read_article(str(path))
    finally:
        path.chmod(0o644)
