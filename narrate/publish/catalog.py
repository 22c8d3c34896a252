"""The catalog: a SQLite database in the output folder holding every published episode.

Only publishers write it, one at a time (they hold the publish lock, see narrate.locks), each change in one
transaction. A new catalog is made whole under a temporary name and renamed into place, so catalog.sqlite is
never a half-made database; one left by an older run (0 bytes, or without tables) is made whole by the next
publisher. Readers (`read_snapshot`) never write and see only committed states.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from narrate.errors import NarrateError
from narrate.faults import checkpoint
from narrate.publish.record import CatalogEntry, EpisodeRecord
from narrate.slug import slugify

CATALOG_FILE = "catalog.sqlite"
"""The catalog's file name inside the output folder (never served)."""
BUSY_TIMEOUT_S = 60.0
"""How long a connection waits for another one's transaction (a reader waits while a commit is written)."""
EPISODE_FILE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{8}\.(?:mp3|chapters\.json|vtt)$")
"""Names of the files a build writes (STEM.mp3, STEM.chapters.json, STEM.vtt)."""
PAGE_FILE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.html$")
"""Names of episode pages (SLUG.html). Only names matching these two patterns are ever deleted."""
PODCAST_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
"""The Podcasting 2.0 namespace UUID for podcast:guid."""
EPISODE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/narrate/episode")
"""narrate's namespace for episode GUIDs (UUIDv5 of the source identity)."""
RESERVED_SLUGS = frozenset({"index", "feed", "catalog", "narrate"})
"""Page names an episode must not take."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS episodes (
    identity TEXT PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    published TEXT NOT NULL,
    title TEXT NOT NULL,
    author TEXT,
    description TEXT NOT NULL DEFAULT '',
    site TEXT,
    language TEXT,
    article_date TEXT,
    mp3 TEXT NOT NULL,
    mp3_bytes INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    chapters_json TEXT NOT NULL,
    vtt TEXT NOT NULL,
    chapters TEXT NOT NULL DEFAULT '[]',
    added TEXT
);
CREATE TABLE IF NOT EXISTS retired (file TEXT PRIMARY KEY);
"""


def catalog_path(output_dir: Path) -> Path:
    """Where the catalog of `output_dir` lives."""
    return Path(output_dir) / CATALOG_FILE


def open_catalog(output_dir: Path) -> sqlite3.Connection:
    """Open the catalog for writing (the caller holds the publish lock); a missing, empty or table-less one is
    made whole first. Transactions are explicit (see `write_transaction`)."""
    path = catalog_path(output_dir)
    try:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.stat().st_size == 0:
            _make_catalog(path)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        with write_transaction(conn):
            _create_schema(conn)
    except sqlite3.DatabaseError as exc:
        raise NarrateError(f"Cannot open the catalog {path}: {exc}.") from None
    except OSError as exc:
        raise NarrateError(f"Cannot create the output folder {output_dir}: {exc.strerror or exc}.") from None
    return conn


def _create_schema(conn: sqlite3.Connection) -> None:
    for statement in filter(str.strip, _SCHEMA.split(";")):
        conn.execute(statement)
    if "added" not in _episode_columns(conn):  # a catalog of an older narrate: its episodes were added when published
        conn.execute("ALTER TABLE episodes ADD COLUMN added TEXT")
    conn.execute("UPDATE episodes SET added = published WHERE added IS NULL")


def _episode_columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(episodes)")}


def _make_catalog(path: Path) -> None:
    """Make an empty catalog under a temporary name and rename it into place (replacing an empty file)."""
    for stale in path.parent.glob(f".{CATALOG_FILE}.*.part"):  # a catalog being made when its maker was killed
        stale.unlink(missing_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{CATALOG_FILE}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            with write_transaction(conn):
                _create_schema(conn)
        finally:
            conn.close()
        os.chmod(tmp, 0o644)
        checkpoint("catalog:made")
        for suffix in ("-journal", "-wal", "-shm"):  # left beside an empty catalog: nothing in them to keep
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Snapshot:
    """One committed state of the catalog."""

    entries: list[CatalogEntry]
    """Every episode, newest publication first."""
    podcast_guid: str | None
    """The stored podcast:guid, or None before the first feed."""
    base_url: str | None = None
    """The base URL the feed was last published under when one was given (see `remember_base_url`)."""


def read_snapshot(output_dir: Path, timeout_s: float = BUSY_TIMEOUT_S, readonly: bool = False) -> Snapshot | None:
    """The catalog's committed state, read without writing anything; None when there is no catalog yet or it holds
    no table (an interrupted first publish of an older narrate). `readonly` opens it read-only: then a journal left
    by a killed writer makes this fail until a writer has rolled it back. Raises sqlite3.Error when it cannot be read."""
    path = catalog_path(output_dir)
    if not path.is_file():
        return None
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}", uri=True,
                           timeout=timeout_s, isolation_level=None)
    try:
        conn.execute("BEGIN")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "episodes"} <= tables:
            return None
        snapshot = Snapshot(entries(conn), stored_podcast_guid(conn), meta_value(conn, BASE_URL_KEY))
        conn.execute("COMMIT")
        return snapshot
    finally:
        conn.close()


