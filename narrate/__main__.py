"""`python -m narrate` runs the CLI as the program (narrate.cli.program). Run inside another program
(runpy.run_module), it runs narrate.cli.main, whose SystemExit that program may catch."""

import sys

from narrate.cli import main, program

(program if sys.modules["__main__"].__dict__ is globals() else main)()
