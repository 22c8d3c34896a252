"""Publishing: change the catalog, then write the feed, pages and cover from what it committed, then delete.

The order keeps what a podcast app can fetch consistent at every instant, whenever a publisher is killed:
1. the new episode files are in place before the catalog names them (the build puts them there);
2. the catalog change commits in one transaction;
3. the episode pages, index.html and feed.xml are written from the committed catalog, each atomically (unchanged
   ones not at all), pages before the feed so that every page the feed links to exists;
4. only then are files deleted: retired ones (an episode's earlier audio, a removed episode's files and page), and
   the files of builds that died before publishing them (see narrate.locks).
Publishers hold the publish lock from 2 to 4, one at a time. Every publish, whatever its own change, does 3 and 4,
which repairs whatever an interrupted one left: a stale feed or pages, files it had still to delete.
The feed and pages list only episodes whose files are in place (the audio with its recorded size).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from narrate import locks
from narrate.dates import long_date
from narrate.errors import NarrateError
from narrate.faults import checkpoint
from narrate.files import existing_folder, write_bytes_atomic, write_text_atomic
from narrate.manifest import manifest_path
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

    The episode's files must be in place already; a caller that puts them there itself does so under
    `narrate.locks.episode_lock`, naming them with `EpisodeLock.placing` first, as `build_episode` does, so that a
    concurrent publisher leaves them alone and the next one deletes them if this one dies before publishing.
    Publishers of one folder run one at a time (the publish lock), so concurrent builds into one folder all land. `now` (default: the current time) is only used as the
    publication time of an undated, new episode.
    """
    output_dir = Path(output_dir)
    with _publishing(output_dir) as conn:
        settings, given = _show_settings(conn, output_dir, base_url)
        _check_files(output_dir, record)
        is_new = catalog.find_entry(conn, record.identity) is None
        with _commit(conn, output_dir, settings, given):
            entry = catalog.record_episode(conn, record, now or dt.datetime.now(dt.timezone.utc))
        written, deleted = _settle(conn, output_dir, settings)
        newer = sum(1 for e in catalog.entries(conn) if e.published > entry.published) if is_new else 0
    _note(settings, output_dir)
    if newer and settings.episode_date == "article" and record.date is not None:
        warn_settings_note(f"“{record.title}” is dated {long_date(record.date)}, so podcast apps list it below "
              f"{newer} newer episode{'s' if newer != 1 else ''}; to list episodes by when they were added, set "
              f'[show] episode_date = "added" in {Path(output_dir) / "narrate.toml"}.')
    from narrate.publish.feed import FEED_FILE, file_url

    return PublishResult(entry=entry, feed=FEED_FILE, feed_url=file_url(settings.effective_base_url, FEED_FILE),
                         written=tuple(written), deleted=tuple(deleted))


def prepare_publish(output_dir: Path, base_url: str | None = None) -> None:
    """Do ahead what publishing an episode into `output_dir` will need and can know already (load the page
    templates, draw the generated show cover), so a build can run it while its audio is being made."""
    settings = load_settings(Path(output_dir)).with_base_url(base_url)
    if not settings.cover and not _generated_cover_in_place(Path(output_dir), settings):
        from narrate.audio.cover import generate_cover

        generate_cover(settings.title, settings.author, size=COVER_MIN_PX)
    from narrate.publish import feed, pages  # noqa: F401 - loads lxml with the feed writer

    pages.prepare_pages()


