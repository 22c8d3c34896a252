"""Long fuzz run of the read and script stages: how many inputs end in a script, a clean error, a traceback or a hang.

    .venv/bin/python bench/fuzz.py --examples 5000 [--seed 1] [--timeout 10]

Runs `make_script` on hostile inputs (tests/fuzz_inputs.py: random bytes and unicode, hostile front matter,
huge numbers, deep nesting, HTML, mutated corpus articles) and prints a tally by outcome and, for tracebacks and
broken invariants, by class (exception type and the innermost frame). Not a test: the suite runs a short,
derandomized version of the same strategies (tests/test_fuzz_input.py).
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import pickle
import re
import select
import signal
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fuzz_inputs import huge_inputs, inputs  # noqa: E402
from fuzz_invariants import script_problems  # noqa: E402
from narrate.build import ScriptOptions, make_script  # noqa: E402
from narrate.errors import NarrateError  # noqa: E402


def _where(error: BaseException) -> str:
    """The innermost frame of a traceback, as 'file:line in function' (library paths shortened)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    name = last.filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
    return f"{name}:{last.lineno} in {last.name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before an input counts as a hang")
    parser.add_argument("--huge", action="store_true", help="mix in megabyte inputs (digit runs, endless lines)")
    parser.add_argument("--only-huge", action="store_true", help="only megabyte inputs")
    parser.add_argument("--show", type=int, default=2, help="example inputs to print per class")
    args = parser.parse_args()

    outcomes: collections.Counter[str] = collections.Counter()
    classes: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    slowest: list[tuple[float, str]] = []
    folder = Path(tempfile.mkdtemp(prefix="narrate-fuzz-"))

    def attempt(source: str, stdin: io.BytesIO | None) -> tuple[str, list[str]]:
        """Run make_script once: ('script' | 'clean error' | 'traceback' | 'broken invariant', classes)."""
        try:
            script = make_script(ScriptOptions(sources=(source,)), stdin=stdin)
        except NarrateError as error:
            return "clean error", [re.sub(r"\S*(?:input|/)\S*", "SOURCE", str(error))[:70]]
        except Exception as error:  # noqa: BLE001 (tallying every kind is the point)
            return "traceback", [f"{type(error).__name__} at {_where(error)}"]
        problems = sorted(set(script_problems(script)))
        return ("broken invariant", problems) if problems else ("script", [])

    def in_child(source: str, stdin: io.BytesIO | None) -> tuple[str, list[str]]:
        """`attempt` in a forked child, killed after the timeout: a regex stuck in C cannot be interrupted."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            warnings.simplefilter("ignore")
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(attempt(source, stdin), out)
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            ready, _, _ = select.select([pipe], [], [], args.timeout)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "hang", [f"over {args.timeout:g} s"]
            data = pipe.read()
        os.waitpid(pid, 0)
        return pickle.loads(data) if data else ("traceback", ["child died"])

    @settings(max_examples=args.examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @seed(args.seed)
    @given(huge_inputs() if args.only_huge else st.one_of(inputs, huge_inputs()) if args.huge else inputs)
    def run(case: tuple[str, bytes]) -> None:
        suffix, data = case
        if suffix:
            path = folder / f"input{suffix}"
            path.write_bytes(data)
            source, stdin = str(path), None
        else:
            source, stdin = "-", io.BytesIO(data)
        started = time.perf_counter()
        kind, found = in_child(source, stdin)
        outcomes[kind] += 1
        if kind == "clean error":
            errors[found[0]] += 1
        for cls in found if kind != "clean error" else []:
            classes[f"{kind}: {cls}"] += 1
            if len(examples[f"{kind}: {cls}"]) < args.show:
                examples[f"{kind}: {cls}"].append(repr(data[:160]))
        slowest.append((time.perf_counter() - started, repr(data[:80])))
        done = sum(outcomes.values())
        if done % 250 == 0:
            print(f"{done} inputs: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()), file=sys.stderr, flush=True)

    started = time.perf_counter()
    run()
    total = sum(outcomes.values())
    print(f"{args.examples} requested, {total} outcomes in {time.perf_counter() - started:.0f} s")
    for kind, count in outcomes.most_common():
        print(f"  {kind:18} {count:6}  ({100 * count / max(total, 1):.1f} %)")
    for cls, count in classes.most_common():
        print(f"{count:6}  {cls}")
        for example in examples[cls]:
            print(f"          {example}")
    print("clean errors:")
    for message, count in errors.most_common(12):
        print(f"{count:6}  {message}")
    slowest.sort(reverse=True)
    print("slowest:", ", ".join(f"{s:.2f} s" for s, _ in slowest[:5]))


if __name__ == "__main__":
    main()
