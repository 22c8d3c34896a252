"""The fast 'nothing changed' path: recognise a rebuild from its raw inputs before reading any article.

A full build reads, scripts and plans the article before its manifest can say that nothing changed; that
costs the imports of every stage (HTML extraction, language detection, numpy...). This module fingerprints
what a build is made from instead: the source bytes, every option that shapes the files, the voice profiles,
the lexicons, the show settings, narrate's own code and the versions of the engines and encoder. When a
fingerprint was recorded by a finished build and everything that build wrote is still in place (files, sizes,
and the catalog entry), the earlier result is the answer. URLs are never shortcut: the page may have changed.

Only the standard library (and narrate.locks, narrate.result, narrate.sourcedigest and narrate.versions, which need
nothing more) is imported here.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from narrate.locks import publish_settled
from narrate.result import BuildResult
from narrate.sourcedigest import source_digest, source_files
from narrate.versions import package_version

FASTPATH_SCHEMA = 2
"""Bumped when the record format or the fingerprint's contents change."""

_PACKAGES = ("pyttsx3", "espeakng-loader", "imageio-ffmpeg", "mutagen", "piper-tts", "pydub", "lameenc", "soxr", "numpy", "num2words",
             "pysbd")
"""Distributions whose version changes what a build produces."""

_NARRATE_DIR = Path(__file__).resolve().parent


def _digest_file(digest: "hashlib._Hash", path: Path) -> None:
    """Feed a file's bytes to `digest` a megabyte at a time (an input may be large: memory stays flat)."""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)


def _digest_files(digest: "hashlib._Hash", paths: Sequence[Path]) -> None:
    for path in sorted(paths):
        digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<missing>")
        digest.update(b"\0")


_CODE_SUFFIXES = (".py", ".toml", ".html", ".md")
"""narrate's own files that shape what a build produces: code, shipped profiles and lexicons, page templates."""


def _code_digest(memo: Path | None, folder: Path = _NARRATE_DIR) -> str:
    """A sha256 over narrate's own files under `folder` (names and bytes), remembered in the file `memo` (in the output
    folder's .narrate/inputs, once a build has made that folder; None: nowhere) while no file changes
    (narrate.sourcedigest)."""
    return source_digest(folder, source_files(folder, ("",), _CODE_SUFFIXES), memo)


def _code_and_versions(digest: "hashlib._Hash", memo: Path | None) -> None:
    digest.update(f"code={_code_digest(memo)}\0".encode())
    for name in _PACKAGES:
        digest.update(f"{name}={package_version(name)}\0".encode())


def inputs_fingerprint(
    sources: Sequence[str],
    stdin_data: bytes | None,
    settings: Mapping[str, Any],
    config_files: Sequence[Path],
    code_memo: Path | None = None,
) -> str | None:
    """A sha256 over everything a build is made from, or None when the inputs cannot be fingerprinted (a URL).

    `settings` holds every option that shapes the output (edition, voice, bitrate, base URL...);
    `config_files` are the voice profiles, lexicons and show settings the build reads; `code_memo` is where the
    digest of narrate's own code is remembered (_code_digest).
    """
    digest = hashlib.sha256(f"narrate-fastpath-{FASTPATH_SCHEMA}\0".encode())
    for source in sources:
        if source.startswith(("http://", "https://")):
            return None
        digest.update(source.encode("utf-8", "surrogateescape") + b"\0")
        if source == "-":
            digest.update(stdin_data or b"")
        else:
            try:
                if not Path(source).is_file():
                    return None  # a device or a pipe: reading it here would consume it, or never end
                _digest_file(digest, Path(source))
            except OSError:
                return None  # the full path gives the user the clear error
        digest.update(b"\0")
    digest.update(json.dumps(dict(settings), sort_keys=True, default=str).encode())
    _digest_files(digest, list(config_files))
    _code_and_versions(digest, code_memo)
    return digest.hexdigest()


