"""Fast sanity checks of the benchmark helpers (the benchmarks themselves are not tests)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import measure  # noqa: E402
import run as bench_run  # noqa: E402


def test_peak_memory_counts_the_child_processes_of_the_command() -> None:
    # The parent allocates nothing big; its child holds 60 MB for a moment.
    child = "import time; b = bytearray(60_000_000); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.5)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    result = measure.run([sys.executable, "-c", parent])
    assert result.returncode == 0
    assert result.peak_mb > 60
    assert result.wall_s >= 0.5


def test_a_failing_command_is_an_error_not_a_figure() -> None:
    with pytest.raises(RuntimeError):
        measure.run([sys.executable, "-c", "raise SystemExit(3)"])


@pytest.mark.skipif(not bench_run.NOVEL.is_file(), reason="the corpus is not beside the repository")
def test_edition_articles_are_ten_distinct_slices_of_about_the_article_length(tmp_path: Path) -> None:
    paths = bench_run.edition_articles(tmp_path)
    texts = [p.read_text(encoding="utf-8") for p in paths]
    assert len(set(texts)) == bench_run.EDITION_SLICES == len(paths)
    assert all(p.parent == tmp_path for p in paths)
    for text in texts:
        assert bench_run.SLICE_WORDS <= len(text.split()) < 3 * bench_run.SLICE_WORDS
