"""SegmentCache: synthesized segment audio on disk, addressed by segment_key, compressed, kept under a size cap.

Layout under the cache root:
  segments/<key[:2]>/<key>.seg   one entry: a checked header, optional JSON extra, compressed PCM
  chunks/<key[:2]>/<key>.chunk   one encoded MP3 chunk (narrate.audio.chunk), by its chunk key: length and CRC checked
                                 (assembly keeps the generated episode cover here too, by narrate.audio.cover.cover_key)
  index.sqlite3                  key -> size and last use (LRU; chunks as 'chunk:<key>'), plus the last build's hit/miss counts
                                 and the entries' total size (kept by triggers)

An entry file is the truth about its audio; the index only orders eviction and answers `info()`.
Entries are written to a temporary name and renamed into place, and every read checks lengths and
digests, so a writer killed half way (even kill -9) leaves at most a stray `.part` file that is never
read, and a damaged entry reads as a miss and is removed. SQLite in WAL mode serializes index
updates between processes, so two builds can share one cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from narrate.audio.pcm import Pcm
from narrate.files import STALE_PART_SECONDS, atomic_path, remove_stale_parts

if TYPE_CHECKING:
    import sqlite3

DEFAULT_CAP_BYTES = 2 * 1024**3
"""Default size cap of the cache: 2 GiB of compressed entries."""
SWEEP_EVERY_S = STALE_PART_SECONDS
"""record_build_stats sweeps stale temporary files at most this often."""

ZSTD_LEVEL = 3
"""zstd level: on pyttsx3 speech, byte planes + level 3 give 0.58 of raw size at ~350 MB/s."""

_MAGIC = b"NSEG"
_FORMAT_VERSION = 1
_CODEC_ZSTD = 1  # zstd over the raw bytes
_CODEC_ZSTD_PLANES = 2  # zstd over the bytes regrouped by position within a sample (all low bytes, then all high)
_DIGEST_SIZE = 16
# magic, format, codec, sample_width, channels, sample_rate, raw_len, payload_len, extra_len
_FIELDS = struct.Struct("<4sBBBBIQQI")
_HEADER = struct.Struct(f"<{_FIELDS.size}s{_DIGEST_SIZE}s{_DIGEST_SIZE}s")
_KEY_RE = re.compile(r"[0-9a-f]{16,128}")
CHUNK_PREFIX = "chunk:"
"""Index key prefix of encoded chunks (segments are indexed by their bare key)."""
_CHUNK_HEADER = struct.Struct("<4sBQI")
"""A chunk entry: magic, format, payload length, CRC-32 of the payload; then the payload. (CRC-32, not a digest: it
finds torn or damaged files at several hundred MB/s, and a rebuild reads every chunk of the episode.)"""
_CHUNK_MAGIC = b"NCHE"


class CorruptEntry(Exception):
    """An entry file failed its checks (internal: callers see a miss)."""


@dataclass(frozen=True)
class CacheInfo:
    """What `narrate cache info` shows."""

    entries: int
    """Number of cached segments."""
    size_bytes: int
    """Bytes the entries take on disk."""
    cap_bytes: int
    """Size cap; least recently used entries are evicted above it."""
    root: Path | None
    """The cache folder, or None when caching is off."""
    last_build_hits: int
    """Segments the last recorded build took from the cache."""
    last_build_misses: int
    """Segments the last recorded build had to synthesize."""
    exists: bool = True
    """False when the cache folder has not been created yet (nothing was ever cached there)."""
    chunks: int = 0
    """Number of cached encoded MP3 chunks (they count towards the size and the cap too; a generated episode cover kept
    beside them counts as one)."""

    @property
    def last_build_hit_rate(self) -> float | None:
        """Hits / (hits + misses) of the last build, or None when it looked nothing up."""
        total = self.last_build_hits + self.last_build_misses
        return self.last_build_hits / total if total else None


class Cache(Protocol):
    """What a build needs from a segment cache (SegmentCache, or NullCache for --no-cache)."""

    hits: int
    misses: int

    def contains(self, key: str) -> bool: ...
    def get(self, key: str) -> Pcm | None: ...
    def get_extra(self, key: str) -> dict[str, Any] | None: ...
    def get_with_extra(self, key: str) -> tuple[Pcm, dict[str, Any] | None] | None: ...
    def put(self, key: str, pcm: Pcm, extra: dict[str, Any] | None = None) -> None: ...
    def get_chunk(self, key: str) -> bytes | None: ...
    def put_chunk(self, key: str, data: bytes) -> None: ...
    def info(self) -> CacheInfo: ...
    def record_build_stats(self, hits: int, misses: int) -> None: ...
    def clear(self) -> None: ...


def _digest(*parts: bytes) -> bytes:
    """A 16-byte blake2b digest of the concatenated parts."""
    h = hashlib.blake2b(digest_size=_DIGEST_SIZE)
    for part in parts:
        h.update(part)
    return h.digest()


def _split_planes(data: bytes, width: int) -> bytes:
    """Regroup bytes by their position in a sample: similar bytes side by side compress better."""
    return b"".join(data[i::width] for i in range(width))


def _join_planes(data: bytes, width: int) -> bytes:
    """Undo _split_planes."""
    n = len(data) // width
    out = bytearray(len(data))
    for i in range(width):
        out[i::width] = data[i * n : (i + 1) * n]
    return bytes(out)


def encode_entry(pcm: Pcm, extra: dict[str, Any] | None = None) -> bytes:
    """Serialize `pcm` (and its JSON-able `extra`) into the bytes of one entry file."""
    import zstandard

    width = pcm.sample_width
    planar = width > 1 and len(pcm.data) % width == 0
    codec = _CODEC_ZSTD_PLANES if planar else _CODEC_ZSTD
    raw = _split_planes(pcm.data, width) if planar else pcm.data
    payload = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(raw)
    extra_bytes = b"" if extra is None else json.dumps(extra, sort_keys=True, separators=(",", ":")).encode()
    fields = _FIELDS.pack(
        _MAGIC, _FORMAT_VERSION, codec, width, pcm.channels, pcm.sample_rate,
        len(pcm.data), len(payload), len(extra_bytes),
    )  # fmt: skip
    header = _HEADER.pack(fields, _digest(fields, payload), _digest(fields, extra_bytes))
    return header + extra_bytes + payload


def _parse_header(head: bytes, file_size: int) -> tuple[tuple[Any, ...], bytes, bytes, bytes]:
    """Check an entry's header against the file size; return its fields and digests."""
    if len(head) < _HEADER.size:
        raise CorruptEntry("short header")
    fields_bytes, payload_digest, extra_digest = _HEADER.unpack_from(head)
    fields = _FIELDS.unpack(fields_bytes)
    magic, version, codec, width, channels, rate, raw_len, payload_len, extra_len = fields
    if magic != _MAGIC or version != _FORMAT_VERSION or codec not in (_CODEC_ZSTD, _CODEC_ZSTD_PLANES):
        raise CorruptEntry("unknown format")
    if file_size != _HEADER.size + extra_len + payload_len:
        raise CorruptEntry("wrong length")
    return fields, fields_bytes, payload_digest, extra_digest


