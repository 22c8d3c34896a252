"""Python's cyclic garbage collector, paused while a process starts up.

A build process starts by importing about 600 modules and composing its script: hundreds of thousands of objects
that all live as long as the process. The collector, which runs after every 700 new objects, examined them over and
over and found nothing to free: about 20 ms of the CPU of an edit rebuild (0.5 s), on the build's critical path
(measured with gc.callbacks). So the program pauses it first thing for a command that makes audio (narrate.launch),
and the build resumes it once the synthesis of its segments is under way (narrate.build): the objects made until
then are moved out of the collector's sight for good (gc.freeze), so that its later runs, through a long build, do
not walk them again either. Objects are still freed by reference counting while the collector is paused; only
reference cycles wait. The worker fork server pauses it while it imports (narrate.worker_server); each worker
resumes it as it starts (narrate.processes.init_worker).
"""

from __future__ import annotations

import gc

_paused = False
"""Whether pause() stopped the collector in this process (resume() restarts only what pause() stopped)."""


def pause() -> None:
    """Stop the cyclic collector until resume() (a no-op when it is already off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Restart the collector if pause() stopped it, leaving every object made so far out of its sight (gc.freeze).
    A no-op otherwise: a build run by another program (narrate follow, an application) leaves its collector alone."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
