"""Read Markdown as it really arrives (exports, front matter, glued bylines) into an Article.

What is kept and what is dropped:
- `# headline` (or front matter `title`) is the title; `##` and deeper headings start Sections.
- A byline right under the headline (`**Jane Roe****18 May 2025**`, `By Jane Roe`, a date) goes
  into metadata, not body text. YAML front matter (title, author, date, url/canonical_url, site,
  language/lang, description...) overrides what is guessed; without a declared language, one is
  detected from the body when the guess is confident (narrate.article.language).
- Paragraphs split mid-sentence by a blank line are rejoined (see paragraphs.continues_previous).
- Links keep their text; images, HTML blocks and comments, code blocks and link-only paragraphs
  are dropped, as is a publisher footer ("To contact ... visit:" before a link).
- `>` quotes become quote blocks, list items list_item blocks, `---`/`***` break blocks, and a
  table one table block without text (tables do not read well aloud: the script says a table is left out,
  in the article's language; see narrate.script.phrases).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from narrate.article.byline import join_names, parse_byline, parse_date
from narrate.article.front_matter import author_names, split_front_matter, text_field, warn
from narrate.article.language import choose_language
from narrate.article.model import Article, Block, BlockKind, Section
from narrate.article.paragraphs import normalize_space, rejoin_split_paragraphs

_BARE_URL = re.compile(r"^(?:<)?(?:https?://|www\.)\S+(?:>)?$", re.IGNORECASE)
_FOOTER = re.compile(
    r"^(?:to contact|to subscribe|subscribe to|sign up for|follow us|for more (?:information|news))\b.*$",
    re.IGNORECASE,
)
_MAX_FOOTER_CHARS = 200

_PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@dataclass
class _Item:
    """One block-level piece of the document before sections are formed."""

    kind: str  # "heading" or a BlockKind
    text: str
    level: int = 0
    raw: str = ""
    link_only: bool = False


def _inline_text(token: Token) -> tuple[str, bool]:
    """The plain text of an inline token and whether all its words sit inside links."""
    parts: list[str] = []
    link_depth = 0
    words_outside_links = False
    for child in token.children or []:
        if child.type == "link_open":
            link_depth += 1
        elif child.type == "link_close":
            link_depth = max(0, link_depth - 1)
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
            if child.content.strip() and link_depth == 0:
                words_outside_links = True
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        # images, inline HTML (comments included) and emphasis markers say nothing.
    text = normalize_space("".join(parts))
    link_only = bool(text) and (not words_outside_links or bool(_BARE_URL.match(text)))
    return text, link_only


def _items(tokens: list[Token]) -> list[_Item]:
    """Flatten block tokens into headings and blocks in reading order."""
    items: list[_Item] = []
    containers: list[str] = []
    in_table = False
    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("blockquote_open", "list_item_open"):
            containers.append("quote" if kind == "blockquote_open" else "list_item")
        elif kind in ("blockquote_close", "list_item_close"):
            if containers:
                containers.pop()
        elif kind == "table_open":
            in_table = True
            items.append(_Item("table", ""))
        elif kind == "table_close":
            in_table = False
        elif kind == "hr":
            items.append(_Item("break", ""))
        elif kind == "inline" and not in_table:
            opener = tokens[index - 1] if index else None
            text, link_only = _inline_text(token)
            if not text:
                continue
            if opener is not None and opener.type == "heading_open":
                items.append(_Item("heading", text, level=int(opener.tag[1:]), raw=token.content))
            else:
                block_kind = containers[-1] if containers else "paragraph"
                items.append(_Item(block_kind, text, raw=token.content, link_only=link_only))
        # html_block, code_block and fence are not read aloud.
    return items


def _drop_links_and_footers(items: list[_Item]) -> list[_Item]:
    """Remove link-only paragraphs and the publisher footer that introduces a link."""
    kept: list[_Item] = []
    for index, item in enumerate(items):
        if item.kind in ("paragraph", "list_item") and item.link_only:
            continue
        if item.kind == "paragraph" and len(item.text) <= _MAX_FOOTER_CHARS:
            following = items[index + 1] if index + 1 < len(items) else None
            introduces_link = item.text.endswith(":") and following is not None and following.link_only
            if _FOOTER.match(item.text) or introduces_link:
                continue
        kept.append(item)
    return kept


def _same_words(a: str, b: str) -> bool:
    squash = lambda s: re.sub(r"\W+", "", s).casefold()  # noqa: E731
    return squash(a) == squash(b)


def _date_field(meta: dict[str, Any]) -> dt.date | None:
    """The front matter's `date` (or `published`); one that does not exist (2025-02-30) is ignored with a warning."""
    for name in ("date", "published"):
        value = meta.get(name)
        if value is None:
            continue
        date = parse_date(value)
        if date is not None:
            return date
        warn(f"The front matter's {name!r} is not a date that exists ({' '.join(str(value).split())[:40]}); it was ignored.")
    return None


