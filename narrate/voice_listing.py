"""What `narrate voices` shows: each voice profile, its engine and language, and whether it can run here."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from narrate.errors import NarrateError
from narrate.voices import VoiceProfile, load_profiles


@dataclass(frozen=True)
class ProfileStatus:
    """A voice profile and whether this machine can use it."""

    profile: VoiceProfile
    """The profile as loaded."""
    problem: str | None
    """One sentence saying why it cannot run here, or None when it can."""

    @property
    def usable(self) -> bool:
        """True when the profile can be used on this machine."""
        return self.problem is None


def _engine_problem(engine: str, voice: str | None, installed: dict[str, set[str]]) -> str | None:
    """Why `voice` of `engine` cannot run here, without loading the engine in this process."""
    from narrate.engines.registry import engine_target

    try:
        module_name = engine_target(engine).partition(":")[0]
        module = importlib.import_module(module_name)
    except NarrateError as error:
        return str(error)
    except ImportError:
        from narrate.engines.registry import INSTALL_HINTS

        hint = INSTALL_HINTS.get(engine)
        return f"The {engine} engine is not installed" + (f": {hint}." if hint else ".")
    check = getattr(module, "why_unusable", None)
    if callable(check):
        return check(voice)
    if voice and engine in installed and installed[engine] and voice.split("+")[0].lower() not in installed[engine]:
        return f"The {engine} engine has no voice '{voice}'."
    return None


def profile_statuses(extra_dirs: Sequence[Path] = (), installed: dict[str, set[str]] | None = None) -> list[ProfileStatus]:
    """Every profile (shipped and the user's) with its usability on this machine."""
    installed = installed or {}
    statuses = []
    for profile in sorted(load_profiles(extra_dirs).values(), key=lambda p: p.name):
        problem = _engine_problem(profile.engine, profile.voice, installed)
        statuses.append(ProfileStatus(profile, problem))
    return statuses


def _voice_ids(voices: Sequence[tuple[str, str, Sequence[str]]]) -> set[str]:
    """Lower-cased ids, names and languages of `voices` (as engine_voices lists them)."""
    ids: set[str] = set()
    for voice_id, name, languages in voices:
        ids.update({voice_id.lower(), voice_id.lower().split("/")[-1], name.lower(), *(l.lower() for l in languages)})
    return ids


def installed_voice_ids(engine: str) -> set[str]:
    """Lower-cased ids, names and languages of the engine's installed voices (read in a worker process)."""
    from narrate.engines.pool import engine_voices

    return _voice_ids(engine_voices(engine))


def voices_json(extra_dirs: Sequence[Path] = ()) -> dict:  # type: ignore[type-arg]
    """What `narrate voices --json` prints: the profiles with their usability, and the engine's installed voices."""
    from narrate.engines.pool import engine_voices

    voices = engine_voices("pyttsx3")
    ids = _voice_ids(voices)
    return {
        "profiles": [
            {"name": s.profile.name, "engine": s.profile.engine, "language": s.profile.language,
             "voice": s.profile.voice, "description": s.profile.description or None, "usable": s.usable,
             "problem": s.problem}
            for s in profile_statuses(extra_dirs, {"pyttsx3": ids})
        ],
        "engine_voices": {"pyttsx3": [{"id": v, "name": n, "languages": list(l)} for v, n, l in voices]},
    }


def describe_voices(extra_dirs: Sequence[Path] = (), engine_voice_list: bool = True) -> str:
    """The text of `narrate voices`: profiles, then the default engine's installed voices."""
    from narrate.engines.pool import engine_voices

    voices = engine_voices("pyttsx3") if engine_voice_list else []
    ids = _voice_ids(voices)
    lines = ["Voice profiles:"]
    for status in profile_statuses(extra_dirs, {"pyttsx3": ids}):
        p = status.profile
        state = "usable" if status.usable else f"not usable: {status.problem}"
        lines.append(f"  {p.name:<12} engine={p.engine:<8} language={p.language or '-':<7} voice={p.voice or '-'}  [{state}]")
        if p.description:
            lines.append(f"  {'':<12} {p.description}")
    if voices:
        lines.append("")
        lines.append(f"eSpeak NG voices installed for pyttsx3 ({len(voices)}; use an id as `voice` in a profile):")
        for voice_id, name, languages in voices:
            lines.append(f"  {voice_id:<20} {name:<28} {', '.join(languages)}")
    return "\n".join(lines)
