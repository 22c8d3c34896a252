"""End to end: `narrate script` prints the contract later work relies on (text and JSON)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from cli_support import CORPUS, FIXTURES, all_segments, ok, run_narrate, script_json

ROLES = {"narrator", "heading", "quote"}
ISTANBUL = CORPUS / "markdown" / "istanbul-talks.md"


def _assert_contract(script: dict) -> None:
    assert list(script)[:4] == ["title", "author", "date", "chapters"]
    assert set(script) <= {"title", "author", "date", "chapters", "language", "site"}
    assert isinstance(script["title"], str) and script["title"]
    assert script["author"] is None or isinstance(script["author"], str)
    if script["date"] is not None:
        dt.date.fromisoformat(script["date"][:10])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[\d:.+\-Z]+)?", script["date"]), script["date"]
    assert script["chapters"]
    for chapter in script["chapters"]:
        # "level" appears only on a nested chapter (a section inside an edition's article).
        assert set(chapter) in ({"title", "segments"}, {"title", "segments", "level"}), chapter.keys()
        assert chapter.get("level", 1) >= 1 and isinstance(chapter.get("level", 1), int)
        assert isinstance(chapter["title"], str) and chapter["title"]
        assert chapter["segments"]
        for segment in chapter["segments"]:
            assert list(segment) == ["text", "written", "role", "pause_ms"]
            assert isinstance(segment["text"], str) and segment["text"].strip()
            assert isinstance(segment["written"], str) and segment["written"].strip()
            assert segment["role"] in ROLES
            assert isinstance(segment["pause_ms"], int) and segment["pause_ms"] >= 0


@pytest.fixture()
def article(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "bakery.md", tmp_path / "bakery.md")
    return tmp_path / "bakery.md"


def test_json_contract_of_a_short_article(article: Path) -> None:
    script = script_json([article.name], article.parent)
    _assert_contract(script)
    assert script["title"] == "Village bakery reopens with a wood-fired oven"
    assert script["author"] == "Lena Harrow"
    assert script["date"].startswith("2026-04-12")
    assert [c["title"] for c in script["chapters"]] == [script["title"], "A new oven"]
    segments = all_segments(script)
    # The headline and byline open the first chapter; every word of the body follows, in order.
    assert segments[0]["text"] == script["title"] and segments[0]["role"] == "heading"
    assert "Lena Harrow" in segments[1]["text"]
    spoken = " ".join(s["text"] for s in segments)
    for words in ("Mill Street", "rye loaves", "forty loaves", "crust is better", "twelve years"):
        assert words in spoken
    assert spoken.index("Mill Street") < spoken.index("rye loaves") < spoken.index("forty loaves")
    assert not re.search(r"[*#\[\]]|\]\(", spoken)


def test_unknown_author_and_date_are_null(tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_text("# A short note\n\nThe town hall clock stopped at noon and nobody noticed.\n",
                                       encoding="utf-8")
    script = script_json(["plain.md"], tmp_path)
    _assert_contract(script)
    assert script["author"] is None and script["date"] is None


def test_text_format_lists_chapters_and_segments(article: Path) -> None:
    proc = ok(run_narrate(["script", article.name], article.parent))
    script = script_json([article.name], article.parent)
    for chapter in script["chapters"]:
        assert chapter["title"] in proc.stdout
    for segment in all_segments(script):
        assert segment["text"] in proc.stdout
    assert "Audio saved to" not in proc.stdout + proc.stderr


def test_script_reads_stdin(article: Path) -> None:
    from_file = script_json([article.name], article.parent)
    proc = ok(run_narrate(["script", "--format", "json", "-"], article.parent, stdin=article.read_bytes()))
    assert json.loads(proc.stdout)["chapters"] == from_file["chapters"]


def test_script_of_an_edition(tmp_path: Path) -> None:
    for name in ("bakery.md", "canal.md"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    script = script_json(["bakery.md", "canal.md", "--edition", "Evening edition"], tmp_path)
    _assert_contract(script)
    assert script["title"] == "Evening edition"
    spoken = " ".join(s["text"] for s in all_segments(script))
    assert "Village bakery reopens" in spoken and "Canal path closes" in spoken
    nested = [c["title"] for c in script["chapters"] if c.get("level")]
    assert nested == ["A new oven", "Detours for cyclists", "When it reopens"]
    assert all("level" not in c for c in script_json(["bakery.md"], tmp_path)["chapters"])


@pytest.mark.skipif(not ISTANBUL.is_file(), reason="the shared corpus is not present")
def test_script_of_the_istanbul_sample(tmp_path: Path) -> None:
    script = script_json([str(ISTANBUL)], tmp_path)
    _assert_contract(script)
    assert script["title"] == "Ukrainian and Russian officials meet in Istanbul"
    assert script["author"] == "Jason Melanovski"
    assert script["date"].startswith("2025-05-18")
    segments = all_segments(script)
    for segment in segments:
        assert not re.search(r"[*#\[\]]|\]\(|\)\(", segment["text"]), segment["text"]
        assert "http" not in segment["text"] and "wsws.org" not in segment["text"].lower()
        assert "To contact" not in segment["text"]
    # The paragraph broken by a blank line is rejoined: the name stays in one segment.
    assert sum("Defense Minister Rustem Umerov" in s["text"] for s in segments) == 1
    assert segments[0]["text"] == script["title"]
