"""Synthesis in worker processes: per-segment timeout, retry in a fresh process, results streamed in order."""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import gc
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pebble import ProcessExpired, ProcessPool

from narrate.audio.pcm import MeasuredPcm, Pcm, measure_pcm
from narrate.engines.base import Engine, EngineError, VoiceSettings
from narrate.engines.outcome import outcome_of, result_of
from narrate.engines.outcome import received_outcome as _received_outcome
from narrate.engines.outcome import send_outcome as _send_outcome
from narrate.engines.registry import create_engine, engine_class, engine_info
from narrate.engines.speaker import prepare as prepare_voice
from narrate.engines.speaker import speak
from narrate.engines.verify import check_segment_audio
from narrate.errors import NarrateError
from narrate.processes import WORKER_NICENESS, context, die_with_parent, init_worker, quiet_stdout, reap_stopped_pools

__all__ = ["SynthJob", "synthesize_segments", "synthesize_job", "engine_info", "engine_voices", "prewarm",
           "speak_ahead", "discard_warm", "IN_FLIGHT_PER_WORKER"]

IN_FLIGHT_PER_WORKER = 4
"""At most this many segments per worker are queued or running at once, so memory stays flat on long inputs."""
IDLE_AFTER_S = 0.02
"""How long the caller of synthesize_segments waits for its next segment before it counts as idle (on_idle): longer
than the wait for one short segment on an edit, shorter than the first segments of a cold build take."""
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
"""mallopt options (glibc)."""
_MMAP_THRESHOLD_BYTES = 1024 * 1024
"""Blocks at least this large get their own mapping, returned to the system when freed. At glibc's initial
128 KiB, every FFT buffer and PCM copy of a segment was a fresh mapping, zeroed page by page: 0.15 s more
CPU in the workers on the sample article than at 1 MiB."""


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

_worker_engine_name: str | None = None
"""The one engine kind this worker hosts (engines whose libraries clash never share a process)."""
_worker_engines: dict[str, Engine] = {}
"""This worker's engine, created on first use."""


def _init_worker(engine_name: str) -> None:
    """Quiet the worker's stdout (quiet_stdout), record its engine kind, and run below the build's priority."""
    global _worker_engine_name
    init_worker()
    keep_heap_flat()
    quiet_stdout()
    _worker_engine_name = engine_name
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def _worker_engine(name: str) -> Engine:
    """Return this process's engine for `name`, creating it once (inside the task, so the timeout covers a hang)."""
    if _worker_engine_name is not None and name != _worker_engine_name:
        raise EngineError(f"A worker for engine '{_worker_engine_name}' was given a '{name}' segment.")
    engine = _worker_engines.get(name)
    if engine is None:
        engine = _worker_engines[name] = create_engine(name)
    return engine


def _synthesize_here(job: SynthJob) -> Pcm:
    """Synthesize one segment in this process and check it, raising EngineError when the audio is implausible."""
    pcm = _worker_engine(job.engine).synthesize(job.text, job.settings)
    check_segment_audio(pcm, job.text, job.settings.rate_wpm)
    return pcm


def _synthesize_job(job: SynthJob) -> Pcm:
    """Worker task: one verified segment, with the engine's own leading and trailing silence trimmed to
    narrate.audio.trim's fixed margin (every engine); spoken in a fresh child process when the engine's audio depends
    on its history (the trim runs here in the worker, whose memory is warm: in the child it cost page faults)."""
    return _synthesize_trimmed(_speak_job(job))


def _synthesize_trimmed(pcm: Pcm) -> Pcm:
    from narrate.audio.trim import trim_silence  # numpy: imported by the fork server, never by the build process

    return trim_silence(pcm)


def _speak_job(job: SynthJob) -> Pcm:
    """One verified segment as the engine spoke it: by the speaker where it speaks for the job's engine (a small
    process that forks a fresh segment process per segment, narrate.engines.speaker), else here."""
    spoken = speak(job.engine, job.text, job.settings)
    if spoken is not None:
        check_segment_audio(spoken, job.text, job.settings.rate_wpm)
        return spoken
    if not _prepare_here(job.engine, job.settings):
        return _synthesize_here(job)
    return _in_child_process(_synthesize_here, job)


