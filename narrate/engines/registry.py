"""Engine names to engine classes, imported lazily: the rest of narrate never imports a concrete engine."""

from __future__ import annotations

import importlib
from typing import Any

from narrate.engines.base import Engine
from narrate.errors import NarrateError

ENGINES: dict[str, str] = {
    "pyttsx3": "narrate.engines.pyttsx3_engine:Pyttsx3Engine",
    "piper": "narrate.engines.piper_engine:PiperEngine",
}
"""Known engine names and the 'module:Class' that implements each."""

INSTALL_HINTS: dict[str, str] = {
    "piper": "pip install 'narrate[piper]'",
}
"""What to install when an engine's module cannot be imported."""


def engine_target(name: str) -> str:
    """Return the 'module:Class' for an engine name; a name that is itself 'module:Class' is returned as is."""
    if name in ENGINES:
        return ENGINES[name]
    if ":" in name:
        return name
    known = ", ".join(sorted(ENGINES))
    raise NarrateError(f"Unknown engine '{name}'; available: {known}.")


def engine_class(name: str) -> Any:
    """Import and return the class behind an engine name (or a 'module:Class' string)."""
    module_name, _, class_name = engine_target(name).partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        hint = INSTALL_HINTS.get(name)
        fix = f" Install it with: {hint}." if hint else ""
        raise NarrateError(f"The '{name}' engine is not available here ({error}).{fix}") from error
    try:
        return getattr(module, class_name)
    except AttributeError as error:
        raise NarrateError(f"The '{name}' engine's module has no class {class_name}.") from error


def create_engine(name: str) -> Engine:
    """Create the engine called `name` ('pyttsx3', 'piper', or 'module:Class' for tests) in this process."""
    return engine_class(name)()


def engine_info(name: str) -> tuple[str, str]:
    """Return (engine name, version) for cache keys, cheaply: through the class's `describe()` when it has one."""
    cls = engine_class(name)
    describe = getattr(cls, "describe", None)
    if callable(describe):
        engine_name, version = describe()
        return str(engine_name), str(version)
    engine = cls()
    return str(engine.name), str(engine.version)
