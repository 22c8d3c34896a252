"""What narrate itself says (byline, date, an edition's introduction) is said in the script's language."""

import datetime as dt
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.article.model import Article, Block, Section
from narrate.script.compose import compose_script
from narrate.script.normalize import normalize_for_speech
from narrate.script.phrases import byline, in_this_edition, spoken_date

DAY = dt.date(2026, 12, 3)


def _article(language, author="Anna Weber", title="Neue Brücke eröffnet"):
    sections = (Section(None, (Block("paragraph", "Die Brücke ist offen."),)),)
    return Article(title=title, sections=sections, author=author, date=DAY, language=language)


@pytest.mark.parametrize(("language", "said"), [
    (None, "By Anna Weber, 3 December 2026."),
    ("en", "By Anna Weber, 3 December 2026."),
    ("en-GB", "By Anna Weber, 3 December 2026."),
    ("de", "Von Anna Weber, 3. Dezember 2026."),  # written so; said "dritter Dezember" (tests/test_german_days.py)
    ("de-AT", "Von Anna Weber, 3. Dezember 2026."),
    ("fr", "Par Anna Weber, 3 décembre 2026."),
    ("es", "Por Anna Weber, 3 de diciembre de 2026."),
    ("pt_BR", "Por Anna Weber, 3 de dezembro de 2026."),
    ("ru", "Anna Weber, 3 декабря 2026."),  # no word for 'By' in the table, and no 'г.' spelled as a letter
    ("fi", "Anna Weber, 3. joulukuuta 2026."),
])
def test_a_byline_is_said_in_the_articles_language(language, said):
    assert byline("Anna Weber", DAY, language) == said


def test_a_byline_leaves_out_what_is_unknown():
    assert byline(None, DAY, "de") == "3. Dezember 2026."
    assert byline("Anna Weber", None, "fr") == "Par Anna Weber."
    assert byline(None, None, "de") is None


@given(st.text(max_size=12), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
@settings(max_examples=200, deadline=None, derandomize=True)
def test_any_language_tag_gives_a_date_with_its_year(language, date):
    said = spoken_date(date, language)
    assert str(date.year) in said and said == said.strip()


def test_an_article_in_german_opens_without_english_words():
    script = compose_script([_article("de")])
    assert [s.text for s in script.chapters[0].segments][:2] == ["Neue Brücke eröffnet", "Von Anna Weber, 3. Dezember 2026."]


def test_an_edition_introduces_its_headlines_in_its_language():
    german = compose_script([_article("de"), _article("de", title="Markt zieht um")], edition="Morgenausgabe")
    assert [s.text for s in german.chapters[0].segments] == [
        "Morgenausgabe", "3. Dezember 2026.", "In dieser Ausgabe:", "Neue Brücke eröffnet", "Markt zieht um"]
    russian = compose_script([_article("ru"), _article("ru", title="Рынок переезжает")], edition="Утренний выпуск")
    assert [s.text for s in russian.chapters[0].segments] == [  # no words in the table: straight to the headlines
        "Утренний выпуск", "3 декабря 2026.", "Neue Brücke eröffnet", "Рынок переезжает"]
    assert german.description == "In dieser Ausgabe: Neue Brücke eröffnet; Markt zieht um."  # the feed's text too
    assert russian.description == "Neue Brücke eröffnet; Рынок переезжает."
    mixed = compose_script([_article("de"), _article("fr", title="Le marché déménage")], edition="Edition")
    assert [s.text for s in mixed.chapters[0].segments][1:3] == ["3 December 2026.", "In this edition:"]
    assert mixed.description == "In this edition: Neue Brücke eröffnet; Le marché déménage."
    assert in_this_edition("en") == "In this edition:"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="the espeak-ng command is not installed (.ci/run installs it)")
def test_espeak_reads_the_spoken_german_byline_as_one_sentence():
    # eSpeak NG prints one line of phonemes per clause it hears: the written German day ('3.') ends a sentence for it,
    # the spoken one ('dritter') does not.
    def clauses(text):
        phonemes = subprocess.run(["espeak-ng", "-v", "de", "-q", "-x", text], capture_output=True, text=True,
                                  check=True).stdout
        return [line for line in phonemes.splitlines() if line.strip()]

    written = byline("Anna Weber", DAY, "de")
    spoken = normalize_for_speech(written, "de")
    assert spoken == "Von Anna Weber, dritter Dezember 2026."
    assert len(clauses(written)) == 3 and len(clauses(spoken)) == 2  # after the name's comma, and nowhere else
    assert "b'aI" not in "".join(clauses(spoken))


def test_a_markdown_table_is_announced_in_the_articles_language(tmp_path):
    from narrate.article.read import read_article

    table = "| Jahr | Besucher |\n|---|---|\n| 2025 | 1200 |\n"
    path = tmp_path / "brücke.md"
    path.write_text("---\ntitle: Neue Brücke\nlanguage: de\n---\n\nDie Brücke ist offen.\n\n" + table, encoding="utf-8")
    said = [s.text for c in compose_script([read_article(str(path))]).chapters for s in c.segments]
    assert said[-1] == "Eine Tabelle wird hier ausgelassen."
    path.write_text(path.read_text(encoding="utf-8").replace("language: de", "language: en"), encoding="utf-8")
    assert [s.text for c in compose_script([read_article(str(path))]).chapters for s in c.segments][-1] == (
        "A table is omitted here.")
    path.write_text(path.read_text(encoding="utf-8").replace("language: en", "language: ru"), encoding="utf-8")
    assert [s.text for c in compose_script([read_article(str(path))]).chapters for s in c.segments][-1] == (
        "Die Brücke ist offen.")  # no words for it in Russian: the table is passed over, not announced in English


def test_a_written_date_is_cldrs_long_form_outside_english():
    from narrate.dates import long_date

    assert long_date(DAY) == long_date(DAY, "en-US") == "3 December 2026"  # narrate's English form, not CLDR's
    assert long_date(DAY, "de") == "3. Dezember 2026"
    assert long_date(DAY, "ru") == "3 декабря 2026\u202fг."  # a narrow no-break space before the abbreviation
    assert long_date(DAY, "not a language") == "3 December 2026"
