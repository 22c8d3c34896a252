"""End to end: bad input ends with one sentence on stderr, a non-zero exit, no traceback and no change on disk."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cli_support import FIXTURES, run_narrate, snapshot

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa" + bytes(200)

CASES = {
    "missing file": (["build", "missing.md"], {}),
    "empty file": (["build", "empty.md"], {"empty.md": b""}),
    "whitespace only": (["build", "blank.md"], {"blank.md": b"  \n\n\t \r\n   \n"}),
    "binary file": (["build", "picture.md"], {"picture.md": PNG}),
    # Broken UTF-16 (a BOM, then an odd byte count). A line mixing UTF-8, cp1252, KOI8-R and Shift JIS used to be
    # refused only because one line made a title without text; one line is now read (issue 12), and
    # charset-normalizer decodes that line with confidence, as cp1250 mojibake.
    "undecodable bytes": (["build", "odd.txt"], {"odd.txt": b"\xff\xfea\x00b"}),
    "unknown voice": (["build", "article.md", "--voice", "no-such-voice"], {}),
    "several files without edition": (["build", "article.md", "other.md"], {"other.md": (FIXTURES / "canal.md").read_bytes()}),
    "bad bitrate": (["build", "article.md", "--bitrate", "65"], {}),
    "unknown option": (["build", "article.md", "--loudness-please"], {}),
    "script of a missing file": (["script", "missing.md"], {}),
    "script with unknown format": (["script", "article.md", "--format", "yaml"], {}),
}


def _assert_one_clear_line(proc) -> None:  # type: ignore[no-untyped-def]
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [line for line in proc.stderr.splitlines()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("narrate: "), proc.stderr
    assert len(lines[0]) > len("narrate: ") + 10


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_sentence_and_leaves_output_alone(tmp_path: Path, case: str) -> None:
    args, files = CASES[case]
    shutil.copy(FIXTURES / "bakery.md", tmp_path / "article.md")
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier file\n", encoding="utf-8")
    before = snapshot(out)
    if args[0] == "build":
        args = [*args, "-o", "out", "--cache", "cache"]
    proc = run_narrate(args, tmp_path)
    _assert_one_clear_line(proc)
    assert snapshot(out) == before
    assert not list(tmp_path.rglob("*.part"))


def test_unwritable_output_folder(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "bakery.md", tmp_path / "article.md")
    (tmp_path / "not-a-folder").write_text("a regular file\n", encoding="utf-8")
    before = snapshot(tmp_path)
    proc = run_narrate(["build", "article.md", "-o", "not-a-folder/out", "--cache", str(tmp_path / "cache")], tmp_path)
    _assert_one_clear_line(proc)
    assert "not-a-folder" in proc.stderr
    after = snapshot(tmp_path)
    after = {k: v for k, v in after.items() if not k.startswith("cache")}  # the segment cache may be created
    assert after == before
    assert not list(tmp_path.rglob("*.part"))


def test_unknown_command(tmp_path: Path) -> None:
    proc = run_narrate(["bulid", "article.md"], tmp_path)
    _assert_one_clear_line(proc)


def test_missing_html_component_is_one_sentence_naming_the_package(tmp_path: Path) -> None:
    """pip 23.2 (Python 3.11's own) drops the lxml[html_clean] extra: reading HTML then says what to install."""
    import subprocess
    import sys

    from cli_support import REPO

    page = REPO / "tests" / "fixtures" / "html" / "river-bridge.html"
    code = ("import sys; sys.modules['lxml_html_clean'] = None  # as if pip had not installed it\n"
            "from narrate.cli import main; sys.argv = ['narrate', 'script', sys.argv[1]]; main()")
    proc = subprocess.run([sys.executable, "-c", code, str(page)], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120, check=False)
    _assert_one_clear_line(proc)
    assert proc.stderr.strip() == ("narrate: Reading HTML needs the Python package lxml_html_clean, which is not "
                                   "installed: pip install lxml_html_clean")


def test_a_finished_command_runs_the_exit_handlers_and_prints_everything(tmp_path: Path) -> None:
    """narrate.cli.program skips the interpreter's teardown, not what atexit promises nor buffered output."""
    import json
    import subprocess
    import sys

    from cli_support import REPO

    (tmp_path / "a.md").write_text("# Exit\n\nA short article about leaving on time.\n", encoding="utf-8")
    marker = tmp_path / "atexit-ran"
    code = ("import atexit, sys; from pathlib import Path; "
            f"atexit.register(lambda: Path({str(marker)!r}).write_text('yes')); "
            "from narrate.cli import program; sys.argv = ['narrate', 'script', '--json', 'a.md']; program()")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["title"] == "Exit"
    assert marker.read_text() == "yes"
