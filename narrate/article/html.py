"""Read an HTML article page: its body (without the page chrome) and its metadata, with trafilatura."""

from __future__ import annotations

import datetime as dt
import re
from email.message import Message
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from narrate.article.byline import join_names
from narrate.article.fetch import DEFAULT_TIMEOUT_S, fetch_url
from narrate.article.language import choose_language
from narrate.article.model import Article, Block, Section
from narrate.article.paragraphs import normalize_space, rejoin_split_paragraphs
from narrate.errors import InputError

_CHROME_LINE = re.compile(
    r"""^(?:
        advertisement | advert | sponsored(?:\s+content)? | story\s+continues\s+below(?:\s+advertisement)?
      | continue\s+reading(?:\s+the\s+main\s+story)? | skip\s+(?:to\s+main\s+content|advertisement)
      | share(?:\s+(?:this|on|via)\b.*)? | (?:share|follow|like)\s+us\b.*
      | (?:sign\s+up|subscribe)\b.*\bnewsletter\b.* | .*\bnewsletter\b.*\bsign\s+up\b.*
      | (?:read|see)\s+more\b.* | related(?:\s+(?:articles?|stories|coverage|content))?:?.* | see\s+also:?.*
      | more\s+on\s+this\s+story:?.* | (?:photo|photograph|image|picture|illustration|video)(?:\s+credit)?\s*:.*
      | (?:copyright\s+)?©.* | comments?(?:\s+\(\d+\))? | \d+\s+comments? | (?:leave|post|add)\s+a\s+comment.*
      | click\s+here\b.* | (?:listen|watch)\s+to\s+this\s+(?:article|story).*
      | from\s+the\s+section\b.* | \[[^\]]*\]
      | (?:(?:updated|published|posted)\s+)?(?:\d{1,2}\s+[a-z]+\.?|[a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?)\s+\d{4}(?:\s*,?\s*\d{1,2}:\d{2}.*)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
"""Whole blocks that are page furniture, not article text (only short blocks are tested against it)."""

_CHROME_MAX_WORDS = 25
"""A block longer than this is article text even if it starts like a prompt ('Read more about...' rarely is)."""

_PLACEHOLDER_AUTHORS = {"username", "user", "admin", "administrator", "staff", "editor", "anonymous", "guest"}
"""Names that page templates print where a signed-in user's or a default author's name goes."""

_BYLINE_XPATH = (
    "//*[@rel='author' or contains(concat(' ', normalize-space(@itemprop), ' '), ' author ')"
    " or contains(translate(@class, 'BYLINE', 'byline'), 'byline')"
    " or contains(translate(@id, 'BYLINE', 'byline'), 'byline')]"
)
"""Elements that hold a visible byline, as Readability looks for them."""

_BY_PREFIX = re.compile(r"^\s*by[:\s]+", re.IGNORECASE)
_BYLINE_SPLIT = re.compile(r"\s*(?:[|•·\n]|\s[—–-]\s|,\s*(?=(?:updated|published|posted)\b))\s*", re.IGNORECASE)
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-Þ][\w'’.-]*|and|&|de|da|del|der|den|van|von|la|le|di|du|bin|al)$")
_MAX_NAME_WORDS = 8


def _name_like(text: str) -> bool:
    """True for 'Jane Roe' or 'Ana de la Cruz and Tom Bell': a few capitalised words, no sentence."""
    words = text.replace(",", " ").split()
    return (
        2 <= len(words) <= _MAX_NAME_WORDS
        and all(_NAME_WORD.match(w) for w in words)
        and text.lower() not in _PLACEHOLDER_AUTHORS
    )


def _tidy_name(name: str) -> str:
    """'JEFFREY GETTLEMAN' -> 'Jeffrey Gettleman'; other names unchanged."""
    return name.title() if name.isupper() else name


def _join_names(names: list[str]) -> str | None:
    """'A', 'A and B', 'A, B and C' after dropping case-insensitive repeats; None when empty."""
    unique: list[str] = []
    for name in names:
        if name.casefold() not in {u.casefold() for u in unique}:
            unique.append(name)
    return join_names(unique) or None


def _split_names(text: str) -> list[str]:
    """The names in an author string such as 'A; B', 'A, B and C' or 'By A | March 3'."""
    text = _BY_PREFIX.sub("", normalize_space(text))
    first = _BYLINE_SPLIT.split(text)[0] if text else ""
    pieces = re.split(r"\s*(?:;|,|\band\b|&)\s*", first)
    return [_tidy_name(p.strip()) for p in pieces if p.strip()]


def _visible_byline(tree: HtmlElement) -> str | None:
    """The author named by the page's own byline element, if it has one that reads as names."""
    for element in tree.xpath(_BYLINE_XPATH):
        if element.tag in ("meta", "link", "script", "style"):
            continue
        text = normalize_space(element.text_content())
        if not text or len(text) > 100:
            continue
        names = _split_names(text)
        if names and all(_name_like(n) for n in names):
            return _join_names(names)
    return None


def _author(tree: HtmlElement, extracted: str | None) -> str | None:
    """The article's author: the visible byline first (what a reader sees), else the page metadata."""
    visible = _visible_byline(tree)
    if visible:
        return visible
    if extracted:
        names = [n for n in _split_names(extracted) if _name_like(n)]
        return _join_names(names)
    return None


def _date(value: str | None) -> dt.date | None:
    """A date from trafilatura's 'YYYY-MM-DD'."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _declared_language(tree: HtmlElement) -> str | None:
    """The language the page declares: <html lang>, Content-Language, or og:locale."""
    root = tree.getroottree().getroot()
    for value in (
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *root.xpath("//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']/@content"),
        *root.xpath("//meta[@property='og:locale']/@content"),
    ):
        if value and value.strip():
            return value.strip().split(",")[0]
    return None


def _canonical_url(tree: HtmlElement, extracted: str | None, url: str | None) -> str | None:
    """<link rel=canonical> made absolute, else the URL the metadata names, else the URL it was fetched from."""
    for href in tree.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"):
        if href.strip():
            return urljoin(url or "", href.strip())
    return extracted or url


def _text(element: etree._Element) -> str:
    """An element's text with line breaks as spaces."""
    return normalize_space(" ".join(element.itertext()))


def _table_text(table: etree._Element) -> str:
    """A table read row by row: cells joined by commas, rows ended by full stops."""
    rows = []
    for row in table.iter("row"):
        cells = [_text(cell) for cell in row if _text(cell)]
        if cells:
            rows.append(", ".join(cells).rstrip(".") + ".")
    return " ".join(rows)


def _is_chrome(text: str) -> bool:
    """True for a short block that is page furniture ('Advertisement', 'Share this article', a photo credit)."""
    return len(text.split()) <= _CHROME_MAX_WORDS and bool(_CHROME_LINE.match(text.strip(" .:!")))


def _flatten(main: etree._Element) -> list[tuple[str, str, int]]:
    """trafilatura's XML body as (kind, text, heading level) in reading order; kind 'heading' for <head>."""
    items: list[tuple[str, str, int]] = []

    def walk(element: etree._Element, inside: str | None) -> None:
        for child in element:
            tag = child.tag
            if tag == "head":
                rend = child.get("rend", "h2")
                level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
                items.append(("heading", _text(child), max(2, level)))
            elif tag == "list":
                walk(child, "list_item" if inside != "quote" else "quote")
            elif tag == "item":
                nested = [c for c in child if c.tag == "list"]
                own = normalize_space(
                    (child.text or "") + " ".join(_text(c) + " " + (c.tail or "") for c in child if c.tag != "list")
                )
                items.append((inside or "list_item", own, 0))
                for sublist in nested:
                    walk(sublist, inside or "list_item")
            elif tag == "quote":
                if any(c.tag in ("p", "list", "quote") for c in child):
                    walk(child, "quote")
                else:
                    items.append(("quote", _text(child), 0))
            elif tag == "table":
                items.append(("table", _table_text(child), 0))
            elif tag in ("p", "div", "code"):
                items.append((inside or "paragraph", _text(child), 0))
            elif tag in ("graphic", "ref", "hi", "lb"):
                continue
            else:
                items.append((inside or "paragraph", _text(child), 0))

    walk(main, None)
    return [(kind, text, level) for kind, text, level in items if text]


def _fold(text: str) -> str:
    """Lowercased words only, to compare a heading with the title."""
    return " ".join(re.findall(r"\w+", text.casefold()))


_TITLE_SEPARATOR = re.compile(r"\s+(?:[|·•»:]{1,2}|[-–—]{1,2})\s+")
"""What sits between a headline and the site or author name pages add to their <title>: ' | ', ' - ', ' — '..."""
_SITE_NAME_XPATH = ("//meta[@property='og:site_name' or @name='application-name' or @name='apple-mobile-web-app-title'"
                    " or @name='publisher' or @property='article:publisher']/@content")


def _name_key(text: str) -> str:
    """A name reduced for comparison: 'The Washington Post' and 'Washington Post' meet at 'washingtonpost'."""
    return re.sub(r"^the", "", re.sub(r"\W+", "", text.casefold()))


def _names_a_source(piece: str, names: list[str]) -> bool:
    """True when a title piece is one of `names` (keys), or a short extension or shortening of one of six letters
    or more ('The Guardian' for 'Guardian US'; never 'Timeline of events' for 'Time')."""
    key = _name_key(piece)
    if len(key) < 3 or len(piece.split()) > 6:
        return False
    return any(key == name or (min(len(key), len(name)) >= 6 and (key.startswith(name) or name.startswith(key)))
               for name in names)


def strip_title_suffix(title: str, authors: list[str | None], sites: list[str | None]) -> str:
    """A page <title> without the author or site name it carries ('... | Jane Roe', '... - Site', 'Site | ...'),
    when the page's metadata gives that name; otherwise unchanged. Only a site name is taken off the front:
    'Jane Roe - why I left' may be a headline about her."""
    author_keys = [k for k in (_name_key(n) for n in authors if n) if k]
    site_keys = [k for k in (_name_key(n) for n in sites if n) if k]
    parts = _TITLE_SEPARATOR.split(title)
    count = len(parts)
    while len(parts) > 1 and _names_a_source(parts[-1], author_keys + site_keys):
        parts.pop()
    while len(parts) > 1 and _names_a_source(parts[0], site_keys):
        parts.pop(0)
    if len(parts) == count:
        return title
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() or title


def _sections(items: list[tuple[str, str, int]], title: str) -> tuple[Section, ...]:
    """Group blocks under their headings, dropping chrome and leading headings that repeat the title."""
    sections: list[Section] = []
    heading: str | None = None
    level = 2
    blocks: list[Block] = []
    folded_title = _fold(title)
    for kind, text, item_level in items:
        if kind == "heading":
            if not sections and not blocks and _fold(text) and _fold(text) in folded_title:
                continue  # the headline (or a piece of it) printed again above the body
            if _is_chrome(text):
                continue
            if heading is not None or blocks:
                sections.append(Section(heading, tuple(rejoin_split_paragraphs(blocks)), level))
            heading, level, blocks = text, item_level, []
            continue
        if _is_chrome(text):
            continue
        blocks.append(Block(kind, text))  # type: ignore[arg-type]
    if blocks or heading is not None:
        sections.append(Section(heading, tuple(rejoin_split_paragraphs(blocks)), level))
    while sections and not sections[-1].blocks:
        sections.pop()  # a trailing heading with nothing under it is a 'Related' or 'Comments' box
    return tuple(sections)


def _body_xml(tree: HtmlElement, url: str | None) -> etree._Element | None:
    """trafilatura's extraction of the main text as XML (<head>, <p>, <list>, <quote>, <table>), or None."""
    xml = trafilatura.extract(
        tree,
        url=url,
        output_format="xml",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        favor_recall=True,
        deduplicate=False,
        with_metadata=False,
    )
    if not xml:
        return None
    return etree.fromstring(xml.encode("utf-8")).find("main")


def read_html(html: str | bytes, source: str, url: str | None = None) -> Article:
    """Read an article page: title, author, date, site, canonical URL, language and the body without chrome.

    `source` names the input in messages and in Article.source; `url` is where the page came from, if
    fetched (it resolves relative links). Raises InputError when no article text can be found.
    """
    tree = trafilatura.load_html(html)
    if tree is None:
        raise InputError(f"{source} is not an HTML page that can be read.")
    # Neither call changes `tree`: trafilatura.extract works on its own copy, and the metadata readers copy
    # before they prune (a deep copy here cost ~11 ms per call on a large page).
    meta = trafilatura.extract_metadata(tree, default_url=url)
    title = normalize_space(meta.title or "")
    main = _body_xml(tree, url)
    sections = _sections(_flatten(main), title) if main is not None else ()
    if not any(section.blocks for section in sections):
        raise InputError(f"{source} holds no article text that could be found.")
    if not title:
        first = next((s.heading for s in sections if s.heading), None)
        title = first or "Untitled article"
    body_text = " ".join(block.text for section in sections for block in section.blocks)
    author = _author(tree, meta.author)
    authors = [author, meta.author, *(_split_names(meta.author) if meta.author else [])]
    return Article(
        title=strip_title_suffix(title, authors, [meta.sitename, *tree.xpath(_SITE_NAME_XPATH)]),
        sections=sections,
        author=author,
        date=_date(meta.date),
        source=source,
        canonical_url=_canonical_url(tree, meta.url, url),
        site=normalize_space(meta.sitename) if meta.sitename else None,
        language=choose_language(_declared_language(tree), body_text),
    )


def _decode_with_header(body: bytes, content_type: str) -> str | bytes:
    """The page as text when the Content-Type header names a charset Python knows, else the bytes as sent."""
    if not content_type:
        return body
    header = Message()
    header["Content-Type"] = content_type
    charset = header.get_content_charset()
    if not charset:
        return body
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return body


def read_url(url: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_bytes: int | None = None) -> Article:
    """Fetch a web page and read it as an article; InputError (one sentence) when it cannot be had or read.

    `timeout_s` bounds the whole fetch; `max_bytes` caps the page (default fetch.MAX_PAGE_BYTES)."""
    body, final_url, content_type = fetch_url(url, timeout_s, max_bytes)
    return read_html(_decode_with_header(body, content_type), url, url=final_url)
