"""The read stage's single entry point: a path, '-' or (later) a URL becomes an Article."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from narrate.article.decode import decode_text, describe_source, size_text
from narrate.article.markdown import parse_markdown
from narrate.article.model import Article
from narrate.article.text import parse_text
from narrate.errors import InputError, NarrateError

Reader = Callable[[str, str], Article]
"""A reader takes decoded text and its source name and returns an Article."""


DEFAULT_MAX_INPUT_MB = 20
"""The largest input read by default, file, standard input or web page (a long novel is under 2 MB);
`--max-input-mb` raises it."""

_PIP_NAMES = {"lxml_html_clean": "lxml_html_clean", "lxml": "lxml", "trafilatura": "trafilatura", "justext": "jusText",
              "htmldate": "htmldate", "courlan": "courlan", "charset_normalizer": "charset-normalizer"}
"""Modules the HTML reader needs, by the name pip installs them under."""


def missing_component(error: ImportError, what: str) -> NarrateError:
    """One sentence naming the package to install when a component fails to import (an old pip, for one, drops
    the `lxml[html_clean]` extra that trafilatura's jusText asks for)."""
    text = str(error)
    module = "lxml_html_clean" if "lxml_html_clean" in text or "html_clean" in text else (error.name or "").split(".")[0]
    package = _PIP_NAMES.get(module, module)
    if not package:
        return NarrateError(f"{what} needs a component that failed to load ({text.splitlines()[0] if text else error!r}).")
    return NarrateError(f"{what} needs the Python package {package}, which is not installed: pip install {package}")


def _html_module():  # type: ignore[no-untyped-def]
    """narrate.article.html; trafilatura and lxml (about 0.2 s to import) load only when a page is read."""
    try:
        from narrate.article import html
    except ImportError as error:
        raise missing_component(error, "Reading HTML") from None
    return html


def _read_html(text: str, source: str) -> Article:
    """Read an HTML page (imports the HTML reader on first use)."""
    return _html_module().read_html(text, source)


def _read_url(url: str, max_bytes: int) -> Article:
    """Fetch and read a web page (imports the HTML reader on first use)."""
    return _html_module().read_url(url, max_bytes=max_bytes)


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


def _too_large(source: str, max_bytes: int) -> InputError:
    return InputError(f"{describe_source(source)} is larger than the {size_text(max_bytes)} input limit; "
                      "raise it with --max-input-mb if it really is one article.")


def read_source_bytes(source: str, stdin: BinaryIO | None = None, max_bytes: int = DEFAULT_MAX_INPUT_MB * 1024**2) -> bytes:
    """The bytes of a file or of '-' (standard input, or `stdin` when given); InputError in one sentence when it is
    missing or unreadable, or larger than `max_bytes` (one byte more is read to know, never the whole of it)."""
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(source, max_bytes)
        return data
    path = Path(source)
    try:
        if not path.exists():
            raise InputError(f"{source} does not exist.")
        if path.is_dir():
            raise InputError(f"{source} is a folder, not an article file.")
        if path.stat().st_size > max_bytes:
            raise _too_large(source, max_bytes)
        with open(path, "rb") as handle:  # a device or a pipe has no size to check: read one byte over the cap
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(source, max_bytes)
        return data
    except PermissionError:
        raise InputError(f"{source} cannot be read: permission denied.") from None
    except OSError as error:
        raise InputError(f"{source} cannot be read: {error.strerror or error}.") from None


def _reader(fmt: str, source: str) -> Reader:
    reader = READERS.get(fmt)
    if reader is None:
        raise InputError(f"{describe_source(source)} is {fmt.upper()}, which narrate cannot read yet.")
    return reader


def read_article(source: str, stdin: BinaryIO | None = None, max_bytes: int = DEFAULT_MAX_INPUT_MB * 1024**2) -> Article:
    """Read one article from a file path, an http(s) URL or '-' (standard input, or `stdin` when given).

    `.md`/`.markdown` are Markdown, `.txt` plain text, anything else is sniffed. Raises InputError
    (one sentence naming the source) for a missing, unreadable, binary, undecodable or empty input,
    one larger than `max_bytes`, and for a URL whose page cannot be fetched; NarrateError naming the
    package to install when the HTML reader cannot load.
    """
    if _URL.match(source):
        return _read_url(source, max_bytes)
    fmt = _SUFFIX_FORMATS.get(Path(source).suffix.lower()) if source != "-" else None
    if fmt is not None and fmt not in READERS:
        _reader(fmt, source)
    text = decode_text(read_source_bytes(source, stdin, max_bytes), source)
    if not text.strip():
        raise InputError(f"{describe_source(source)} is empty: there is no article to read.")
    fmt = fmt or sniff_format(text)
    article = _reader(fmt, source)(text, source)
    if not any(block.text.strip() for section in article.sections for block in section.blocks):
        raise InputError(f"{describe_source(source)} has a title but no article text to read.")
    return article
