"""parse_markdown: Markdown as it really arrives (fixtures in our own words; the corpus sample if present)."""

import datetime as dt
from pathlib import Path

import pytest

from narrate.article.byline import parse_byline, parse_date
from narrate.article.markdown import parse_markdown
from narrate.article.read import read_article
from narrate.script.compose import compose_script

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS_SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "markdown" / "istanbul-talks.md"
MARKUP = ("*", "[", "](", "#", "<!--", "http", "example.org")


def _all_text(article):
    return [b.text for s in article.sections for b in s.blocks] + [s.heading or "" for s in article.sections]


def test_harbour_fixture_metadata_and_structure():
    article = parse_markdown((FIXTURES / "harbour-ferry.md").read_text(encoding="utf-8"), "harbour-ferry.md")
    assert article.title == "Harbour ferry returns after a winter of repairs"
    assert article.author == "Mara Okafor"
    assert article.date == dt.date(2024, 3, 3)
    assert [(s.heading, s.level) for s in article.sections] == [(None, 2), ("What changed", 2), ("What comes next", 2)]
    lead, changed, _ = article.sections
    assert [b.kind for b in lead.blocks] == ["paragraph", "paragraph"]
    assert [b.kind for b in changed.blocks] == ["paragraph", "list_item", "list_item", "quote", "table", "break"]
    assert changed.blocks[4].text == ""  # a table not read: the script says so, in the article's language
    assert changed.blocks[1].text == "Early crossings start at six."


@pytest.mark.parametrize(
    "needle",
    [
        "and the harbour master Captain Ivo Petrak took the wheel",  # split before a capital, rejoined
        "the spring timetable was better than the one it replaced.",  # split before lowercase, rejoined
        "“as smooth as anyone could ask for.”",  # curly quotes kept
        "adds three early crossings and a late return",  # emphasis removed
        "bought at the kiosk or on board.",  # link keeps its text only
    ],
)
def test_harbour_fixture_text(needle):
    article = read_article(str(FIXTURES / "harbour-ferry.md"))
    assert any(needle in text for text in _all_text(article))


def test_harbour_fixture_drops_markup_footer_images_and_comments():
    texts = _all_text(read_article(str(FIXTURES / "harbour-ferry.md")))
    joined = " ".join(texts)
    for forbidden in (*MARKUP, "To contact", "editor:", "ferry at the pier", "Mara Okafor", "3 March 2024"):
        assert forbidden not in joined, forbidden


def test_front_matter_overrides_guesses():
    article = read_article(str(FIXTURES / "front-matter.md"))
    assert article.title == "Night market opens on the quay"
    assert article.author == "Sam Ortiz and Ruth Hale"
    assert article.date == dt.date(2023, 11, 4)
    assert article.canonical_url == "https://example.org/night-market"
    assert article.identity() == "url:https://example.org/night-market"
    assert (article.site, article.language) == ("Quayside Weekly", "en-GB")
    assert article.extra["description"] == "Stalls, lanterns and a brass band."
    assert [b.text for b in article.sections[0].blocks] == [
        "Forty stalls lit the quay on Friday evening as the first night market of the season opened to a steady crowd."
    ]


@pytest.mark.parametrize(
    "source, title, author, date, first_block",
    [
        ("# Rain\n\nBy Kim Lee\n\nIt rained.", "Rain", "Kim Lee", None, "It rained."),
        ("# Rain\n\n*May 18, 2025*\n\nIt rained.", "Rain", None, dt.date(2025, 5, 18), "It rained."),
        ("# Rain\n\n**Kim Lee** | **2025-05-18**\n\nIt rained.", "Rain", "Kim Lee", dt.date(2025, 5, 18), "It rained."),
        ("# Rain\n\n**It rained all day, said everyone.**\n\nThen it stopped.", "Rain", None, None,
         "It rained all day, said everyone."),
        ("# Rain\n\nBy noon the streets were wet.", "Rain", None, None, "By noon the streets were wet."),
        ("Short title line\n\nThe body starts here.", "Short title line", None, None, "The body starts here."),
        ("---\nnot: [valid\n---\n# Rain\n\nIt rained.", "Rain", None, None, "It rained."),
    ],
    ids=["by-line", "date-only", "piped", "bold-lede", "by-in-sentence", "no-heading", "bad-front-matter"],
)
def test_title_and_byline_variants(source, title, author, date, first_block):
    import warnings

    from narrate.errors import InputWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        article = parse_markdown(source)
    said = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert said == (["The front matter is not valid YAML (line 2) and was ignored."] if source.startswith("---") else [])
    assert (article.title, article.author, article.date) == (title, author, date)
    assert article.sections[0].blocks[0].text == first_block


def test_label_line_is_not_glued_to_the_next_paragraph():
    article = parse_markdown("# T\n\nBackground\n\nThe road opened in May.")
    assert [b.text for b in article.sections[0].blocks] == ["Background", "The road opened in May."]


def test_link_only_paragraph_and_bare_url_dropped():
    article = parse_markdown("# T\n\nBody text.\n\n[Read more](https://example.org/x)\n\nhttps://example.org/y\n")
    assert [b.text for b in article.sections[0].blocks] == ["Body text."]


@pytest.mark.parametrize(
    "text, expected",
    [("18 May 2025", dt.date(2025, 5, 18)), ("May 18, 2025", dt.date(2025, 5, 18)),
     ("2025-05-18", dt.date(2025, 5, 18)), ("2025-05-18T09:30:00Z", dt.date(2025, 5, 18)),
     ("Sunday, 18 May 2025", dt.date(2025, 5, 18)), ("Sept. 3, 2021", dt.date(2021, 9, 3)),
     ("Published 1st June 2020", dt.date(2020, 6, 1)), ("31 February 2025", None), ("next Friday", None)],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_parse_byline_glued_bold():
    byline = parse_byline("**Ana de la Cruz****18 May 2025**")
    assert byline is not None and (byline.author, byline.date) == ("Ana de la Cruz", dt.date(2025, 5, 18))


@pytest.mark.skipif(not CORPUS_SAMPLE.exists(), reason="shared corpus not present")
def test_corpus_sample_reads_as_it_should():
    article = read_article(str(CORPUS_SAMPLE))
    assert article.title == "Ukrainian and Russian officials meet in Istanbul"
    assert article.author == "Jason Melanovski"
    assert article.date == dt.date(2025, 5, 18)
    script = compose_script([article])
    texts = [s.text for s in script.segments()]
    assert texts[0] == article.title and texts[1] == "By Jason Melanovski, 18 May 2025."
    assert any("Ukrainian Defense Minister Rustem Umerov" in t for t in texts)
    assert any("European imperialist backers" in t for t in texts)
    for text in texts:
        for forbidden in ("wsws.org/contact", "To contact", "*", "[", "](", "#"):
            assert forbidden not in text, (forbidden, text)