def read_entries(output_dir: Path) -> list[CatalogEntry]:
    """Every episode in the catalog of `output_dir`, newest first (see `read_snapshot`); one NarrateError when
    the catalog cannot be read."""
    try:
        snapshot = read_snapshot(output_dir)
    except sqlite3.Error as exc:
        raise NarrateError(f"Cannot read the catalog {catalog_path(output_dir)}: {exc}.") from None
    return snapshot.entries if snapshot else []


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Hold the catalog's write lock for the block; commit on success, roll back on error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def episode_guid(identity: str) -> str:
    """The GUID an episode with this source identity gets: a UUIDv5, the same for every build."""
    return str(uuid.uuid5(EPISODE_NAMESPACE, identity))


def podcast_guid_for(feed_url: str) -> str:
    """podcast:guid per Podcasting 2.0: UUIDv5 of the feed URL without scheme and trailing slashes."""
    bare = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(PODCAST_NAMESPACE, bare))


def podcast_guid(conn: sqlite3.Connection, feed_url: str) -> str:
    """The show's podcast:guid: computed from `feed_url` the first time, then always the stored one."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'podcast_guid'").fetchone()
    if row:
        return row[0]
    value = podcast_guid_for(feed_url)
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('podcast_guid', ?)", (value,))
    return conn.execute("SELECT value FROM meta WHERE key = 'podcast_guid'").fetchone()[0]


BASE_URL_KEY = "base_url"
"""The meta key of the remembered base URL."""


def meta_value(conn: sqlite3.Connection, key: str) -> str | None:
    """The value stored under `key` in the catalog's meta table, or None."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def remember_base_url(conn: sqlite3.Connection, base_url: str) -> None:
    """Keep `base_url` as the folder's public address (inside a write transaction), so a later publish that is
    given none keeps the feed where it was published instead of moving it back to the default address."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (BASE_URL_KEY, base_url))


def stored_podcast_guid(conn: sqlite3.Connection) -> str | None:
    """The stored podcast:guid, or None before the first feed was written."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'podcast_guid'").fetchone()
    return row[0] if row else None


def record_episode(conn: sqlite3.Connection, record: EpisodeRecord, now: dt.datetime) -> CatalogEntry:
    """Insert or update `record` (inside a write transaction); GUID, slug and publication time stay as first stored.

    Files the episode named before and no longer names are marked retired (deleted by `sweep_retired`).
    """
    _check_record(record)
    old = conn.execute("SELECT mp3, chapters_json, vtt FROM episodes WHERE identity = ?", (record.identity,)).fetchone()
    values = {
        "title": record.title,
        "author": record.author,
        "description": record.description or "",
        "site": record.site,
        "language": record.language,
        "article_date": record.date.isoformat() if record.date else None,
        "mp3": record.mp3,
        "mp3_bytes": int(record.mp3_bytes),
        "duration_s": float(record.duration_s),
        "chapters_json": record.chapters_json,
        "vtt": record.vtt,
        "chapters": json.dumps([[t, int(lv), float(s), float(e)] for t, lv, s, e in record.chapters], ensure_ascii=False),
    }
    if old is None:
        published = (
            dt.datetime.combine(record.date, dt.time(0, 0), tzinfo=dt.timezone.utc)
            if record.date
            else now.astimezone(dt.timezone.utc).replace(microsecond=0)
        )
        values.update(identity=record.identity, guid=episode_guid(record.identity),
                      slug=_free_slug(conn, record.title), published=published.isoformat(),
                      added=now.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat())
        columns = ", ".join(values)
        conn.execute(f"INSERT INTO episodes ({columns}) VALUES ({', '.join('?' * len(values))})", tuple(values.values()))
    else:
        retire(conn, [name for name in old if name not in (record.mp3, record.chapters_json, record.vtt)])
        assignments = ", ".join(f"{k} = ?" for k in values)
        conn.execute(f"UPDATE episodes SET {assignments} WHERE identity = ?", (*values.values(), record.identity))
    # Files named again (a build back to an earlier version) are no longer retired.
    conn.executemany("DELETE FROM retired WHERE file = ?", [(n,) for n in (record.mp3, record.chapters_json, record.vtt)])
    entry = find_entry(conn, record.identity)
    assert entry is not None
    return entry


def entries(conn: sqlite3.Connection) -> list[CatalogEntry]:
    """Every episode, newest publication first (by the article's date; see narrate.publish.dating for the show's
    choice)."""
    rows = conn.execute(f"SELECT {_columns(conn)} FROM episodes ORDER BY published DESC, identity").fetchall()
    return [_entry(row) for row in rows]


