"""segment_key: one key per distinct audio, and the same key for the same inputs."""

from __future__ import annotations

import dataclasses
import re

import pytest

import narrate.cache.key as key_module
from narrate.cache import segment_key
from narrate.engines.base import VoiceSettings

BASE = dict(
    text="The ferry leaves at nine.",
    engine_name="pyttsx3-espeak",
    engine_version="2.99/1.52",
    settings=VoiceSettings(voice="gmw/en-us", rate_wpm=175, pitch=50, volume=1.0, language="en"),
    profile_name="default",
    sample_format="s16le/22050/1",
)


def _with(**changes):
    return {**BASE, **changes}


def _settings(**changes):
    return dataclasses.replace(BASE["settings"], **changes)


VARIANTS = {
    "text": _with(text="The ferry leaves at ten."),
    "text whitespace": _with(text="The ferry leaves at nine. "),
    "engine": _with(engine_name="piper"),
    "engine version": _with(engine_version="2.99/1.53"),
    "profile": _with(profile_name="evening"),
    "sample format": _with(sample_format="s16le/44100/1"),
    "voice": _with(settings=_settings(voice="gmw/en-gb")),
    "rate": _with(settings=_settings(rate_wpm=176)),
    "pitch": _with(settings=_settings(pitch=51)),
    "pitch default": _with(settings=_settings(pitch=None)),
    "volume": _with(settings=_settings(volume=0.9)),
    "language": _with(settings=_settings(language="en-GB")),
}


def test_key_is_sha256_hex_and_stable():
    first = segment_key(**BASE)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert segment_key(**BASE) == first
    assert segment_key(**_with(settings=_settings())) == first  # an equal, distinct settings object


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_key_changes_when_an_input_changes(name):
    assert segment_key(**VARIANTS[name]) != segment_key(**BASE)


def test_all_variant_keys_are_distinct():
    keys = {segment_key(**kwargs) for kwargs in VARIANTS.values()} | {segment_key(**BASE)}
    assert len(keys) == len(VARIANTS) + 1


def test_integer_volume_is_the_same_audio_as_float():
    assert segment_key(**_with(settings=_settings(volume=1))) == segment_key(**BASE)


def test_schema_version_is_part_of_the_key(monkeypatch):
    before = segment_key(**BASE)
    monkeypatch.setattr(key_module, "CACHE_SCHEMA", key_module.CACHE_SCHEMA + 1)
    assert segment_key(**BASE) != before


def test_sample_format_defaults_to_the_engine_format():
    kwargs = {k: v for k, v in BASE.items() if k != "sample_format"}
    assert segment_key(**kwargs) == segment_key(**BASE)
