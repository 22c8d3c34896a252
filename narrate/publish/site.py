"""Publishing: record an episode in the catalog, then rewrite the feed, the pages and the cover from it."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from narrate.errors import NarrateError
from narrate.files import write_bytes_atomic
from narrate.publish import catalog
from narrate.publish.record import CatalogEntry, EpisodeRecord, PublishResult
from narrate.publish.settings import ShowSettings, load_settings

GENERATED_COVER = "narrate-cover.png"
"""The generated show cover's file name (used when narrate.toml names no cover)."""
COVER_MIN_PX, COVER_MAX_PX = 1400, 3000
"""Apple's bounds for a square show cover."""


def publish_episode(output_dir: Path, record: EpisodeRecord, base_url: str | None = None,
                    now: dt.datetime | None = None) -> PublishResult:
    """Record `record` in the catalog, rewrite feed.xml, index.html and the episode pages, delete retired files.

    The whole publish holds the catalog's write lock, so concurrent builds into one folder both land.
    `now` (default: the current time) is only used as the publication time of an undated, new episode.
    """
    output_dir = Path(output_dir)
    _check_files(output_dir, record)
    settings = load_settings(output_dir).with_base_url(base_url)
    with _locked_catalog(output_dir) as conn:
        entry = catalog.record_episode(conn, record, now or dt.datetime.now(dt.timezone.utc))
        written = _rewrite(conn, output_dir, settings)
        deleted = catalog.sweep_retired(conn, output_dir)
    from narrate.publish.feed import FEED_FILE, file_url

    return PublishResult(entry=entry, feed=FEED_FILE, feed_url=file_url(settings.effective_base_url, FEED_FILE),
                         written=tuple(written), deleted=tuple(deleted))


def prepare_publish(output_dir: Path, base_url: str | None = None) -> None:
    """Do ahead what publishing an episode into `output_dir` will need and can know already (load the page
    templates, draw the generated show cover), so a build can run it while its audio is being made."""
    settings = load_settings(Path(output_dir)).with_base_url(base_url)
    if not settings.cover:
        from narrate.audio.cover import generate_cover

        generate_cover(settings.title, settings.author, size=COVER_MIN_PX)
    from narrate.publish import feed, pages  # noqa: F401 - loads lxml with the feed writer

    pages.prepare_pages()


def write_feed(output_dir: Path, base_url: str | None = None) -> Path:
    """Rewrite feed.xml, index.html, the episode pages and the cover from the catalog; return the feed's path."""
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        raise NarrateError(f"The output folder {output_dir} does not exist; build an episode first.")
    settings = load_settings(output_dir).with_base_url(base_url)
    with _locked_catalog(output_dir) as conn:
        _rewrite(conn, output_dir, settings)
        catalog.sweep_retired(conn, output_dir)
    from narrate.publish.feed import FEED_FILE

    return output_dir / FEED_FILE


def list_episodes(output_dir: Path) -> list[CatalogEntry]:
    """Every episode in the catalog, newest first (empty when there is no catalog yet)."""
    output_dir = Path(output_dir)
    if not catalog.catalog_path(output_dir).is_file():
        return []
    conn = catalog.open_catalog(output_dir)
    try:
        return catalog.entries(conn)
    finally:
        conn.close()


def remove_episode(output_dir: Path, slug_or_stem: str, base_url: str | None = None) -> CatalogEntry:
    """Take one episode (by slug, STEM, file name, GUID or identity) out of the catalog, feed and pages; delete its files."""
    output_dir = Path(output_dir)
    if not catalog.catalog_path(output_dir).is_file():
        raise NarrateError(f"There is no catalog in {output_dir}; nothing to remove.")
    settings = load_settings(output_dir).with_base_url(base_url)
    with _locked_catalog(output_dir) as conn:
        entry = catalog.find_entry(conn, slug_or_stem)
        if entry is None:
            raise NarrateError(f"No episode '{slug_or_stem}' in {output_dir}; see `narrate episodes`.")
        catalog.delete_entry(conn, entry)
        _rewrite(conn, output_dir, settings)
        catalog.sweep_retired(conn, output_dir)
        page = output_dir / entry.page
        if page.is_file() and not page.is_symlink():
            page.unlink()
    return entry