def write_feed(output_dir: Path, base_url: str | None = None,
               lock_timeout_s: float = locks.PUBLISH_TIMEOUT_S, note_base_url: bool = True) -> Path:
    """Rewrite feed.xml, index.html, the episode pages and the cover from the catalog, and delete what an
    interrupted publish left to delete; return the feed's path. `note_base_url` False leaves out the note about a
    loopback base URL (narrate serve, whose feed points where it serves, says its own)."""
    output_dir = existing_folder(output_dir)
    with _publishing(output_dir, lock_timeout_s) as conn:
        settings, given = _show_settings(conn, output_dir, base_url)
        if catalog.stored_podcast_guid(conn) is None or (given and given != catalog.meta_value(conn, catalog.BASE_URL_KEY)):
            with _commit(conn, output_dir, settings, given):
                pass
        _settle(conn, output_dir, settings)
    _note(settings, output_dir, note_base_url)
    from narrate.publish.feed import FEED_FILE

    return output_dir / FEED_FILE


def list_episodes(output_dir: Path, episode_date: str | None = None) -> list[CatalogEntry]:
    """Every episode in the catalog, newest first, dated as the feed dates them (`episode_date`, default: the
    show's choice in narrate.toml); empty when there is no catalog yet. Writes nothing."""
    from narrate.publish.dating import dated

    output_dir = Path(output_dir)
    return dated(catalog.read_entries(output_dir), episode_date or load_settings(output_dir).episode_date)


def audio_in_place(output_dir: Path, entry: CatalogEntry) -> bool:
    """True when the episode's files are in the output folder, its audio with the size the catalog recorded."""
    record = entry.record
    try:
        return (os.stat(Path(output_dir) / record.mp3).st_size == record.mp3_bytes
                and all(os.path.isfile(Path(output_dir) / n) for n in (record.chapters_json, record.vtt)))
    except OSError:
        return False


def remove_episode(output_dir: Path, slug_or_stem: str, base_url: str | None = None) -> CatalogEntry:
    """Take one episode (by slug, STEM, file name, GUID or identity) out of the catalog, feed and pages; delete its files."""
    return remove_episodes(output_dir, [slug_or_stem], base_url)[0]


def remove_episodes(output_dir: Path, keys: Sequence[str], base_url: str | None = None) -> list[CatalogEntry]:
    """Take several episodes (each by slug, STEM, file name, GUID or identity) out of the catalog, feed and pages
    in one publish, then delete their files and pages; return them. When a key names no episode nothing changes."""
    output_dir = existing_folder(output_dir)
    if not catalog.catalog_path(output_dir).is_file():
        raise NarrateError(f"There is no catalog in {output_dir}; nothing to remove.")
    with _publishing(output_dir) as conn:
        settings, given = _show_settings(conn, output_dir, base_url)
        found: dict[str, CatalogEntry] = {}
        for key in keys:
            entry = _find(conn, output_dir, key)
            if entry is None:
                raise NarrateError(f"No episode '{key}' in {output_dir}; see `narrate episodes`.")
            found.setdefault(entry.record.identity, entry)
        if found:
            with _commit(conn, output_dir, settings, given):
                for entry in found.values():
                    catalog.delete_entry(conn, entry)
        _settle(conn, output_dir, settings)
        for entry in found.values():  # the build state of an episode that is gone: a later build starts afresh
            manifest_path(output_dir, entry.record.identity).unlink(missing_ok=True)
    _note(settings, output_dir)
    return list(found.values())


def _find(conn: sqlite3.Connection, output_dir: Path, key: str) -> CatalogEntry | None:
    """The episode `key` names: its slug, STEM, file name, GUID or identity, or the path of one of its files or its
    page inside `output_dir` (as `narrate build` printed it)."""
    entry = catalog.find_entry(conn, key)
    if entry is None and ("/" in key or os.sep in key):
        path = Path(key)
        inside = (path.parent.resolve() if path.parent != Path("") else Path.cwd()) == Path(output_dir).resolve()
        entry = catalog.find_entry(conn, path.name) if inside else None
    return entry