def _prepare_here(engine_name: str, settings: VoiceSettings) -> bool:
    """Make this worker ready to speak with `settings`; return whether each segment must be spoken in a fresh fork.

    An engine whose audio depends on its history is prepared (its library started, the settings' model loaded)
    without speaking, so every fork of this worker inherits that and only speaks; when its prepare_process says so
    (returns True), its engine object is made here too, once, instead of in every fork. Any other engine is created
    here."""
    if _worker_engine_name is not None and engine_name != _worker_engine_name:
        raise EngineError(f"A worker for engine '{_worker_engine_name}' was given a '{engine_name}' segment.")
    engine_cls = engine_class(engine_name)
    fresh = bool(getattr(engine_cls, "fresh_process_per_segment", False) and hasattr(os, "fork"))
    prepare = getattr(engine_cls, "prepare_process", None)
    if not fresh or (callable(prepare) and prepare(settings)):
        _worker_engine(engine_name)
    return fresh


WARM_UP_RATE = 22050
"""The rate of the audio a prewarmed worker trims and measures once (eSpeak NG's, and Piper's medium voices')."""


def _prepare_worker(engine_name: str, settings: VoiceSettings) -> None:
    """Worker task of a pool started ahead of its segments (prewarm): get the engine ready (_prepare_here; where the
    speaker speaks for it, have the speaker make its voiced process for `settings` instead), then trim and measure a
    second of quiet noise, so the first real segment does not pay for the first use of those steps
    (their tables and buffers: about 20 ms on the segment an edit waits for)."""
    if not prepare_voice(engine_name, settings):
        _prepare_here(engine_name, settings)
    import numpy as np

    noise = np.random.default_rng(0).integers(-300, 300, WARM_UP_RATE, dtype="<i2").tobytes()
    measure_pcm(_synthesize_trimmed(Pcm(data=noise, sample_rate=WARM_UP_RATE, sample_width=2, channels=1)))


def _synthesize_measured(job: SynthJob) -> MeasuredPcm:
    """Worker task: one verified segment and its loudness, measured here in the worker (numpy only, a few ms)."""
    return measure_pcm(_synthesize_job(job))


def synthesize_job(job: SynthJob, measure: bool = False) -> Pcm | MeasuredPcm:
    """Synthesize and verify one job in this (worker) process exactly as the pool does, for other schedulers (Dask):
    history-dependent engines speak it in a fresh fork, so the bytes match a local build. Never call it in a
    process that must not load the engine's libraries. With `measure`, return a MeasuredPcm (loudness measured here)."""
    return _synthesize_measured(job) if measure else _synthesize_job(job)


def keep_heap_flat() -> None:
    """Keep glibc's malloc from parking every segment's audio in this process's heap for good.

    Each segment passes through a process as a few blocks of up to a few megabytes (its PCM, its pickle,
    its loudness arrays). glibc raises its mmap threshold to the largest block freed so far, so by
    default such blocks end up in the heap, which fragments and rarely shrinks in a long-lived process.
    A fixed threshold gives every block over a megabyte its own mapping, returned to the system when freed.
    No effect where malloc is not glibc's.
    """
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None)
        if hasattr(libc, "mallopt"):
            libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
            libc.mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_THRESHOLD_BYTES)


_exiting: list[int] = []
"""Segment processes (_in_child_process) that have handed over their result and are exiting, not yet reaped."""


def _reap_exited() -> None:
    """Reap the segment processes of earlier segments that have exited since (never waits)."""
    for pid in list(_exiting):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue  # still exiting: reaped on a later call (or by init once this worker ends)
        _exiting.remove(pid)


