"""narrate.versions: one listing of sys.path gives the same versions importlib.metadata reads from each package."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from narrate import versions


def test_every_installed_distribution_has_the_version_importlib_metadata_gives() -> None:
    names = {dist.metadata["Name"] for dist in metadata.distributions()}
    assert len(names) > 20
    for name in sorted(names):
        assert versions.package_version(name) == metadata.version(name), name
    assert versions.package_version("Typer") == versions.package_version("typer")  # names compare as PEP 503 says


def test_a_missing_distribution_is_missing() -> None:
    assert versions.package_version("no-such-distribution-narrate", missing="unknown") == "unknown"


def test_egg_info_and_folders_that_cannot_be_listed_are_asked_of_importlib_metadata(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    egg = tmp_path / "eggs"
    (egg / "oldstyle_pkg-1.2-py3.11.egg-info").mkdir(parents=True)
    (egg / "oldstyle_pkg-1.2-py3.11.egg-info" / "PKG-INFO").write_text("Metadata-Version: 1.0\nName: oldstyle-pkg\nVersion: 1.2\n")
    archive = tmp_path / "packages.zip"
    archive.write_bytes(b"")  # a file on sys.path: cannot be listed, may hold distributions
    monkeypatch.setattr(sys, "path", [str(egg), str(archive), *sys.path])
    versions._listed_versions.cache_clear()
    try:
        listing = versions._listed_versions()
        assert not listing.complete
        assert listing.versions["oldstyle-pkg"] is None
        assert versions.package_version("oldstyle-pkg") == "1.2"  # from its PKG-INFO, by importlib.metadata
        assert versions.package_version("no-such-distribution-narrate") == "-"
    finally:
        versions._listed_versions.cache_clear()
