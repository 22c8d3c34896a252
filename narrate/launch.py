"""The `narrate` program's entry point: the console script and `python -m narrate` start here.

A command that makes audio starts the worker fork server first (narrate.processes.start_for_command), so that the
server's imports run on another core while the CLI's own are done here; then the CLI runs as the program
(narrate.cli.program)."""

from __future__ import annotations

import sys


def run() -> None:
    """Run the `narrate` program with this process's arguments."""
    if sys.argv[1:2] and sys.argv[1] in ("build", "demo"):  # narrate.processes.BUILDING_COMMANDS, not imported otherwise
        from narrate.processes import start_for_command

        start_for_command(sys.argv[1:])
    from narrate.cli import program

    program()
