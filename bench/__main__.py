"""`python -m bench` runs the benchmarks (see bench/run.py)."""

import runpy

runpy.run_path(str(__import__("pathlib").Path(__file__).with_name("run.py")), run_name="__main__")
