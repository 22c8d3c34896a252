"""A folder as a source: every article file in it and its subfolders (Markdown, text, saved HTML) is an item.

An item's identity is its path inside the folder; it has changed when its bytes have. Files are listed and
hashed, never parsed: only new and changed files are read as articles. Hidden files and folders (a leading
dot) are left out. The newest file (by modification time) comes first, as on a news site's front page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from narrate.follow.feed import SourceError
from narrate.follow.model import SourceItem

ARTICLE_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".txt", ".text", ".html", ".htm", ".xhtml"})
"""The file endings read as articles."""

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Files larger than this are not articles and are left out."""


def list_folder(folder: Path, where: str) -> tuple[SourceItem, ...]:
    """The article files under `folder`, newest first; SourceError when the folder cannot be read."""
    if not folder.exists():
        raise SourceError(f"{where} does not exist.")
    if not folder.is_dir():
        raise SourceError(f"{where} is not a folder.")
    found: list[tuple[float, str, Path, int]] = []
    try:
        for root, dirs, files in os.walk(folder, onerror=_raise):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                path = Path(root) / name
                if name.startswith(".") or path.suffix.lower() not in ARTICLE_SUFFIXES or not path.is_file():
                    continue
                stat = path.stat()
                if stat.st_size > MAX_FILE_BYTES:
                    continue
                found.append((stat.st_mtime, path.relative_to(folder).as_posix(), path, stat.st_size))
    except OSError as error:
        raise SourceError(f"{where} cannot be read: {error.strerror or error}.") from None
    found.sort(key=lambda f: (-f[0], f[1]))
    items = []
    for position, (mtime, relative, path, _size) in enumerate(found):
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue  # removed or unreadable since it was listed: the next run sees it again
        items.append(SourceItem(
            item_id=relative, title=None, link=None,
            published=dt.datetime.fromtimestamp(mtime, dt.timezone.utc), position=position, kind="file",
            why="an article file in the folder", fingerprint=digest, path=path,
        ))
    return tuple(items)


def _raise(error: OSError) -> None:
    raise error
