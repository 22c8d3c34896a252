"""The script memo: per-paragraph script work kept by content, so that a rebuild after an edit redoes only what changed.

Three pure computations are remembered, each by a digest of its inputs and of the code that computes it:
- 'sentences': the sentences of one paragraph (narrate.script.sentences.split_sentences, pysbd's part of composing);
- 'spoken': one segment's text rewritten for speech (the normalizer, after the lexicon: its output is the key's input);
- 'language': the language guessed from the start of an article's text (narrate.article.language).
Everything else the script stage does (reading, Markdown, quotations, bounding lengths) is cheap and runs every time.

code_version() covers the source of narrate's `script` and `article` packages and of this module, the versions of pysbd, num2words and
py3langid and Python's Unicode tables, so a change to any of them misses every entry: what is remembered is always
what this code would compute (tests/test_script_memo.py builds scripts both ways and compares them).

The memo is a SQLite file (WAL, so concurrent builds share it) in the cache folder: MEMO_FILE. A damaged file is
replaced; a memo that cannot be used at all is skipped (the work is done afresh), never an error. It holds at most
MAX_ENTRIES entries; the least recently used go first.

Use: `with remembering(folder): ...`; inside, `remembered(kind, function, *args)` answers from the memo or calls
`function(*args)` and keeps the result. Outside (folder None, or no `with`), it just calls the function.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from narrate.faults import checkpoint

if TYPE_CHECKING:
    import sqlite3

MEMO_SCHEMA = 1
"""Bump when the meaning of an entry changes in a way code_version() cannot see."""
MEMO_FILE = "script-memo.sqlite3"
"""The memo's file name in the cache folder."""
CODE_DIGEST_FILE = "script-memo.code-digest"
"""Beside the memo: the digest of the code it depends on, kept while no source file changes (code_version)."""
MAX_ENTRIES = 400_000
"""At most this many entries are kept (about 60 MB; a 2-million-word book makes about 150,000)."""
FLUSH_EVERY = 2_000
"""New entries are written in transactions of this many (a long input's work survives an interruption)."""
_PACKAGES = ("pysbd", "num2words", "py3langid")
"""Distributions whose behaviour the remembered results depend on."""
_SOURCES = ("script", "article", "memo.py")
"""narrate's packages (and this module) whose code computes what is remembered."""

T = TypeVar("T")


_NARRATE = Path(__file__).resolve().parent
"""narrate's package folder."""


@functools.cache
def code_version(root: Path = _NARRATE, remembered_in: Path | None = None) -> str:
    """A digest of everything besides their inputs that the remembered results depend on (see the module's doc):
    the source under `root` (narrate's package folder) and the versions of the libraries and of Python's tables.
    The source's digest is kept in the file `remembered_in` while no file changes (narrate.sourcedigest)."""
    from narrate.sourcedigest import source_digest, source_files
    from narrate.versions import package_version

    digest = hashlib.sha256(f"narrate-script-memo-{MEMO_SCHEMA}\0".encode())
    digest.update(source_digest(root, source_files(root, _SOURCES, (".py",)), remembered_in).encode() + b"\0")
    for name in _PACKAGES:
        digest.update(f"{name}={package_version(name)}\0".encode())
    digest.update(f"python={sys.version_info[0]}.{sys.version_info[1]} unicode={unicodedata.unidata_version}\0".encode())
    return digest.hexdigest()


