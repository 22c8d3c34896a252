"""Issue 12's examples, kept as regression tests: huge numbers, hostile front matter, huge lines, symbols,
invisible characters, one line of standard input, input size caps, and composition time linear in the input."""

from __future__ import annotations

import io
import json
import time
import warnings
from pathlib import Path

import pytest

from cli_support import ok, parse_vtt, run_narrate, script_json
from fuzz_inputs import invisible_in
from fuzz_invariants import script_problems
from narrate.article.read import read_article
from narrate.build import ScriptOptions, make_script
from narrate.errors import InputError, InputWarning
from narrate.script.model import Script
from narrate.script.sentences import DEFAULT_MAX_CHARS


def script_of(text: str, suffix: str = "") -> Script:
    """make_script on `text` as standard input (sniffed) or as a file with `suffix`."""
    data = text.encode("utf-8")
    if not suffix:
        return make_script(ScriptOptions(sources=("-",)), stdin=io.BytesIO(data))
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"article{suffix}"
        path.write_bytes(data)
        return make_script(ScriptOptions(sources=(str(path),)))


def spoken(script: Script) -> str:
    return " ".join(s.text for s in script.segments())


# --- numbers: never a traceback, long digit strings read as people read them ---


@pytest.mark.parametrize("digits", [307, 400, 4_300, 5_000, 20_000])
def test_long_numbers_are_said_with_their_length(digits: int) -> None:
    script = script_of(f"# Price\n\nIt cost ${'9' * digits}.\n")
    assert script_problems(script) == []
    assert f"It cost a number of {_words(digits)} digits, starting nine nine nine, nine nine nine" in spoken(script)
    assert max(len(s.text) for s in script.segments()) < 200


def _words(n: int) -> str:
    from narrate.script.normalize.numbers import cardinal

    return cardinal(str(n))


def test_a_card_number_is_read_in_groups_of_digits() -> None:
    assert "four one one, one two two, two two three, three three three, four four four, four" in spoken(
        script_of("# Card\n\nThe card 4111222233334444 expired.\n"))


def test_cli_example_from_the_issue(tmp_path: Path) -> None:
    article = f"# T\n\nIt cost ${'9' * 320}.\n".encode()
    proc = ok(run_narrate(["script", "-"], tmp_path, stdin=article))
    assert "a number of three hundred and twenty digits" in proc.stdout and "Traceback" not in proc.stderr


# --- composition time is linear in the input ---


