"""`python -m narrate` runs the `narrate` program (narrate.launch.run). Run inside another program
(runpy.run_module), it runs narrate.cli.main, whose SystemExit that program may catch."""

import sys

if sys.modules["__main__"].__dict__ is globals():
    from narrate.launch import run

    run()
else:
    from narrate.cli import main

    main()