def _record_path(output_dir: Path, fingerprint: str) -> Path:
    return Path(output_dir) / ".narrate" / "inputs" / f"{fingerprint[:32]}.json"


def _code_memo_path(output_dir: Path) -> Path:
    return Path(output_dir) / ".narrate" / "inputs" / "code-digest"


def _catalog_names(output_dir: Path, mp3_name: str, mp3_bytes: int) -> bool:
    path = Path(output_dir) / "catalog.sqlite"
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT mp3_bytes FROM episodes WHERE mp3 = ?", (mp3_name,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None and int(row[0]) == mp3_bytes


def recall(output_dir: Path, fingerprint: str | None) -> BuildResult | None:
    """The recorded result of a build with this fingerprint, when everything it wrote is still in place."""
    if fingerprint is None:
        return None
    try:
        record = json.loads(_record_path(output_dir, fingerprint).read_text("utf-8"))
        if record.get("fingerprint") != fingerprint:
            return None
        result = BuildResult.from_json(record["result"], Path(record["manifest"]))
        mp3_bytes = int(record["mp3_bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    wanted = [result.mp3, result.chapters_json, result.vtt, result.manifest]
    wanted += [p for p in (result.feed, result.page) if p is not None]
    if not all(p.is_file() for p in wanted) or result.mp3.stat().st_size != mp3_bytes:
        return None
    if result.feed is not None and not (_catalog_names(output_dir, result.mp3.name, mp3_bytes)
                                        and publish_settled(output_dir)):
        return None  # a publish to redo or repair: the full path publishes
    total = result.segments_total
    from dataclasses import replace

    return replace(result, unchanged=True, segments_synthesized=0, segments_reused=total)


def remember(output_dir: Path, fingerprint: str | None, result: BuildResult) -> None:
    """Record a finished build under its inputs' fingerprint (atomically) for the next run."""
    if fingerprint is None:
        return
    from narrate.files import write_text_atomic

    path = _record_path(output_dir, fingerprint)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "fingerprint": fingerprint,
            "manifest": str(result.manifest),
            "mp3_bytes": result.mp3.stat().st_size,
            "result": result.to_json(),
        }
        write_text_atomic(path, json.dumps(record, indent=1) + "\n")
    except OSError:
        pass  # the record only saves time; a build never fails for want of it
    _prune(path.parent)


def _prune(folder: Path, keep: int = 500) -> None:
    """Keep the newest `keep` records so the folder does not grow without bound."""
    try:
        records = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for stale in records[keep:]:
        try:
            os.unlink(stale)
        except OSError:
            pass


def build_fingerprint(
    sources: Sequence[str],
    stdin_data: bytes | None,
    *,
    output_dir: Path,
    edition: str | None,
    voice: str,
    voices_dirs: Sequence[Path],
    lexicons: Sequence[Path],
    bitrate_kbps: int,
    base_url: str | None,
    publish: bool,
) -> str | None:
    """The inputs fingerprint of a `narrate build` with these options (see `inputs_fingerprint`)."""
    from narrate.config import default_lexicons
    from narrate.voices import shipped_voices_dir

    profile_dirs = [d for d in (shipped_voices_dir(), *voices_dirs) if d is not None]
    config = [p for d in profile_dirs for p in Path(d).glob("*.toml")]
    config += list(lexicons) if lexicons else list(default_lexicons())
    config.append(Path(output_dir) / "narrate.toml")
    settings = {
        "cwd": os.getcwd(),
        "output": str(output_dir),
        "edition": edition,
        "voice": voice,
        "voices": [str(d) for d in voices_dirs],
        "lexicons": [str(p) for p in lexicons],
        "bitrate": bitrate_kbps,
        "base_url": base_url,
        "publish": publish,
    }
    return inputs_fingerprint(sources, stdin_data, settings, config, _code_memo_path(output_dir))
