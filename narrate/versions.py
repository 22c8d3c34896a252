"""Installed versions of the packages that a cache key or fingerprint depends on (standard library only, so the fast
paths that import this stay cheap)."""

from __future__ import annotations

from importlib import metadata


def package_version(name: str, missing: str = "-") -> str:
    """The installed version of distribution `name`, or `missing` when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return missing