def _in_child_process(task: Callable[[SynthJob], Pcm], job: SynthJob) -> Pcm:
    """Run `task(job)` in a child forked from this worker and return its result (or raise its error).

    The worker has loaded the engine's code and data but has not started it, so every segment is spoken
    by a freshly started engine: its audio depends on (text, settings) only, never on earlier segments.
    The child sends its outcome through a pipe (_send_outcome: the samples as they are, never pickled) and the result
    is used as soon as the child has written it: the child's exit (the kernel unmapping a copy of the worker's memory,
    up to 20 ms) goes on meanwhile, and the child is reaped at a later segment (_reap_exited).
    Only a child that died before it had written its whole result is waited for, for its exit code.
    """
    _reap_exited()
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        gc.disable()  # lives for one segment: a collection would only copy pages it shares with the worker
        try:
            os.close(read_fd)
            die_with_parent()
            if os.getppid() != parent:
                os._exit(1)
            _send_outcome(write_fd, outcome_of(lambda: task(job)))
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as incoming:
        outcome = _received_outcome(incoming)  # read to the end of what the child wrote, or to its death
    if outcome is None:  # nothing, or part of a result: the child died before it had written it all
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        raise EngineError(f"the synthesis process died (exit code {code})") from None
    _exiting.append(pid)
    return result_of(outcome)


def _list_voices(engine_name: str) -> list[tuple[str, str, list[str]]]:
    """Worker task: the engine's installed voices as (id, name, languages)."""
    engine = _worker_engine(engine_name)
    list_voices = getattr(engine, "list_voices", None)
    return list(list_voices()) if callable(list_voices) else []


# --- in the calling process --------------------------------------------------------------------


AHEAD_IN_FLIGHT = 2
"""At most this many segments spoken ahead (speak_ahead) are queued or running on a prewarmed worker at once."""
AHEAD_LIMIT = 16
"""At most this many segments are spoken ahead by one prewarmed worker: their audio waits in the calling process
until the synthesis takes it, and a long script (a book) would otherwise pile up hundreds of them."""


_SpokenAhead = dict[tuple[str, VoiceSettings, str], concurrent.futures.Future]
"""Futures of segments spoken ahead, by what they say: (engine, settings, text)."""


@dataclass
class _WarmPool:
    """A pool prewarm started (one worker), the thread that launches its worker and then hands it the segments
    spoken ahead, and those segments' futures, by what they say."""

    pool: ProcessPool
    timeout_s: float
    requests: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    """For the thread: a SynthJob to speak ahead, _WAKE (a segment spoken ahead finished) or _STOP."""
    ahead: _SpokenAhead = field(default_factory=dict)
    """The futures of the segments spoken ahead; the thread's until it has stopped."""
    thread: threading.Thread | None = None


_WAKE, _STOP = object(), object()
_warm_pools: dict[str, _WarmPool] = {}
"""Pools started by prewarm and not yet taken by synthesize_segments, by engine name."""
_warm_lock = threading.Lock()


def prewarm(engine_name: str, settings: VoiceSettings, timeout_s: float = 120.0) -> None:
    """Start one synthesis worker for `engine_name` and have it get its engine ready for `settings` (eSpeak NG
    started, a Piper model loaded) and trim and measure once, for this process's next synthesize_segments to take.

    A build calls it before its script is made, with the engine its voice profile will most likely use, so that the
    first new segment is spoken by a worker that is ready for it (on an edit, the one changed segment); while the
    script is being made, the worker speaks the segments already rewritten that are not cached (speak_ahead). One
    worker, in a pool of its own: in a pool of several, a segment went to whichever worker asked first, which was
    most often one that had not prepared (10 edits in 12 waited 15 to 30 ms more for it); the other workers a
    synthesis needs are started beside it (_synthesized). Starting the worker waits for the fork server's imports,
    so that happens on a thread: this returns at once. A pool of another engine than the segments need is never
    used; discard_warm stops what was not taken. A prepare that fails or hangs is left for the segments' own tasks
    to report (they prepare again where it did not happen)."""
    with _warm_lock:
        if engine_name in _warm_pools:
            return
        warm = _WarmPool(_new_pool(engine_name, 1), timeout_s)
        warm.thread = threading.Thread(target=_run_warm, args=(warm, engine_name, settings),
                                       name="narrate-prewarm", daemon=True)
        _warm_pools[engine_name] = warm
    warm.thread.start()


