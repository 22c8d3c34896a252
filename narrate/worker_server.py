"""Imported only by narrate's fork server (the first of narrate.processes.PRELOAD), never by a build process.

multiprocessing prepares every process it starts by running the parent's main script again, as '__mp_main__',
so that functions defined there can be unpickled. narrate's workers run narrate's own functions only, and the
parent may be any script (an application embedding narrate, a test runner, a benchmark) that would start its
work all over again in each worker without an `if __name__ == "__main__"` guard; forking the build process
never asked for one. So in the fork server, and in every worker forked from it, that step does nothing.

Python's cyclic garbage collector is paused in the server (narrate.collector): its imports make only objects that
live as long as it does, and it then only forks.

The server forks the speaker (narrate.engines.speaker) as it imports this module, before the rest of its imports.

When the build process has exited, the server ends without the interpreter's teardown (_end_at_once).

It also keeps numpy's OpenBLAS from starting a thread pool when the server imports numpy next: a fork server must
not run a second thread (its forks would copy it mid-flight), and no worker multiplies matrices (numpy's FFT,
einsum and element-wise work do not use BLAS); the pool also cost the server's start 0.14 s of CPU.
"""

from __future__ import annotations

import atexit
import os
from multiprocessing import spawn

from narrate.collector import pause

pause()  # the server imports, then only forks; each worker resumes the collector (narrate.processes.init_worker)
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def _keep_main(_: str) -> None:
    """Leave this process's main module as it is (see the module docstring)."""


spawn._fixup_main_from_name = _keep_main  # type: ignore[attr-defined]
spawn._fixup_main_from_path = _keep_main  # type: ignore[attr-defined]


def _end_at_once() -> None:
    """The server's last act: end the process without the interpreter's teardown.

    The server exits when the build process that started it has exited; tearing down its numpy, LAME and engine
    modules took 0.04 s more, and whoever reads the build's output (a pipe it inherited) waited for that. Its forks
    (the workers) end with os._exit and never run this. Registered after multiprocessing's own exit handler, so it
    runs first (and that one, which has nothing of the server's to clean, never runs)."""
    os._exit(0)


atexit.register(_end_at_once)

# The speaker is forked now, while this server is still small: before the imports of PRELOAD that follow this module.
from narrate.engines import speaker  # noqa: E402

speaker.start()

