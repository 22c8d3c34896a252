"""The eSpeak NG library narrate speaks with: always the espeakng-loader wheel's, loaded before pyttsx3 looks for one."""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

from narrate.engines.base import EngineError

_loaded_library: Path | None = None
_library_handle: ctypes.CDLL | None = None


def wheel_espeak_paths() -> tuple[Path, Path]:
    """Return the espeakng-loader wheel's (library file, data folder), or raise EngineError when the wheel is missing."""
    try:
        import espeakng_loader
    except ImportError as error:
        raise EngineError(
            "The eSpeak NG library is missing: install the 'espeakng-loader' package (pip install espeakng-loader)."
        ) from error
    library = Path(espeakng_loader.get_library_path()).resolve()
    data = Path(espeakng_loader.__file__).parent / "espeak-ng-data"
    return library, data


def wheel_espeak_version() -> str:
    """Return the wheel's eSpeak NG version (e.g. '1.52.0') from its library file name, without loading it."""
    library, _ = wheel_espeak_paths()
    for candidate in sorted(library.parent.glob("libespeak-ng.so.*.*")):
        match = re.fullmatch(r"libespeak-ng\.so\.(\d+(?:\.\d+)+)", candidate.name)
        if match:
            return match.group(1)
    return "unknown"


def ensure_wheel_espeak() -> Path:
    """Load the wheel's libespeak-ng (once per process, RTLD_GLOBAL) and point ESPEAK_DATA_PATH at its data; return the library path.

    Call this before pyttsx3 is imported: pyttsx3 then finds the already-loaded library by its soname
    instead of any system copy. eSpeak calls exit(1) on a bad data path, so the data folder is
    checked here first and a missing one raises EngineError.
    """
    global _loaded_library, _library_handle
    if _loaded_library is not None:
        return _loaded_library
    if piper_bridge_loaded():
        raise EngineError(
            "pyttsx3's eSpeak NG cannot load in a process that already runs Piper (their eSpeak NG copies crash "
            "together); use a separate worker process."
        )
    library, data = wheel_espeak_paths()
    if not library.is_file():
        raise EngineError(f"The eSpeak NG library file {library} is missing; reinstall espeakng-loader.")
    if not all((data / part).exists() for part in ("phontab", "phondata", "lang")):
        raise EngineError(f"The eSpeak NG data folder {data} is missing or incomplete; reinstall espeakng-loader.")
    if "pyttsx3.drivers._espeak" in sys.modules and loaded_espeak_library() not in (None, library):
        raise EngineError("pyttsx3 loaded another eSpeak NG library before narrate could load the bundled one.")
    os.environ["ESPEAK_DATA_PATH"] = str(data)
    try:
        _library_handle = ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
    except OSError as error:
        raise EngineError(f"The eSpeak NG library {library} could not be loaded: {error}.") from error
    _loaded_library = library
    return library


def piper_bridge_loaded() -> bool:
    """True when Piper's own eSpeak NG (its espeakbridge module) is loaded in this process."""
    if "piper.espeakbridge" in sys.modules:
        return True
    try:
        return "espeakbridge" in Path("/proc/self/maps").read_text()
    except OSError:
        return False


def loaded_espeak_library() -> Path | None:
    """Return the libespeak-ng file mapped into this process (read from /proc/self/maps), or None when none is."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and "libespeak-ng" in Path(parts[5]).name:
            return Path(parts[5]).resolve()
    return None
