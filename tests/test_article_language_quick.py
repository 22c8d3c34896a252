"""The quick English check in front of py3langid, and the imports reading Markdown costs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from narrate.article import language
from narrate.article.language import detect_language, english_word_shares, is_clearly_english

ENGLISH = (
    "The harbour master said that the ferry would run again on Monday, after the storm had torn two of its "
    "moorings loose. Crews have been working through the night, and they expect the pier to reopen before "
    "the weekend. Passengers who bought tickets for the cancelled crossings can ask for their money back at "
    "the office by the quay, which will also stay open later than usual this week."
)
"""Our own English prose, long enough for the quick check."""

FRENCH = (
    "Le capitaine du port a annoncé que le bac reprendrait lundi, après la tempête qui a arraché deux de ses "
    "amarres. Les équipes travaillent toute la nuit et espèrent rouvrir la jetée avant le week-end. Les "
    "passagers qui avaient acheté des billets pour les traversées annulées peuvent se faire rembourser au "
    "bureau du quai, qui restera aussi ouvert plus tard que d'habitude cette semaine."
)
"""The same news in French: none of it is settled by the quick check."""


def test_english_prose_is_settled_without_loading_the_detector() -> None:
    language._identifier.cache_clear()
    assert is_clearly_english(ENGLISH)
    assert detect_language(ENGLISH) == "en"
    assert language._identifier.cache_info().currsize == 0


def test_other_languages_still_go_to_the_detector() -> None:
    language._identifier.cache_clear()
    count, common, the = english_word_shares(FRENCH)
    assert count >= language.ENGLISH_MIN_WORDS and common < language.ENGLISH_MIN_SHARE and the == 0.0
    assert not is_clearly_english(FRENCH)
    assert detect_language(FRENCH) == "fr"
    assert language._identifier.cache_info().currsize == 1


def test_short_english_is_left_to_the_detector() -> None:
    short = "The ferry runs again on Monday after the storm, the harbour master said."
    assert not is_clearly_english(short)
    assert detect_language(short) == "en"


def test_english_with_a_foreign_quote_still_needs_mostly_english_words() -> None:
    mixed = FRENCH + " " + " ".join(ENGLISH.split()[:15])
    assert not is_clearly_english(mixed)


def test_reading_markdown_imports_no_html_extractor_or_detector(tmp_path: Path) -> None:
    article = tmp_path / "ferry.md"
    article.write_text("# Ferries return\n\n" + ENGLISH + "\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from narrate.article.read import read_article\n"
        f"a = read_article({str(article)!r})\n"
        "print(a.language, sorted(m for m in ('trafilatura', 'lxml', 'py3langid') if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "en []"
