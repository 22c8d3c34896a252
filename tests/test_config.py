"""narrate.toml's [build] table: read, validated, overridden by the command line; [show] still works beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.config import BuildConfig, load_build_config
from narrate.errors import NarrateError
from narrate.publish.settings import load_settings


def write(folder: Path, text: str) -> Path:
    (folder / "narrate.toml").write_text(text, "utf-8")
    return folder


def test_no_file_means_no_settings(tmp_path):
    assert load_build_config(tmp_path) == BuildConfig()


def test_build_settings_are_read_with_paths_relative_to_the_file(tmp_path):
    config = load_build_config(write(tmp_path, '[build]\nvoice = "joe"\nvoices = "mine"\nlexicon = ["a.toml", "b.toml"]\n'
                                                'jobs = 3\nbitrate = 96\nscheduler = "tcp://127.0.0.1:8786"\ncache = "c"\n'))
    assert config == BuildConfig(voice="joe", voices=(tmp_path / "mine",), lexicons=(tmp_path / "a.toml", tmp_path / "b.toml"),
                                 jobs=3, bitrate_kbps=96, scheduler="tcp://127.0.0.1:8786", cache=tmp_path / "c")


@pytest.mark.parametrize("body, words", [
    ('[build]\nbitrate = 65\n', "bitrate"),
    ('[build]\njobs = -1\n', "jobs"),
    ('[build]\nvoice = 3\n', "voice"),
    ('[build]\nspeed = 2\n', "unknown [build] setting 'speed'"),
    ('[build\n', "not valid TOML"),
])
def test_bad_build_settings_are_one_clear_sentence(tmp_path, body, words):
    with pytest.raises(NarrateError, match=words.replace("[", r"\[")):
        load_build_config(write(tmp_path, body))


def test_show_settings_at_top_level_sit_beside_a_build_table(tmp_path):
    write(tmp_path, 'title = "Night Desk"\n[build]\nvoice = "quote"\n')
    assert load_settings(tmp_path).title == "Night Desk"
    assert load_build_config(tmp_path).voice == "quote"
