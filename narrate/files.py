"""Atomic file writes: every file a build writes lands under a temporary name, then is renamed into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside `dest`; on success it replaces `dest`, on failure it is removed."""
    dest = Path(dest)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, dest)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_bytes_atomic(dest: Path, data: bytes) -> None:
    """Write `data` to `dest` so that readers see either the old file or the whole new one."""
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(dest: Path, text: str) -> None:
    """Write UTF-8 `text` to `dest` atomically."""
    write_bytes_atomic(dest, text.encode("utf-8"))


STALE_PART_SECONDS = 3600.0
"""A temporary `.part` file untouched for this long belongs to a writer that was killed (kill -9, power loss)."""


def remove_stale_parts(folder: Path, pattern: str = ".*.part", older_than_s: float = STALE_PART_SECONDS) -> int:
    """Delete the temporary files matching `pattern` in `folder` that nothing has written for `older_than_s`.

    A live writer touches its file all the time (an encode writes it every few milliseconds), so only
    files of killed writers are old. Returns how many were removed."""
    cutoff = time.time() - older_than_s
    removed = 0
    for part in Path(folder).glob(pattern):
        with contextlib.suppress(FileNotFoundError):
            if part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
    return removed


def existing_folder(path: Path, what: str = "output folder") -> Path:
    """`path`, when it is a folder; else NarrateError saying whether it is a file or missing."""
    from narrate.errors import NarrateError

    path = Path(path)
    if path.is_dir():
        return path
    if path.exists():
        raise NarrateError(f"The {what} {path} is a file, not a folder.")
    raise NarrateError(f"The {what} {path} does not exist; build an episode first.")
