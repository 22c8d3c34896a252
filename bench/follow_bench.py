"""`narrate follow` benchmark: a 50-item feed on a local server (the tests' http.server thread).

1. the first run, building all 50 short articles (--since, so the first-run cap does not apply);
2. a second run with nothing new: the server answers 304 (target < 1 s, the whole process included);
   also against a server without validators (same bytes: hashed, not parsed), and with a feed whose bytes
   changed but whose items did not (all 50 parsed and compared, nothing built);
3. a run with one edited item, against `narrate build` of that one article alone (same warm cache).

Run alone: `python bench/follow_bench.py`; `bench/run.py` runs it as its 'follow' benchmark.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))
from follow_support import FeedServer, Route, Story, rss  # noqa: E402

PY = sys.executable
ENV = {"PYTHONPATH": str(REPO)}
ITEMS = 50


def stories() -> list[Story]:
    """Fifty short notices of our own, newest first."""
    start = dt.datetime(2026, 5, 20, 8, 0, tzinfo=dt.timezone.utc)
    return [Story(f"notice-{n}", f"Harbour notice number {n}",
                  [f"The harbour office posted notice {n} about berth {n % 12 + 1}.",
                   "It asks boat owners to check their moorings before the weekend."],
                  start - dt.timedelta(hours=n)) for n in range(ITEMS)]


CPU: dict[str, list[float]] = {}
"""CPU time (user + system) of each measured command's process tree, by case: steadier than wall time on a busy machine."""


def _timed(command: list[str], cwd: Path, case: str | None = None) -> tuple[float, dict]:
    import os
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env={**os.environ, **ENV}, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if case:
        CPU.setdefault(case, []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:5])} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return wall, json.loads(proc.stdout)


def bench_follow(work: Path, repeats: int = 5, edits: int = 3) -> dict:
    """Measure the follow figures; return them as a dict of lists (seconds)."""
    items = stories()
    rows: dict = {}
    with FeedServer() as server:
        url = server.url("/feed.xml")
        server.routes["/feed.xml"] = Route(rss(items, server.base), "application/rss+xml")
        follow = [PY, "-m", "narrate", "follow", url, "-o", "out", "--cache", "cache", "--json", "-q"]
        first_s, first = _timed([*follow, "--since", "2000-01-01"], work)
        built = sum(1 for s in first["sources"] for i in s["items"] if i["outcome"] == "published")
        if built != ITEMS:
            raise RuntimeError(f"the first run built {built} of {ITEMS} items")
        rows["first_run_s"] = first_s
        _timed(follow, work)  # without --since the options differ from the first run's: this run reads the feed in full
        rows["not_modified_s"] = []
        for _ in range(repeats):
            wall, report = _timed(follow, work, "not_modified")
            if report["sources"][0]["status"] != "not-modified":
                raise RuntimeError("the second run did not see a 304")
            rows["not_modified_s"].append(wall)
        server.routes["/feed.xml"] = Route(rss(items, server.base), "application/rss+xml", conditional=False)
        rows["same_bytes_s"] = [_timed(follow, work, "same_bytes")[0] for _ in range(repeats)]
        rows["reparsed_s"] = []
        for n in range(repeats):
            server.routes["/feed.xml"] = Route(rss(items, server.base, title=f"Harbour Gazette {n}"),
                                               "application/rss+xml", conditional=False)
            wall, report = _timed(follow, work, "reparsed")
            if report["counts"] != {"unchanged": ITEMS}:
                raise RuntimeError(f"a re-read feed with no new item gave {report['counts']}")
            rows["reparsed_s"].append(wall)
        rows["edit"] = []
        for n in range(edits):
            items[7].paragraphs[1] = f"It asks boat owners to check their moorings before weekend number {n + 1}."
            server.routes["/feed.xml"] = Route(rss(items, server.base), "application/rss+xml")
            wall, report = _timed(follow, work, "edit")
            edited = next(i for i in report["sources"][0]["items"] if i["action"] == "changed")
            alone = work / f"alone-{n}.md"  # the same article with an edit of its own, so it too speaks one new paragraph
            alone.write_text(f"# {items[7].title}\n\n{items[7].paragraphs[0]}\n\n"
                             f"It asks boat owners to check their moorings before weekend count {n + 1}.\n", encoding="utf-8")
            build_wall, summary = _timed([PY, "-m", "narrate", "build", str(alone), "-o", "alone-out", "--cache", "cache",
                                          "--json", "-q"], work, "build_alone")
            rows["edit"].append({"follow_s": wall, "synthesized": edited["episode"]["segments"]["synthesized"],
                                 "total": edited["episode"]["segments"]["total"], "build_alone_s": build_wall,
                                 "build_alone_synthesized": summary["segments"]["synthesized"]})
    rows["cpu_s"] = {case: list(times) for case, times in CPU.items()}
    return rows


def report_lines(rows: dict) -> list[str]:
    """The RESULTS.md section."""
    med = statistics.median
    edit = rows["edit"]

    def cpu(case: str) -> str:
        times = rows.get("cpu_s", {}).get(case)
        return f"{med(times):.2f}" if times else ""

    return [
        f"## 5. Following a {ITEMS}-item feed on a local server (`narrate follow`, whole process)", "",
        "| Case | Wall time (s) | CPU time (s) | Target |", "|---|---|---|---|",
        f"| First run, all {ITEMS} short articles built | {rows['first_run_s']:.1f} | | |",
        f"| Nothing new: the server answers 304 | {med(rows['not_modified_s']):.2f} (n={len(rows['not_modified_s'])}) "
        f"| {cpu('not_modified')} | < 1 s |",
        f"| Nothing new, server without validators (same bytes: hashed, not parsed) | {med(rows['same_bytes_s']):.2f} "
        f"(n={len(rows['same_bytes_s'])}) | {cpu('same_bytes')} | < 1 s |",
        f"| Nothing new, feed bytes changed (all {ITEMS} items parsed and compared) | {med(rows['reparsed_s']):.2f} "
        f"(n={len(rows['reparsed_s'])}) | {cpu('reparsed')} | < 1 s |",
        f"| One item edited ({med([e['synthesized'] for e in edit]):.0f} of {edit[0]['total']} segments synthesized) "
        f"| {med([e['follow_s'] for e in edit]):.2f} (n={len(edit)}) | {cpu('edit')} | close to the next row |",
        f"| `narrate build` of that one article alone, one paragraph edited, same warm cache "
        f"({med([e['build_alone_synthesized'] for e in edit]):.0f} segments synthesized) "
        f"| {med([e['build_alone_s'] for e in edit]):.2f} (n={len(edit)}) | {cpu('build_alone')} | |",
        "", "CPU time is user + system of the whole process tree (medians); wall times on a shared machine are noisy.",
    ]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="narrate-follow-bench-") as tmp:
        figures = bench_follow(Path(tmp))
    print("\n".join(report_lines(figures)))
    print(json.dumps(figures, indent=1))