def entry_key(kind: str, args: tuple[Any, ...], version: str) -> bytes:
    """The content address of one result: its kind, its arguments (str or None) and the code version."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{version}\0{kind}\0".encode())
    for arg in args:
        if arg is None:
            digest.update(b"N")
        else:
            data = str(arg).encode("utf-8", "surrogatepass")
            digest.update(b"S%d:" % len(data) + data)
    return digest.digest()


class ScriptMemo:
    """Remembered script work in one SQLite file; new entries are buffered and written in batches."""

    def __init__(self, path: Path, max_entries: int = MAX_ENTRIES, version: str | None = None) -> None:
        """Open (creating if needed) the memo at `path`; `version` defaults to code_version()."""
        self.path = Path(path)
        """The SQLite file."""
        self.max_entries = max_entries
        """The most entries kept."""
        self.version = version or code_version(remembered_in=self.path.with_name(CODE_DIGEST_FILE))
        """The code version every key includes."""
        self.hits = 0
        """Lookups answered from the memo."""
        self.misses = 0
        """Lookups that had to compute."""
        self._pending: dict[bytes, str] = {}
        self._used: set[bytes] = set()
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            import sqlite3

            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._conn = self._open()
            except sqlite3.DatabaseError:  # a damaged file: start again
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        import sqlite3

        conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS entries (key BLOB PRIMARY KEY, value TEXT NOT NULL,"
                     " used INTEGER NOT NULL) WITHOUT ROWID")
        conn.execute("CREATE INDEX IF NOT EXISTS entries_used ON entries(used)")
        return conn

    def lookup(self, kind: str, args: tuple[Any, ...]) -> tuple[bytes, Any, bool]:
        """(key, value, found) for `kind` called with `args`."""
        key = entry_key(kind, args, self.version)
        text = self._pending.get(key)
        if text is None:
            row = self._db().execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
            text = row[0] if row else None
        if text is None:
            self.misses += 1
            return key, None, False
        self.hits += 1
        self._used.add(key)
        return key, json.loads(text), True

    def keep(self, key: bytes, value: Any) -> None:
        """Remember `value` (JSON-able) under `key`."""
        self._pending[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write the new entries and mark the used ones as used now; trim to max_entries when it grew."""
        if not self._pending and not self._used:
            return
        now = time.time_ns()
        db = self._db()
        pending, used = self._pending, self._used
        self._pending, self._used = {}, set()
        db.execute("BEGIN")
        try:
            db.executemany("INSERT OR REPLACE INTO entries(key, value, used) VALUES (?, ?, ?)",
                           [(key, text, now) for key, text in pending.items()])
            db.executemany("UPDATE entries SET used = ? WHERE key = ?", [(now, key) for key in used - pending.keys()])
            checkpoint("build:memo-flushing")
            if pending:
                excess = db.execute("SELECT count(*) FROM entries").fetchone()[0] - self.max_entries
                if excess > 0:
                    db.execute("DELETE FROM entries WHERE key IN (SELECT key FROM entries ORDER BY used LIMIT ?)",
                               (excess,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Write what is pending and close the file."""
        try:
            if os.getpid() == self._pid:
                self.flush()
        finally:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def clear(self) -> None:
        """Forget every entry."""
        self._pending.clear()
        self._used.clear()
        if self.path.exists():
            self._db().execute("DELETE FROM entries")

    def __len__(self) -> int:
        """How many entries are stored (pending ones not counted)."""
        if not self.path.exists():
            return 0
        return int(self._db().execute("SELECT count(*) FROM entries").fetchone()[0])


def clear_memo(folder: Path) -> None:
    """Forget everything the memo in `folder` holds (`narrate cache clear`); nothing to do where there is none."""
    path = Path(folder) / MEMO_FILE
    if path.exists():
        memo = ScriptMemo(path)
        try:
            memo.clear()
        finally:
            memo.close()


_ACTIVE: ContextVar[ScriptMemo | None] = ContextVar("narrate_script_memo", default=None)


def remembered(kind: str, function: Callable[..., T], *args: Any) -> T:
    """`function(*args)`, answered from the active memo when it holds the result (args: str or None; result: JSON-able).

    The memo is best effort: one that fails (a full disk, a locked file) is dropped for the rest of the run."""
    memo = _ACTIVE.get()
    if memo is None:
        return function(*args)
    try:
        key, value, found = memo.lookup(kind, args)
    except Exception:  # noqa: BLE001 - the memo only saves time
        _ACTIVE.set(None)
        return function(*args)
    if found:
        return value  # type: ignore[no-any-return]
    value = function(*args)
    try:
        memo.keep(key, value)
    except Exception:  # noqa: BLE001
        _ACTIVE.set(None)
    return value


@contextlib.contextmanager
def remembering(folder: Path | None) -> Iterator[ScriptMemo | None]:
    """Make the memo in `folder` (MEMO_FILE) the active one for the block; None (or a memo that cannot be opened)
    leaves everything computed afresh."""
    if folder is None:
        yield None
        return
    memo: ScriptMemo | None = ScriptMemo(Path(folder) / MEMO_FILE)
    try:
        memo._db()  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - an unwritable folder: no memo, same results
        memo = None
    token = _ACTIVE.set(memo)
    try:
        yield memo
    finally:
        _ACTIVE.reset(token)
        if memo is not None:
            with contextlib.suppress(Exception):
                memo.close()
