"""Installed versions of the packages that a cache key or fingerprint depends on (standard library only, so the fast
paths that import this stay cheap).

importlib.metadata.version() searches every folder on sys.path again on each call: the 17 lookups of a rebuild (the
fingerprint, the script memo, the chunk keys) cost 24 ms or more. Installers name each package's metadata folder
NAME-VERSION.dist-info (the wheel format and PEP 376 require the version in the name), so one listing of the sys.path
folders per process gives every version; anything that listing cannot answer for certain (an .egg-info, a zip on
sys.path, an unparsable name) is asked of importlib.metadata as before.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from dataclasses import dataclass, field


def package_version(name: str, missing: str = "-") -> str:
    """The installed version of distribution `name`, or `missing` when it is not installed."""
    listing = _listed_versions()
    key = _normalized(name)
    version = listing.versions.get(key)
    if version is not None:
        return version
    if listing.complete and key not in listing.versions:
        return missing
    from importlib import metadata  # 20 ms of imports, only for what the listing cannot answer

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return missing


def _normalized(name: str) -> str:
    """A distribution name as PEP 503 compares it (case, and runs of '-', '_' and '.', do not matter)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class _Listing:
    """What one listing of the sys.path folders says about installed distributions."""

    versions: dict[str, str | None] = field(default_factory=dict)
    """Normalized name -> version, from the first NAME-VERSION.dist-info folder on sys.path (the one importlib.metadata
    reads); None where the first one found does not give its version reliably in its name (an .egg-info)."""
    complete: bool = True
    """False when some sys.path entry could not be listed as a folder (a zip archive): a name missing from the
    listing may be installed there."""


@functools.cache
def _listed_versions() -> _Listing:
    """The versions of sys.path's distributions, listed once per process."""
    listing = _Listing()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except FileNotFoundError:
            continue
        except OSError:
            listing.complete = False
            continue
        for folder in names:
            stem, dot, kind = folder.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            name, dash, version = stem.partition("-")
            reliable = kind == "dist-info" and dash and version and "-" not in version
            listing.versions.setdefault(_normalized(name), version if reliable else None)
    return listing
