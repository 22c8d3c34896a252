"""Hypothesis strategies for hostile article input, shared by the fuzz tests and `bench/fuzz.py`.

Inputs are bytes plus the file suffix they arrive under ('' means standard input, sniffed): random bytes and
unicode, hostile front matter, huge numbers, deep nesting, symbols and invisible characters inside our own
sentences, HTML pages, and real articles from the shared corpus (read at run time, never copied) mutated.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

CORPUS = Path(os.environ.get("NARRATE_CORPUS") or Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
"""Real sample inputs, read-only (may be absent): shared/corpus beside the repository, or $NARRATE_CORPUS."""

SUFFIXES = ("", ".md", ".txt", ".html")
"""How an input arrives: standard input (sniffed), or a file whose name says its format."""

WORDS = ("the", "council", "ferry", "harbour", "vote", "Monday", "said", "people", "price", "rose", "Mara", "Okafor",
         "bridge", "and", "of", "in", "a", "new", "report", "school", "flood", "water", "town", "hall", "budget")

HOSTILE = (
    "9" * 320, "1" * 4400, "$" + "9" * 310, "£" + "4" * 400 + "m", "0." + "3" * 500, "1" * 30 + "th", "-" + "7" * 500,
    "1,000,000,000,000,000,000,000", "10^308", "1e999", "2^15", "5 > 3", "x < 5", "~50", "C#", "F#", "#ClimateWeek",
    "#1", "a | b", "a \\ b", "{x}", "[sic]", "[[k'i:v]]", "]]", "[[", "<b>bold</b>", "<!-- note -->", "<script>x</script>",
    "**", "__init__", "`code`", "~~gone~~", "^", "~", "&amp;", "&", "R&D", "%", "100%", "1/0", "0/0", "31/02/2025",
    "2025-02-30", "25:99", "99:99 p.m.", "Henry MMMMCM", "World War MMMM", "No. 999999999999999999999",
    "US$9999999999999999999999tn", "3.14159265358979323846264338327950288419716939937510", "1.2.3.4.5.6",
    "\u202eevil\u202c", "\u2066isolated\u2069", "\u200b", "\u00ad", "\ufeff", "\u2060", "\u200e", "\u200f", "\u061c",
    "\U000e0041", "\u200d", "\u200c", "👩\u200d💻", "می\u200cخواهم", "…", "—", "--", "https://example.org/a_b?c=d#e",
    "jo@example.org", "@jo_smith", "🏳️\u200d🌈", "\x0c", "\t", "\r\n", "\u2028", "\u2029", "\u0085",
)
"""Tokens that crashed, hung or leaked into speech before, and their neighbours."""

INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
                       "\U000e0000-\U000e007f]")
"""Bidi controls and invisible format characters that must never be spoken or shown."""

_CF = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
_VISIBLE_SIGNS = set("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd") | {
    chr(c) for c in range(0x13430, 0x13440)}
"""Format characters that print a sign (Arabic number signs...) or shape hieroglyphs: they may stay."""


def invisible_in(text: str, *, joiners_allowed: bool) -> list[str]:
    """The format (Cf) characters in `text` that must not be there: the joiner inside an emoji sequence and the
    visible format signs always pass; other ZWJ/ZWNJ and emoji tags only when `joiners_allowed` (shown text)."""
    found = []
    for index, ch in enumerate(text):
        if ch not in _CF or ch in _VISIBLE_SIGNS:
            continue
        before, after = text[index - 1: index], text[index + 1: index + 2]
        in_emoji = ch == "\u200d" and before and after and (before == "\ufe0f" or unicodedata.category(before) in ("So", "Sk")) \
            and unicodedata.category(after) == "So"
        if in_emoji or (joiners_allowed and (ch in "\u200c\u200d" or "\U000e0020" <= ch <= "\U000e007f")):
            continue
        found.append(f"U+{ord(ch):04X}")
    return found


@cache
def corpus_texts() -> tuple[tuple[str, bytes], ...]:
    """(suffix, bytes) of the corpus samples, the novel cut to its first 60 KB; empty when the corpus is absent."""
    found: list[tuple[str, bytes]] = []
    for path in sorted(CORPUS.glob("markdown/*.md")):
        found.append((".md", path.read_bytes()))
    for path in sorted(CORPUS.glob("html/*/source.html")):
        found.append((".html", path.read_bytes()))
    for path in sorted(CORPUS.glob("long/*.md")):
        found.append((".md", path.read_bytes()[:60_000]))
    return tuple(found)


_words = st.sampled_from(WORDS)
_hostile = st.sampled_from(HOSTILE)
_readable = st.characters(exclude_categories=("Cs", "Cn", "Co", "Cc"))
_any_text = st.text(_readable, max_size=40)
_piece = st.one_of(_words, _words, _words, _hostile, _any_text, st.integers(-10**30, 10**30).map(str))


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """A sentence of our words with hostile tokens and random text mixed in."""
    words = draw(st.lists(_piece, min_size=1, max_size=25))
    return " ".join(words) + draw(st.sampled_from([".", "!", "?", "", ":", ","]))


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    """One to four sentences."""
    return " ".join(draw(st.lists(sentences(), min_size=1, max_size=4)))


_scalar = st.one_of(
    st.sampled_from(["2025-02-30", "2025-13-01", "2025-01-01 25:00:00", "2025-01-01T23:61:00Z", "0000-00-00", "9999-12-31",
                     "2024-05-18", "[1, 2]", "{a: b}", "null", "~", "yes", ".inf", "-.nan", "0x1F", "1e999", "!!binary AAAA",
                     "!!python/object:os.system", "&a [*a]", "*undefined", "'", '"', "|", ">", "@", "`", "%YAML 1.1",
                     "9" * 5000, "'" + "x" * 300 + "'"]),
    _any_text.map(lambda s: '"' + s.replace("\\", "").replace('"', "") + '"'),
)


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    """A YAML front-matter block: impossible dates, wrong types, deep nesting, anchors, broken syntax."""
    keys = ["title", "author", "authors", "date", "published", "language", "lang", "site", "url", "tags", "description"]
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(keys) | _words)
        kind = draw(st.integers(0, 6))
        if kind == 0:
            depth = draw(st.sampled_from([1, 5, 50, 200, 2000]))
            lines.append(f"{key}: " + "[" * depth + draw(_scalar) + "]" * draw(st.sampled_from([0, depth])))
        elif kind == 1:
            depth = draw(st.sampled_from([1, 5, 50, 2000]))
            lines.append(f"{key}: " + "{a: " * depth + "1" + "}" * depth)
        elif kind == 2:
            lines.append(f"{key}:\n" + "".join(f"  - {draw(_scalar)}\n" for _ in range(draw(st.integers(1, 3)))).rstrip())
        elif kind == 3:
            lines.append(f"{key}:\n  - name: {draw(_scalar)}\n  - {draw(_scalar)}")
        else:
            lines.append(f"{key}: {draw(_scalar)}")
    closing = draw(st.sampled_from(["---", "...", "", "---"]))
    return "---\n" + "\n".join(lines) + "\n" + closing + "\n"


@st.composite
def markdown_docs(draw: st.DrawFn) -> str:
    """A Markdown article: maybe front matter, a headline, byline, sections, lists, quotes, tables, code, HTML."""
    parts = []
    if draw(st.booleans()):
        parts.append(draw(front_matter()))
    if draw(st.booleans()):
        parts.append("# " + draw(sentences()))
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 9))
        text = draw(paragraphs())
        parts.append([
            text, text, "## " + text, "- " + text + "\n- " + draw(sentences()), "> " + text,
            "| a | b |\n|---|---|\n| " + text + " | 1 |", "```\n" + text + "\n```", "<div>" + text + "</div>",
            ">" * draw(st.sampled_from([2, 30, 500])) + " " + text, "**" + text + "**",
        ][kind])
    return "\n\n".join(parts)


@st.composite
def html_docs(draw: st.DrawFn) -> str:
    """An HTML page: title with a site suffix, meta tags, an article body, nesting that may go very deep."""
    title = draw(sentences()) + draw(st.sampled_from(["", " | The Courier", " - Mara Okafor", " — Site"]))
    depth = draw(st.sampled_from([0, 3, 300, 3000]))
    body = "".join(f"<p>{draw(paragraphs())}</p>" for _ in range(draw(st.integers(0, 5))))
    nested = "<div>" * depth + body + "</div>" * draw(st.sampled_from([0, depth]))
    meta = draw(st.sampled_from(["", '<meta property="og:site_name" content="The Courier">',
                                 '<meta name="author" content="Mara Okafor">', '<meta name="date" content="2025-02-30">']))
    return f"<!doctype html><html lang=\"{draw(st.sampled_from(['en', 'fr', 'xx', '', 'en-GB']))}\"><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>{nested}</article></body></html>"


@st.composite
def mutated_corpus(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real article with a few random edits: inserted hostile tokens, deleted or repeated spans, flipped bytes."""
    samples = corpus_texts()
    if not samples:
        return ".md", draw(markdown_docs()).encode("utf-8")
    suffix, data = draw(st.sampled_from(samples))
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.integers(0, 3))
        if op == 0:
            data[at:at] = draw(_hostile | sentences()).encode("utf-8")
        elif op == 1:
            data[at: at + draw(st.integers(1, 2000))] = b""
        elif op == 2:
            data[at:at] = data[at: at + draw(st.integers(1, 500))] * draw(st.integers(2, 5))
        elif at < len(data):
            data[at] = draw(st.integers(0, 255))
    return draw(st.sampled_from([suffix, ""])), bytes(data)


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


