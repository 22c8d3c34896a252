"""The `narrate` program's entry point: the console script and `python -m narrate` start here.

A command that makes audio starts the worker fork server first (narrate.processes.start), so that the server's
imports (about 0.2 s) run on another core while the CLI's own (about 0.1 s) and the script are done here: on an edit
of one paragraph, the worker that speaks it used to be ready 30 ms after the script was. A run that ends without
needing a worker (nothing changed, bad input, help) kills the server as it ends (narrate.processes.stop): about
0.05 s more for such a run. Such a command also pauses Python's cyclic garbage collector while it starts up
(narrate.collector). Then the CLI runs as the program (narrate.cli.program)."""

from __future__ import annotations

import sys

BUILDING_COMMANDS = ("build", "demo")
"""The commands that make audio."""


def run() -> None:
    """Run the `narrate` program with this process's arguments."""
    if sys.argv[1:2] and sys.argv[1] in BUILDING_COMMANDS:
        from narrate.collector import pause

        pause()  # until the build's synthesis is under way: see narrate.collector
        from narrate.processes import start

        start()
    from narrate.cli import program

    program()