def find_entry(conn: sqlite3.Connection, key: str) -> CatalogEntry | None:
    """The episode whose identity, GUID, slug, page, STEM or file name is `key`, or None."""
    stem = re.sub(r"\.(?:mp3|chapters\.json|vtt|html)$", "", key)
    row = conn.execute(
        f"SELECT {_columns(conn)} FROM episodes WHERE identity = ? OR guid = ? OR slug = ? OR mp3 = ? OR mp3 = ?",
        (key, key, stem, key, stem + ".mp3"),
    ).fetchone()
    return _entry(row) if row else None


def delete_entry(conn: sqlite3.Connection, entry: CatalogEntry) -> None:
    """Take `entry` out of the catalog (inside a write transaction) and retire its files and page."""
    conn.execute("DELETE FROM episodes WHERE identity = ?", (entry.record.identity,))
    retire(conn, [entry.record.mp3, entry.record.chapters_json, entry.record.vtt, entry.page])


def retire(conn: sqlite3.Connection, names: list[str]) -> None:
    """Mark episode files as no longer wanted by their episode."""
    conn.executemany("INSERT OR IGNORE INTO retired (file) VALUES (?)", [(n,) for n in names])


def names_in_use(conn: sqlite3.Connection) -> set[str]:
    """Every file name the catalog's episodes name: audio, chapters, transcript and page."""
    rows = conn.execute("SELECT mp3, chapters_json, vtt, slug FROM episodes").fetchall()
    return {n for mp3, chapters, vtt, slug in rows for n in (mp3, chapters, vtt, f"{slug}.html")}


def delete_files(output_dir: Path, names: Iterable[str]) -> list[str]:
    """Delete the named episode files and pages (only names matching narrate's patterns, only regular files,
    never through a symlink); return the names deleted."""
    deleted = []
    for name in names:
        if "/" in name or not (EPISODE_FILE.match(name) or PAGE_FILE.match(name)) or name == "index.html":
            continue
        path = Path(output_dir) / name
        if path.is_file() and not path.is_symlink():
            path.unlink()
            deleted.append(name)
            checkpoint("publish:deleting")
    return deleted


def sweep_retired(conn: sqlite3.Connection, output_dir: Path, protected: Iterable[str] = ()) -> list[str]:
    """Delete the retired files that no episode names and no running build is placing (`protected`); return
    their names. Called after the commit, once a feed and pages that no longer name them are in place."""
    named = names_in_use(conn)
    keep = set(protected)
    retired = [row[0] for row in conn.execute("SELECT file FROM retired") if row[0] not in keep]
    deleted = delete_files(output_dir, [n for n in retired if n not in named])
    if retired:
        with write_transaction(conn):
            conn.executemany("DELETE FROM retired WHERE file = ?", [(n,) for n in retired])
    return deleted


_COLUMNS = ("identity, guid, slug, published, title, author, description, site, language, article_date, "
            "mp3, mp3_bytes, duration_s, chapters_json, vtt, chapters")


def _columns(conn: sqlite3.Connection) -> str:
    """The columns an entry is read from; a read-only reader of an older catalog takes `added` from `published`."""
    added = "COALESCE(added, published)" if "added" in _episode_columns(conn) else "published"
    return f"{_COLUMNS}, {added}"


def _entry(row: tuple) -> CatalogEntry:  # type: ignore[type-arg]
    (identity, guid, slug, published, title, author, description, site, language, article_date,
     mp3, mp3_bytes, duration_s, chapters_json, vtt, chapters, added) = row
    record = EpisodeRecord(
        identity=identity, title=title, author=author, description=description, site=site, language=language,
        date=dt.date.fromisoformat(article_date) if article_date else None,
        mp3=mp3, mp3_bytes=mp3_bytes, duration_s=duration_s, chapters_json=chapters_json, vtt=vtt,
        chapters=tuple((t, int(lv), float(s), float(e)) for t, lv, s, e in json.loads(chapters)),
    )
    return CatalogEntry(record=record, guid=guid, slug=slug, published=dt.datetime.fromisoformat(published),
                        added=dt.datetime.fromisoformat(added))


def _free_slug(conn: sqlite3.Connection, title: str) -> str:
    base = slugify(title)
    if base in RESERVED_SLUGS:
        base = f"{base}-episode"
    slug, n = base, 2
    while conn.execute("SELECT 1 FROM episodes WHERE slug = ?", (slug,)).fetchone():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_record(record: EpisodeRecord) -> None:
    if not record.identity:
        raise NarrateError("An episode needs a source identity to be published.")
    for name in (record.mp3, record.chapters_json, record.vtt):
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise NarrateError(f"Episode file name '{name}' must be a plain file name in the output folder.")
