"""Synthesis in worker processes: per-segment timeout, retry in a fresh process, results streamed in order."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from pebble import ProcessExpired, ProcessPool

from narrate.audio.pcm import Pcm
from narrate.engines.base import Engine, EngineError, VoiceSettings
from narrate.engines.registry import create_engine, engine_info
from narrate.engines.verify import check_segment_audio
from narrate.errors import NarrateError

__all__ = ["SynthJob", "synthesize_segments", "engine_info", "engine_voices", "IN_FLIGHT_PER_WORKER"]

IN_FLIGHT_PER_WORKER = 4
"""At most this many segments per worker are queued or running at once, so memory stays flat on long inputs."""



@dataclass(frozen=True)
class SynthJob:
    """One segment to synthesize."""

    index: int
    """The segment's position in the script (0-based); error messages show it as 'segment index+1'."""
    text: str
    """What to say."""
    engine: str
    """The engine name ('pyttsx3', 'piper', or 'module:Class')."""
    settings: VoiceSettings
    """Voice, rate, pitch and volume for this segment."""


# --- inside worker processes -------------------------------------------------------------------

_worker_engines: dict[str, Engine] = {}
"""This worker's engines, one per engine name, created on first use."""


def _init_worker() -> None:
    """Point the worker's stdout (fd 1 and sys.stdout) at /dev/null: engines print there, the user must not see it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker


def _worker_engine(name: str) -> Engine:
    """Return this worker's engine for `name`, creating it once (inside the task, so the timeout covers a hang)."""
    engine = _worker_engines.get(name)
    if engine is None:
        engine = _worker_engines[name] = create_engine(name)
    return engine


def _synthesize_job(job: SynthJob) -> Pcm:
    """Worker task: synthesize one segment and check it, raising EngineError when the audio is implausible."""
    pcm = _worker_engine(job.engine).synthesize(job.text, job.settings)
    check_segment_audio(pcm, job.text, job.settings.rate_wpm)
    return pcm


def _list_voices(engine_name: str) -> list[tuple[str, str, list[str]]]:
    """Worker task: the engine's installed voices as (id, name, languages)."""
    engine = _worker_engine(engine_name)
    list_voices = getattr(engine, "list_voices", None)
    return list(list_voices()) if callable(list_voices) else []


# --- in the calling process --------------------------------------------------------------------


def _start_method() -> str:
    """Fork (fast, no `if __name__ == "__main__"` needed) unless this process already holds a speech library; then spawn."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return "spawn"
    holds_engine = "pyttsx3" in sys.modules or any(name in sys.modules for name in ("piper", "onnxruntime"))
    return "spawn" if holds_engine else "fork"


def _new_pool(workers: int) -> ProcessPool:
    return ProcessPool(
        max_workers=max(1, workers),
        initializer=_init_worker,
        context=multiprocessing.get_context(_start_method()),
    )


def _first_words(text: str, count: int = 8) -> str:
    words = text.split()
    head = " ".join(words[:count])
    return head + ("..." if len(words) > count else "")


def _failure_reason(error: BaseException, timeout_s: float) -> str:
    if isinstance(error, concurrent.futures.TimeoutError):
        return f"it took longer than {timeout_s:g} s"
    if isinstance(error, ProcessExpired):
        return f"the worker process died (exit code {error.exitcode})"
    if isinstance(error, EngineError):
        return str(error).rstrip(".")
    return f"{type(error).__name__}: {error}".rstrip(".")


@dataclass
class _Attempt:
    job: SynthJob
    future: concurrent.futures.Future
    number: int


def synthesize_segments(
    jobs: Sequence[SynthJob],
    workers: int,
    timeout_s: float,
    retries: int = 2,
    on_done: Callable[[int], None] | None = None,
) -> Iterator[Pcm]:
    """Yield each job's verified Pcm in job order, as soon as it and all before it are ready.

    Synthesis always runs in separate worker processes (at least one), each holding one engine per
    engine name. A segment that times out, crashes its worker or fails verification is retried up to
    `retries` times (a hung or dead worker is replaced by a fresh process); then EngineError names
    the segment. `on_done(job.index)` is called as each result is yielded. At most
    IN_FLIGHT_PER_WORKER * workers segments are outstanding at any time.
    """
    if not jobs:
        return
    window = IN_FLIGHT_PER_WORKER * max(1, workers)
    pool = _new_pool(workers)
    pending: deque[_Attempt] = deque()
    next_job = 0

    def submit(job: SynthJob, number: int) -> _Attempt:
        return _Attempt(job, pool.schedule(_synthesize_job, args=(job,), timeout=timeout_s), number)

    try:
        while next_job < len(jobs) or pending:
            while next_job < len(jobs) and len(pending) < window:
                pending.append(submit(jobs[next_job], 1))
                next_job += 1
            if not pending[0].future.done():
                concurrent.futures.wait([a.future for a in pending], return_when=concurrent.futures.FIRST_COMPLETED)
            for position, attempt in enumerate(pending):
                if not attempt.future.done() or attempt.future.cancelled():
                    continue
                error = attempt.future.exception()
                if error is None:
                    continue
                if isinstance(error, NarrateError):
                    raise error
                if attempt.number > retries:
                    job = attempt.job
                    raise EngineError(
                        f'Segment {job.index + 1} ("{_first_words(job.text)}") could not be synthesized '
                        f"after {attempt.number} attempts: {_failure_reason(error, timeout_s)}."
                    ) from error
                pending[position] = submit(attempt.job, attempt.number + 1)
            while pending and pending[0].future.done() and pending[0].future.exception() is None:
                attempt = pending.popleft()
                if on_done is not None:
                    on_done(attempt.job.index)
                yield attempt.future.result()
    finally:
        for attempt in pending:
            attempt.future.cancel()
        pool.stop()
        pool.join()


def engine_voices(engine_name: str, timeout_s: float = 60.0) -> list[tuple[str, str, list[str]]]:
    """Return an engine's installed voices as (id, name, languages), loading the engine in a worker process."""
    pool = _new_pool(1)
    try:
        future = pool.schedule(_list_voices, args=(engine_name,), timeout=timeout_s)
        try:
            return future.result()
        except NarrateError:
            raise
        except EngineError:
            raise
        except Exception as error:
            raise EngineError(
                f"Could not list the voices of engine '{engine_name}': {_failure_reason(error, timeout_s)}."
            ) from error
    finally:
        pool.stop()
        pool.join()