@contextlib.contextmanager
def _locked_catalog(output_dir: Path) -> Iterator[sqlite3.Connection]:
    """The catalog, open and holding its write lock for the block (so concurrent builds into one folder both land);
    a busy or unwritable catalog is one NarrateError, whichever command met it."""
    try:
        conn = catalog.open_catalog(output_dir)
        try:
            with catalog.write_transaction(conn):
                yield conn
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        raise NarrateError(f"The catalog in {output_dir} is busy or unwritable ({exc}).") from None


def site_context(conn: sqlite3.Connection, output_dir: Path, settings: ShowSettings, store_guid: bool = True):  # type: ignore[no-untyped-def]
    """The FeedContext for `settings` (the podcast:guid is stored on first use when `store_guid`)."""
    from narrate.publish.feed import FEED_FILE, FeedContext, file_url

    feed_url = file_url(settings.effective_base_url, FEED_FILE)
    guid = catalog.podcast_guid(conn, feed_url) if store_guid else (
        catalog.stored_podcast_guid(conn) or catalog.podcast_guid_for(feed_url))
    return FeedContext(settings=settings, podcast_guid=guid, cover=cover_name(output_dir, settings, write=store_guid))


def cover_name(output_dir: Path, settings: ShowSettings, write: bool = True) -> str:
    """The show cover as a file name in the output folder (or a URL); generates or copies it when `write`."""
    if settings.cover and settings.cover.startswith(("http://", "https://")):
        return settings.cover
    if not settings.cover:
        if write:
            from narrate.audio.cover import generate_cover

            _write_if_changed(output_dir / GENERATED_COVER, generate_cover(settings.title, settings.author, size=COVER_MIN_PX))
        return GENERATED_COVER
    source = (output_dir / settings.cover).resolve()
    if not source.is_file():
        raise NarrateError(f"The cover {settings.cover} named in narrate.toml does not exist.")
    if write:
        _check_cover(source)
    root = output_dir.resolve()
    if source.is_relative_to(root) and not any(p.startswith(".") for p in source.relative_to(root).parts):
        return source.relative_to(root).as_posix()
    name = "cover" + source.suffix.lower()
    if write:
        _write_if_changed(output_dir / name, source.read_bytes())
    return name


def _rewrite(conn: sqlite3.Connection, output_dir: Path, settings: ShowSettings) -> list[str]:
    from narrate.publish.feed import FEED_FILE, render_feed
    from narrate.publish.pages import render_pages

    episodes = catalog.entries(conn)
    context = site_context(conn, output_dir, settings)
    written = []
    if _write_if_changed(output_dir / FEED_FILE, render_feed(context, episodes)):
        written.append(FEED_FILE)
    for name, text in render_pages(output_dir, settings, episodes, context.cover).items():
        if _write_if_changed(output_dir / name, text.encode("utf-8")):
            written.append(name)
    return written


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` atomically unless `path` already holds exactly these bytes (so rebuilds change nothing)."""
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_bytes_atomic(path, data)
    return True


def _check_cover(path: Path) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            kind = image.format
    except (OSError, UnidentifiedImageError):
        raise NarrateError(f"The cover {path} is not an image Pillow can read.") from None
    if kind not in ("JPEG", "PNG"):
        raise NarrateError(f"The cover {path} must be a JPEG or PNG, not {kind}.")
    if width != height or not COVER_MIN_PX <= width <= COVER_MAX_PX:
        raise NarrateError(f"The cover {path} is {width}x{height}; podcast apps want a square of 1400 to 3000 pixels.")


def _check_files(output_dir: Path, record: EpisodeRecord) -> None:
    mp3 = output_dir / record.mp3
    if not mp3.is_file():
        raise NarrateError(f"The episode audio {mp3} does not exist.")
    size = os.path.getsize(mp3)
    if size != record.mp3_bytes:
        raise NarrateError(f"The episode audio {mp3} has {size} bytes, not the {record.mp3_bytes} recorded.")


__all__ = ["publish_episode", "write_feed", "list_episodes", "remove_episode"]
