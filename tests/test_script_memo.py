"""The script memo (narrate.memo): a script made with it, cold or warm, before or after an edit, is exactly the script
made without it; a change of code or library version misses every entry; a damaged, unusable or half-written memo
never changes a script."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import narrate.memo as memo_module
import narrate.script.sentences as sentences_module
from fuzz_inputs import corpus_texts, markdown_docs, paragraphs
from narrate.build import ScriptOptions, make_script
from narrate.errors import NarrateError
from narrate.faults import KILL_AT_ENV
from narrate.memo import MEMO_FILE, ScriptMemo, code_version, remembered, remembering

FAST = settings(derandomize=True, database=None, deadline=None, max_examples=40,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])

ARTICLE = """# Harbour board backs the night ferry

By Ana Ruiz, 18 May 2025

The harbour board voted 7 to 2 on Tuesday to run a night ferry from June. "We have waited long enough for this,"
said Dr. Mara Okafor, who chairs the board. The service costs $1.2m a year.

## What changes

Boats leave every 40 minutes until 1 a.m. The U.S. operator that bid for the route lost to a local firm.

- Fares stay at £3.50.
- Bikes ride free.

> A late ferry is a safer ferry, the pilots' union wrote in March.
"""


@pytest.fixture(autouse=True)
def _quiet_input_warnings():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unusable front matter is a warning by design
        yield


def _script(sources: list[Path], cache: Path | None, edition: str | None = None):  # type: ignore[no-untyped-def]
    """The script (or the error sentence) for `sources`, with the memo in `cache` or none."""
    try:
        return make_script(ScriptOptions(sources=tuple(map(str, sources)), edition=edition, cache_dir=cache))
    except NarrateError as error:
        return f"error: {error}"


def _edited(text: str, at: int, sentence: str) -> str:
    """`text` with `sentence` added to its `at`-th blank-line separated block (counted from the end when past it)."""
    blocks = text.split("\n\n")
    index = at % len(blocks)
    blocks[index] = blocks[index].rstrip() + " " + sentence
    return "\n\n".join(blocks)


@FAST
@given(doc=markdown_docs(), at=st.integers(0, 30), sentence=paragraphs())
def test_the_memo_gives_exactly_the_script_made_without_it(tmp_path_factory: pytest.TempPathFactory, doc: str, at: int,
                                                         sentence: str) -> None:
    folder = tmp_path_factory.mktemp("memo")
    source = folder / "article.md"
    source.write_text(doc, encoding="utf-8", errors="surrogatepass")
    cache = folder / "cache"
    plain = _script([source], None)
    assert _script([source], cache) == plain  # cold: everything computed and kept
    assert _script([source], cache) == plain  # warm: everything remembered
    source.write_text(_edited(doc, at, sentence), encoding="utf-8", errors="surrogatepass")
    assert _script([source], cache) == _script([source], None)  # edited: some remembered, the rest computed


def test_real_articles_made_with_the_memo_are_made_as_without_it(tmp_path: Path) -> None:
    articles = [(suffix, data) for suffix, data in corpus_texts() if suffix in (".md", ".html")]
    if not articles:
        pytest.skip("the shared corpus is not beside the repository (set NARRATE_CORPUS)")
    for number, (suffix, data) in enumerate(articles):
        source, cache = tmp_path / f"article-{number}{suffix}", tmp_path / "cache"
        source.write_bytes(data)
        plain = _script([source], None)
        assert _script([source], cache) == plain
        assert _script([source], cache) == plain


def test_an_edition_made_with_the_memo_is_the_edition_made_without_it(tmp_path: Path) -> None:
    first, second = tmp_path / "one.md", tmp_path / "two.md"
    first.write_text(ARTICLE, encoding="utf-8")
    second.write_text(_edited(ARTICLE, 2, "A second boat joins in July.").replace("night ferry", "day ferry"), "utf-8")
    cache = tmp_path / "cache"
    plain = _script([first, second], None, edition="Harbour news")
    assert _script([first, second], cache, edition="Harbour news") == plain
    assert _script([first, second], cache, edition="Harbour news") == plain
    second.write_text(_edited(second.read_text("utf-8"), 1, "The vote was close."), "utf-8")
    assert _script([first, second], cache, edition="Harbour news") == _script([first, second], None, edition="Harbour news")


def test_an_edit_splits_only_the_paragraph_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    split = sentences_module._split_sentences

    def counting(paragraph: str, language: str) -> list[str]:
        calls.append(paragraph)
        return split(paragraph, language)

    monkeypatch.setattr(sentences_module, "_split_sentences", counting)
    source, cache = tmp_path / "article.md", tmp_path / "cache"
    source.write_text(ARTICLE, encoding="utf-8")
    _script([source], cache)
    cold = len(calls)
    calls.clear()
    _script([source], cache)
    assert calls == []  # nothing changed: every paragraph's sentences are remembered
    source.write_text(ARTICLE.replace("lost to a local firm.", "lost to a local firm, the board said."), "utf-8")
    _script([source], cache)
    assert cold > 5 and len(calls) == 1 and "the board said" in calls[0]


def _poisoned(cache: Path) -> int:
    """Overwrite every remembered value in the memo with a wrong one of the same shape; return how many."""
    with sqlite3.connect(cache / MEMO_FILE) as conn:
        rows = conn.execute("SELECT key, value FROM entries").fetchall()
        for key, value in rows:
            wrong = '["POISON."]' if value.startswith("[") else ('"POISON"' if value.startswith('"') else value)
            conn.execute("UPDATE entries SET value = ? WHERE key = ?", (wrong, key))
    return len(rows)


def test_a_change_of_code_misses_every_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, cache = tmp_path / "article.md", tmp_path / "cache"
    source.write_text(ARTICLE, encoding="utf-8")
    plain = _script([source], None)
    monkeypatch.setattr(memo_module, "code_version", lambda **_: "version A")
    _script([source], cache)
    assert _poisoned(cache) > 10
    assert "POISON" in str(_script([source], cache).to_json())  # the memo is really read under the same version...
    monkeypatch.setattr(memo_module, "code_version", lambda **_: "version B")
    assert _script([source], cache) == plain  # ...and never under another


def test_the_code_version_follows_the_source_and_the_libraries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "narrate"
    package = Path(memo_module.__file__).parent
    for name in ("script", "article"):
        shutil.copytree(package / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(package / "memo.py", root / "memo.py")
    (root / "audio").mkdir()
    before = code_version(root)
    assert before == code_version()  # the same code, wherever it lies
    (root / "audio" / "new.py").write_text("X = 1\n")
    code_version.cache_clear()
    assert code_version(root) == before  # code that computes nothing remembered does not count
    for changed in (root / "script" / "sentences.py", root / "article" / "markdown.py", root / "memo.py"):
        changed.write_text(changed.read_text() + "\n# changed\n")
        code_version.cache_clear()
        assert code_version(root) != before
        before = code_version(root)
    (root / "script" / "normalize" / "new_pass.py").write_text("X = 1\n")
    code_version.cache_clear()
    assert code_version(root) != before
    before = code_version(root)
    from narrate import versions

    original = versions.package_version
    monkeypatch.setattr(versions, "package_version",
                        lambda name, missing="-": "99.0" if name == "pysbd" else original(name, missing))
    code_version.cache_clear()
    assert code_version(root) != before  # another pysbd
    code_version.cache_clear()


def test_a_damaged_memo_is_replaced_and_changes_nothing(tmp_path: Path) -> None:
    source, cache = tmp_path / "article.md", tmp_path / "cache"
    source.write_text(ARTICLE, encoding="utf-8")
    plain = _script([source], None)
    cache.mkdir()
    (cache / MEMO_FILE).write_bytes(b"this is not a database" * 100)
    assert _script([source], cache) == plain
    assert len(ScriptMemo(cache / MEMO_FILE)) > 10  # a working memo took its place
    assert _script([source], cache) == plain


def test_a_memo_that_cannot_be_used_changes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "article.md"
    source.write_text(ARTICLE, encoding="utf-8")
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    assert _script([source], not_a_folder) == _script([source], None)


def test_a_failing_memo_is_dropped_for_the_rest_of_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: ScriptMemo, kind: str, args: tuple[object, ...]) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with remembering(tmp_path) as memo:
        assert memo is not None
        monkeypatch.setattr(ScriptMemo, "lookup", broken)
        assert remembered("sentences", lambda text: [text], "One.") == ["One."]
        assert remembered("sentences", lambda text: [text, text], "Two.") == ["Two.", "Two."]


def test_the_memo_keeps_at_most_its_cap_dropping_the_least_recently_used(tmp_path: Path) -> None:
    memo = ScriptMemo(tmp_path / MEMO_FILE, max_entries=50, version="v")
    for n in range(40):
        key, _, found = memo.lookup("spoken", (f"old {n}", "en"))
        assert not found
        memo.keep(key, f"old {n}")
    memo.flush()
    for n in range(30):
        memo.keep(memo.lookup("spoken", (f"new {n}", "en"))[0], f"new {n}")
    memo.flush()
    assert len(memo) == 50
    assert all(memo.lookup("spoken", (f"new {n}", "en"))[2] for n in range(30))
    assert sum(memo.lookup("spoken", (f"old {n}", "en"))[2] for n in range(40)) == 20
    memo.close()


def test_a_build_killed_while_the_memo_is_written_leaves_it_sound(tmp_path: Path) -> None:
    source, cache = tmp_path / "article.md", tmp_path / "cache"
    source.write_text(ARTICLE, encoding="utf-8")
    code = ("import sys; from narrate.build import ScriptOptions, make_script; "
            f"make_script(ScriptOptions(sources=({str(source)!r},), cache_dir={str(cache)!r}))")
    env = {**os.environ, KILL_AT_ENV: "build:memo-flushing",
           "PYTHONPATH": str(Path(memo_module.__file__).parents[1])}
    killed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
    assert killed.returncode == -9
    assert len(ScriptMemo(cache / MEMO_FILE)) == 0  # the transaction never committed
    assert _script([source], cache) == _script([source], None)
    assert len(ScriptMemo(cache / MEMO_FILE)) > 10


def test_cache_clear_forgets_the_script_memo_too(tmp_path: Path) -> None:
    from cli_support import ok, run_narrate

    source, cache = tmp_path / "article.md", tmp_path / "cache"
    source.write_text(ARTICLE, encoding="utf-8")
    _script([source], cache)
    assert len(ScriptMemo(cache / MEMO_FILE)) > 10
    ok(run_narrate(["cache", "clear", "--cache", str(cache)], tmp_path))
    assert len(ScriptMemo(cache / MEMO_FILE)) == 0


def test_the_code_version_is_the_same_when_its_source_digest_is_remembered(tmp_path: Path) -> None:
    code_version.cache_clear()
    plain = code_version()
    remembered_in = tmp_path / "script-memo.code-digest"
    code_version.cache_clear()
    assert code_version(remembered_in=remembered_in) == plain and remembered_in.is_file()
    code_version.cache_clear()
    assert code_version(remembered_in=remembered_in) == plain  # read back from the file
    code_version.cache_clear()
