"""Build settings from narrate.toml: the [build] table of OUTPUT/narrate.toml, overridden by command-line options.

    [build]
    voice = "joe"                  # voice profile
    voices = ["my-voices"]         # extra folders of voice profiles (relative to the output folder)
    lexicon = ["lexicon.toml"]     # pronunciation lexicons (relative to the output folder)
    jobs = 2                       # synthesis worker processes (0: one per core)
    bitrate = 64                   # MP3 kbps, CBR
    scheduler = "tcp://10.0.0.5:8786"   # synthesize on a Dask cluster
    cache = "/var/cache/narrate"   # segment cache folder

The [show] table of the same file holds the podcast's settings (narrate.publish.settings).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narrate.errors import NarrateError

CONFIG_FILE = "narrate.toml"
"""The settings file, kept in the output folder (never served)."""

BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
"""MP3 bitrates (kbps) an encoder accepts for 44.1 kHz."""


@dataclass(frozen=True)
class BuildConfig:
    """Build settings from narrate.toml; None means 'not set here'."""

    voice: str | None = None
    """The voice profile name."""
    voices: tuple[Path, ...] = ()
    """Extra folders of voice profiles."""
    lexicons: tuple[Path, ...] = ()
    """Pronunciation lexicon files."""
    jobs: int | None = None
    """Synthesis worker processes."""
    bitrate_kbps: int | None = None
    """MP3 bitrate."""
    scheduler: str | None = None
    """A Dask scheduler address."""
    cache: Path | None = None
    """The segment cache folder."""


def _paths(path: Path, key: str, value: Any) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise NarrateError(f"{path}: [build] {key} must be a path or a list of paths.")
    return tuple((path.parent / Path(v).expanduser()) for v in items)


def default_lexicons() -> tuple[Path, ...]:
    """Lexicon files used when none is named: ./lexicon.toml when it exists."""
    local = Path("lexicon.toml")
    return (local,) if local.is_file() else ()


def read_output_toml(output_dir: Path) -> tuple[Path, dict[str, Any]]:
    """OUTPUT/narrate.toml's path and its parsed tables ({} when there is no such file); NarrateError when it is not TOML.

    The one reader of the file: its [build] table is read here, its [show] table by narrate.publish.settings."""
    path = Path(output_dir) / CONFIG_FILE
    if not path.is_file():
        return path, {}
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise NarrateError(f"{path} is not valid TOML: {exc}.") from None


def load_build_config(output_dir: Path) -> BuildConfig:
    """Read the [build] table of OUTPUT/narrate.toml; an absent file or table gives an empty config."""
    path, data = read_output_toml(output_dir)
    if not data:
        return BuildConfig()
    table = data.get("build", {})
    if not isinstance(table, dict):
        raise NarrateError(f"{path}: [build] must be a table.")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "voice" and isinstance(value, str):
            values["voice"] = value
        elif key == "voices":
            values["voices"] = _paths(path, key, value)
        elif key in ("lexicon", "lexicons"):
            values["lexicons"] = _paths(path, key, value)
        elif key == "jobs" and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            values["jobs"] = value
        elif key == "bitrate" and value in BITRATES and not isinstance(value, bool):
            values["bitrate_kbps"] = value
        elif key == "scheduler" and isinstance(value, str) and value:
            values["scheduler"] = value
        elif key == "cache" and isinstance(value, str):
            values["cache"] = _paths(path, key, value)[0]
        elif key in ("voice", "jobs", "bitrate", "scheduler", "cache"):
            raise NarrateError(f"{path}: [build] {key} has a value narrate cannot use ({value!r}).")
        else:
            raise NarrateError(f"{path}: unknown [build] setting '{key}' (known: bitrate, cache, jobs, lexicon, "
                               "scheduler, voice, voices).")
    return BuildConfig(**values)


@dataclass(frozen=True)
class BuildChoices:
    """The build options in force: the command line's, else OUTPUT/narrate.toml's [build] table, else the default."""

    voice: str
    """The voice profile name."""
    voices: tuple[Path, ...]
    """Extra folders of voice profiles."""
    lexicons: tuple[Path, ...]
    """Pronunciation lexicon files."""
    jobs: int
    """Synthesis worker processes (0: one per core)."""
    bitrate: int
    """MP3 bitrate in kbps."""
    scheduler: str | None
    """A Dask scheduler address, if any."""
    cache: Path | None
    """The segment cache folder (None: the user's cache folder)."""


def build_choices(output_dir: Path, voice: str | None = None, voices: Sequence[Path] | None = None,
                  lexicons: Sequence[Path] | None = None, jobs: int | None = None, bitrate: int | None = None,
                  scheduler: str | None = None, cache: Path | None = None) -> BuildChoices:
    """Merge the options a command was given (None or empty: not given) over OUTPUT/narrate.toml's [build] table."""
    config = load_build_config(output_dir)
    return BuildChoices(
        voice=voice or config.voice or "default",
        voices=tuple(voices or ()) or config.voices,
        lexicons=tuple(lexicons or ()) or config.lexicons,
        jobs=jobs if jobs is not None else (config.jobs or 0),
        bitrate=bitrate or config.bitrate_kbps or 64,
        scheduler=scheduler or config.scheduler,
        cache=cache or config.cache,
    )
