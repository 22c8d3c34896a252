"""Worker processes: nothing outlives a build process killed with SIGKILL, even workers waiting for their next task."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

KILLED_WITH_IDLE_WORKERS = r'''
import os, signal
from concurrent.futures import ProcessPoolExecutor
from narrate.processes import context, init_worker
encoders = ProcessPoolExecutor(max_workers=1, mp_context=context(), initializer=init_worker)
print(encoders.submit(os.getpid).result(), flush=True)  # an encoder process, now waiting for its next task
os.kill(os.getpid(), signal.SIGKILL)  # no pool is shut down
'''


@pytest.mark.skipif(sys.platform != "linux", reason="the fork server and die-with-parent are Linux's")
def test_a_killed_build_leaves_no_worker_and_no_fork_server() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WITH_IDLE_WORKERS], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=20)  # returns once every process holding its output pipes has ended
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("a worker or the fork server outlived the killed build process") from None
    assert proc.returncode == -9, err
    worker = int(out.split()[0])
    assert not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text().split()[2]


def _fork_servers() -> set[int]:
    """The process ids of the multiprocessing fork servers now running (not zombies)."""
    import psutil

    found = set()
    for process in psutil.process_iter(["cmdline", "status"]):
        if "multiprocessing.forkserver" in " ".join(process.info["cmdline"] or []) and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.add(process.pid)
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="the fork server is Linux's")
def test_a_build_command_that_needs_no_worker_stops_the_fork_server_it_started(tmp_path: Path) -> None:
    """`narrate build` starts the fork server before it reads its options; a run that ends without needing a worker
    (here its help; also bad input, or nothing changed) kills it as it ends, instead of leaving it to finish its
    imports while it holds the program's output open."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(3):
        before = _fork_servers()
        with open(tmp_path / "out.txt", "wb") as out:  # a file, not a pipe: nothing holds up the program's exit
            subprocess.run([sys.executable, "-m", "narrate", "build", "--help"], check=True, env=env, cwd=tmp_path,
                           stdout=out, stderr=subprocess.STDOUT, timeout=60)
        assert "Usage" in (tmp_path / "out.txt").read_text()
        assert _fork_servers() - before == set()
