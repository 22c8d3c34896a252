"""`narrate script --check`: leftover digits and symbols, unknown capitals, long sentences, with places."""

from __future__ import annotations

from narrate.script.check import check_script, check_text
from narrate.script.model import Chapter, Script, Segment
from narrate.script.normalize import normalize_for_speech


def _script(*chapters: tuple[str, list[str]]) -> Script:
    return Script(title="t", chapters=tuple(Chapter(title, tuple(Segment(s) for s in segs)) for title, segs in chapters))


def test_clean_normalized_text_has_no_issues() -> None:
    text = normalize_for_speech("The FBI and NATO met on May 18, 2025 at 9:30 a.m. and paid $2.5 billion.")
    assert check_text(text) == []


def test_finds_each_kind_with_its_place() -> None:
    script = _script(
        ("Opening", ["All fine here.", "Model X7 costs 5 units."]),
        ("Second", ["The ZQW team met.", "A sign ✓ appeared.", " ".join(["word"] * 70) + "."]),
    )
    issues = check_script(script)
    kinds = [(i.kind, i.chapter_index, i.segment_index) for i in issues]
    assert kinds == [("digits", 0, 1), ("digits", 0, 1), ("all-caps", 1, 0), ("symbol", 1, 1), ("long-sentence", 1, 2)]
    assert issues[0].excerpt == "X7"
    assert str(issues[2]).startswith('Chapter 2 "Second", segment 1: ')
    assert str(issues[2]).endswith('\n    "The ZQW team met."')
    assert "ZQW" in issues[2].message


def test_known_words_phonemes_and_dotted_initials_pass() -> None:
    assert check_text("NATO, NASA and the F.B.I. said [[h@l'oU]] twice.") == []


def test_long_sentence_limit_is_adjustable() -> None:
    text = "one two three four five six."
    assert check_text(text, long_sentence_words=5)[0][0] == "long-sentence"
    assert check_text(text, long_sentence_words=6) == []


def test_nested_chapters_are_numbered_as_the_script_shows_them_and_excerpts_have_context() -> None:
    chapters = (
        Chapter("Edition", (Segment("Fine."),)),
        Chapter("Ferry", (Segment("Fine."),)),
        Chapter("Repairs", (Segment("Fine."), Segment("The long preamble says the ferry Model X7 costs a great deal to repair now.")), level=1),
    )
    issue = check_script(Script(title="t", chapters=chapters))[0]
    assert issue.place() == 'Chapter 2.1 "Repairs", segment 2'
    assert issue.context == '"…says the ferry Model X7 costs a great deal to repair…"'


def test_digits_are_left_to_the_engine_for_languages_without_a_normalizer() -> None:
    chapters = (Chapter("Fähre", (Segment("Die Fähre brachte 120 Fahrgäste über den Fluss."),)),)
    assert check_script(Script(title="t", chapters=chapters, language="de")) == []
    assert [i.kind for i in check_script(Script(title="t", chapters=chapters, language="en"))] == ["digits"]


def test_initials_with_an_ampersand_are_not_reported() -> None:
    assert check_text(normalize_for_speech("AT&T and the R&D team met.")) == []
    assert [kind for kind, _, _ in check_text("Tom & Jerry met.")] == ["symbol"]
