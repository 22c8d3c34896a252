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


def test_samples_come_back_whole_with_their_format() -> None:
    # Several megabytes: far more than a pipe holds, so the worker reads while the child writes.
    data = bytes(range(256)) * 20_000
    result = pool._in_child_process(lambda job: Pcm(data=data, sample_rate=24000, sample_width=2, channels=1), JOB)
    assert result == Pcm(data=data, sample_rate=24000, sample_width=2, channels=1)


def test_a_child_that_dies_while_writing_its_samples_is_reported(monkeypatch) -> None:
    real_send = pool._send_outcome

    def send_half_then_die(fd: int, outcome) -> None:
        kind, pcm = outcome
        cut = len(pcm.data) // 2
        read_end, write_end = os.pipe()  # the whole message, to copy half of it to the worker
        pid = os.fork()
        if pid == 0:
            real_send(write_end, outcome)
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as whole:
            message = whole.read()
        os.waitpid(pid, 0)
        os.write(fd, message[: len(message) - len(pcm.data) + cut])
        os._exit(5)

    monkeypatch.setattr(pool, "_send_outcome", send_half_then_die)
    _settle()
    with pytest.raises(EngineError, match=r"died \(exit code 5\)"):
        pool._in_child_process(lambda job: Pcm(data=b"\x01\x02" * 100_000, sample_rate=22050), JOB)
    assert pool._exiting == []


class _Unpicklable(EngineError):
    def __reduce__(self):
        raise TypeError("not picklable")


def test_an_error_that_cannot_be_pickled_still_arrives_as_its_message() -> None:
    def task(job: SynthJob) -> Pcm:
        raise _Unpicklable("the engine said no")

    with pytest.raises(EngineError, match="the engine said no"):
        pool._in_child_process(task, JOB)
