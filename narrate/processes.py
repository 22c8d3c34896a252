"""Worker processes: every synthesis and encoding process narrate starts is forked from one fork server.

Forking the build process itself is unsafe once it runs threads (the publish preparation thread, pebble's pool
manager thread, a Dask client's, an embedding application's): the child gets a copy of every lock as it was,
held by threads that do not exist in it, and Python 3.12 warns "This process is multi-threaded, use of fork()
may lead to deadlocks in the child". Forking it was also costly: each worker, and each per-segment process
forked from a worker, copied on write pages of a build process that had read the article, composed the script
and imported the CLI.

So workers come from a fork server (multiprocessing's 'forkserver' start method): a fresh interpreter started
with exec (never fork) once per build process, which imports PRELOAD and then does nothing but fork. It never
runs a second thread, so every worker forked from it is a single-threaded copy of a small process that already
has numpy, soxr, LAME and the engines' Python code imported (the forks share those pages; no worker pays for
the imports). It imports no speech library, so a worker of any engine may come from it.

start() launches it without waiting for it, so the server's imports run on another core meanwhile: the `narrate`
program calls it first thing for a command that makes audio (narrate.launch), and a build started otherwise calls
it before composing the script; stop() kills it as the program ends. context() is the
multiprocessing context that pools start workers with.
A worker's parent is the server, which exits when the process that started it does (multiprocessing watches a
pipe for that), so workers ask the kernel to kill them when their parent dies (die_with_parent).

Stopped pools end in the background (reap_on_thread, reap_stopped_pools), and the program's exit neither waits for
pebble's slow reaping nor leaves while another thread frees a pool's semaphores (see reap_on_thread for what that
printed).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.context import BaseContext
from typing import Any, Protocol

PRELOAD = (
    "narrate.worker_server", "narrate.engines.pool", "narrate.audio.chunk", "narrate.audio.limiter", "narrate.audio.lametag",
    "narrate.engines.pyttsx3_engine", "numpy", "soxr", "lameenc", "pyttsx3", "pyttsx3.driver", "pyttsx3.voice",
)
"""Modules the fork server imports once for every worker (Python code only: no speech library is loaded).
narrate.worker_server comes first: it keeps multiprocessing from running the build's main script in each worker."""
WORKER_NICENESS = 10
"""How much lower than the build's own priority synthesis workers run: the chunk encoders (processes of the build's
priority, narrate.audio.assemble) are the longest chain of serial work in a build, so they must never wait for a
core while workers synthesize segments assembly cannot take yet. Workers still get every core nothing else wants."""
_PR_SET_PDEATHSIG = 1
"""prctl option: signal this process when its parent dies (Linux)."""

_lock = threading.Lock()
_context: BaseContext | None = None


def context() -> BaseContext:
    """The multiprocessing context worker pools use: the fork server where the platform has one, else spawn."""
    global _context
    with _lock:
        if _context is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(list(PRELOAD))
            else:  # pragma: no cover - Windows and other platforms without fork
                ctx = multiprocessing.get_context("spawn")
            _context = ctx
        return _context


def start() -> None:
    """Start the fork server now, without waiting for its imports (a no-op where there is none, or once it runs)."""
    ctx = context()
    if ctx.get_start_method() != "forkserver":  # pragma: no cover - no fork server on this platform
        return
    from multiprocessing import forkserver

    with contextlib.suppress(Exception):  # a server that cannot start now is started, or reported, by the pool
        forkserver.ensure_running()