@pytest.mark.parametrize("unit", ["9", "x", "word ", "1, ", "The council met. "], ids=repr)
def test_composition_time_is_linear(unit: str) -> None:
    """Ten times the input takes about ten times as long (at most 20 times: generous, CPU time). The units are a
    digit run, one endless word, words without a sentence end, a list of numbers, and ordinary sentences;
    `bench/run.py` times megabytes of each (tests stay small)."""

    def cost(size: int) -> float:
        text = "# Huge\n\n" + unit * (size // len(unit)) + "\n"
        started = time.process_time()
        script = script_of(text, ".md")
        elapsed = time.process_time() - started
        assert script_problems(script) == []
        assert all(len(s.written) <= DEFAULT_MAX_CHARS or any(c.isdigit() for c in s.written) for s in script.segments())
        return max(elapsed, 0.01)

    cost(500)
    small, large = cost(4_000), cost(40_000)
    assert large <= 20 * small + 0.1, (small, large)


# --- front matter: used where it can be, ignored with a warning where it cannot, never a traceback ---


@pytest.mark.parametrize(
    ("front", "warning"),
    [
        ("date: 2025-02-30", "'date' is not a date that exists"),
        ("date: 2025-13-01", "'date' is not a date that exists"),
        ("date: 2025-01-01 25:00:00", "'date' is not a date that exists"),
        ("tags: " + "[" * 2000 + "]" * 2000, "nests deeper than 20 levels"),
        ("tags: " + "[" * 2000, "nests deeper than 20 levels"),
        ("title: [1, 2]", "'title' is not text"),
        ("author: [1, {name: [2]}]", "'author' holds something that is not a name"),
        ("count: " + "7" * 5000, None),
        ("title: 'unclosed", "not valid YAML"),
        ("notes: |\n" + "  line\n" * 20_000, "larger than 64 KB"),
    ],
    ids=["impossible-day", "month-13", "hour-25", "deep-nesting", "deep-unclosed", "title-list", "author-junk",
         "huge-int", "broken-yaml", "huge-block"],
)
def test_front_matter_that_cannot_be_used_is_a_warning(front: str, warning: str | None) -> None:
    text = f"---\n{front}\nsite: Harbour Post\n---\n# Ferry returns\n\nThe ferry sailed again on Monday.\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        script = script_of(text)
    messages = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    if warning:
        assert any(warning in m for m in messages), messages
    assert script.title == "Ferry returns"
    assert [s.text for s in script.segments()][-1] == "The ferry sailed again on Monday."
    assert not any(front.split(":")[0] in s.text for s in script.segments())


def test_cli_prints_front_matter_warnings_as_one_line_each(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ndate: 2025-02-30\n---\n# Ferry\n\nThe ferry sailed.\n", encoding="utf-8")
    proc = ok(run_narrate(["script", "a.md"], tmp_path))
    assert proc.stderr.strip() == ("narrate: warning: The front matter's 'date' is not a date that exists (2025-02-30); "
                                   "it was ignored.")


# --- every symbol said, nothing invisible spoken or shown ---


def test_symbols_reach_the_listener_through_make_script() -> None:
    script = script_of("# Notes\n\nWe know 5 > 3 and x < 5. It has 2^15 rows and ~50 users. She writes C# daily. "
                       "Tag it #ClimateWeek now.\n")
    said = spoken(script)
    for words in ("five is greater than three", "x is less than five", "two to the power of fifteen",
                  "about fifty users", "C sharp", "hashtag Climate Week"):
        assert words in said


def test_bidi_and_invisible_characters_are_neither_spoken_nor_shown() -> None:
    text = ("# Vote\u202e count\u202c\n\nThe \u2066council\u2069 met\u200b on Mon\u00adday\ufeff. "
            "Her badge read 👩\u200d💻 and the word می\u200cخواهم.\n")
    script = script_of(text)
    for segment in script.segments():
        assert invisible_in(segment.text, joiners_allowed=False) == []
        assert invisible_in(segment.written, joiners_allowed=True) == []
    assert script.title == "Vote count"
    written = " ".join(s.written for s in script.segments())
    assert "The council met on Monday." in written
    assert "👩\u200d💻" in written and "می\u200cخواهم" in written  # joiners that carry meaning stay in the transcript
    assert "می\u200cخواهم" not in spoken(script)


# --- one line of text, standard input and size caps ---


def test_one_line_is_title_and_text_said_once() -> None:
    script = script_of("The council meets on Monday.\n")
    assert script.title == "The council meets on Monday."
    assert [(s.text, s.role) for s in script.segments()] == [("The council meets on Monday.", "narrator")]


def test_a_heading_alone_still_has_no_text() -> None:
    with pytest.raises(InputError, match="no article text"):
        read_article("-", stdin=io.BytesIO(b"# Just a headline\n"))


def test_one_line_on_stdin_is_built(tmp_path: Path) -> None:
    proc = ok(run_narrate(["build", "-", "-o", "out", "--cache", "cache", "--no-publish", "-q", "--json"], tmp_path,
                          stdin="The council meets\u202e on Monday.\n".encode()))
    result = json.loads(proc.stdout)
    assert result["title"] == "The council meets on Monday."
    cues = parse_vtt((tmp_path / result["vtt"]).read_text(encoding="utf-8"))
    assert [c.text for c in cues] == ["The council meets on Monday."]
    assert result["duration_s"] > 1


@pytest.mark.parametrize("where", ["file", "stdin"])
def test_input_larger_than_the_cap_is_one_sentence(tmp_path: Path, where: str) -> None:
    data = b"# Big\n\nA short text.\n\n```\n" + b"code " * 120_000 + b"\n```\n"  # 600 KB, mostly code (not read aloud)
    (tmp_path / "big.md").write_bytes(data)
    source = "big.md" if where == "file" else "-"
    proc = run_narrate(["script", source, "--max-input-mb", "0.5"], tmp_path, stdin=data if where == "stdin" else None)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().endswith("is larger than the 0.5 MB input limit; raise it with --max-input-mb if it "
                                        "really is one article.")
    assert ok(run_narrate(["script", source, "--max-input-mb", "1"], tmp_path,
                          stdin=data if where == "stdin" else None)).stdout.startswith("Title:  Big")


def test_the_cli_default_cap_is_the_readers_default() -> None:
    # cli_options keeps its own copy so that parsing options does not import the readers; the two must agree.
    from narrate.article.read import DEFAULT_MAX_INPUT_MB as reader_default
    from narrate.cli_options import DEFAULT_MAX_INPUT_MB as cli_default

    assert cli_default == reader_default


def test_written_shows_what_the_article_wrote(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Fares\n\nA ticket costs $3.50 from 1 May.\n", encoding="utf-8")
    segment = script_json(["a.md"], tmp_path)["chapters"][0]["segments"][1]
    assert segment == {"text": "A ticket costs three dollars and fifty cents from the first of May.",
                       "written": "A ticket costs $3.50 from 1 May.", "role": "narrator", "pause_ms": 0}


def test_an_endless_device_is_refused_in_one_sentence(tmp_path: Path) -> None:
    proc = run_narrate(["build", "/dev/zero", "-o", "out", "--cache", "cache"], tmp_path, timeout=60)
    assert proc.returncode == 2 and proc.stderr.strip() == (
        "narrate: /dev/zero is larger than the 20 MB input limit; raise it with --max-input-mb if it really is one article.")


def test_a_named_pipe_is_read_once_and_built(tmp_path: Path) -> None:
    """The quick-rebuild fingerprint must not drain a pipe (`narrate build <(curl ...)`) before it is read."""
    import os
    import threading

    fifo = tmp_path / "article.pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text("# Pipe news\n\nThe ferry sailed on time today.\n"))
    writer.start()
    try:
        proc = ok(run_narrate(["build", str(fifo), "-o", "out", "--cache", "cache", "--no-publish", "-q", "--json"],
                              tmp_path, timeout=120))
    finally:
        if writer.is_alive():  # unblock the writer if narrate never opened the pipe
            with open(fifo, "rb") as drain:
                drain.read()
        writer.join()
    assert json.loads(proc.stdout)["title"] == "Pipe news"
