"""parse_text: plain-text articles."""

import datetime as dt
from pathlib import Path

import pytest

from narrate.article.read import read_article
from narrate.article.text import parse_text

FIXTURES = Path(__file__).parent / "fixtures"


def test_text_fixture():
    article = read_article(str(FIXTURES / "library-hours.txt"))
    assert (article.title, article.author, article.date) == (
        "Library extends its evening hours", "Nadia Stern", dt.date(2022, 5, 12))
    blocks = article.sections[0].blocks
    assert [b.kind for b in blocks] == ["paragraph", "list_item", "list_item"]
    assert "after a survey of readers asked for later hours. Staff will work in two shifts." in blocks[0].text
    assert blocks[2].text == "The café closes at seven."


@pytest.mark.parametrize(
    "source, title, texts",
    [
        ("\n\n  Title here  \nFirst body line\ncontinues.\n\nNext one.", "Title here",
         ["First body line continues.", "Next one."]),
        ("T\r\n\r\nWindows lines.\r\n", "T", ["Windows lines."]),
        ("T\n\nOne.\n\n* * *\n\nTwo.", "T", ["One.", "", "Two."]),
        ("T\n\nMay 2, 2021\n\nBody.", "T", ["Body."]),
    ],
    ids=["wrapped", "crlf", "break", "date-line"],
)
def test_text_variants(source, title, texts):
    article = parse_text(source)
    assert article.title == title
    assert [b.text for b in article.sections[0].blocks] == texts
