"""Quoted speech inside paragraphs: quotation runs for the quote voice, attributions and scare quotes for the narrator."""

from __future__ import annotations

import pytest

from narrate.article.model import Article, Block, Section
from narrate.script.compose import QUOTE_BOUNDARY_MS, compose_script
from narrate.script.pauses import Pauses
from narrate.script.quotes import Run, ends_sentence, quotation_spans, split_quotations

Q, N = True, False

# (paragraph, expected runs as (quoted, text)); sentences written for these tests.
CASES = [
    ("“We rebuilt the pier in a week,” she said.",
     [(Q, "We rebuilt the pier in a week,"), (N, "she said.")]),
    ('"The boats will run again by May," he said.',
     [(Q, "The boats will run again by May,"), (N, "he said.")]),
    ("“The shaft was cracked,” said Tomas Rehn, the yard's foreman. “We had no choice.”",
     [(Q, "The shaft was cracked,"), (N, "said Tomas Rehn, the yard's foreman."), (Q, "We had no choice.")]),
    ("The mayor said: “Nobody expected this. Nobody planned for it.”",
     [(N, "The mayor said:"), (Q, "Nobody expected this. Nobody planned for it.")]),
    ("Critics called the plans “non-starters” and moved on.",
     [(N, "Critics called the plans “non-starters” and moved on.")]),
    ('He called the panel "decorative" twice.',
     [(N, 'He called the panel "decorative" twice.')]),
    ("She read “The Quiet Harbour” aloud.",
     [(N, "She read “The Quiet Harbour” aloud.")]),
    ("“We will keep the lights on for as long as it takes",
     [(Q, "We will keep the lights on for as long as it takes")]),
    ('The 5" pipe and the 3" valve were replaced, the engineer said.',
     [(N, 'The 5" pipe and the 3" valve were replaced, the engineer said.')]),
    ("„Wir bauen die Brücke neu auf“, sagte die Bürgermeisterin.",
     [(Q, "Wir bauen die Brücke neu auf"), (N, "sagte die Bürgermeisterin.")]),
    ("No quotation here at all.", [(N, "No quotation here at all.")]),
]


@pytest.mark.parametrize(("paragraph", "expected"), CASES)
def test_split_quotations(paragraph: str, expected: list[tuple[bool, str]]) -> None:
    assert split_quotations(paragraph) == [Run(text, quoted) for quoted, text in expected]


def test_spans_include_marks_and_unclosed_quotes_run_to_the_end() -> None:
    text = 'A "b c" d “e f'
    assert [text[a:b] for a, b in quotation_spans(text)] == ['"b c"', "“e f"]


@pytest.mark.parametrize(("text", "expected"), [
    ("It ended.", True), ("It ended.”", True), ("Did it?", True), ("she said,", False), ("The mayor said:", False),
])
def test_ends_sentence(text: str, expected: bool) -> None:
    assert ends_sentence(text) is expected


PAUSES = Pauses(sentence_ms=300, paragraph_ms=700, section_ms=1200, article_ms=2000, after_heading_ms=600)


def _segments(*paragraphs: str, kind: str = "paragraph"):
    article = Article(title="Pier", sections=(Section(None, tuple(Block(kind, p) for p in paragraphs)),))  # type: ignore[arg-type]
    return [(s.role, s.text, s.pause_ms) for s in compose_script([article], pauses=PAUSES).segments()[1:]]


def test_quote_and_attribution_segments_with_a_short_pause_inside_the_sentence() -> None:
    segments = _segments("“The shaft was cracked,” said Tomas Rehn, the yard's foreman. “We had no choice. It was that or nothing.”",
                         "The pier opens on Friday.")
    assert segments == [
        ("quote", "The shaft was cracked,", QUOTE_BOUNDARY_MS),
        ("narrator", "said Tomas Rehn, the yard's foreman.", 300),
        ("quote", "We had no choice.", 300),
        ("quote", "It was that or nothing.", 700),
        ("narrator", "The pier opens on Friday.", 0),
    ]
    assert 150 <= QUOTE_BOUNDARY_MS <= 250


def test_scare_quotes_stay_inline_and_block_quotes_are_all_quote() -> None:
    assert [r for r, _, _ in _segments("Critics called the plans “non-starters” again.")] == ["narrator"]
    assert {r for r, _, _ in _segments("“We waited all winter for this,” said one commuter.", kind="quote")} == {"quote"}