def feed_document(output_dir: Path, base_url: str | None = None, fallback_base_url: str | None = None,
                  timeout_s: float = 1.0) -> bytes:
    """feed.xml as a publish would write it now, read-only: from the committed catalog, with URLs under `base_url`,
    else narrate.toml's base_url, else `fallback_base_url` (where a server runs). Raises NarrateError when there is
    no catalog yet or the settings are wrong, sqlite3.Error or OSError when the catalog cannot be read now."""
    from narrate.publish.feed import FEED_FILE, FeedContext, file_url, render_feed

    from narrate.publish.dating import dated

    output_dir = Path(output_dir)
    settings = load_settings(output_dir)
    snapshot = catalog.read_snapshot(output_dir, timeout_s, readonly=True)
    if snapshot is None:
        raise NarrateError(f"There is no catalog in {output_dir} yet.")
    settings = settings.with_base_url(base_url or settings.base_url or snapshot.base_url or fallback_base_url)
    guid = snapshot.podcast_guid or catalog.podcast_guid_for(file_url(settings.effective_base_url, FEED_FILE))
    context = FeedContext(settings=settings, podcast_guid=guid, cover=cover_name(output_dir, settings, write=False))
    shown = [e for e in dated(snapshot.entries, settings.episode_date) if audio_in_place(output_dir, e)]
    return render_feed(context, shown)


def _show_settings(conn: sqlite3.Connection, output_dir: Path, base_url: str | None) -> tuple[ShowSettings, str | None]:
    """The show settings a publish uses, and the base URL it was given (None when none was).

    The base URL comes from `base_url` (--base-url), else narrate.toml's, else the one remembered from the last
    publish that was given one: a feed never moves back to the default address because a later command did not
    repeat the address."""
    from narrate.publish.settings import check_base_url

    settings = load_settings(output_dir)
    given = check_base_url(base_url, "--base-url") if base_url else settings.base_url
    return settings.with_base_url(given or catalog.meta_value(conn, catalog.BASE_URL_KEY)), given


def _note(settings: ShowSettings, output_dir: Path, about_base_url: bool = True) -> None:
    """Say, as warnings (the CLI prints each once, in one line), what listeners or directories would notice."""
    from narrate.publish.settings import SETTINGS_FILE

    for note in settings.notes(Path(output_dir) / SETTINGS_FILE, about_base_url):
        warn_settings_note(note)


def warn_settings_note(note: str) -> None:
    """Say `note` as a SettingsNote warning (the CLI prints it once, as one 'narrate: note: ...' line)."""
    import warnings

    from narrate.errors import SettingsNote

    warnings.warn(SettingsNote(note), stacklevel=4)


@contextlib.contextmanager
def _publishing(output_dir: Path, lock_timeout_s: float = locks.PUBLISH_TIMEOUT_S) -> Iterator[sqlite3.Connection]:
    """The catalog, open for writing, with the publish lock held for the block; a busy or unwritable catalog is
    one NarrateError, whichever command met it."""
    with locks.publish_lock(output_dir, lock_timeout_s):
        try:
            conn = catalog.open_catalog(output_dir)
            try:
                yield conn
            finally:
                conn.close()
        except sqlite3.OperationalError as exc:
            raise NarrateError(f"The catalog in {output_dir} is busy or unwritable ({exc}).") from None
        _pending_marker(output_dir).unlink(missing_ok=True)  # only once feed, pages and deletions are done


def _pending_marker(output_dir: Path) -> Path:
    return Path(output_dir) / locks.STATE_DIR / locks.PUBLISH_PENDING_FILE


@contextlib.contextmanager
def _commit(conn: sqlite3.Connection, output_dir: Path, settings: ShowSettings,
            given_base_url: str | None = None) -> Iterator[None]:
    """Step 2: the block's catalog changes (and the show's podcast:guid, fixed by the first feed, and the base URL
    this publish was given, remembered for the next) in one transaction."""
    from narrate.publish.feed import FEED_FILE, file_url

    marker = _pending_marker(output_dir)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    with catalog.write_transaction(conn):
        yield
        catalog.podcast_guid(conn, file_url(settings.effective_base_url, FEED_FILE))
        if given_base_url:
            catalog.remember_base_url(conn, given_base_url)
    checkpoint("publish:committed")


