"""What `narrate follow` remembers between runs, kept in the podcast's catalog (OUTPUT/catalog.sqlite).

Three tables of its own beside the catalog's episodes, so the state travels with the podcast (copy the
output folder and the podcast moves; source paths are stored relative to it) and every change is one SQLite
transaction:

- follow_sources: per source and target, the ETag / Last-Modified / body hash of the last complete read, the
  options that shaped that run's choices, and whether a first run has finished;
- follow_items: per item (its GUID/id, else its canonical link; a file's path in its folder), its status
  (published, failed, deferred, skipped, retired), the fingerprint of what the source said when it was acted
  on, and the catalog identity of the episode it became;
- follow_editions: each edition, written before its build starts (its identity, title, date and items) and
  closed once published, so an interrupted edition is finished, not made twice.

A target is what items are followed into: 'episodes' (one episode per article) or 'edition:TITLE'.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from narrate.errors import NarrateError
from narrate.follow.model import ItemState, Validators
from narrate.publish import catalog

_SCHEMA = """
CREATE TABLE IF NOT EXISTS follow_sources (
    target TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    body_sha256 TEXT,
    plan_key TEXT,
    first_run TEXT,
    checked TEXT NOT NULL,
    PRIMARY KEY (target, source)
);
CREATE TABLE IF NOT EXISTS follow_items (
    target TEXT NOT NULL,
    source TEXT NOT NULL,
    item TEXT NOT NULL,
    status TEXT NOT NULL,
    fingerprint TEXT,
    episode TEXT,
    title TEXT,
    link TEXT,
    reason TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    updated TEXT NOT NULL,
    PRIMARY KEY (target, source, item)
);
CREATE INDEX IF NOT EXISTS follow_items_episode ON follow_items (episode);
CREATE TABLE IF NOT EXISTS follow_editions (
    identity TEXT PRIMARY KEY,
    target TEXT NOT NULL,
    title TEXT NOT NULL,
    edition_date TEXT NOT NULL,
    created TEXT NOT NULL,
    status TEXT NOT NULL,
    items TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class SourceState:
    """What the last complete run of a source left."""

    validators: Validators
    """What makes the next request conditional."""
    plan_key: str | None
    """The options that shaped that run's choices; other options mean the source must be read in full."""
    first_run_done: bool
    """True once a run of this source has finished."""


@dataclass(frozen=True)
class OpenEdition:
    """An edition whose build started and was not recorded as published (an interrupted run)."""

    identity: str
    """Its catalog identity."""
    title: str
    """Its title, date filled in."""
    date: dt.date
    """Its date."""
    items: tuple[tuple[str, str], ...]
    """Its items as (source key, item id), in order."""


@dataclass(frozen=True)
class FollowState:
    """Everything recorded for one target."""

    sources: dict[str, SourceState] = field(default_factory=dict)
    """Per source key."""
    items: dict[tuple[str, str], ItemState] = field(default_factory=dict)
    """Per (source key, item id)."""
    episodes: dict[str, dt.datetime] = field(default_factory=dict)
    """Every episode in the catalog now: its identity and publication time."""
    open_edition: OpenEdition | None = None
    """An interrupted edition of this target, if any."""

    def pending(self, source: str) -> bool:
        """True when an item of `source` still waits for work (failed, or left for later), so the source must be read in full."""
        return any(key[0] == source and state.status in ("failed", "deferred") for key, state in self.items.items()) or (
            self.open_edition is not None and any(s == source for s, _ in self.open_edition.items))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def load_state(output_dir: Path, target: str) -> FollowState:
    """The state recorded for `target` in OUTPUT's catalog (empty when there is none); opens the catalog read-only."""
    path = catalog.catalog_path(output_dir)
    if not path.is_file():
        return FollowState()
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=catalog.BUSY_TIMEOUT_S)
    except sqlite3.Error as error:
        raise NarrateError(f"Cannot open the catalog {path}: {error}.") from None
    try:
        return FollowState(_sources(conn, target), _items(conn, target), _episodes(conn), _open_edition(conn, target))
    except sqlite3.DatabaseError as error:
        raise NarrateError(f"Cannot read the catalog {path}: {error}.") from None
    finally:
        conn.close()


def _rows(conn: sqlite3.Connection, query: str, args: Sequence[object]) -> list[tuple]:  # type: ignore[type-arg]
    try:
        return conn.execute(query, tuple(args)).fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return []  # a catalog from before `narrate follow` first ran
        raise


def _sources(conn: sqlite3.Connection, target: str) -> dict[str, SourceState]:
    rows = _rows(conn, "SELECT source, etag, last_modified, body_sha256, plan_key, first_run FROM follow_sources "
                       "WHERE target = ?", [target])
    return {source: SourceState(Validators(etag, modified, body), plan_key, first_run is not None)
            for source, etag, modified, body, plan_key, first_run in rows}


