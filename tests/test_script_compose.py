"""compose_script: single articles and editions, roles, pauses and the script contract."""

import datetime as dt
import re
from pathlib import Path

import pytest

from narrate.article.model import Article, Block, Section
from narrate.article.read import read_article
from narrate.script.compose import compose_script
from narrate.script.pauses import Pauses

FIXTURES = Path(__file__).parent / "fixtures"
PAUSES = Pauses(sentence_ms=11, paragraph_ms=22, section_ms=33, article_ms=44, after_heading_ms=5)


def _article(title="Bridge reopens", author="Ivy Chen", date=dt.date(2024, 6, 1), sections=None, **kw):
    sections = sections or (Section(None, (Block("paragraph", "The bridge reopened. Traffic flowed again."),)),)
    return Article(title=title, sections=tuple(sections), author=author, date=date, **kw)


def test_pause_defaults_grow_with_structure():
    p = Pauses()
    assert p.sentence_ms < p.paragraph_ms < p.section_ms < p.article_ms
    with pytest.raises(ValueError):
        Pauses(sentence_ms=-1)


def test_single_article_layout_roles_and_pauses():
    script = compose_script([read_article(str(FIXTURES / "harbour-ferry.md"))], pauses=PAUSES)
    assert script.title == "Harbour ferry returns after a winter of repairs"
    assert (script.author, script.date) == ("Mara Okafor", dt.date(2024, 3, 3))
    assert [(c.title, c.level) for c in script.chapters] == [
        ("Harbour ferry returns after a winter of repairs", 0), ("What changed", 0), ("What comes next", 0)]
    first, changed, last = script.chapters
    assert (first.segments[0].text, first.segments[0].role, first.segments[0].pause_ms) == (script.title, "heading", 5)
    assert (first.segments[1].text, first.segments[1].role) == ("By Mara Okafor, 3 March 2024.", "narrator")
    assert [s.role for s in changed.segments].count("quote") == 1
    assert changed.segments[0].role == "heading"
    assert "Early crossings start at six." in [s.text for s in changed.segments]
    # the break after the table and the chapter end both lengthen the last pause
    assert changed.segments[-1].pause_ms == 33 and first.segments[-1].pause_ms == 33
    assert {s.pause_ms for s in first.segments[2:-1]} <= {11, 22}
    assert last.segments[-1].pause_ms == 0
    assert script.identity == "article:Harbour ferry returns after a winter of repairs\x1fMara Okafor\x1f2024-03-03"
    assert script.description.startswith("The old harbour ferry carried its first passengers")


def test_every_word_is_spoken_and_no_markup_is():
    article = read_article(str(FIXTURES / "harbour-ferry.md"))
    segments = compose_script([article]).segments()
    spoken = " ".join(s.text for s in segments)
    unquoted = lambda text: " ".join(re.sub(r'[“”"]', " ", text).split())  # noqa: E731 (quotations lose their marks)
    for block in (b for s in article.sections for b in s.blocks if b.text):
        assert unquoted(block.text) in unquoted(spoken)
    assert not re.search(r"[*#`\[\]<>_|]", spoken)
    assert all(len(s.text) <= 300 and s.text.strip() == s.text and s.text for s in segments)


def test_byline_parts_are_omitted_when_unknown():
    texts = [s.text for s in compose_script([_article(author=None)]).segments()]
    assert texts[:2] == ["Bridge reopens", "1 June 2024."]
    texts = [s.text for s in compose_script([_article(author=None, date=None)]).segments()]
    assert texts == ["Bridge reopens", "The bridge reopened.", "Traffic flowed again."]


def test_single_article_metadata():
    article = _article(site="Town Post", language="en-GB", canonical_url="https://example.org/b")
    script = compose_script([article])
    assert (script.site, script.language, script.identity) == ("Town Post", "en-GB", "url:https://example.org/b")
    assert script.to_json()["chapters"][0]["segments"][0] == {"text": "Bridge reopens", "written": "Bridge reopens", "role": "heading", "pause_ms": 600}


