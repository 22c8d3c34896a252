"""The versions of what narrate's audio code makes: bump one when the same inputs would give other bytes.

They are part of every chunk key (narrate.audio.chunk) and of every episode's fingerprint (narrate.manifest), and
live here, apart from the code they describe, so that a build can name what its audio depends on before it loads
that code (the edit of one paragraph waits for nothing it does not need)."""

from __future__ import annotations

import functools

from narrate.versions import package_version

CHUNK_FORMAT = 1
"""Version of the chunk encode (narrate.audio.chunk and the limiter): bump when the same spec would give other frames."""
LEVEL_VERSION = 1
"""Version of how gains follow from measurements (narrate.audio.leveler.chunk_gains, LoudnessMeter.gain_for): part
of every chunk key, so bump it when the same measurements would get other gains."""
EXTRA_VERSION = 3
"""Version of the measurements in a cache entry's extra (another version is re-measured): 3 since the overlap-save
K-weighting with 100 ms of history, whose step energies differ from version 2 by under 1e-7 relative (under 1e-10 on
steps above -40 LUFS)."""


@functools.cache
def encoder_versions() -> dict[str, str]:
    """Versions of the code a chunk's frames depend on besides its spec."""
    versions = {"chunk_format": str(CHUNK_FORMAT), "level": str(LEVEL_VERSION), "loudness": str(EXTRA_VERSION)}
    for package in ("lameenc", "soxr", "numpy"):
        versions[package] = package_version(package, missing="unknown")
    return versions