def stop() -> None:
    """Kill the fork server, if this process started one (a no-op otherwise).

    The program calls it as it ends: a server still busy with its imports (the program ended early) would otherwise
    live on until they are done, holding the program's output pipes open for whoever waits for them to close. Its
    workers die with it (die_with_parent)."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if isinstance(pid, int):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (no orphan outlives an interrupted build)."""
    with contextlib.suppress(Exception):
        _prctl()(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@functools.cache
def _prctl() -> Any:
    """libc's prctl, looked up once per process and inherited by its forks (the speaker's segment processes call
    die_with_parent first thing: looking it up again there cost pages of the dynamic linker's)."""
    return ctypes.CDLL(None, use_errno=True).prctl


def init_worker() -> None:
    """Start of every worker: die with its parent, let the server end with the build process, leave Ctrl-C to the
    build process (which stops the pool), and resume the garbage collector the server paused (narrate.collector)."""
    from narrate.collector import resume

    resume()
    die_with_parent()
    _release_server()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _release_server() -> None:
    """Close this worker's copy of the fork server's 'alive' pipe.

    The server exits when that pipe has no writer left, and multiprocessing hands every process it forks a copy, so
    that a worker's own children could come from the server too (narrate's never do). A worker waiting for its next
    task when the build process was killed (SIGKILL: no pool shut down) kept the server alive, and the server kept
    the worker alive (it dies with its parent): both lived on for good, holding the build's output pipes open, so
    whoever waited for the build's output waited forever. Without the copy, the server exits with the build process
    and its workers die with it (die_with_parent)."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(fd, int):
        with contextlib.suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None  # type: ignore[union-attr]


def quiet_stdout(stderr: bool = False) -> None:
    """Point this process's stdout (fd 1 and sys.stdout) at /dev/null: engines print there. With `stderr`, fd 2 too."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    if stderr:
        os.dup2(devnull, 2)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process


class Joinable(Protocol):
    """A stopped pool: join() returns once its workers have exited."""

    def join(self) -> None: ...


REAP_AT_EXIT_S = 10.0
"""How long the program's exit waits, at most, for reap_on_thread's work (stopped workers end within milliseconds)."""

_reapers: list[threading.Thread] = []
"""Threads reap_on_thread started that the program's exit waits for."""
_retired: list[tuple[threading.Thread, Sequence[Joinable]]] = []
"""Pools reap_stopped_pools was given, with the thread reaping them, kept until a later call after that thread ended."""
_exit_lock = threading.Lock()
_exit_registered = False


def reap_on_thread(reap: Callable[[], None]) -> None:
    """Run `reap` (waiting for stopped workers to exit and letting their pool go) on a thread of its own, which the
    program's exit waits for.

    Letting a pool go frees its semaphores: each is unlinked, then multiprocessing's resource tracker, a process that
    outlives this one and writes to its stderr, is told. A program that ended in between (narrate.cli leaves with
    os._exit) left the tracker a name it could not unlink, and it printed a warning after the build's result or error
    sentence."""
    thread = threading.Thread(target=reap, name="narrate-reap-workers", daemon=True)
    with _exit_lock:
        _at_exit_once()
        _reapers[:] = [reaper for reaper in _reapers if reaper.is_alive()]
        _reapers.append(thread)
    thread.start()


def reap_stopped_pools(pools: Sequence[Joinable]) -> None:
    """Let stopped `pools` end in the background: their workers are joined on a thread the program's exit does not
    wait for (pebble notices a stop only at its next tick, up to 0.1 s later), and the pools themselves are kept until
    a later call finds them reaped, so their semaphores (see reap_on_thread) are never freed on that thread while the
    program leaves: the caller's thread frees them, or multiprocessing's exit function on the main thread."""
    thread = threading.Thread(target=_join_all, args=(tuple(pools),), name="narrate-reap-pools", daemon=True)
    with _exit_lock:
        _at_exit_once()
        reaped = [entry for entry in _retired if not entry[0].is_alive()]
        _retired[:] = [entry for entry in _retired if entry[0].is_alive()]
        _retired.append((thread, pools))
    thread.start()
    del reaped  # freed here, on the caller's thread


def _join_all(pools: Sequence[Joinable]) -> None:
    for pool in pools:
        pool.join()


def _at_exit_once() -> None:
    global _exit_registered
    if not _exit_registered:
        import multiprocessing.util  # noqa: F401 - registers multiprocessing's exit function, if no pool did yet

        atexit.register(_end_workers)  # registered after it, so it runs before it
        _exit_registered = True


def _end_workers(timeout_s: float = REAP_AT_EXIT_S) -> None:
    """At exit: wait, at most `timeout_s` in all, for reap_on_thread's work, then stop the fork server, so that its
    remaining workers (stopped pools' that are still being reaped) die at once and multiprocessing's exit function,
    which waits for every child still running, does not wait for them."""
    with _exit_lock:
        reapers = list(_reapers)
    deadline = time.monotonic() + timeout_s
    for reaper in reapers:
        reaper.join(max(0.0, deadline - time.monotonic()))
    stop()