inputs = st.one_of(
    st.tuples(st.sampled_from(SUFFIXES), st.binary(max_size=3000)),
    st.tuples(st.sampled_from(SUFFIXES), st.text(max_size=3000).map(_encoded)),
    st.tuples(st.sampled_from(SUFFIXES), st.text(_readable, max_size=3000).map(_encoded)),
    st.tuples(st.sampled_from(SUFFIXES), markdown_docs().map(_encoded)),
    st.tuples(st.sampled_from(["", ".txt"]), st.lists(paragraphs(), min_size=1, max_size=6).map(lambda p: _encoded("\n\n".join(p)))),
    st.tuples(st.sampled_from(["", ".html"]), html_docs().map(_encoded)),
    mutated_corpus(),
)
"""(suffix, bytes) of one hostile input."""


@st.composite
def huge_inputs(draw: st.DrawFn) -> tuple[str, bytes]:
    """Inputs of 10 KB to 2 MB: digit runs, one endless word, text without a sentence end, many short lines."""
    size = draw(st.sampled_from([10_000, 16_000, 100_000, 1_000_000, 2_000_000]))
    kind = draw(st.integers(0, 4))
    body = [
        lambda: "9" * size,
        lambda: "x" * size,
        lambda: ("word " * (size // 5)).strip(),
        lambda: "1, " * (size // 3),
        lambda: "Line\n" * (size // 5),
    ][kind]()
    return draw(st.sampled_from(["", ".md", ".txt"])), ("# Huge\n\n" + body + "\n").encode()
