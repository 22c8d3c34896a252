"""Synthesis on a Dask LocalCluster (two worker processes) gives the same episode as a local build."""

from __future__ import annotations

from pathlib import Path

import pytest

distributed = pytest.importorskip("dask.distributed")

from narrate.build import BuildOptions, ScriptOptions, build_episode, make_script  # noqa: E402
from narrate.engines.base import EngineError, VoiceSettings  # noqa: E402
from narrate.engines.dask_pool import synthesize_segments_dask  # noqa: E402
from narrate.engines.pool import SynthJob  # noqa: E402

ARTICLE = """# Lanterns on the Quay

The night market opened an hour late because the wind kept tipping the paper lanterns.

Vendors tied them down with fishing line, and by nine the quay glowed from end to end.

## Closing

A baker sold her last loaf at midnight and walked home along the water.
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A LocalCluster with two worker processes, one thread each, whose scratch space is the test's own folder
    (Dask's default, /tmp/dask-scratch-space, would outlive the tests)."""
    import dask

    scratch = tmp_path_factory.mktemp("dask-scratch")
    with dask.config.set({"temporary-directory": str(scratch)}), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def _build(tmp: Path, name: str, cache: str | None = None, **options) -> tuple[bytes, int, int]:
    article = tmp / "lanterns.md"
    article.write_text(ARTICLE, encoding="utf-8")
    script = make_script(ScriptOptions((str(article),)))
    result = build_episode(script, BuildOptions(output_dir=tmp / f"out-{name}", cache_dir=tmp / f"cache-{cache or name}",
                                                publish=False, **options))
    assert result.segments_total > 3 and result.chunks_total >= 1
    return result.mp3.read_bytes(), result.segments_synthesized, result.chunks_encoded


def test_dask_results_land_in_the_same_cache_and_assembly(tmp_path: Path, cluster) -> None:
    on_dask, synthesized, _ = _build(tmp_path, "dask", scheduler=cluster.scheduler_address)
    assert synthesized > 3
    # A local build over the cache the Dask build filled synthesizes nothing, encodes no chunk, and writes the same bytes.
    local_warm, synthesized, encoded = _build(tmp_path, "local-warm", cache="dask", jobs=2)
    assert synthesized == 0 and encoded == 0
    assert local_warm == on_dask


def test_cold_dask_build_is_byte_identical_to_a_cold_local_build(tmp_path: Path, cluster) -> None:
    local, _, _ = _build(tmp_path, "local", jobs=2)
    on_dask, _, _ = _build(tmp_path, "dask", scheduler=cluster.scheduler_address)
    if on_dask != local:
        again, _, _ = _build(tmp_path, "local-again", jobs=2)
        if again != local:
            pytest.xfail("two cold local builds differ too: the engine's audio depends on process history")
    assert on_dask == local


def test_segments_come_back_in_order_and_failures_name_the_segment(cluster) -> None:
    settings = VoiceSettings()
    jobs = [SynthJob(i, text, "pyttsx3", settings) for i, text in enumerate(["One.", "Two three four.", "Five."])]
    done: list[int] = []
    pcms = list(synthesize_segments_dask(jobs, 2, 60.0, on_done=done.append, scheduler=cluster.scheduler_address))
    assert done == [0, 1, 2]
    assert len(pcms[1].data) > len(pcms[0].data)
    bad = [SynthJob(0, "   ", "pyttsx3", settings)]
    with pytest.raises(EngineError, match="Segment 1"):
        list(synthesize_segments_dask(bad, 2, 60.0, retries=0, scheduler=cluster.scheduler_address))
