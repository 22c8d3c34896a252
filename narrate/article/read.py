"""The read stage's single entry point: a path, '-' or (later) a URL becomes an Article."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from narrate.article.decode import decode_text, describe_source
from narrate.article.markdown import parse_markdown
from narrate.article.model import Article
from narrate.article.text import parse_text
from narrate.errors import InputError

Reader = Callable[[str, str], Article]
"""A reader takes decoded text and its source name and returns an Article."""


def _read_html(text: str, source: str) -> Article:
    """Read an HTML page; trafilatura and lxml (about 0.2 s to import) load only when a page is read."""
    from narrate.article.html import read_html

    return read_html(text, source)


def _read_url(url: str) -> Article:
    """Fetch and read a web page (imports the HTML reader on first use)."""
    from narrate.article.html import read_url

    return read_url(url)


READERS: dict[str, Reader] = {
    "markdown": lambda text, source: parse_markdown(text, source),
    "text": lambda text, source: parse_text(text, source),
    "html": _read_html,
}
"""Readers by format name."""

_SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".mdown": "markdown", ".mkd": "markdown",
                   ".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".xhtml": "html"}
_URL = re.compile(r"^https?://", re.IGNORECASE)
_HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_MARKDOWN_SIGNS = re.compile(
    r"(?m)\A---\s*\n|^#{1,6}\s+\S|^\s*[-*+]\s+\S|^\s*>\s|\*\*[^*\n]+\*\*|\[[^\]\n]+\]\([^)\s]+\)|^```"
)


def sniff_format(text: str) -> str:
    """Guess the format of text whose name does not say: 'html', 'markdown' or 'text'."""
    if _HTML_START.match(text):
        return "html"
    return "markdown" if _MARKDOWN_SIGNS.search(text) else "text"


def _read_bytes(source: str, stdin: BinaryIO | None) -> bytes:
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return stream.read()
    path = Path(source)
    try:
        if not path.exists():
            raise InputError(f"{source} does not exist.")
        if path.is_dir():
            raise InputError(f"{source} is a folder, not an article file.")
        return path.read_bytes()
    except PermissionError:
        raise InputError(f"{source} cannot be read: permission denied.") from None
    except OSError as error:
        raise InputError(f"{source} cannot be read: {error.strerror or error}.") from None


def _reader(fmt: str, source: str) -> Reader:
    reader = READERS.get(fmt)
    if reader is None:
        raise InputError(f"{describe_source(source)} is {fmt.upper()}, which narrate cannot read yet.")
    return reader


def read_article(source: str, stdin: BinaryIO | None = None) -> Article:
    """Read one article from a file path or '-' (standard input, or `stdin` when given).

    `.md`/`.markdown` are Markdown, `.txt` plain text, anything else is sniffed. Raises InputError
    (one sentence naming the source) for a missing, unreadable, binary, undecodable or empty input,
    and for a URL whose page cannot be fetched.
    """
    if _URL.match(source):
        return _read_url(source)
    fmt = _SUFFIX_FORMATS.get(Path(source).suffix.lower()) if source != "-" else None
    if fmt is not None and fmt not in READERS:
        _reader(fmt, source)
    text = decode_text(_read_bytes(source, stdin), source)
    if not text.strip():
        raise InputError(f"{describe_source(source)} is empty: there is no article to read.")
    fmt = fmt or sniff_format(text)
    article = _reader(fmt, source)(text, source)
    if not any(block.text.strip() for section in article.sections for block in section.blocks):
        raise InputError(f"{describe_source(source)} has a title but no article text to read.")
    return article