def speak_ahead(job: SynthJob) -> bool:
    """Have the worker prewarm started for `job.engine` speak `job` (measured) before it is asked for, while the
    caller still makes the script; the next synthesize_segments(measure=True) takes the result for the job that says
    the same text with the same engine and settings. Returns whether a prewarmed worker took it (there is none for
    another engine, or after synthesize_segments or discard_warm took the pool).

    A build's one core used to idle while the build process composed and rewrote the script (0.2 s of a cold
    build of the sample article). The worker speaks at most AHEAD_IN_FLIGHT segments at a time, in the order they
    were given, and AHEAD_LIMIT in all; those not started when the pool is taken are dropped (synthesize_segments
    schedules them as usual). A result no job takes (settings guessed wrong, a segment the script dropped) is
    discarded with the pool."""
    with _warm_lock:
        warm = _warm_pools.get(job.engine)
    if warm is None:
        return False
    warm.requests.put(job)
    return True


def _run_warm(warm: _WarmPool, engine_name: str, settings: VoiceSettings) -> None:
    """The prewarmed pool's thread: launch its worker and prepare it, then hand it the segments spoken ahead, at
    most AHEAD_IN_FLIGHT at a time, until it is told to stop."""
    with contextlib.suppress(Exception):  # a pool that cannot start is reported when the segments are scheduled
        warm.pool.schedule(_prepare_worker, args=(engine_name, settings), timeout=warm.timeout_s)
    waiting: deque[SynthJob] = deque()
    while (request := warm.requests.get()) is not _STOP:
        if isinstance(request, SynthJob) and len(warm.ahead) + len(waiting) < AHEAD_LIMIT:
            waiting.append(request)
        while waiting and sum(not f.done() for f in warm.ahead.values()) < AHEAD_IN_FLIGHT:
            job = waiting.popleft()
            says = (job.engine, job.settings, job.text)
            if says in warm.ahead:
                continue
            try:
                warm.ahead[says] = warm.pool.schedule(_synthesize_measured, args=(job,), timeout=warm.timeout_s)
            except Exception:  # noqa: BLE001 - a pool that cannot take it: the synthesis schedules it as usual
                return
            warm.ahead[says].add_done_callback(lambda _: warm.requests.put(_WAKE))


def _take_warm(engine_name: str) -> _WarmPool | None:
    """The pool prewarm started for `engine_name`, once its thread has launched its worker and stopped, or None."""
    with _warm_lock:
        warm = _warm_pools.pop(engine_name, None)
    if warm is None:
        return None
    _stop_thread(warm)
    return warm


def _stop_thread(warm: _WarmPool) -> None:
    warm.requests.put(_STOP)
    if warm.thread is not None:
        warm.thread.join()


def discard_warm() -> None:
    """Stop the pools prewarm started that no synthesis took (their workers exit on a thread of their own)."""
    with _warm_lock:
        warm = list(_warm_pools.values())
        _warm_pools.clear()
    for taken in warm:
        _stop_thread(taken)
    pools = [taken.pool for taken in warm]
    for pool in pools:
        pool.stop()
    if pools:
        reap_stopped_pools(pools)


def _new_pool(engine_name: str, workers: int) -> ProcessPool:
    """A pool whose workers host only `engine_name` (Piper's and pyttsx3's eSpeak NG crash in one process), forked
    from the fork server (narrate.processes): never from this process, which may run threads and holds the script."""
    return ProcessPool(max_workers=max(1, workers), initializer=_init_worker, initargs=(engine_name,), context=context())