def title_from_source(source: str | None) -> str | None:
    """A last-resort title from a file name: 'city-council_vote.md' -> 'City council vote'."""
    if not source or source == "-":
        return None
    stem = re.sub(r"[-_]+", " ", PurePath(source).stem).strip()
    return stem[:1].upper() + stem[1:] if stem else None


def _looks_like_title(item: _Item) -> bool:
    return item.kind == "paragraph" and len(item.text.split()) <= 15 and not item.text.endswith((".", ":"))


def _body_text(sections: list[Section]) -> str:
    """The article's body as one text, for guessing its language."""
    return "\n".join(block.text for section in sections for block in section.blocks if block.kind != "table")


def parse_markdown(text: str, source: str | None = None) -> Article:
    """Parse a Markdown article (front matter, headline, byline, sections) into an Article."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    meta, body = split_front_matter(text)
    items = _drop_links_and_footers(_items(_PARSER.parse(body)))

    title = text_field(meta, "title", "headline")
    first_h1 = next((i for i, item in enumerate(items) if item.kind == "heading" and item.level == 1), None)
    title_index: int | None = None
    if title is None:
        if first_h1 is not None:
            title, title_index = items[first_h1].text, first_h1
        elif items and _looks_like_title(items[0]):
            title, title_index = items[0].text, 0
            if len(items) == 1:  # one unmarked line is title and text at once (compose says it once)
                title_index = None
    elif items and items[0].kind == "heading" and _same_words(items[0].text, title):
        title_index = 0
    if title_index is not None:
        del items[title_index]
    else:
        title_index = 0
    title = title or title_from_source(source) or "Untitled article"

    author, date = None, None
    while title_index < len(items) and items[title_index].kind == "paragraph":
        byline = parse_byline(items[title_index].raw)
        if byline is None or (byline.author and author) or (byline.date and date):
            break
        author, date = author or byline.author, date or byline.date
        del items[title_index]

    sections: list[Section] = []
    heading: str | None = None
    level = 2
    blocks: list[Block] = []
    for item in items:
        if item.kind == "heading":
            if heading is not None or blocks:
                sections.append(Section(heading, tuple(rejoin_split_paragraphs(blocks)), level))
            heading, level, blocks = item.text, item.level, []
        else:
            kind: BlockKind = item.kind  # type: ignore[assignment]
            blocks.append(Block(kind, item.text))
    if heading is not None or blocks:
        sections.append(Section(heading, tuple(rejoin_split_paragraphs(blocks)), level))

    known = {"title", "headline", "author", "authors", "byline", "date", "url", "canonical_url",
             "canonical", "link", "permalink", "site", "site_name", "publication", "publisher",
             "language", "lang"}
    extra = {k: normalize_space(str(v)) for k, v in meta.items()
             if k not in known and isinstance(v, (str, int, float, dt.date)) and not isinstance(v, bool)}
    return Article(
        title=title,
        sections=tuple(sections),
        author=join_names(author_names(meta) or []) or author,
        date=_date_field(meta) or date,
        source=source,
        canonical_url=text_field(meta, "canonical_url", "canonical", "url", "link", "permalink"),
        site=text_field(meta, "site", "site_name", "publication", "publisher"),
        language=choose_language(text_field(meta, "language", "lang"), _body_text(sections)),
        extra=extra,
    )
