"""A digest of some of narrate's own source files, remembered between runs.

Two things a build checks depend on narrate's code: the fast path's inputs fingerprint (narrate.fastpath: every
file of the package) and the script memo's code version (narrate.memo: the script and article code). Reading and
hashing the files took 8 and 4 ms of every build; their names, sizes and modification times (one directory walk,
about 1 ms) now key a digest remembered in a small file, computed again only when a file is added, removed or
edited."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

SourceFile = tuple[str, int, int]
"""A source file as (path relative to the root, size, modification time in ns)."""


def source_files(root: Path, parts: Sequence[str], suffixes: tuple[str, ...]) -> list[SourceFile]:
    """Each file under `root`/PART for every PART of `parts` (a folder, searched recursively without __pycache__;
    or a file; "" is `root` itself) whose name ends in one of `suffixes`, sorted."""
    found: list[SourceFile] = []
    base = str(root)
    pending: list[str] = []
    for part in parts:
        path = os.path.join(base, part) if part else base
        if os.path.isdir(path):
            pending.append(path)
        elif path.endswith(suffixes) and os.path.isfile(path):
            stat = os.stat(path)
            found.append((os.path.relpath(path, base), stat.st_size, stat.st_mtime_ns))
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        pending.append(entry.path)
                elif entry.name.endswith(suffixes):
                    stat = entry.stat()
                    found.append((os.path.relpath(entry.path, base), stat.st_size, stat.st_mtime_ns))
    return sorted(found)


def source_digest(root: Path, files: Sequence[SourceFile], memo: Path | None = None) -> str:
    """A sha256 over `files` (their paths relative to `root`, and their bytes), taken from the file `memo` when it
    holds the digest of the same names, sizes and times; else computed and written there (only into a folder that
    exists: none is made for it). A missing file counts as such."""
    key = hashlib.sha256(repr(list(files)).encode("utf-8", "surrogateescape")).hexdigest()
    if memo is not None:
        try:
            remembered = json.loads(memo.read_text("utf-8"))
            if remembered.get("files") == key and isinstance(remembered.get("digest"), str):
                return remembered["digest"]
        except (OSError, ValueError, AttributeError):
            pass
    digest = hashlib.sha256()
    for name, _, _ in files:
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update((Path(root) / name).read_bytes())
        except OSError:
            digest.update(b"<missing>")
        digest.update(b"\0")
    value = digest.hexdigest()
    if memo is not None and memo.parent.is_dir():
        from narrate.files import write_text_atomic

        try:
            write_text_atomic(memo, json.dumps({"files": key, "digest": value}) + "\n")
        except OSError:
            pass  # the memo only saves time
    return value
