"""split_sentences and bound_length."""

import time

import pytest

from narrate.script.sentences import bound_length, split_sentences


@pytest.mark.parametrize(
    "paragraph, expected",
    [
        ("Dr. Ana Ruiz met Lt. Col. Dale Moss in the U.S. Capitol. They spoke for an hour.",
         ["Dr. Ana Ruiz met Lt. Col. Dale Moss in the U.S. Capitol.", "They spoke for an hour."]),
        ("“Is it open?” she asked. “Yes,” he said.", ["“Is it open?” she asked.", "“Yes,” he said."]),
        ("Mr. Bell paid $4.50 at 5 p.m. on Friday. It was late!", ["Mr. Bell paid $4.50 at 5 p.m. on Friday.", "It was late!"]),
        ("  One line\n  wrapped here.  ", ["One line wrapped here."]),
        ("", []),
    ],
)
def test_split_sentences(paragraph, expected):
    assert split_sentences(paragraph) == expected


def test_unknown_language_falls_back_to_english():
    assert split_sentences("Dr. Bell came. He left.", language="xx-YY") == ["Dr. Bell came.", "He left."]


LONG = ("The plan, which the council debated for three long evenings in the spring, covers roads; bridges; "
        "the old market hall—which needs a roof—and a dozen smaller works, each of them small, each of them late, "
        "each of them costly to the people of the town who have waited for years")


@pytest.mark.parametrize("max_chars", [40, 60, 120, 200])
def test_bound_length_keeps_every_word_and_the_limit(max_chars):
    pieces = bound_length([LONG], max_chars)
    assert all(len(p) <= max_chars for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(LONG.split())
    position = 0
    for piece in pieces:  # each piece is a verbatim stretch of the sentence, cut at a space or before a dash
        found = LONG.index(piece, position)
        assert LONG[position:found].strip() == ""
        end = found + len(piece)
        assert end == len(LONG) or LONG[end] in " —"
        position = end
    assert len(pieces) > 1


def test_bound_length_prefers_strong_boundaries():
    pieces = bound_length([LONG], 120)
    assert pieces[0].endswith("bridges;")
    assert pieces[1].endswith(",")


def test_bound_length_never_cuts_inside_a_word_that_fits():
    word = "x" * 20
    assert bound_length([f"{word} tail"], 20) == [word, "tail"]


def test_a_word_longer_than_the_bound_is_cut_but_a_digit_run_is_not():
    assert bound_length(["y" * 50 + " tail"], 20) == ["y" * 20, "y" * 20, "y" * 10 + " tail"]
    price = "$" + "9" * 400 + "."
    assert bound_length([f"It cost {price}"], 60) == [f"It cost {price}"]  # the normalizer says it in a few words
    assert all(len(p) <= 300 for p in bound_length(["z" * 1_000_000]))


def test_huge_paragraphs_split_in_linear_time():
    """Ten times the text takes about ten times as long (a generous bound; pysbd alone is superlinear)."""

    def cost(text: str) -> float:
        started = time.process_time()
        bound_length(split_sentences(text))
        return max(time.process_time() - started, 1e-3)

    for unit in ("The council met. ", "word ", "x"):
        cost(unit * (2_000 // len(unit)))
        assert cost(unit * (200_000 // len(unit))) < 20 * cost(unit * (20_000 // len(unit))) + 0.05, unit


def test_short_sentences_untouched():
    assert bound_length(["Short one.", "Another."], 300) == ["Short one.", "Another."]


def test_many_paragraphs_split_fast():
    paragraph = "Dr. Moss said the U.S. plan was late. The council met on Friday. " * 5
    start = time.perf_counter()
    for _ in range(200):
        split_sentences(paragraph)
    assert time.perf_counter() - start < 10


# --- our pysbd Segmenter locates sentences as pysbd does -------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
import pysbd  # noqa: E402

from fuzz_inputs import corpus_texts  # noqa: E402
from narrate.script.sentences import segmenter_class  # noqa: E402

_PIECES = ("Dr.", "Mr.", "U.S.", "p.m.", "St.", "No.", "e.g.", "i.e.", "Lt. Col.", "Jan.", "a)", "1)", "ii.", "4.50",
           "1.", "...", "…", "!", "?", "?!", ".", ",", ";", ":", "“", "”", '"', "'", "(", ")", "[", "]", "—", "-",
           "word", "Word", "the", "council", "Ana", "said", "I", "A", "x", "9", "2025", "\n", "\t", "\u00a0", "\u2003",
           "\x1c", " ", "  ")
_texts = st.lists(st.sampled_from(_PIECES), max_size=40).map(lambda parts: " ".join(parts))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_texts, st.sampled_from(["en", "de", "fr", "es"]))
def test_our_segmenter_finds_the_sentences_pysbd_finds(text, language):
    ours = segmenter_class()(language=language, clean=False).segment(text)
    assert ours == pysbd.Segmenter(language=language, clean=False).segment(text)


def test_our_segmenter_agrees_with_pysbd_on_real_paragraphs():
    paragraphs = [p for suffix, data in corpus_texts() if suffix == ".md"
                  for p in data.decode("utf-8", "replace").split("\n\n") if p.strip() and len(p) <= 2000]
    if not paragraphs:
        pytest.skip("the shared corpus is not beside the repository (set NARRATE_CORPUS)")
    ours, theirs = segmenter_class()(language="en", clean=False), pysbd.Segmenter(language="en", clean=False)
    for paragraph in paragraphs[:400]:
        assert ours.segment(paragraph) == theirs.segment(paragraph)
