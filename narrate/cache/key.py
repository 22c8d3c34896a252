"""segment_key: the content address of one segment's audio."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from narrate.engines.base import VoiceSettings

CACHE_SCHEMA = 3
"""Bump when the meaning of a key or the audio it names changes; every old entry then misses. 2: each segment is spoken in a fresh process with a fixed eSpeak seed, so its audio depends on (text, settings) alone. 3: the engine's leading and trailing silence is trimmed to a fixed margin (narrate.audio.trim) before the audio is cached."""

DEFAULT_SAMPLE_FORMAT = "s16le/22050/1"
"""Sample encoding / rate / channels of the PCM an engine returns (pyttsx3 over eSpeak NG)."""


def _settings_values(settings: VoiceSettings) -> dict[str, Any]:
    """Every field of `settings`, with float fields as floats so that 1 and 1.0 give one key."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        if field.type in (float, "float") and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        values[field.name] = value
    return values


def segment_key(
    text: str,
    engine_name: str,
    engine_version: str,
    settings: VoiceSettings,
    profile_name: str,
    sample_format: str = DEFAULT_SAMPLE_FORMAT,
) -> str:
    """Return the sha256 hex key over everything that changes the audio of one segment.

    `text` is the spoken text after normalizing and lexicon (exactly what the engine is given);
    every field of `settings` (voice, rate, pitch, volume, language, and any added later) is covered.
    """
    payload = {
        "schema": CACHE_SCHEMA,
        "text": text,
        "engine": engine_name,
        "engine_version": engine_version,
        "profile": profile_name,
        "settings": _settings_values(settings),
        "sample_format": sample_format,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