def _share_workers(jobs: Sequence[SynthJob], workers: int) -> dict[str, int]:
    """Split the worker budget over the engines in `jobs`, by their number of segments, at least one each."""
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.engine] = counts.get(job.engine, 0) + 1
    budget = max(1, min(workers, len(jobs)))  # no more processes than segments
    if len(counts) >= budget:
        return dict.fromkeys(counts, 1)
    shares = {name: 1 for name in counts}
    for _ in range(budget - len(counts)):
        neediest = max(counts, key=lambda name: counts[name] / shares[name])
        shares[neediest] += 1
    return shares


def _first_words(text: str, count: int = 8) -> str:
    words = text.split()
    head = " ".join(words[:count])
    return head + ("..." if len(words) > count else "")


def segment_failure(job: SynthJob, how: str) -> EngineError:
    """The error naming a segment (number and first words) that could not be synthesized, and `how` it failed."""
    return EngineError(f'Segment {job.index + 1} ("{_first_words(job.text)}") could not be synthesized {how}.')


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
    pool: ProcessPool


@dataclass
class _Workers:
    """A pool of synthesis workers for one engine, and how many workers it has."""

    pool: ProcessPool
    size: int


def _engine_pools(engine_name: str, share: int) -> tuple[list[_Workers], _SpokenAhead]:
    """The pools whose `share` workers speak the segments of `engine_name`: the one prewarm started (one worker,
    ready), if any, and a pool of the others; or one pool of `share`. With them, the futures of what the prewarmed
    worker spoke ahead (speak_ahead), by (engine, settings, text)."""
    warm = _take_warm(engine_name)
    if warm is None:
        return [_Workers(_new_pool(engine_name, share), share)], {}
    pools = [_Workers(warm.pool, 1)]
    if share > 1:
        pools.append(_Workers(_new_pool(engine_name, share - 1), share - 1))
    return pools, warm.ahead


def synthesize_segments(
    jobs: Sequence[SynthJob],
    workers: int,
    timeout_s: float,
    retries: int = 2,
    on_done: Callable[[int], None] | None = None,
    measure: bool = False,
    on_idle: Callable[[], None] | None = None,
) -> Iterator[Pcm]:
    """Yield each job's verified Pcm in job order, as soon as it and all before it are ready.

    With `measure`, yield MeasuredPcm instead: each segment's BS.1770 loudness steps are measured in
    the worker that spoke it (in parallel, and so the calling process never measures).

    Synthesis always runs in separate worker processes: one pool per engine name, so a process never
    holds two engine kinds, sharing `workers` between them (at least one each). An engine whose audio
    depends on what it spoke before (eSpeak NG, Piper) speaks each segment in a child freshly forked
    from its worker, so a segment's bytes depend on its text and settings only. A segment that times
    out, crashes its worker or fails verification is retried up to `retries` times (a hung or dead worker is replaced by a fresh process); then EngineError names
    the segment. `on_done(job.index)` is called as each result is yielded. At most
    IN_FLIGHT_PER_WORKER * workers segments are outstanding at any time, plus those a prewarmed worker spoke ahead
    (speak_ahead) and this synthesis took.

    The workers start, and the first jobs are handed to them, when this is called: a caller may do other work
    (assembly takes the cached segments before the first new one) while they speak. `on_idle()` is called once,
    the first time the caller has waited IDLE_AFTER_S for the next segment: a sign that it may start work of its
    own on a thread without holding up anything.
    """
    results = _synthesized(jobs, workers, timeout_s, retries, on_done, measure, on_idle)
    next(results)  # starts the pools and submits the first jobs
    return results


