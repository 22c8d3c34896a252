"""Synthesis on a Dask distributed cluster: segment jobs go to its workers, verified Pcm comes back in order.

The scheduling, retries and worker placement are Dask's own. Dask has no per-task timeout, so the
worker side enforces it: each Dask worker process keeps a small pebble pool (one process per engine
name) and runs every segment there with `timeout_s`; a hung or crashed engine process is replaced
and the task fails, and Dask retries it (up to `retries` times, possibly on another worker).
Needs the optional extra `narrate[dask]` (dask[distributed]) on the client and on every worker,
and narrate itself importable on the workers.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from narrate.audio.pcm import MeasuredPcm, Pcm
from narrate.engines.base import EngineError
from narrate.engines.pool import IN_FLIGHT_PER_WORKER, SynthJob, quiet_stdout, segment_failure, synthesize_job
from narrate.errors import NarrateError

__all__ = ["synthesize_segments_dask"]

# --- inside a Dask worker process ----------------------------------------------------------------

_engine_pools: dict[str, Any] = {}
"""This Dask worker's pebble pools, one single-process pool per engine name."""
_pools_lock = threading.Lock()


def _engine_pool(engine: str) -> Any:
    """The pebble pool that runs `engine` in this Dask worker, started on first use."""
    from pebble import ProcessPool

    with _pools_lock:
        pool = _engine_pools.get(engine)
        if pool is None:
            # Dask's nanny starts workers as daemonic processes, and multiprocessing refuses children to
            # those. The engine processes are ours and are stopped when the worker exits (atexit below),
            # so this worker may start them: clear the flag for good (pebble restarts processes later too).
            multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]
            # spawn, not fork: a Dask worker runs threads (its event loop), which a fork would copy mid-flight.
            pool = ProcessPool(max_workers=1, initializer=quiet_stdout, context=multiprocessing.get_context("spawn"))
            if not _engine_pools:
                atexit.register(_stop_pools)
            _engine_pools[engine] = pool
        return pool


def _stop_pools() -> None:
    """Stop this Dask worker's engine processes."""
    for pool in _engine_pools.values():
        pool.stop()
        pool.join()
    _engine_pools.clear()


def dask_synthesize_task(job: SynthJob, timeout_s: float, measure: bool = False) -> Pcm | MeasuredPcm:
    """Dask task: synthesize one segment (and measure it) in this worker's engine process, killing it after `timeout_s`."""
    import concurrent.futures

    from pebble import ProcessExpired

    future = _engine_pool(job.engine).schedule(synthesize_job, args=(job, measure), timeout=timeout_s)
    try:
        return future.result()
    except concurrent.futures.TimeoutError:
        raise EngineError(f"it took longer than {timeout_s:g} s") from None
    except ProcessExpired as error:
        raise EngineError(f"the engine process died (exit code {error.exitcode})") from None


# --- in the calling process ----------------------------------------------------------------------


def _connect(scheduler: str) -> Any:
    try:
        from dask.distributed import Client
    except ImportError:
        raise NarrateError("Synthesis on a Dask cluster needs the dask extra: pip install 'narrate[dask]'.") from None
    try:
        return Client(scheduler, timeout=30, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise NarrateError(f"Cannot reach the Dask scheduler at {scheduler}: {error}.") from None


def synthesize_segments_dask(
    jobs: Sequence[SynthJob],
    workers: int,
    timeout_s: float,
    retries: int = 2,
    on_done: Callable[[int], None] | None = None,
    measure: bool = False,
    *,
    scheduler: str,
) -> Iterator[Pcm]:
    """Yield each job's verified Pcm in job order, synthesized on the Dask cluster at `scheduler` (tcp://HOST:PORT).

    Same contract as narrate.engines.pool.synthesize_segments: `on_done(job.index)` is called as each
    result is yielded; a failing segment is retried `retries` times by Dask, then EngineError names it.
    `workers` is ignored (the cluster has its own); at most IN_FLIGHT_PER_WORKER jobs per cluster
    thread are outstanding, so memory stays flat on long inputs. With `measure`, yields MeasuredPcm
    (loudness measured on the worker side).
    """
    if not jobs:
        return
    client = _connect(scheduler)
    pending: deque[tuple[SynthJob, Any]] = deque()
    try:
        slots = sum(client.nthreads().values()) or 1
        window = IN_FLIGHT_PER_WORKER * slots
        next_job = 0
        while next_job < len(jobs) or pending:
            while next_job < len(jobs) and len(pending) < window:
                job = jobs[next_job]
                future = client.submit(dask_synthesize_task, job, timeout_s, measure, retries=retries, pure=False,
                                       key=f"narrate-segment-{job.index}-{os.urandom(6).hex()}")
                pending.append((job, future))
                next_job += 1
            job, future = pending.popleft()
            try:
                pcm = future.result()
            except NarrateError as error:
                if isinstance(error, EngineError):
                    raise segment_failure(job, f"after {retries + 1} attempts: {str(error).rstrip('.')}") from error
                raise
            except Exception as error:
                raise segment_failure(job, f"on the Dask cluster: {type(error).__name__}: {error}") from error
            if on_done is not None:
                on_done(job.index)
            yield pcm
    finally:
        for _, future in pending:
            future.cancel()
        client.close()
