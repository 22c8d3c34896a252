"""The Engine protocol: anything that turns text into Pcm. The rest of narrate imports only this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from narrate.audio.pcm import Pcm
from narrate.errors import NarrateError


@dataclass(frozen=True)
class VoiceSettings:
    """What an engine needs to know to read in a given voice."""

    voice: str | None = None
    """The engine's own voice id (an eSpeak voice such as 'gmw/en-us', or a Piper model path)."""
    rate_wpm: int = 175
    """Speaking rate in words per minute."""
    pitch: int | None = None
    """Engine pitch (eSpeak: 0-99), or None for the engine default."""
    volume: float = 1.0
    """Engine volume, 0.0-1.0."""
    language: str | None = None
    """The voice's language, when the engine needs it."""


class EngineError(NarrateError):
    """A segment could not be synthesized; the message is meant for users."""


@runtime_checkable
class Engine(Protocol):
    """A text-to-speech engine living in one process."""

    name: str
    """A short engine name, e.g. 'pyttsx3-espeak'."""
    version: str
    """The engine's version, part of every cache key."""

    def synthesize(self, text: str, settings: VoiceSettings) -> Pcm:
        """Return the speech for `text`, or raise EngineError."""
        ...