def decode_entry(blob: bytes) -> tuple[Pcm, dict[str, Any] | None]:
    """Parse and verify one entry file's bytes; raise CorruptEntry if anything is off."""
    import zstandard

    fields, fields_bytes, payload_digest, extra_digest = _parse_header(blob, len(blob))
    _, _, codec, width, channels, rate, raw_len, payload_len, extra_len = fields
    extra_bytes = blob[_HEADER.size : _HEADER.size + extra_len]
    payload = blob[_HEADER.size + extra_len :]
    if _digest(fields_bytes, payload) != payload_digest or _digest(fields_bytes, extra_bytes) != extra_digest:
        raise CorruptEntry("checksum mismatch")
    try:
        raw = zstandard.ZstdDecompressor().decompress(payload, max_output_size=raw_len)
    except zstandard.ZstdError as exc:
        raise CorruptEntry(str(exc)) from exc
    if len(raw) != raw_len:
        raise CorruptEntry("wrong decoded length")
    data = _join_planes(raw, width) if codec == _CODEC_ZSTD_PLANES else raw
    extra = json.loads(extra_bytes) if extra_bytes else None
    return Pcm(data=data, sample_rate=rate, sample_width=width, channels=channels), extra


_TOTAL_SIZE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS entries_total_on_insert AFTER INSERT ON entries BEGIN"
    " UPDATE meta SET value = value + NEW.size WHERE name = 'total_size'; END",
    "CREATE TRIGGER IF NOT EXISTS entries_total_on_update AFTER UPDATE OF size ON entries BEGIN"
    " UPDATE meta SET value = value - OLD.size + NEW.size WHERE name = 'total_size'; END",
    "CREATE TRIGGER IF NOT EXISTS entries_total_on_delete AFTER DELETE ON entries BEGIN"
    " UPDATE meta SET value = value - OLD.size WHERE name = 'total_size'; END",
)
"""Triggers that keep meta's 'total_size' equal to the sum of the entries' sizes, whichever process writes."""


