"""The program does not leave while another of its threads frees a stopped pool's semaphores.

Freeing a semaphore unlinks it, then tells multiprocessing's resource tracker (a process that outlives the build and
writes to its stderr). A build that left with os._exit in between made the tracker print "leaked semaphore" warnings
after the result (seen once in a full test run). Here the unlinking is slowed down on every thread but the main one
(a sitecustomize module, the fault), so a program that frees semaphores on a thread it does not wait for prints the
warning every time."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli_support import FIXTURES, ok, run_narrate

SLOW_UNLINK = textwrap.dedent("""
    import threading, time
    import multiprocessing.synchronize as synchronize

    _cleanup = synchronize.SemLock._cleanup

    def _slow_cleanup(name):
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.2)
        _cleanup(name)

    synchronize.SemLock._cleanup = staticmethod(_slow_cleanup)
""")


def _with_slow_unlink(tmp_path: Path) -> dict[str, str]:
    fault = tmp_path / "fault"
    fault.mkdir()
    (fault / "sitecustomize.py").write_text(SLOW_UNLINK, encoding="utf-8")
    return {"PYTHONPATH": str(fault)}  # run_narrate puts the repository before it


def test_a_quiet_build_prints_nothing_even_when_reaping_is_slow(tmp_path: Path) -> None:
    (tmp_path / "bakery.md").write_bytes((FIXTURES / "bakery.md").read_bytes())
    proc = ok(run_narrate(["build", "bakery.md", "-o", "pub", "--cache", "cache", "-q"], tmp_path,
                          extra_env=_with_slow_unlink(tmp_path)))
    assert proc.stderr == ""
    assert (tmp_path / "pub" / "feed.xml").is_file()


def test_a_failed_build_prints_its_sentence_only_even_when_reaping_is_slow(tmp_path: Path) -> None:
    # The build fails after its workers ran, when it publishes: a folder stands where the feed goes.
    (tmp_path / "bakery.md").write_bytes((FIXTURES / "bakery.md").read_bytes())
    (tmp_path / "pub" / "feed.xml" / "in-the-way").mkdir(parents=True)
    proc = run_narrate(["build", "bakery.md", "-o", "pub", "--cache", "cache", "-q"], tmp_path,
                       extra_env=_with_slow_unlink(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["narrate: Is a directory: pub/feed.xml."]


def test_retired_pools_are_let_go_on_the_callers_thread_once_reaped() -> None:
    import threading
    import weakref

    from narrate.processes import reap_stopped_pools

    reaped = threading.Event()

    class Pool:  # stands for a stopped pool; its finalizer records the thread that let it go
        def join(self) -> None:
            reaped.set()

    let_go_on: list[str] = []
    pool = Pool()
    weakref.finalize(pool, lambda: let_go_on.append(threading.current_thread().name))
    reap_stopped_pools([pool])
    del pool
    assert reaped.wait(5)
    for thread in threading.enumerate():  # the reaping thread has ended, without letting the pool go
        if thread.name == "narrate-reap-pools":
            thread.join(5)
    assert let_go_on == []
    reap_stopped_pools([])  # a later call lets it go, here
    assert let_go_on == [threading.current_thread().name]
