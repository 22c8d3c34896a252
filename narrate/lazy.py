"""Packages whose public names load their modules on first use (PEP 562), so that importing the package, or
registering its CLI commands, costs nothing until a name is used."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, namespace: dict[str, Any], exports: Mapping[str, str]) -> Callable[[str], Any]:
    """The module `__getattr__` of `package`: a name in `exports` (public name -> defining module) is imported when
    first asked for and kept in the package's `namespace` (its globals()); any other name is an AttributeError."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
