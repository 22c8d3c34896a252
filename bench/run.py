"""narrate benchmarks: `python bench/run.py [--quick] [--out FILE]` measures and writes bench/RESULTS.md.

Every figure is measured in this run, next to its baseline measured in the same run:
1. cold build of the sample article vs Debian's espeak-ng + one ffmpeg encode, and vs pyttsx3 alone; the quality of
   the built episode (loudness, true peak, clean decode, CBR and exact duration, no click at a cut; bench/quality.py);
2. rebuild with no change, and after editing one paragraph of the sample article and of one article in an edition
   of ten; the edits are also measured, in the same run, on a checkout of BASELINE_REF (narrate before chunked
   encoding), for the before/after figures;
3. scaling: the article, ten articles as one edition, the whole novel (time per hour of audio, peak memory);
4. workers: --jobs 1, --jobs 2, and a Dask LocalCluster with two worker processes;
5. following a 50-item feed on a local server (bench/follow_bench.py);
6. script composition (`narrate script`, no synthesis) against input size: prose, and hostile inputs (one endless
   word, words without a sentence end, a digit run) at 100 KB and 1 MB: time must grow linearly.
Corpus text is only read from ../shared/corpus and written to temporary files, never into the repository.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import importlib.metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Run, run, timed  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("NARRATE_CORPUS") or REPO.parent / "shared" / "corpus")
"""The shared sample inputs (read only); NARRATE_CORPUS names them where they are not beside the checkout."""
ARTICLE = CORPUS / "markdown" / "istanbul-talks.md"
NOVEL = CORPUS / "long" / "pride-and-prejudice.md"
PY = sys.executable
ENV = {"PYTHONPATH": str(REPO)}
BASELINE_REF = "aa1d5c1"
"""The last commit before chunked encoding and trimmed engine silences (issue 13): the 'before' of the edit figures."""
EDITION_SLICES = 10
SLICE_WORDS = 1300
"""Words in each of the ten edition articles (about the sample article's length)."""


@dataclass
class Plan:
    """How many times each measurement is repeated."""

    cold: int = 3
    unchanged: int = 5
    edit: int = 5
    edition: int = 2
    edition_edit: int = 3
    novel: int = 1
    workers: int = 3
    compose: int = 1
    novel_enabled: bool = True


@dataclass
class Results:
    """Every figure measured, for the report."""

    rows: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    load: list[str] = field(default_factory=list)
    """Load average and effective cores when each benchmark started, and at the end."""


def median(values: Sequence[float]) -> float:
    """Median of the measured values."""
    return statistics.median(values)


def narrate_build(sources: Sequence[Path], out: Path, cache: Path, *extra: str) -> list[str]:
    """The `narrate build` command line."""
    return [PY, "-m", "narrate", "build", *map(str, sources), "-o", str(out), "--cache", str(cache),
            "--json", "-q", *extra]


def build(sources: Sequence[Path], out: Path, cache: Path, *extra: str,
          watch: Callable[[], Sequence[psutil.Process]] | None = None, env: dict[str, str] | None = None,
          sample: bool = True) -> tuple[Run, dict]:
    """Run one build (of this checkout, or of the tree `env` puts on PYTHONPATH); return its measurements and summary
    (without the memory sampler with `sample` False)."""
    r = run(narrate_build(sources, out, cache, *extra), env=env or ENV, cwd=str(out.parent), extra=watch, sample=sample)
    return r, json.loads(r.stdout)


def cold_times(sources: Sequence[Path], work: Path, repeats: int, *extra: str) -> list[float]:
    """Wall times of `repeats` builds with a fresh cache and output each, without the memory sampler (it reads every
    process's smaps 20 times a second, CPU the baselines it is compared with do not pay)."""
    times = []
    work.mkdir(parents=True, exist_ok=True)
    for i in range(repeats):
        out, cache = work / f"out-{i}", work / f"cache-{i}"
        times.append(timed(narrate_build(sources, out, cache, *extra), env=ENV))
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
    return times


def cold_builds(sources: Sequence[Path], work: Path, repeats: int, *extra: str,
                watch: Callable[[], Sequence[psutil.Process]] | None = None) -> list[tuple[Run, dict]]:
    """`repeats` builds, each with a fresh cache and a fresh output folder."""
    runs = []
    work.mkdir(parents=True, exist_ok=True)
    for i in range(repeats):
        out, cache = work / f"out-{i}", work / f"cache-{i}"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        runs.append(build(sources, out, cache, *extra, watch=watch))
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
    return runs


def compose_inputs(work: Path, size: int) -> dict[str, Path]:
    """Inputs of `size` bytes for the composition benchmark: the novel's prose (repeated past its end) and three
    hostile shapes from issue 12, each as a Markdown file with a headline."""
    prose = "\n\n".join(novel_paragraphs())
    bodies = {
        "novel prose": (prose * (size // len(prose) + 1))[:size],
        "one endless word": "x" * size,
        "words, no sentence end": ("word " * (size // 5))[:size],
        "a digit run": "9" * size,
    }
    paths = {}
    for name, body in bodies.items():
        path = work / f"{name.replace(' ', '-').replace(',', '')}-{size}.md"
        path.write_text("# Composition benchmark\n\n" + body.rsplit(" ", 1)[0] + "\n", encoding="utf-8")
        paths[name] = path
    return paths


def bench_compose(res: Results, work: Path, plan: Plan) -> None:
    """`narrate script --format json` (read, compose, normalize; no synthesis) at 100 KB and 1 MB of each input."""
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in (100_000, 1_000_000):
        for name, path in compose_inputs(work, size).items():
            runs = [run([PY, "-m", "narrate", "script", "--format", "json", str(path), "-o", str(work / "out")], env=ENV)
                    for _ in range(plan.compose)]
            segments = sum(len(c["segments"]) for c in json.loads(runs[0].stdout)["chapters"])
            rows.append({"name": name, "bytes": size, "segments": segments, "script_s": [r.wall_s for r in runs],
                         "peak_mb": [r.peak_mb for r in runs]})
    res.rows["compose"] = rows


# --- machine and versions -------------------------------------------------------------------------


def _spin(_: object = None) -> float:
    """Seconds one busy loop takes."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def effective_cores() -> float:
    """How many cores this run really gets: two busy loops side by side against one alone (2.0 on an idle 2-core
    machine; less when other work shares it, which slows the parallel builds more than the serial baselines)."""
    import multiprocessing

    alone = min(_spin() for _ in range(2))
    with multiprocessing.get_context("fork").Pool(2) as pool:
        started = time.perf_counter()
        pool.map(_spin, [0, 1])
        together = time.perf_counter() - started
    return round(2 * alone / together, 2)


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, OS."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "CPU": model,
        "Cores (logical, usable)": f"{psutil.cpu_count()} ({len(os.sched_getaffinity(0))})",
        "RAM": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": platform.platform(),
    }


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """Versions of everything the figures depend on."""
    import imageio_ffmpeg

    sys.path.insert(0, str(REPO))
    import narrate
    from narrate.engines.espeak_library import wheel_espeak_version

    ffmpeg = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-version"], capture_output=True, text=True)
    system_espeak = shutil.which("espeak-ng")
    debian = (subprocess.run([system_espeak, "--version"], capture_output=True, text=True).stdout.strip()
              if system_espeak else "not installed")
    return {
        "Python": platform.python_version(),
        "narrate": narrate.__version__,
        "pyttsx3": _version("pyttsx3"),
        "eSpeak NG (espeakng-loader wheel, used by narrate)": f"{wheel_espeak_version()} (wheel {_version('espeakng-loader')})",
        "eSpeak NG (Debian, baseline)": debian,
        "ffmpeg (imageio-ffmpeg)": ffmpeg.stdout.splitlines()[0] if ffmpeg.stdout else "unknown",
        "dask / distributed": f"{_version('dask')} / {_version('distributed')}",
        "psutil": _version("psutil"),
    }


# --- inputs ---------------------------------------------------------------------------------------


def spoken_text(sources: Sequence[Path]) -> list[str]:
    """The segments narrate speaks for `sources` (the plain text every baseline reads)."""
    sys.path.insert(0, str(REPO))
    from narrate.build import ScriptOptions, make_script

    script = make_script(ScriptOptions(tuple(map(str, sources)), edition="Edition" if len(sources) > 1 else None))
    return [s.text for s in script.segments()]


def novel_paragraphs() -> list[str]:
    """The novel's prose paragraphs (headings dropped)."""
    text = NOVEL.read_text(encoding="utf-8")
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip() and not p.lstrip().startswith("#")]


def edition_articles(work: Path) -> list[Path]:
    """Ten different articles of about SLICE_WORDS words: distinct, evenly spaced slices of the novel, in temp files."""
    paragraphs = novel_paragraphs()
    paths = []
    stride = len(paragraphs) // EDITION_SLICES
    for n in range(EDITION_SLICES):
        chosen, words = [], 0
        for p in paragraphs[n * stride : (n + 1) * stride]:
            chosen.append(p)
            words += len(p.split())
            if words >= SLICE_WORDS:
                break
        path = work / f"slice-{n + 1:02d}.md"
        path.write_text(f"# Slice {n + 1} of the novel\n\n" + "\n\n".join(chosen) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# --- baselines ------------------------------------------------------------------------------------


def raw_baseline(text: str, work: Path, repeats: int) -> list[float] | str:
    """Debian espeak-ng reading `text` in one pass to WAV, then one ffmpeg encode (44.1 kHz mono CBR 64k)."""
    import imageio_ffmpeg

    espeak = shutil.which("espeak-ng")
    if not espeak:
        return "Debian's espeak-ng is not installed (apt-get install -y espeak-ng)"
    text_file = work / "article.txt"
    text_file.write_text(text, encoding="utf-8")
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    times = []
    for _ in range(repeats):
        wav, mp3 = work / "raw.wav", work / "raw.mp3"
        start = datetime.datetime.now()
        subprocess.run([espeak, "-w", str(wav), "-f", str(text_file)], check=True, capture_output=True)
        subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-i", str(wav), "-ar", "44100", "-ac", "1",
                        "-c:a", "libmp3lame", "-b:a", "64k", str(mp3)], check=True, capture_output=True)
        times.append((datetime.datetime.now() - start).total_seconds())
    return times


def pyttsx3_baseline(segments: Sequence[str], work: Path, repeats: int) -> list[dict]:
    """pyttsx3 alone: the whole text in one call, then sentence by sentence (one process, engine start excluded)."""
    whole, each = work / "whole.txt", work / "sentences.txt"
    whole.write_text(" ".join(segments), encoding="utf-8")
    each.write_text("\n".join(s.replace("\n", " ") for s in segments), encoding="utf-8")
    out = []
    for _ in range(repeats):
        proc = subprocess.run([PY, str(REPO / "bench" / "pyttsx3_baseline.py"), str(whole), str(each)],
                              check=True, capture_output=True, text=True, env={**os.environ, **ENV})
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return out


# --- the benchmarks -------------------------------------------------------------------------------


def bench_cold(res: Results, work: Path, plan: Plan) -> None:
    """1. Cold build of the sample article against the raw engine + encode pipeline and pyttsx3 alone."""
    segments = spoken_text([ARTICLE])
    raw = raw_baseline("\n\n".join(segments), work, plan.cold)
    py = pyttsx3_baseline(segments, work, max(1, plan.cold // 2))
    build_s = cold_times([ARTICLE], work / "cold-timed", plan.cold, "--jobs", "2")
    cold = cold_builds([ARTICLE], work / "cold", plan.cold, "--jobs", "2")
    from quality import episode_quality

    (work / "quality").mkdir()
    _, summary = build([ARTICLE], work / "quality" / "out", work / "quality" / "cache", "--jobs", "2")
    quality = episode_quality(work / "quality" / "out", summary)
    res.rows["cold"] = {
        "build_s": build_s,
        "sampled_build_s": [r.wall_s for r, _ in cold],
        "peak_mb": [r.peak_mb for r, _ in cold], "peak_rss_mb": [r.peak_rss_mb for r, _ in cold],
        "audio_s": cold[0][1]["duration_s"],
        "segments": cold[0][1]["segments"]["total"],
        "raw_s": raw,
        "pyttsx3_whole_s": [p["whole_s"] for p in py],
        "pyttsx3_sentences_s": [p["sentences_s"] for p in py],
        "quality": quality,
    }


def baseline_tree(work: Path) -> Path | str:
    """narrate at BASELINE_REF (its `narrate` and `voices` folders, from git), compiled; or why it is not available."""
    tree = work / f"narrate-{BASELINE_REF}"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BASELINE_REF, "narrate", "voices"], capture_output=True)
    if archive.returncode != 0:
        return f"git cannot give {BASELINE_REF} here ({archive.stderr.decode('utf-8', 'replace').strip()[:200]})"
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    compileall.compile_dir(str(tree / "narrate"), quiet=1)
    return tree


def prose_blocks(text: str) -> list[int]:
    """Indexes of the blank-line separated blocks of `text` that are prose paragraphs of more than 20 words."""
    return [i for i, b in enumerate(text.split("\n\n")) if b.strip() and len(b.split()) > 20
            and not b.lstrip().startswith(("#", "-", "*", ">", "!"))]


def edit_paragraph(path: Path, original: str, n: int) -> None:
    """Write `original` to `path` with one sentence added to its middle prose paragraph (edit number `n`)."""
    blocks = original.split("\n\n")
    prose = prose_blocks(original)
    target = prose[len(prose) // 2]
    blocks[target] = blocks[target].rstrip() + f" This closing remark is benchmark edit number {n}."
    path.write_text("\n\n".join(blocks), encoding="utf-8")


def edit_rebuilds(sources: Sequence[Path], edited: int, work: Path, repeats: int, extra: Sequence[str],
                  env: dict[str, str], unchanged: int = 0, script_floor: bool = False) -> dict:
    """A first build of `sources`, `unchanged` rebuilds without a change, then `repeats` rebuilds each after editing one
    paragraph of sources[edited] (warm cache, same output folder), with the tree `env` names."""
    work.mkdir(parents=True)
    copies = []
    for source in sources:
        copies.append(work / source.name)
        shutil.copy(source, copies[-1])
    out, cache = work / "out", work / "cache"
    first, _ = build(copies, out, cache, "--jobs", "2", *extra, env=env, sample=False)
    still = []
    for _ in range(unchanged):
        r, summary = build(copies, out, cache, "--jobs", "2", *extra, env=env, sample=False)
        if not summary["unchanged"]:
            raise RuntimeError("an unchanged rebuild did not report 'unchanged'")
        still.append(r.wall_s)
    original = copies[edited].read_text(encoding="utf-8")
    edits = []
    for n in range(repeats):
        edit_paragraph(copies[edited], original, n + 1)
        r, summary = build(copies, out, cache, "--jobs", "2", *extra, env=env, sample=False)
        chunks = summary.get("chunks", {})
        edits.append({"wall_s": r.wall_s, "synthesized": summary["segments"]["synthesized"],
                      "reused": summary["segments"]["reused"], "chunks_encoded": chunks.get("encoded"),
                      "chunks_total": chunks.get("total")})
    # The floor the audio side cannot go under: `narrate script` on the same (edited) sources starts Python, imports
    # narrate, parses the options, reads and composes the script, and makes no audio.
    script = [timed([PY, "-m", "narrate", "script", "--format", "json", *map(str, copies), *extra, "-o", str(out)], env=env)
              for _ in range(repeats if script_floor else 0)]
    return {"first_s": first.wall_s, "unchanged_s": still, "edit": edits, "script_s": script}


def bench_rebuild(res: Results, work: Path, plan: Plan) -> None:
    """2. Rebuild with no change, and after editing one paragraph of the sample article and of one article of an
    edition of ten (warm cache), with this checkout and with BASELINE_REF side by side."""
    (work / "slices").mkdir()
    slices = edition_articles(work / "slices")
    trees: dict[str, dict[str, str]] = {"now": ENV}
    baseline = baseline_tree(work / "baseline")
    if isinstance(baseline, str):
        res.notes.append(f"Edit figures of {BASELINE_REF} skipped: {baseline}.")
    else:
        trees["before"] = {"PYTHONPATH": str(baseline)}
    rows: dict[str, dict] = {}
    for name, env in trees.items():
        rows[name] = {
            "article": edit_rebuilds([ARTICLE], 0, work / name / "article", plan.edit, [], env,
                                     unchanged=plan.unchanged if name == "now" else 0, script_floor=name == "now"),
            "edition": edit_rebuilds(slices, len(slices) // 2, work / name / "edition", plan.edition_edit,
                                     ["--edition", "Benchmark edition"], env, script_floor=name == "now"),
        }
    res.rows["rebuild"] = {"baseline_ref": BASELINE_REF, **rows}


def bench_scaling(res: Results, work: Path, plan: Plan) -> None:
    """3. Scaling: article, ten-article edition, the novel; time per hour of audio and peak memory."""
    slices_dir = work / "slices"
    slices_dir.mkdir()
    inputs: list[tuple[str, list[Path], list[str], int]] = [
        ("Sample article", [ARTICLE], [], plan.cold),
        ("Edition of ten articles", edition_articles(slices_dir), ["--edition", "Benchmark edition"], plan.edition),
    ]
    if plan.novel_enabled:
        inputs.append(("The novel", [NOVEL], [], plan.novel))
    rows = []
    for name, sources, extra, repeats in inputs:
        runs = cold_builds(sources, work / f"scale-{len(rows)}", repeats, "--jobs", "2", *extra)
        rows.append({
            "name": name,
            "words": sum(len(p.read_text(encoding="utf-8").split()) for p in sources),
            "audio_s": runs[0][1]["duration_s"],
            "segments": runs[0][1]["segments"]["total"],
            "build_s": [r.wall_s for r, _ in runs],
            "peak_mb": [r.peak_mb for r, _ in runs], "peak_rss_mb": [r.peak_rss_mb for r, _ in runs],
        })
    res.rows["scaling"] = rows


def bench_workers(res: Results, work: Path, plan: Plan) -> None:
    """4. Workers: --jobs 1, --jobs 2, and a Dask LocalCluster with two worker processes."""
    rows = []
    for jobs in (1, 2):
        runs = cold_builds([ARTICLE], work / f"jobs-{jobs}", plan.workers, "--jobs", str(jobs))
        rows.append({"name": f"--jobs {jobs}", "build_s": [r.wall_s for r, _ in runs],
                     "peak_mb": [r.peak_mb for r, _ in runs], "peak_rss_mb": [r.peak_rss_mb for r, _ in runs]})
    help_text = subprocess.run([PY, "-m", "narrate", "build", "--help"], capture_output=True, text=True,
                               env={**os.environ, **ENV}).stdout
    if "--scheduler" not in help_text:
        res.notes.append("Dask row skipped: this narrate has no `--scheduler` option.")
    else:
        try:
            from dask.distributed import LocalCluster
        except ImportError:
            res.notes.append("Dask row skipped: dask[distributed] is not installed.")
        else:
            import dask

            with dask.config.set({"temporary-directory": str(work / "dask-scratch")}), LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                me = psutil.Process()
                runs = cold_builds([ARTICLE], work / "dask", plan.workers, "--scheduler", cluster.scheduler_address,
                                   watch=lambda: me.children(recursive=False))
            rows.append({"name": "Dask LocalCluster, 2 worker processes", "build_s": [r.wall_s for r, _ in runs],
                         "peak_mb": [r.peak_mb for r, _ in runs], "peak_rss_mb": [r.peak_rss_mb for r, _ in runs]})
            res.notes.append("Dask: the cluster is started before the timed builds (a cluster is a running "
                             "service); its scheduler and worker processes are included in the peak memory.")
    res.rows["workers"] = rows


def bench_follow_feed(res: Results, work: Path, plan: Plan) -> None:
    """5. narrate follow over a 50-item feed: nothing new (304, same bytes, re-parsed), and one edited item."""
    from follow_bench import bench_follow

    res.rows["follow"] = bench_follow(work, repeats=plan.unchanged, edits=plan.edit)


# --- report ---------------------------------------------------------------------------------------


def _f(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


def _m(values: Sequence[float], digits: int = 2) -> str:
    """Median, with the number of runs."""
    return f"{median(values):.{digits}f} (n={len(values)})"


def scaling_notes(rows: Sequence[dict]) -> list[str]:
    """The spread of time per hour across sizes, and how much of it a fixed start-up cost explains."""
    hours = [row["audio_s"] / 3600 for row in rows]
    walls = [median(row["build_s"]) for row in rows]
    per_hour = [w / h for w, h in zip(walls, hours)]
    spread = max(per_hour) / min(per_hour)
    notes = ["", f"Spread of time per hour of audio, slowest over fastest: {spread:.2f} "
                 f"({'within' if spread <= 1.10 else 'not within'} the 10 % target)."]
    if len(rows) >= 3:
        # A straight line through the smallest and the largest input: wall = fixed + rate * hours.
        rate = (walls[-1] - walls[0]) / (hours[-1] - hours[0])
        fixed = walls[0] - rate * hours[0]
        beyond = [(w - fixed) / h for w, h in zip(walls, hours)]
        notes.append(
            f"A fixed cost explains the spread: the line through the smallest and the largest input gives "
            f"{fixed:.2f} s per build (interpreter, imports, composing the script, filling the pipeline) plus "
            f"{rate:.1f} s per hour of audio; beyond that fixed cost the sizes take "
            + " / ".join(f"{b:.1f}" for b in beyond) + " s per hour (the middle size, not used to draw the line, "
            f"{beyond[1] / rate - 1:+.1%}).")
    return notes


def report(res: Results, plan: Plan, started: datetime.datetime, elapsed_s: float, quick: bool) -> str:
    """The RESULTS.md text."""
    lines = ["# narrate benchmarks", "",
             f"Measured {started:%Y-%m-%d %H:%M} UTC by `python bench/run.py{' --quick' if quick else ''}` "
             f"(the whole run took {elapsed_s / 60:.1f} min). Every figure is the median of the runs shown "
             "(n), measured in this run; nothing here is typed in by hand. Builds run the real CLI "
             "(`python -m narrate build ... --json -q`, publishing included) as a separate process; "
             "peak memory is the largest sum of proportional set sizes (PSS: shared pages split between the "
             "processes that share them) over that process's whole tree (the build, its synthesis workers and "
             "their per-segment children, the encoder process), sampled every 50 ms with psutil; the RSS sum, which counts "
             "every shared page once per process, is in the raw figures.", "",
             "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in machine().items()]
    lines += ["", "Load during the run (the machine may be shared): " + "; ".join(res.load) + "."]
    lines += ["", "## Versions", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in versions().items()]

    c = res.rows.get("cold")
    if c:
        build_s = median(c["build_s"])
        lines += ["", "## 1. Cold build of the sample article (fresh cache, fresh output, 2 workers)", "",
                  f"Sample article: {c['segments']} segments, {c['audio_s'] / 60:.1f} min of speech.", "",
                  "| Pipeline | Wall time (s) | narrate ÷ this |", "|---|---|---|",
                  f"| **narrate build --jobs 2** (chapters, silences, loudness, tags, feed) | {_m(c['build_s'])} | 1.00 |"]
        if isinstance(c["raw_s"], str):
            lines.append(f"| Debian espeak-ng one pass + one ffmpeg encode | skipped: {c['raw_s']} | |")
        else:
            raw = median(c["raw_s"])
            lines.append(f"| Debian espeak-ng one pass to WAV + one ffmpeg encode (44.1 kHz mono CBR 64k) "
                         f"| {_m(c['raw_s'])} | **{_f(build_s / raw)}** (target <= 0.7) |")
        lines.append(f"| pyttsx3 alone, whole text in one call (synthesis only, no encode) "
                     f"| {_m(c['pyttsx3_whole_s'])} | {_f(build_s / median(c['pyttsx3_whole_s']))} |")
        lines.append(f"| pyttsx3 alone, sentence by sentence (synthesis only, no encode) "
                     f"| {_m(c['pyttsx3_sentences_s'])} | {_f(build_s / median(c['pyttsx3_sentences_s']))} |")
        lines += ["", "Wall times here are measured without the memory sampler, like the baselines; peak memory of "
                  f"the cold build, from as many separate sampled builds: {_m(c['peak_mb'], 0)} MB."]
        if c.get("quality"):
            from quality import quality_lines

            lines += ["", "Quality of the cold-built sample article (one more build, measured on the final MP3):", ""]
            lines += quality_lines(c["quality"])

    r = res.rows.get("rebuild")
    if r:
        now, before = r["now"], r.get("before")

        def edits(row: dict, key: str) -> str:
            return _m([e[key] for e in row["edit"]])

        def work_done(row: dict) -> str:
            e = row["edit"]
            done = f"{median([x['synthesized'] for x in e]):.0f} / {median([x['reused'] for x in e]):.0f}"
            if e[0].get("chunks_total") is not None:
                done += f"; chunks encoded {median([x['chunks_encoded'] for x in e]):.0f} of {e[0]['chunks_total']}"
            return done

        head = f"| Case | Now: wall time (s) | Before ({r['baseline_ref']}): wall time (s) | Now: segments synthesized / reused | Target |"
        lines += ["", "## 2. Rebuilds (warm cache, 2 workers)", "",
                  f"Before is narrate at {r['baseline_ref']} (one encode of the whole episode), checked out from git and run "
                  "in this same run on the same inputs; now is this checkout (chunks re-encoded only where they changed). "
                  "Each edit appends one sentence to the middle prose paragraph (of the middle article, in the edition). "
                  "Rebuilds, before and now, are timed without the memory sampler (it reads every process's memory maps "
                  "20 times a second, CPU a user's build does not share).", "",
                  head, "|---|---|---|---|---|",
                  f"| No change | {_m(now['article']['unchanged_s'])} | | 0 / all | < 0.5 |"]
        for name, label, target in (("article", "One paragraph of the sample article edited", "<= 0.5"),
                                    ("edition", "One paragraph of one article edited, edition of ten", "<= 1.5")):
            was = edits(before[name], "wall_s") if before else "skipped"
            lines.append(f"| {label} | **{edits(now[name], 'wall_s')}** | {was} | {work_done(now[name])} | {target} |")
        scripts = [(label, now[name]["script_s"]) for name, label in (("article", "sample article"), ("edition", "edition"))
                   if now[name].get("script_s")]
        if scripts:
            lines += ["", "Of that, the part without audio: `narrate script --format json` on the same edited sources (Python "
                      "start, imports, options, reading and composing the script) takes "
                      + "; ".join(f"{_m(times)} s for the {label}" for label, times in scripts) + "."]
        lines += ["", f"First (cold) builds in this run: sample article {_f(now['article']['first_s'])} s, "
                  f"edition {_f(now['edition']['first_s'])} s."]

    s = res.rows.get("scaling")
    if s:
        lines += ["", "## 3. Scaling (cold builds, 2 workers)", "",
                  "| Input | Words | Segments | Audio (h) | Wall time (s) | Wall time per hour of audio (s) "
                  "| vs sample article | Peak memory, process tree PSS (MB) |", "|---|---|---|---|---|---|---|---|"]
        first = median(s[0]["build_s"]) / (s[0]["audio_s"] / 3600)
        for row in s:
            per_h = median(row["build_s"]) / (row["audio_s"] / 3600)
            lines.append(f"| {row['name']} | {row['words']:,} | {row['segments']:,} | {row['audio_s'] / 3600:.2f} "
                         f"| {_m(row['build_s'], 1)} | {per_h:.1f} | {per_h / first - 1:+.1%} "
                         f"| {_m(row['peak_mb'], 0)} |")
        lines += ["", "Targets: peak memory <= 300 MB for the novel; time per hour of audio within 10 % across sizes."]
        lines += scaling_notes(s)

    w = res.rows.get("workers")
    if w:
        lines += ["", "## 4. Workers (cold build of the sample article)", "",
                  "| Synthesis | Wall time (s) | vs --jobs 1 | Peak memory (MB) |", "|---|---|---|---|"]
        one = median(w[0]["build_s"])
        for row in w:
            lines.append(f"| {row['name']} | {_m(row['build_s'])} | {_f(median(row['build_s']) / one)} "
                         f"| {_m(row['peak_mb'], 0)} |")
    if res.rows.get("follow"):
        from follow_bench import report_lines

        lines += [""] + report_lines(res.rows["follow"])
    k = res.rows.get("compose")
    if k:
        lines += ["", "## 6. Script composition against input size (`narrate script --format json`, no synthesis)", "",
                  "| Input | Size | Segments | Wall time (s) | s per MB | 1 MB ÷ 100 KB time (linear: about 10) | "
                  "Peak memory (MB) |", "|---|---|---|---|---|---|---|"]
        small = {row["name"]: median(row["script_s"]) for row in k if row["bytes"] == 100_000}
        for row in k:
            wall = median(row["script_s"])
            ratio = _f(wall / small[row["name"]], 1) if row["bytes"] == 1_000_000 and row["name"] in small else ""
            lines.append(f"| {row['name']} | {row['bytes'] / 1e6:g} MB | {row['segments']:,} | {_m(row['script_s'])} "
                         f"| {_f(wall / (row['bytes'] / 1e6), 1)} | {ratio} | {_m(row['peak_mb'], 0)} |")
        lines += ["", "Each run includes starting Python and importing narrate (about 0.5 s), which weighs on the "
                  "100 KB rows: a ratio under 10 is that fixed cost, not a sublinear stage."]
    if res.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in res.notes]
    lines += ["", "## Raw figures", "", "```json", json.dumps(res.rows, indent=1, default=str), "```", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse options, run the benchmarks, write the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one run of each, and no novel (a few minutes)")
    parser.add_argument("--out", type=Path, help="report file (default bench/RESULTS.md; --quick: bench/RESULTS-quick.md)")
    parser.add_argument("--only", nargs="*", choices=["cold", "rebuild", "scaling", "workers", "follow", "compose"],
                        help="run only these benchmarks")
    args = parser.parse_args(argv)
    plan = Plan(cold=1, unchanged=3, edit=1, edition=1, edition_edit=1, novel=1, workers=1,
                                     novel_enabled=False) if args.quick else Plan()
    out = args.out or REPO / "bench" / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    started = datetime.datetime.now(datetime.timezone.utc)
    res = Results()
    # Builds import narrate from this checkout; compile its bytecode first, as `pip install` does (otherwise a
    # changed module is compiled again in every build wherever PYTHONDONTWRITEBYTECODE is set).
    compileall.compile_dir(str(REPO / "narrate"), quiet=1)
    res.notes.append("narrate's bytecode is compiled before the runs, as `pip install` does for an installed copy.")
    benches = {"cold": bench_cold, "rebuild": bench_rebuild, "scaling": bench_scaling, "workers": bench_workers,
               "follow": bench_follow_feed, "compose": bench_compose}
    with tempfile.TemporaryDirectory(prefix="narrate-bench-") as tmp:
        for name, fn in benches.items():
            if args.only and name not in args.only:
                continue
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            res.load.append(f"{name}: load average {os.getloadavg()[0]:.2f}, effective cores {effective_cores()}")
            (Path(tmp) / name).mkdir()
            fn(res, Path(tmp) / name, plan)
    res.load.append(f"end: load average {os.getloadavg()[0]:.2f}, effective cores {effective_cores()}")
    elapsed = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()
    text = report(res, plan, started, elapsed, args.quick)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
