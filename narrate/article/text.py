"""Read a plain-text article: the first non-empty line is the headline, blank lines separate paragraphs.

A first line that is all there is, or that is too long for a headline (over MAX_TITLE_CHARS), is the text as well:
the title is then that line (shortened), and the script says it once.

Its language is detected from the body when the guess is confident (narrate.article.language).
"""

from __future__ import annotations

import re

from narrate.article.byline import parse_byline
from narrate.article.language import detect_language
from narrate.article.model import Article, Block, Section
from narrate.article.paragraphs import MAX_TITLE_CHARS, normalize_space, rejoin_split_paragraphs, shorten

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)])\s+")
_BREAK = re.compile(r"^\s*(?:[-*_=~#•]\s*){3,}$")
_MAX_BYLINE_PARAGRAPHS = 2


def _blocks(paragraph: str) -> list[Block]:
    """One paragraph's blocks: a break line, a run of bullets (list items), or one paragraph."""
    lines = [line for line in paragraph.split("\n") if line.strip()]
    if not lines:
        return []
    if len(lines) == 1 and _BREAK.match(lines[0]):
        return [Block("break", "")]
    if all(_BULLET.match(line) for line in lines):
        return [Block("list_item", normalize_space(_BULLET.sub("", line))) for line in lines]
    return [Block("paragraph", normalize_space(" ".join(lines)))]


def parse_text(text: str, source: str | None = None) -> Article:
    """Parse a plain-text article into an Article with one untitled section."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").strip("\n")
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    title = normalize_space(lines[first]) if first is not None else "Untitled article"
    rest = "\n".join(lines[first + 1:]) if first is not None else ""
    paragraphs = [p for p in _BLANK_LINES.split(rest) if p.strip()]

    author, date = None, None
    for _ in range(_MAX_BYLINE_PARAGRAPHS):
        if not paragraphs:
            break
        byline = parse_byline(paragraphs[0].strip(), emphasized_names=False)
        if byline is None or (byline.author and author) or (byline.date and date):
            break
        author, date = author or byline.author, date or byline.date
        paragraphs.pop(0)

    if first is not None and (not paragraphs or len(title) > MAX_TITLE_CHARS):
        paragraphs.insert(0, lines[first])
        title = shorten(title)
    blocks = [block for paragraph in paragraphs for block in _blocks(paragraph)]
    sections = (Section(None, tuple(rejoin_split_paragraphs(blocks))),) if blocks else ()
    language = detect_language("\n".join(block.text for block in blocks))
    return Article(title=title, sections=sections, author=author, date=date, source=source, language=language)
