"""Fault injection for the crash-safety tests: the process kills itself (SIGKILL) at a named moment.

Set `NARRATE_KILL_AT=MOMENT` in a build's or a publisher's environment and it dies, as kill -9 would kill it,
when it reaches MOMENT. Without the variable `checkpoint` does nothing but read it. The moments, in the order
a build meets them:

- build:memo-flushing     the script memo's new entries are written inside its transaction, not yet committed
- build:sidecars-placed   the new STEM.chapters.json and STEM.vtt are in place, STEM.mp3 is not yet
- build:audio-placed      all three new files are in place; nothing names them yet
- catalog:made            a new catalog is complete under its temporary name, not yet renamed into place
- publish:committed       the catalog change is committed; feed and pages still show the previous state
- publish:feed-written    the new feed.xml is in place; pages not yet
- publish:pages-written   feed and pages are in place; retired and abandoned files not yet deleted
- publish:deleting        the first retired or abandoned file is deleted, others not yet
"""

from __future__ import annotations

import os
import signal

KILL_AT_ENV = "NARRATE_KILL_AT"
"""The environment variable naming the moment to die at."""
MOMENTS = ("build:memo-flushing", "build:sidecars-placed", "build:audio-placed", "catalog:made", "publish:committed",
           "publish:feed-written", "publish:pages-written", "publish:deleting")
"""Every moment a checkpoint is placed at."""


def checkpoint(moment: str) -> None:
    """Die here with SIGKILL when NARRATE_KILL_AT names `moment` (a test hook; a no-op otherwise)."""
    if os.environ.get(KILL_AT_ENV) == moment:
        os.kill(os.getpid(), signal.SIGKILL)
