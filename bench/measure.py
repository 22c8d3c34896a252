"""Run a command and measure its wall time and the peak memory of its whole process tree (psutil)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psutil

SAMPLE_S = 0.05
"""How often the process tree's memory is sampled."""


@dataclass(frozen=True)
class Run:
    """One measured command."""

    wall_s: float
    """Wall-clock time from start to exit."""
    peak_mb: float
    """Largest sum of proportional set sizes (PSS) over the process tree (and any extra processes), in MB (10^6 bytes).

    PSS splits each shared page between the processes that map it, so forked workers and their per-segment
    children are not counted again for the pages they share with their parent: the honest sum over processes."""
    stdout: str
    """What the command printed."""
    returncode: int
    """Its exit status."""
    peak_rss_mb: float = 0.0
    """Largest sum of resident set sizes over the same processes (counts shared pages once per process)."""


def tree_memory(root: psutil.Process, extra: Callable[[], Sequence[psutil.Process]] | None = None) -> tuple[int, int]:
    """Sums of (PSS, RSS) of `root`, all its descendants, and the `extra` processes (and theirs)."""
    procs = [root]
    try:
        procs += root.children(recursive=True)
    except psutil.Error:
        pass
    for p in extra() if extra else ():
        procs.append(p)
        try:
            procs += p.children(recursive=True)
        except psutil.Error:
            pass
    pss = rss = 0
    seen: set[int] = set()
    for p in procs:
        if p.pid in seen:
            continue
        seen.add(p.pid)
        try:
            full = p.memory_full_info()
        except psutil.Error:
            continue
        pss += getattr(full, "pss", full.rss)
        rss += full.rss
    return pss, rss


def run(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: str | None = None,
        extra: Callable[[], Sequence[psutil.Process]] | None = None, sample: bool = True) -> Run:
    """Run `cmd`, sampling the memory of its process tree every SAMPLE_S seconds (not with `sample` False: the
    sampler reads every process's smaps, CPU the measured command then shares); return the measurements."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})}, cwd=cwd)
    root = psutil.Process(proc.pid)
    peak = peak_rss = 0
    done = threading.Event()

    def sample_memory() -> None:
        nonlocal peak, peak_rss
        while not done.is_set():
            pss, rss = tree_memory(root, extra)
            peak, peak_rss = max(peak, pss), max(peak_rss, rss)
            done.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample_memory, daemon=True)
    if sample:
        sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    if sample:
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode('utf-8', 'replace')[-2000:]}")
    return Run(wall, peak / 1e6, out.decode("utf-8", "replace"), proc.returncode, peak_rss / 1e6)


def timed(cmd: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Run `cmd` without memory sampling; return its wall time."""
    start = time.perf_counter()
    subprocess.run(list(cmd), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **(env or {})})
    return time.perf_counter() - start