def _synthesized(jobs: Sequence[SynthJob], workers: int, timeout_s: float, retries: int,
                 on_done: Callable[[int], None] | None, measure: bool,
                 on_idle: Callable[[], None] | None = None) -> Iterator[Pcm]:
    """synthesize_segments' generator: yields None once the first jobs are submitted, then every result in order."""
    if not jobs:
        yield None  # type: ignore[misc]
        return
    window = IN_FLIGHT_PER_WORKER * max(1, workers)
    pools: dict[str, list[_Workers]] = {}
    ahead: _SpokenAhead = {}
    pending: deque[_Attempt] = deque()
    next_job = 0

    def submit(job: SynthJob, number: int) -> _Attempt:
        """Take what a prewarmed worker spoke ahead for `job` (the window grows by one: the other workers are not
        kept waiting for segments already spoken), or hand `job` to the least busy pool of its engine (segments
        queued or running per worker; the first pool on a tie)."""
        nonlocal window
        early = ahead.pop((job.engine, job.settings, job.text), None) if number == 1 and measure else None
        if early is not None:
            window += 1
            return _Attempt(job, early, number, pools[job.engine][0].pool)
        task = _synthesize_measured if measure else _synthesize_job
        chosen = min(pools[job.engine],
                     key=lambda w: sum(a.pool is w.pool and not a.future.done() for a in pending) / w.size).pool
        return _Attempt(job, chosen.schedule(task, args=(job,), timeout=timeout_s), number, chosen)

    try:
        for engine_name, share in _share_workers(jobs, workers).items():
            pools[engine_name], spoken_ahead = _engine_pools(engine_name, share)
            ahead.update(spoken_ahead)
        while next_job < len(jobs) and len(pending) < window:
            pending.append(submit(jobs[next_job], 1))
            next_job += 1
        yield None  # type: ignore[misc]
        while next_job < len(jobs) or pending:
            while next_job < len(jobs) and len(pending) < window:
                pending.append(submit(jobs[next_job], 1))
                next_job += 1
            if not pending[0].future.done():
                # Only the unfinished ones: a finished segment queued behind the head would end the wait at
                # once, and the loop would spin on the CPU the workers need until the head is ready.
                running = [a.future for a in pending if not a.future.done()]
                if on_idle is not None:
                    done, _ = concurrent.futures.wait(running, IDLE_AFTER_S, concurrent.futures.FIRST_COMPLETED)
                    if not done:
                        on_idle()
                        on_idle = None
                concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for position, attempt in enumerate(pending):
                if not attempt.future.done() or attempt.future.cancelled():
                    continue
                error = attempt.future.exception()
                if error is None:
                    continue
                if getattr(error, "permanent", False) or (
                    isinstance(error, NarrateError) and not isinstance(error, EngineError)
                ):
                    raise error  # a setup problem (unknown engine, missing model): retrying cannot help
                if attempt.number > retries:
                    job = attempt.job
                    raise segment_failure(
                        job, f"after {attempt.number} attempts: {_failure_reason(error, timeout_s)}"
                    ) from error
                pending[position] = submit(attempt.job, attempt.number + 1)
            while pending and pending[0].future.done() and pending[0].future.exception() is None:
                attempt = pending.popleft()
                if on_done is not None:
                    on_done(attempt.job.index)
                yield attempt.future.result()
    finally:
        for future in [*(attempt.future for attempt in pending), *ahead.values()]:
            future.cancel()
        stopped = [group.pool for engine_pools in pools.values() for group in engine_pools]
        for pool in stopped:
            pool.stop()
        # The stopped workers are reaped on a thread: waiting for them here held up assembly by tens of ms.
        reap_stopped_pools(stopped)


def engine_voices(engine_name: str, timeout_s: float = 60.0) -> list[tuple[str, str, list[str]]]:
    """Return an engine's installed voices as (id, name, languages), loading the engine in a worker process."""
    pool = _new_pool(engine_name, 1)
    try:
        future = pool.schedule(_list_voices, args=(engine_name,), timeout=timeout_s)
        try:
            return future.result()
        except NarrateError:  # EngineError too: it names the engine and the problem
            raise
        except Exception as error:
            raise EngineError(
                f"Could not list the voices of engine '{engine_name}': {_failure_reason(error, timeout_s)}."
            ) from error
    finally:
        pool.stop()
        pool.join()
