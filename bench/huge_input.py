"""A 2-million-word input, as issue 12 measured it: how soon `narrate build` shows progress, how long the script stage
takes, and the memory of the whole process tree while the script is made and while synthesis runs.

`python bench/huge_input.py [--copies 17] [--synth-seconds 120]` writes bench/RESULTS-huge.md. The input is the corpus
novel (../shared/corpus/long) repeated `--copies` times in a temporary folder (17 copies: about 2.07 million words);
nothing of it is kept. The build runs with `--no-cache`: the copies repeat each other's paragraphs, and the script memo
would answer all but the first copy's (a real 2-million-word book has no such luck). It runs on a pseudo-terminal, so its progress display is what a user at a terminal sees;
it is stopped `--synth-seconds` after the synthesis bar appears (all of it would take days of audio). Memory is
sampled every 0.2 s with psutil: PSS (shared pages split between the processes sharing them) and RSS summed over the
build and all its workers. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import tree_memory  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOVEL = ROOT.parent / "shared" / "corpus" / "long" / "pride-and-prejudice.md"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def make_input(folder: Path, copies: int) -> tuple[Path, int]:
    """The novel `copies` times over, each copy's headings numbered so chapters stay distinct; (path, words)."""
    text = NOVEL.read_text(encoding="utf-8")
    parts = []
    for copy in range(1, copies + 1):
        parts.append(re.sub(r"(?m)^(#+ .+)$", rf"\1 (volume {copy})", text))
    path = folder / "two-million-words.md"
    whole = "\n\n".join(parts)
    path.write_text(whole, encoding="utf-8")
    return path, len(whole.split())


def measure(source: Path, work: Path, synth_seconds: float) -> dict[str, float]:
    """Run the build on a pseudo-terminal; return the timings and memory peaks."""
    cmd = [sys.executable, "-m", "narrate", "build", str(source), "-o", str(work / "out"), "--no-cache",
           "--max-input-mb", "64", "--no-publish"]
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=follower, stdout=follower, stderr=follower, env=env, start_new_session=True)
    os.close(follower)
    root = psutil.Process(proc.pid)
    seen = b""
    first_output = synth_start = None
    script_peak = script_rss = synth_peak = synth_rss = 0
    next_sample = 0.0
    try:
        while proc.poll() is None:
            now = time.perf_counter() - start
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    chunk = b""
                if chunk and first_output is None:
                    first_output = now
                seen = (seen + ANSI.sub(b"", chunk))[-4096:]
                if synth_start is None and b"synthesize" in seen:
                    synth_start = now
            if now >= next_sample:
                next_sample = now + 0.2
                pss, rss = tree_memory(root)
                if synth_start is None:
                    script_peak, script_rss = max(script_peak, pss), max(script_rss, rss)
                else:
                    synth_peak, synth_rss = max(synth_peak, pss), max(synth_rss, rss)
            if synth_start is not None and now - synth_start >= synth_seconds:
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        os.close(leader)
    if synth_start is None:
        raise RuntimeError(f"the build ended (exit {proc.returncode}) before synthesis began: {seen[-800:]!r}")
    return {"first_output_s": first_output or 0.0, "synthesis_starts_s": synth_start,
            "script_peak_pss_mb": script_peak / 1e6, "script_peak_rss_mb": script_rss / 1e6,
            "synthesis_peak_pss_mb": synth_peak / 1e6, "synthesis_peak_rss_mb": synth_rss / 1e6}


def main() -> None:
    """Make the input, measure one build, write the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=17)
    parser.add_argument("--synth-seconds", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS-huge.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="narrate-huge-") as tmp:
        work = Path(tmp)
        source, words = make_input(work, args.copies)
        size_mb = source.stat().st_size / 1e6
        figures = measure(source, work, args.synth_seconds)
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        ("Input", f"{words:,} words, {size_mb:.1f} MB of Markdown ({args.copies} copies of the corpus novel)"),
        ("First progress on the terminal", f"{figures['first_output_s']:.1f} s after start"),
        ("Synthesis bar appears (script made)", f"{figures['synthesis_starts_s']:.1f} s after start"),
        ("Peak memory while the script is made", f"{figures['script_peak_pss_mb']:.0f} MB PSS "
                                                 f"({figures['script_peak_rss_mb']:.0f} MB RSS sum)"),
        (f"Peak memory in the first {args.synth_seconds:.0f} s of synthesis",
         f"{figures['synthesis_peak_pss_mb']:.0f} MB PSS ({figures['synthesis_peak_rss_mb']:.0f} MB RSS sum)"),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    args.out.write_text(
        f"# A 2-million-word input\n\nMeasured {when} by `python bench/huge_input.py` on this machine "
        f"({os.cpu_count()} cores): `narrate build` of one {words:,}-word Markdown file on a pseudo-terminal, "
        f"`--no-publish --no-cache` (so the script memo cannot answer the copies' repeated paragraphs), default `--jobs`, stopped {args.synth_seconds:.0f} s after its synthesis bar appeared. "
        "Memory is summed over the build and every worker it starts, sampled every 0.2 s.\n\n"
        "Issue 12 measured, on the main of that day: nothing printed for 74 s, then about 1.2 GB over the processes.\n\n"
        f"| What | Figure |\n|---|---|\n{table}\n", encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
