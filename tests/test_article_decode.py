"""decode_text: the encodings articles really arrive in, and the bytes that are not articles."""

import codecs
import random

import pytest

from narrate.article.decode import decode_text
from narrate.errors import InputError

SAMPLE = "The mayor’s café reopened — “at last”, said Zoë.\n\nA second paragraph follows.\n"
WESTERN = "The mayor's café reopened on Monday, said Zoë Müller, after a long winter.\n\nRenée paid £5 for crème brûlée.\n"


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"),
        SAMPLE.encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16-native"],
)
def test_unicode_encodings_decode_exactly(data):
    assert decode_text(data, "a.md") == SAMPLE


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_western_single_byte_text_is_detected(encoding):
    assert decode_text(WESTERN.encode(encoding), "a.txt") == WESTERN


def test_cp1252_curly_quotes_are_detected():
    text = "The council’s “new plan” costs €40 — more than last year’s.\n" * 3
    assert decode_text(text.encode("cp1252"), "a.txt") == text


@pytest.mark.parametrize(
    "data",
    [
        b"Some text\x00with a NUL byte in it",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 20 + b"words",
        random.Random(7).randbytes(4000),
    ],
    ids=["nul", "png", "controls", "random"],
)
def test_binary_input_is_refused_with_the_source_named(data):
    with pytest.raises(InputError, match=r"photo\.md is a binary file, not an article\."):
        decode_text(data, "photo.md")


def test_binary_on_stdin_is_named_as_standard_input():
    with pytest.raises(InputError, match="Standard input holds binary data"):
        decode_text(b"\x00\x01\x02", "-")


def test_bytes_no_detector_trusts_are_refused():
    rng = random.Random(3)
    data = bytes(rng.randrange(0x80, 0x100) for _ in range(3000))
    with pytest.raises(InputError, match=r"noise\.txt"):
        decode_text(data, "noise.txt")


def test_broken_utf16_is_refused():
    with pytest.raises(InputError, match="not readable text"):
        decode_text(codecs.BOM_UTF16_LE + b"a\x00b", "odd.txt")


def test_empty_bytes_decode_to_empty_text():
    assert decode_text(b"", "empty.md") == ""
