"""Locks on an output folder: one publisher at a time, one build of an episode at a time.

Both are `fcntl.flock` locks on files under OUTPUT/.narrate/. A flock belongs to an open file and dies with
its process, so a build killed with kill -9 never leaves a lock behind. Lock files are never deleted (a
process waiting on a deleted lock file would hold a lock nobody else sees); there is one small file per
episode ever built.

A build holding its episode lock also records which episode files it is about to put into the folder
(`EpisodeLock.placing`), before it writes them, and drops the record once they are published. A record
whose episode lock is free belongs to a build that died: the next publisher deletes the files it names that
the catalog does not (`reclaim_abandoned`). While a build runs, its files are protected (`placements`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from narrate.errors import NarrateError

STATE_DIR = ".narrate"
"""The output folder's state folder (never served)."""
LOCKS_DIR = "locks"
"""Episode lock files and placement records, inside the state folder."""
PUBLISH_LOCK_FILE = "publish.lock"
"""The publish lock file, inside the state folder."""
PUBLISH_PENDING_FILE = "publish.pending"
"""A file in the state folder that exists from a publish's commit until its deletions are done. Left behind by a
killed publisher, it says the feed or pages may lag the catalog (the fast rebuild path then publishes again)."""
PUBLISH_TIMEOUT_S = 120.0
"""How long a publisher waits for another one to finish (a publish takes well under a second)."""
EPISODE_TIMEOUT_S = 1800.0
"""How long a build waits for another build of the same episode to finish before giving up."""
_PLACING = ".placing"


@contextlib.contextmanager
def held(path: Path, timeout_s: float, busy: str | Callable[[int], NarrateError]) -> Iterator[int]:
    """Hold an exclusive flock on `path` (created when missing) for the block; the block gets its descriptor.

    Waits at most `timeout_s` for another holder; then raises NarrateError(`busy`), or what `busy(descriptor)`
    makes when it is a function (say, with what the holder wrote into the file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise NarrateError(f"Cannot create the lock file {path}: {exc.strerror or exc}.") from None
    try:
        deadline = time.monotonic() + timeout_s
        pause = 0.002
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise NarrateError(busy) if isinstance(busy, str) else busy(fd)
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def publish_lock(output_dir: Path, timeout_s: float = PUBLISH_TIMEOUT_S) -> contextlib.AbstractContextManager[None]:
    """The lock every publisher of `output_dir` holds from its catalog change until its deletions are done."""
    return held(Path(output_dir) / STATE_DIR / PUBLISH_LOCK_FILE, timeout_s,
                f"Another narrate has been publishing into {output_dir} for over {timeout_s:.0f} s; try again later.")


def identity_key(identity: str) -> str:
    """A short file-name-safe key for an episode's source identity."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class EpisodeLock:
    """A held episode lock; `placing` records the files the build is about to put into the output folder."""

    lock_file: Path
    """The flock'd file."""
    record: Path
    """The placement record beside it."""

    def placing(self, names: Sequence[str]) -> None:
        """Record, atomically and before writing them, the episode files this build puts into the output folder."""
        from narrate.files import write_text_atomic

        write_text_atomic(self.record, json.dumps(sorted(set(names))))


@contextlib.contextmanager
def episode_lock(output_dir: Path, identity: str, timeout_s: float = EPISODE_TIMEOUT_S) -> Iterator[EpisodeLock]:
    """Hold the lock of the episode with this identity while it is built and published.

    A second build of the same episode waits here (at most `timeout_s`), then finds the first one's result.
    On success the placement record is dropped; after an error it stays, so the next publisher deletes the
    files it names unless the catalog names them."""
    folder = Path(output_dir) / STATE_DIR / LOCKS_DIR
    key = identity_key(identity)
    lock = EpisodeLock(folder / f"{key}.lock", folder / f"{key}{_PLACING}")
    busy = (f"Another build of this episode into {output_dir} has been running for over {timeout_s / 60:.0f} minutes; "
            "try again when it ends.")
    with held(lock.lock_file, timeout_s, busy):
        yield lock
        lock.record.unlink(missing_ok=True)


def _read_record(record: Path) -> list[str] | None:
    try:
        names = json.loads(record.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return []  # damaged: names nothing
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def placements(output_dir: Path) -> set[str]:
    """Every file name a placement record in `output_dir` names (builds running now, or dead and not yet reclaimed)."""
    folder = Path(output_dir) / STATE_DIR / LOCKS_DIR
    names: set[str] = set()
    for record in folder.glob(f"*{_PLACING}"):
        names.update(_read_record(record) or ())
    return names


def publish_settled(output_dir: Path) -> bool:
    """True when no publish is under way or was interrupted, and no build is placing files or died doing so."""
    state = Path(output_dir) / STATE_DIR
    if (state / PUBLISH_PENDING_FILE).exists():
        return False
    return not any(True for _ in (state / LOCKS_DIR).glob(f"*{_PLACING}"))


def reclaim_abandoned(output_dir: Path, discard: Callable[[list[str]], None]) -> None:
    """For each placement record whose build is gone (its episode lock is free), call `discard(names)` while
    holding that lock, then drop the record. Records of running builds are left alone."""
    folder = Path(output_dir) / STATE_DIR / LOCKS_DIR
    for record in sorted(folder.glob(f"*{_PLACING}")):
        lock_file = record.with_name(record.name[: -len(_PLACING)] + ".lock")
        try:
            fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            continue
        try:
            if not _try_lock(fd):
                continue  # its build is running
            names = _read_record(record)  # None: the build finished meanwhile and dropped it
            if names is not None:
                discard(names)
                record.unlink(missing_ok=True)
        finally:
            os.close(fd)