def test_deeper_headings_are_read_inside_the_chapter():
    sections = (Section(None, (Block("paragraph", "Lead."),)), Section("Detail", (Block("paragraph", "More."),), level=3))
    script = compose_script([_article(sections=sections, author=None, date=None)])
    assert len(script.chapters) == 1
    assert [(s.text, s.role) for s in script.segments()] == [
        ("Bridge reopens", "heading"), ("Lead.", "narrator"), ("Detail", "heading"), ("More.", "narrator")]


def test_edition_layout():
    one = _article()
    two = _article(title="Market moves indoors", author="Raj Patel", date=dt.date(2024, 6, 3), sections=(
        Section(None, (Block("paragraph", "Stalls moved inside."),)),
        Section("Prices", (Block("paragraph", "Prices stayed flat."),)),
    ))
    script = compose_script([one, two], edition="Morning edition", pauses=PAUSES)
    assert [(c.title, c.level) for c in script.chapters] == [
        ("Morning edition", 0), ("Bridge reopens", 0), ("Market moves indoors", 0), ("Prices", 1)]
    intro = [s.text for s in script.chapters[0].segments]
    assert intro == ["Morning edition", "3 June 2024.", "In this edition:", "Bridge reopens", "Market moves indoors"]
    assert (script.title, script.site, script.date) == ("Morning edition", "Morning edition", dt.date(2024, 6, 3))
    assert script.author == "Ivy Chen and Raj Patel"  # people joined as a byline reads; the edition is not one of them
    assert script.identity == "edition:Morning edition\x1f2024-06-03"
    assert script.chapters[0].segments[-1].pause_ms == 33
    assert script.chapters[1].segments[-1].pause_ms == 44  # end of the first article
    assert script.chapters[2].segments[-1].pause_ms == 33  # a section of the second article ends
    assert script.chapters[3].segments[-1].pause_ms == 0
    assert script.chapters[2].segments[1].text == "By Raj Patel, 3 June 2024."


def test_an_edition_whose_title_says_the_date_does_not_say_it_again():
    two = _article(title="Market moves indoors", date=dt.date(2024, 6, 3))
    script = compose_script([_article(), two], edition="Morning edition, 3 June 2024", pauses=PAUSES, say_date=False)
    intro = [s.text for s in script.chapters[0].segments]
    assert intro == ["Morning edition, 3 June 2024", "In this edition:", "Bridge reopens", "Market moves indoors"]
    assert script.date == dt.date(2024, 6, 3) and script.identity.endswith("2024-06-03")  # still dated


def test_edition_date_given_wins_and_same_input_gives_same_script():
    articles = [_article(), _article(title="Other")]
    a = compose_script(articles, edition="Evening", edition_date=dt.date(2024, 7, 1))
    b = compose_script(articles, edition="Evening", edition_date=dt.date(2024, 7, 1))
    assert a == b and a.date == dt.date(2024, 7, 1) and a.identity.endswith("2024-07-01")


def test_several_articles_without_edition_title_still_make_an_edition():
    script = compose_script([_article(), _article(title="Other")])
    assert script.chapters[0].title == "News edition"
    with pytest.raises(ValueError):
        compose_script([])


def test_long_paragraph_is_bounded():
    long = " ".join(["The committee, after a long debate about the budget, agreed"] * 12) + "."
    article = _article(sections=(Section(None, (Block("paragraph", long),)),))
    texts = [s.text for s in compose_script([article]).segments()]
    assert all(len(t) <= 300 for t in texts) and len(texts) > 4


def test_headline_is_said_once_when_the_body_is_the_headline():
    one_line = _article(title="The council meets on Monday.", author=None, date=None,
                        sections=(Section(None, (Block("paragraph", "The council meets on Monday."),)),))
    assert [(s.text, s.role) for s in compose_script([one_line]).segments()] == [("The council meets on Monday.", "narrator")]
    storm = _article(title="Storm", author=None, date=None, sections=(Section(None, (Block("paragraph", "Storm damage closed the road."),)),))
    assert [s.text for s in compose_script([storm]).segments()] == ["Storm", "Storm damage closed the road."]
    long = "The council, after a debate that ran late into the evening, " * 6
    shortened = _article(title=long[:100].rsplit(" ", 1)[0] + "…", author=None, date=None,
                         sections=(Section(None, (Block("paragraph", long),)),))
    assert compose_script([shortened]).segments()[0].role == "narrator"
