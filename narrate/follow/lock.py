"""One follow run at a time per output folder: an advisory lock (flock) on OUTPUT/.narrate/follow.lock.

A second run waits for the first up to its --wait seconds, then gives up with one sentence (exit 3). The kernel
drops the lock when its holder ends in any way (kill -9 included), so a crashed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from narrate.errors import NarrateError
from narrate.locks import STATE_DIR, held

LOCK_FILE = Path(STATE_DIR) / "follow.lock"
"""The lock file, inside the output folder."""
DEFAULT_WAIT_S = 300.0
"""How long a run waits for another run on the same output folder before giving up."""


class FollowBusy(NarrateError):
    """Another follow run holds the output folder."""

    exit_code = 3


@contextlib.contextmanager
def follow_lock(output_dir: Path, wait_s: float) -> Iterator[None]:
    """Hold the output folder's follow lock for the block, waiting up to `wait_s` seconds for another run to finish."""
    wait_s = max(0.0, wait_s)
    with held(Path(output_dir) / LOCK_FILE, wait_s,
              lambda fd: FollowBusy(_busy_message(fd, output_dir, wait_s))) as fd:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {dt.datetime.now().astimezone().isoformat(timespec='seconds')}\n".encode(), 0)
        yield


def _busy_message(fd: int, output_dir: Path, wait_s: float) -> str:
    try:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
    except OSError:
        holder = []
    who = f" (process {holder[0]}, since {holder[1]})" if len(holder) >= 2 else ""
    waited = f"after waiting {wait_s:g} s" if wait_s > 0 else "without waiting (--wait 0)"
    return f"Another `narrate follow` run is working on {output_dir}{who}; this run gave up {waited}."