def _settle(conn: sqlite3.Connection, output_dir: Path, settings: ShowSettings) -> tuple[list[str], list[str]]:
    """Steps 3 and 4: pages, feed and cover from the committed catalog; then the deletions. Returns the names
    written and deleted."""
    from narrate.publish.dating import dated

    written = _render(output_dir, settings, dated(catalog.entries(conn), settings.episode_date),
                      catalog.stored_podcast_guid(conn))
    named = catalog.names_in_use(conn)
    deleted: list[str] = []
    locks.reclaim_abandoned(
        output_dir, lambda names: deleted.extend(catalog.delete_files(output_dir, [n for n in names if n not in named])))
    deleted += catalog.sweep_retired(conn, output_dir, protected=locks.placements(output_dir))
    return written, deleted


def _render(output_dir: Path, settings: ShowSettings, episodes: list[CatalogEntry], guid: str | None) -> list[str]:
    from narrate.publish.feed import FEED_FILE, FeedContext, file_url, render_feed
    from narrate.publish.pages import INDEX_FILE, render_pages

    shown = [e for e in episodes if audio_in_place(output_dir, e)]
    guid = guid or catalog.podcast_guid_for(file_url(settings.effective_base_url, FEED_FILE))
    context = FeedContext(settings=settings, podcast_guid=guid, cover=cover_name(output_dir, settings))
    pages = render_pages(output_dir, settings, shown, context.cover)
    written = []
    for name in sorted(pages, key=lambda n: n == INDEX_FILE):  # episode pages first, then the index that links them
        if _write_if_changed(output_dir / name, pages[name].encode("utf-8")):
            written.append(name)
    checkpoint("publish:pages-written")
    if _write_if_changed(output_dir / FEED_FILE, render_feed(context, shown)):
        written.append(FEED_FILE)
    checkpoint("publish:feed-written")
    return written


def cover_name(output_dir: Path, settings: ShowSettings, write: bool = True) -> str:
    """The show cover as a file name in the output folder (or a URL); generates or copies it when `write`."""
    if settings.cover and settings.cover.startswith(("http://", "https://")):
        return settings.cover
    if not settings.cover:
        if write and not _generated_cover_in_place(output_dir, settings):
            from narrate.audio.cover import generate_cover

            png = generate_cover(settings.title, settings.author, size=COVER_MIN_PX)
            _write_if_changed(output_dir / GENERATED_COVER, png)
            with contextlib.suppress(OSError):  # the record only saves drawing it again
                write_text_atomic(_generated_cover_record(output_dir), f"{_generated_cover_key(settings)} {_sha256(png)}\n")
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


def _generated_cover_key(settings: ShowSettings) -> str:
    from narrate.audio.cover import cover_key

    return cover_key(settings.title, settings.author, COVER_MIN_PX)


def _generated_cover_record(output_dir: Path) -> Path:
    """OUTPUT/.narrate/GENERATED_COVER.key: the cover key the generated show cover was drawn for, and its bytes' sha256."""
    return output_dir / locks.STATE_DIR / f"{GENERATED_COVER}.key"


def _generated_cover_in_place(output_dir: Path, settings: ShowSettings) -> bool:
    """True when OUTPUT/GENERATED_COVER holds exactly the cover these settings generate (as its record says, and its
    bytes agree), so that it need not be drawn again (0.1 s of CPU with Pillow's import, on every build)."""
    try:
        recorded = _generated_cover_record(output_dir).read_text("utf-8").split()
        return (len(recorded) == 2 and recorded[0] == _generated_cover_key(settings)
                and recorded[1] == _sha256((output_dir / GENERATED_COVER).read_bytes()))
    except OSError:
        return False


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


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


__all__ = ["audio_in_place", "feed_document", "list_episodes", "prepare_publish", "publish_episode", "remove_episode",
           "remove_episodes", "write_feed"]
