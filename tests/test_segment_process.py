"""A segment spoken in a fresh child process (narrate.engines.pool._in_child_process): its result is used as soon as
it is written, the child is reaped later, and a child that dies is reported with its exit code."""

from __future__ import annotations

import os
import signal
import time

import pytest

from narrate.engines import pool
from narrate.engines.base import EngineError, VoiceSettings
from narrate.engines.pool import SynthJob
from narrate.audio.pcm import Pcm

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="segment processes are forked")

JOB = SynthJob(index=0, text="A short line.", engine="pyttsx3", settings=VoiceSettings())


def _pcm(job: SynthJob) -> Pcm:
    return Pcm(data=job.text.encode() * 2, sample_rate=22050, sample_width=2, channels=1)


def _dies(code: int):
    def task(job: SynthJob) -> Pcm:
        os._exit(code)
    return task


def _killed(job: SynthJob) -> Pcm:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def _raises(job: SynthJob) -> Pcm:
    raise EngineError("the engine refused")


def _reaped(pid: int) -> bool:
    """Whether child `pid` has been reaped already (it is no longer this process's child)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _settle() -> None:
    """Reap every earlier segment process (each exits within moments of handing over its result)."""
    deadline = time.monotonic() + 10
    while pool._exiting and time.monotonic() < deadline:
        time.sleep(0.01)
        pool._reap_exited()
    assert pool._exiting == []


def test_results_come_back_and_every_child_is_reaped_later() -> None:
    children = []
    for _ in range(5):
        assert pool._in_child_process(_pcm, JOB).data == JOB.text.encode() * 2
        children.append(pool._exiting[-1])  # handed over its result; reaped later
    _settle()
    assert all(_reaped(pid) for pid in children)  # no zombie left


def test_an_error_raised_in_the_child_is_raised_here() -> None:
    with pytest.raises(EngineError, match="refused"):
        pool._in_child_process(_raises, JOB)


@pytest.mark.parametrize(("task", "code"), [(_dies(7), 7), (_killed, -signal.SIGKILL)])
def test_a_child_that_dies_before_writing_is_reported_with_its_exit_code(task, code) -> None:
    _settle()
    with pytest.raises(EngineError, match=rf"died \(exit code {code}\)"):
        pool._in_child_process(task, JOB)
    assert pool._exiting == []  # waited for (its exit code), not left to reap