def _keep_total_size(conn: "sqlite3.Connection") -> None:
    """Have the index keep its entries' total size in meta (an index made before it did, or a new one).

    Checking the cap after each stored entry summed the whole index: 1 ms per entry at 20,000 entries (a 2 GB cache),
    3 ms at 60,000, on the build's main thread, for every segment and chunk stored (twice when the cache was full).
    The triggers and the first total are made in one transaction, so no entry another process stores meanwhile is
    missed or counted twice."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for trigger in _TOTAL_SIZE_TRIGGERS:
            conn.execute(trigger)
        conn.execute("INSERT OR IGNORE INTO meta(name, value) SELECT 'total_size', COALESCE(SUM(size), 0) FROM entries")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


class SegmentCache:
    """A content-addressed, compressed, size-capped store of segment audio shared by concurrent builds."""

    def __init__(self, root: Path, cap_bytes: int = DEFAULT_CAP_BYTES) -> None:
        """Open (creating if needed) the cache at `root`, evicting least recently used entries above `cap_bytes`."""
        self.root = Path(root)
        """The cache folder."""
        self.cap_bytes = int(cap_bytes)
        """Size cap in bytes of the compressed entries."""
        self.hits = 0
        """Lookups this object answered from the cache."""
        self.misses = 0
        """Lookups this object could not answer."""
        self._segments = self.root / "segments"
        self._chunks = self.root / "chunks"
        self._segments_name, self._chunks_name = str(self._segments), str(self._chunks)
        self._conn: sqlite3.Connection | None = None
        self._conn_pid: int | None = None
        self._touched: dict[str, tuple[int, int]] = {}
        """Uses not yet written to the index: key -> (size, time). Written in one transaction before the index is
        read or changed (an update per chunk read cost a rebuild of a 75-minute edition 60 ms)."""

    @staticmethod
    def default_dir() -> Path:
        """The user's cache folder for narrate (platformdirs), e.g. ~/.cache/narrate on Linux."""
        import platformdirs

        return platformdirs.user_cache_path("narrate")

    # -- pickling: a cache object may be handed to worker processes; each opens its own connection.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_conn"] = None
        state["_touched"] = {}
        state["_conn_pid"] = None
        return state

    def __repr__(self) -> str:
        return f"SegmentCache({str(self.root)!r}, cap_bytes={self.cap_bytes})"

    # -- the index
    def _db(self) -> sqlite3.Connection:
        """This process's connection to the index (reopened after a fork; rebuilt if the file is damaged)."""
        if self._conn is not None and self._conn_pid == os.getpid():
            return self._conn
        import sqlite3

        self._segments.mkdir(parents=True, exist_ok=True)
        path = self.root / "index.sqlite3"
        try:
            conn = self._open_index(path)
        except sqlite3.DatabaseError:
            # A damaged index loses only LRU order and stats: entries re-register on their next hit.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            conn = self._open_index(path)
        self._conn, self._conn_pid = conn, os.getpid()
        return conn

    @staticmethod
    def _open_index(path: Path) -> sqlite3.Connection:
        """Open the SQLite index in WAL mode with its tables."""
        import sqlite3

        conn = sqlite3.connect(path, timeout=60.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS entries ("
            " key TEXT PRIMARY KEY, size INTEGER NOT NULL, last_used INTEGER NOT NULL)"
        )
        conn.execute("CREATE INDEX IF NOT EXISTS entries_lru ON entries(last_used)")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value)")
        if conn.execute("SELECT 1 FROM meta WHERE name = 'total_size'").fetchone() is None:
            _keep_total_size(conn)
        return conn

    def _total_size(self, db: sqlite3.Connection) -> int:
        """The entries' total size, as the index's triggers keep it (_keep_total_size)."""
        row = db.execute("SELECT value FROM meta WHERE name = 'total_size'").fetchone()
        return int(row[0]) if row is not None else 0

    def _touch(self, key: str, size: int) -> None:
        """Record that `key` (of `size` bytes) was just used (written to the index by the next _write_touches)."""
        if self._conn_pid is not None and self._conn_pid != os.getpid():
            self._touched = {}  # a forked copy's pending uses are its parent's to write
        self._touched[key] = (size, time.time_ns())

    def _write_touches(self) -> sqlite3.Connection:
        """Write the pending uses to the index in one transaction; return this process's connection."""
        db = self._db()
        if self._touched:
            rows = [(key, size, when) for key, (size, when) in self._touched.items()]
            self._touched = {}
            db.execute("BEGIN")
            try:
                db.executemany(
                    "INSERT INTO entries(key, size, last_used) VALUES (?, ?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET size = excluded.size, last_used = MAX(last_used, excluded.last_used)",
                    rows,
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return db

    def _forget(self, key: str) -> None:
        """Drop `key`'s file and index row."""
        self._touched.pop(key, None)
        self._path(key).unlink(missing_ok=True)
        self._db().execute("DELETE FROM entries WHERE key = ?", (key,))

    def _path(self, key: str) -> Path:
        """Where the entry for `key` (a segment key, or CHUNK_PREFIX and a chunk key) lives."""
        return Path(self._name(key))

    def _name(self, key: str) -> str:
        """_path as a string (a rebuild of a long episode looks up thousands of entries; pathlib's joins cost)."""
        chunk = key.startswith(CHUNK_PREFIX)
        bare = key[len(CHUNK_PREFIX):] if chunk else key
        if not _KEY_RE.fullmatch(bare):
            raise ValueError(f"not a cache key: {key!r}")
        return f"{self._chunks_name}/{bare[:2]}/{bare}.chunk" if chunk else f"{self._segments_name}/{bare[:2]}/{bare}.seg"

    # -- the public interface
    def contains(self, key: str) -> bool:
        """Whether an entry for `key` exists (cheap; not verified, not counted: a later get() may still miss)."""
        return os.path.isfile(self._name(key))

    def get(self, key: str) -> Pcm | None:
        """Return the cached audio for `key`, or None (a missing or damaged entry is a miss; damage is removed)."""
        found = self.get_with_extra(key)
        return None if found is None else found[0]

    def get_with_extra(self, key: str) -> tuple[Pcm, dict[str, Any] | None] | None:
        """Return the cached audio for `key` and its extra (e.g. loudness steps) in one read, or None on a miss."""
        path = self._path(key)
        try:
            blob = path.read_bytes()
            pcm, extra = decode_entry(blob)
        except FileNotFoundError:
            self.misses += 1
            return None
        except CorruptEntry:
            self._forget(key)
            self.misses += 1
            return None
        self._touch(key, len(blob))
        self.hits += 1
        return pcm, extra

    def get_extra(self, key: str) -> dict[str, Any] | None:
        """Return the `extra` stored with `key`'s audio (e.g. loudness blocks), or None if absent or damaged."""
        path = self._name(key)
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                head = f.read(_HEADER.size)
                fields, fields_bytes, _, extra_digest = _parse_header(head, size)
                extra_bytes = f.read(fields[-1])
        except FileNotFoundError:
            return None
        except CorruptEntry:
            self._forget(key)
            return None
        if _digest(fields_bytes, extra_bytes) != extra_digest:
            self._forget(key)
            return None
        return json.loads(extra_bytes) if extra_bytes else None

    def put(self, key: str, pcm: Pcm, extra: dict[str, Any] | None = None) -> None:
        """Store `pcm` (and JSON-able `extra`) under `key` atomically, then evict down to the cap."""
        self._store(key, encode_entry(pcm, extra))

    def get_chunk(self, key: str) -> bytes | None:
        """Return the encoded chunk stored under chunk key `key`, or None (a missing or damaged entry; damage is removed)."""
        name = CHUNK_PREFIX + key
        try:
            with open(self._name(name), "rb") as f:
                blob = f.read()
        except FileNotFoundError:
            return None
        payload = blob[_CHUNK_HEADER.size :]
        if len(blob) >= _CHUNK_HEADER.size:
            magic, version, length, crc = _CHUNK_HEADER.unpack_from(blob)
            if magic == _CHUNK_MAGIC and version == _FORMAT_VERSION and length == len(payload) and zlib.crc32(payload) == crc:
                self._touch(name, len(blob))
                return payload
        self._forget(name)
        return None

    def put_chunk(self, key: str, data: bytes) -> None:
        """Store an encoded chunk under chunk key `key` atomically, then evict down to the cap."""
        self._store(CHUNK_PREFIX + key, _CHUNK_HEADER.pack(_CHUNK_MAGIC, _FORMAT_VERSION, len(data), zlib.crc32(data)) + data)

    def _store(self, key: str, blob: bytes) -> None:
        """Write one entry file atomically, index it, and evict down to the cap."""
        path = self._path(key)
        for attempt in (1, 2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(path) as tmp:
                    tmp.write_bytes(blob)
                break
            except FileNotFoundError:  # a concurrent clear() removed the folder under us: once more
                if attempt == 2:
                    raise
        self._touch(key, len(blob))
        self.evict_to_cap()

    def evict_to_cap(self) -> int:
        """Remove least recently used entries until the total size is within the cap; return how many.

        Reads the total the index keeps and only the least recently used rows it removes: a full cache, where every
        stored entry evicts another, costs the same per entry at any number of entries."""
        db = self._write_touches()
        if self._total_size(db) <= self.cap_bytes:
            return 0
        victims: list[str] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            total = self._total_size(db)  # again, inside the transaction: another process may have evicted
            for key, size in db.execute("SELECT key, size FROM entries ORDER BY last_used, key"):
                if total <= self.cap_bytes:
                    break
                victims.append(key)
                total -= size
            db.executemany("DELETE FROM entries WHERE key = ?", [(k,) for k in victims])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        for key in victims:
            self._path(key).unlink(missing_ok=True)
        return len(victims)

    def info(self) -> CacheInfo:
        """Entries, size, cap and the last recorded build's hits and misses (a cache never created stays uncreated)."""
        if not (self.root / "index.sqlite3").is_file() and not self._segments.is_dir():
            return CacheInfo(entries=0, size_bytes=0, cap_bytes=self.cap_bytes, root=self.root,
                             last_build_hits=0, last_build_misses=0, exists=False)
        db = self._write_touches()
        entries, size = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM entries").fetchone()
        chunks = db.execute("SELECT COUNT(*) FROM entries WHERE key LIKE ?", (CHUNK_PREFIX + "%",)).fetchone()[0]
        meta = dict(db.execute("SELECT name, value FROM meta"))
        return CacheInfo(
            entries=entries - chunks,
            chunks=chunks,
            size_bytes=size,
            cap_bytes=self.cap_bytes,
            root=self.root,
            last_build_hits=int(meta.get("last_build_hits", 0)),
            last_build_misses=int(meta.get("last_build_misses", 0)),
        )

    def record_build_stats(self, hits: int, misses: int) -> None:
        """Persist a finished build's hit and miss counts for `info()` (and the uses of entries it made), and sweep
        stale temporary files when the last sweep is SWEEP_EVERY_S old (the sweep lists every entry's folder: 20 to
        30 ms per build for a cache of 20,000 entries, paid by every edit; a file is stale only after
        STALE_PART_SECONDS anyway)."""
        db = self._write_touches()
        now = time.time()
        swept = db.execute("SELECT value FROM meta WHERE name = 'last_sweep_at'").fetchone()
        sweep = swept is None or not 0 <= now - float(swept[0]) < SWEEP_EVERY_S
        db.executemany(
            "INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            [("last_build_hits", int(hits)), ("last_build_misses", int(misses)), ("last_build_at", now)]
            + ([("last_sweep_at", now)] if sweep else []),
        )
        if sweep:
            self.remove_stale_temp_files()

    def remove_stale_temp_files(self, older_than_s: float = STALE_PART_SECONDS) -> int:
        """Delete `.part` files left by writers killed more than `older_than_s` ago; return how many."""
        return sum(remove_stale_parts(folder, "*/.*.part", older_than_s)
                   for folder in (self._segments, self._chunks) if folder.is_dir())

    def clear(self) -> None:
        """Remove every entry and stale temporary file; the last build's stats are kept (a cache never created stays so)."""
        if not self.info().exists:
            return
        db = self._db()
        self._touched = {}
        db.execute("DELETE FROM entries")
        self.remove_stale_temp_files()
        for folder, pattern in ((self._segments, "*.seg"), (self._chunks, "*.chunk")):
            for sub in folder.iterdir() if folder.is_dir() else ():
                if sub.is_dir():
                    for f in sub.glob(pattern):
                        f.unlink(missing_ok=True)
                    try:
                        sub.rmdir()
                    except OSError:  # another build wrote into it meanwhile
                        pass

    def close(self) -> None:
        """Write the pending uses and close this process's index connection (reopened on next use)."""
        if self._conn is not None and self._conn_pid == os.getpid():
            self._write_touches()
            self._conn.close()
        self._conn, self._conn_pid = None, None


class NullCache:
    """The cache for --no-cache: remembers nothing, every lookup misses."""

    def __init__(self) -> None:
        """A cache that stores nothing."""
        self.hits = 0
        """Always 0."""
        self.misses = 0
        """Lookups made (all missed)."""

    def contains(self, key: str) -> bool:
        """Always False."""
        return False

    def get(self, key: str) -> Pcm | None:
        """Always None (a miss)."""
        self.misses += 1
        return None

    def get_extra(self, key: str) -> dict[str, Any] | None:
        """Always None."""
        return None

    def get_with_extra(self, key: str) -> tuple[Pcm, dict[str, Any] | None] | None:
        """Always None (a miss)."""
        self.misses += 1
        return None

    def put(self, key: str, pcm: Pcm, extra: dict[str, Any] | None = None) -> None:
        """Discard the audio."""

    def get_chunk(self, key: str) -> bytes | None:
        """Always None (a miss)."""
        return None

    def put_chunk(self, key: str, data: bytes) -> None:
        """Discard the chunk."""

    def evict_to_cap(self) -> int:
        """Nothing to evict."""
        return 0

    def info(self) -> CacheInfo:
        """An empty cache with no folder."""
        return CacheInfo(entries=0, size_bytes=0, cap_bytes=0, root=None, last_build_hits=0, last_build_misses=0)

    def record_build_stats(self, hits: int, misses: int) -> None:
        """Nothing is recorded."""

    def clear(self) -> None:
        """Nothing to clear."""

    def close(self) -> None:
        """Nothing to close."""