def _items(conn: sqlite3.Connection, target: str) -> dict[tuple[str, str], ItemState]:
    rows = _rows(conn, "SELECT source, item, status, fingerprint, episode, reason, attempts FROM follow_items "
                       "WHERE target = ?", [target])
    return {(source, item): ItemState(status, fingerprint, episode, reason, attempts)
            for source, item, status, fingerprint, episode, reason, attempts in rows}


def _episodes(conn: sqlite3.Connection) -> dict[str, dt.datetime]:
    return {identity: dt.datetime.fromisoformat(published)
            for identity, published in _rows(conn, "SELECT identity, published FROM episodes", [])}


def _open_edition(conn: sqlite3.Connection, target: str) -> OpenEdition | None:
    rows = _rows(conn, "SELECT identity, title, edition_date, items FROM follow_editions "
                       "WHERE target = ? AND status = 'building' ORDER BY created LIMIT 1", [target])
    if not rows:
        return None
    identity, title, date, items = rows[0]
    return OpenEdition(identity, title, dt.date.fromisoformat(date), tuple((s, i) for s, i in json.loads(items)))


class StateWriter:
    """Records outcomes in the catalog, one transaction per call (so a kill loses at most the step in progress)."""

    def __init__(self, output_dir: Path, target: str) -> None:
        self.target = target
        self._conn = catalog.open_catalog(Path(output_dir))
        try:
            with catalog.write_transaction(self._conn):
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    self._conn.execute(statement)
        except sqlite3.Error as error:
            self._conn.close()
            raise NarrateError(f"Cannot record follow state in the catalog of {output_dir}: {error}.") from None

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            with catalog.write_transaction(self._conn):
                yield self._conn
        except sqlite3.OperationalError as error:
            raise NarrateError(f"The catalog is busy or unwritable ({error}).") from None

    def record_item(self, source: str, item: str, status: str, *, fingerprint: str | None, episode: str | None,
                    title: str | None = None, link: str | None = None, reason: str = "", attempts: int = 0) -> None:
        """Insert or replace what is known about one item."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO follow_items (target, source, item, status, fingerprint, episode, title, link, "
                "reason, attempts, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.target, source, item, status, fingerprint, episode, title, link, reason, attempts, _now()),
            )

    def record_items(self, rows: Sequence[tuple[str, str, str, str | None, str | None, str | None, str | None, str]]) -> None:
        """Insert or replace several items at once: (source, item, status, fingerprint, episode, title, link, reason)."""
        if not rows:
            return
        now = _now()
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO follow_items (target, source, item, status, fingerprint, episode, title, link, "
                "reason, attempts, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                [(self.target, *row, now) for row in rows],
            )

    def record_source(self, source: str, kind: str, validators: Validators, plan_key: str) -> None:
        """A complete run of `source`: keep its validators and mark its first run done."""
        now = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO follow_sources (target, source, kind, etag, last_modified, body_sha256, plan_key, first_run, "
                "checked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (target, source) DO UPDATE SET kind = excluded.kind, "
                "etag = excluded.etag, last_modified = excluded.last_modified, body_sha256 = excluded.body_sha256, "
                "plan_key = excluded.plan_key, first_run = COALESCE(follow_sources.first_run, excluded.first_run), "
                "checked = excluded.checked",
                (self.target, source, kind, validators.etag, validators.last_modified, validators.body_sha256, plan_key,
                 now, now),
            )

    def open_edition(self, identity: str, title: str, date: dt.date, items: Sequence[tuple[str, str]]) -> None:
        """Write down an edition before building it (its identity, title, date and items)."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO follow_editions (identity, target, title, edition_date, created, status, items) "
                "VALUES (?, ?, ?, ?, COALESCE((SELECT created FROM follow_editions WHERE identity = ?), ?), 'building', ?)",
                (identity, self.target, title, date.isoformat(), identity, _now(), json.dumps([list(i) for i in items])),
            )

    def close_edition(self, identity: str, published: Sequence[tuple[str, str, str | None, str | None, str | None]]) -> None:
        """The edition is published: mark it, and its items (source, item, fingerprint, title, link) as in it."""
        now = _now()
        with self._write() as conn:
            conn.execute("UPDATE follow_editions SET status = 'published' WHERE identity = ?", (identity,))
            conn.executemany(
                "INSERT OR REPLACE INTO follow_items (target, source, item, status, fingerprint, episode, title, link, "
                "reason, attempts, updated) VALUES (?, ?, ?, 'published', ?, ?, ?, ?, '', 0, ?)",
                [(self.target, source, item, fingerprint, identity, title, link, now)
                 for source, item, fingerprint, title, link in published],
            )

    def drop_edition(self, identity: str) -> None:
        """Forget an edition that will not be made (none of its items could be read)."""
        with self._write() as conn:
            conn.execute("DELETE FROM follow_editions WHERE identity = ? AND status = 'building'", (identity,))

    def retire_episode(self, identity: str, reason: str) -> None:
        """Items that became `identity` (in any target) are retired: they are never built again."""
        with self._write() as conn:
            conn.execute("UPDATE follow_items SET status = 'retired', reason = ?, updated = ? WHERE episode = ?",
                         (reason, _now(), identity))
