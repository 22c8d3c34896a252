"""The fast 'nothing changed' path: it answers only when everything a build wrote is still in place."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import FIXTURES, REPO, build_json, ok, run_narrate


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One real build of a short article, with its own cache."""
    work = tmp_path_factory.mktemp("fastpath")
    shutil.copy(FIXTURES / "canal.md", work / "canal.md")
    first = build_json(["canal.md", "--cache", str(work / "cache")], work)
    return work, first


def test_an_unchanged_rebuild_is_answered_without_synthesis_and_names_the_same_files(built):
    work, first = built
    again = build_json(["canal.md", "--cache", str(work / "cache")], work)
    assert again["unchanged"] is True
    assert again["segments"]["synthesized"] == 0
    assert again["segments"]["reused"] == first["segments"]["total"]
    assert (again["mp3"], again["vtt"], again["feed"]) == (first["mp3"], first["vtt"], first["feed"])


def test_the_fast_path_does_not_import_the_heavy_stages(built):
    work, _ = built
    probe = (
        "import sys, runpy; sys.argv = ['narrate', 'build', 'canal.md', '--cache', 'cache', '-q'];\n"
        "try:\n    runpy.run_module('narrate', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('numpy', 'scipy', 'trafilatura', 'pebble', 'aiohttp', 'py3langid', 'mutagen') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", probe], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in done.stderr, done.stderr


def test_a_removed_episode_is_built_and_published_again(built, tmp_path):
    work, first = built
    ok(run_narrate(["remove", Path(first["mp3"]).stem], work))
    assert not Path(work, first["mp3"]).exists()
    again = build_json(["canal.md", "--cache", str(work / "cache")], work)
    assert again["unchanged"] is False and again["segments"]["synthesized"] == 0
    assert Path(work, again["mp3"]).is_file()
    assert Path(again["mp3"]).name in Path(work, again["feed"]).read_text("utf-8")


def test_changed_show_settings_rewrite_the_feed(built):
    work, _ = built
    (work / "output" / "narrate.toml").write_text('[show]\ntitle = "Canal Street Radio"\n', "utf-8")
    again = build_json(["canal.md", "--cache", str(work / "cache")], work)
    assert "Canal Street Radio" in Path(work, again["feed"]).read_text("utf-8")


def _code_folder(root: Path) -> Path:
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("A = 1\n", "utf-8")
    (root / "pkg" / "sub" / "b.toml").write_text("b = 2\n", "utf-8")
    (root / "pkg" / "notes.txt").write_text("not code\n", "utf-8")
    return root / "pkg"


def test_the_code_digest_is_remembered_and_read_again_when_a_file_changes(tmp_path):
    from narrate import fastpath

    folder = _code_folder(tmp_path)
    memo = tmp_path / "inputs" / "code-digest"
    fresh = fastpath._code_digest(None, folder)
    assert fastpath._code_digest(memo, folder) == fresh and not memo.exists()  # no folder made for it
    memo.parent.mkdir()
    assert fastpath._code_digest(memo, folder) == fresh and memo.exists()
    # While no file changes, the remembered digest is the answer (the files are not read again)...
    remembered = json.loads(memo.read_text("utf-8"))
    memo.write_text(json.dumps({**remembered, "digest": "remembered"}), "utf-8")
    assert fastpath._code_digest(memo, folder) == "remembered"
    # ...and a text file beside the code changes nothing...
    (folder / "notes.txt").write_text("other notes\n", "utf-8")
    assert fastpath._code_digest(memo, folder) == "remembered"
    # ...but an edited file (size or time) or a new one is read again.
    (folder / "a.py").write_text("A = 22\n", "utf-8")
    edited = fastpath._code_digest(memo, folder)
    assert edited not in ("remembered", fresh) and edited == fastpath._code_digest(None, folder)
    (folder / "sub" / "c.py").write_text("C = 3\n", "utf-8")
    assert fastpath._code_digest(memo, folder) not in (edited, fresh)
    memo.write_text("{not json", "utf-8")
    assert fastpath._code_digest(memo, folder) == fastpath._code_digest(None, folder)
