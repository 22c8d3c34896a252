"""Voice profiles: TOML files in voices/ (shipped) and the user's folders, naming an engine and its settings per role."""

from __future__ import annotations

import importlib.resources
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from narrate.engines.base import VoiceSettings
from narrate.errors import NarrateError

ROLES = ("narrator", "heading", "quote")
"""The segment roles a profile may override."""
DEFAULT_PROFILE = "default"
"""The profile used when none is chosen."""

_SETTING_KEYS = ("engine", "voice", "language", "rate_wpm", "pitch", "volume")
_PROFILE_KEYS = {"name", "description", "roles", *_SETTING_KEYS}
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class RoleVoice:
    """How one role departs from its profile; None means 'as the profile'."""

    profile: str | None = None
    """The other profile this role reads with, if any (its settings are already folded in below)."""
    engine: str | None = None
    """Engine for this role."""
    voice: str | None = None
    """Engine voice for this role."""
    language: str | None = None
    """Language for this role."""
    rate_wpm: int | None = None
    """Rate for this role, words per minute."""
    pitch: int | None = None
    """Pitch for this role."""
    volume: float | None = None
    """Volume for this role."""


@dataclass(frozen=True)
class VoiceProfile:
    """A named voice: an engine, its settings, and per-role overrides, loaded from a TOML file."""

    name: str
    """The name used with --voice."""
    engine: str = "pyttsx3"
    """The engine name (see narrate.engines.registry)."""
    voice: str | None = None
    """The engine's voice id, or None for the engine default."""
    language: str | None = None
    """The language the voice reads (BCP 47), if known."""
    rate_wpm: int = 175
    """Speaking rate in words per minute."""
    pitch: int | None = None
    """Engine pitch (eSpeak 0-99), or None for the engine default."""
    volume: float = 1.0
    """Volume, 0.0-1.0."""
    description: str = ""
    """One line for `narrate voices`."""
    roles: Mapping[str, RoleVoice] = field(default_factory=dict, hash=False)
    """Overrides per role ('narrator', 'heading', 'quote'), other profiles already resolved."""
    path: Path | None = field(default=None, compare=False)
    """The TOML file this profile came from."""

    def settings_for(self, role: str = "narrator") -> tuple[str, VoiceSettings]:
        """Return (engine name, VoiceSettings) for a segment of `role`."""
        values = {key: getattr(self, key) for key in _SETTING_KEYS}
        override = self.roles.get(role)
        if override is not None:
            values.update({key: getattr(override, key) for key in _SETTING_KEYS if getattr(override, key) is not None})
        engine = values.pop("engine")
        return engine, VoiceSettings(**values)


def shipped_voices_dir() -> Path | None:
    """Return the voices/ folder shipped with narrate: the checkout's, else the installed package's, else None."""
    import narrate

    package_dir = Path(narrate.__file__).resolve().parent
    checkout = package_dir.parent / "voices"
    if (checkout / "default.toml").is_file():
        return checkout
    for sub in ("voices", "_voices"):
        installed = importlib.resources.files("narrate") / sub
        if installed.is_dir() and (installed / "default.toml").is_file():
            return Path(str(installed))
    return None


def _fail(path: Path, message: str) -> NarrateError:
    return NarrateError(f"Voice profile {path}: {message}.")


def _check_settings(path: Path, table: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Validate engine settings in `table`; return them typed."""
    out: dict[str, Any] = {}
    for key in ("engine", "voice", "language"):
        if key in table:
            if not isinstance(table[key], str) or not table[key].strip():
                raise _fail(path, f"{where}{key} must be a non-empty string")
            out[key] = table[key].strip()
    if "rate_wpm" in table:
        rate = table["rate_wpm"]
        if isinstance(rate, bool) or not isinstance(rate, int) or not 50 <= rate <= 600:
            raise _fail(path, f"{where}rate_wpm must be a whole number of words per minute from 50 to 600")
        out["rate_wpm"] = rate
    if "pitch" in table:
        pitch = table["pitch"]
        if isinstance(pitch, bool) or not isinstance(pitch, int) or not 0 <= pitch <= 99:
            raise _fail(path, f"{where}pitch must be a whole number from 0 to 99")
        out["pitch"] = pitch
    if "volume" in table:
        volume = table["volume"]
        if isinstance(volume, bool) or not isinstance(volume, (int, float)) or not 0.0 <= volume <= 1.0:
            raise _fail(path, f"{where}volume must be a number from 0.0 to 1.0")
        out["volume"] = float(volume)
    return out


def _parse_roles(path: Path, raw: Any) -> dict[str, RoleVoice]:
    if not isinstance(raw, dict):
        raise _fail(path, "roles must be a table")
    roles: dict[str, RoleVoice] = {}
    for role, spec in raw.items():
        if role not in ROLES:
            raise _fail(path, f"unknown role '{role}' (roles are {', '.join(ROLES)})")
        if isinstance(spec, str):
            spec = {"profile": spec}
        if not isinstance(spec, dict):
            raise _fail(path, f"roles.{role} must be a profile name or a table")
        unknown = set(spec) - {"profile", *_SETTING_KEYS}
        if unknown:
            raise _fail(path, f"unknown setting '{sorted(unknown)[0]}' in roles.{role}")
        profile = spec.get("profile")
        if profile is not None and (not isinstance(profile, str) or not profile.strip()):
            raise _fail(path, f"roles.{role}.profile must be a profile name")
        roles[role] = RoleVoice(profile=profile, **_check_settings(path, spec, f"roles.{role}."))
    return roles


def load_profile(path: Path) -> VoiceProfile:
    """Read one profile from a TOML file (role references to other profiles are not resolved yet)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(path, f"cannot be read ({error})") from error
    except tomllib.TOMLDecodeError as error:
        raise _fail(path, f"is not valid TOML ({error})") from error
    unknown = set(raw) - _PROFILE_KEYS
    if unknown:
        raise _fail(path, f"unknown setting '{sorted(unknown)[0]}'")
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        raise _fail(path, "name must be letters, digits, '-', '_' or '.'")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise _fail(path, "description must be a string")
    settings = _check_settings(path, raw, "")
    roles = _parse_roles(path, raw.get("roles", {}))
    return VoiceProfile(name=name, description=description.strip(), roles=roles, path=path, **settings)


def _resolve_roles(profiles: dict[str, VoiceProfile]) -> dict[str, VoiceProfile]:
    """Fold each role's referenced profile into its overrides, so a profile alone knows every role's settings."""
    resolved: dict[str, VoiceProfile] = {}
    for name, profile in profiles.items():
        roles: dict[str, RoleVoice] = {}
        for role, override in profile.roles.items():
            if override.profile is not None:
                other = profiles.get(override.profile)
                if other is None:
                    raise NarrateError(
                        f"Voice profile '{name}' ({profile.path}) reads role '{role}' with unknown profile "
                        f"'{override.profile}'; available: {', '.join(sorted(profiles))}."
                    )
                base = {key: getattr(other, key) for key in _SETTING_KEYS}
                own = {key: getattr(override, key) for key in _SETTING_KEYS if getattr(override, key) is not None}
                override = RoleVoice(profile=override.profile, **{**base, **own})
            roles[role] = override
        resolved[name] = replace(profile, roles=roles)
    return resolved


def load_profiles(extra_dirs: Sequence[Path] = ()) -> dict[str, VoiceProfile]:
    """Load the shipped profiles, then those in `extra_dirs` (a later profile of the same name wins), sorted by name."""
    folders = [d for d in [shipped_voices_dir()] if d is not None]
    for extra in extra_dirs:
        extra = Path(extra)
        if not extra.is_dir():
            raise NarrateError(f"The voices folder {extra} does not exist.")
        folders.append(extra)
    profiles: dict[str, VoiceProfile] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            profile = load_profile(path)
            profiles[profile.name] = profile
    return dict(sorted(_resolve_roles(profiles).items()))


def get_profile(name: str, extra_dirs: Sequence[Path] = (), profiles: Mapping[str, VoiceProfile] | None = None) -> VoiceProfile:
    """Return the profile called `name` (from `profiles`, or loaded), or raise NarrateError listing the available ones."""
    if profiles is None:
        profiles = load_profiles(extra_dirs)
    try:
        return profiles[name]
    except KeyError:
        available = ", ".join(sorted(profiles)) or "none"
        raise NarrateError(f"Unknown voice '{name}'; available: {available}.") from None


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-", 1)[0].lower()


def espeak_voice_for_language(language: str, data_dir: Path | None = None) -> str | None:
    """The eSpeak NG voice id ('gmw/de', 'roa/pt-BR') that reads `language` (BCP 47), or None when eSpeak has none.

    Read from the voice files in eSpeak's data folder (the wheel's unless `data_dir` is given), without
    loading the speech library: the full tag is preferred ('pt-BR'), then its primary language ('de-AT' -> 'de').
    """
    if data_dir is None:
        from narrate.engines.espeak_library import wheel_espeak_paths

        try:
            data_dir = wheel_espeak_paths()[1]
        except NarrateError:
            return None
    wanted = language.replace("_", "-").lower()
    best: tuple[int, int, int, str] | None = None  # (exactness, priority, id length, id): smaller is better
    lang_dir = Path(data_dir) / "lang"
    for path in lang_dir.rglob("*"):
        if not path.is_file():
            continue
        voice_id = path.relative_to(lang_dir).as_posix()
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) < 2 or parts[0] != "language":
                continue
            code = parts[1].lower()
            priority = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 5
            exactness = 0 if code == wanted else (1 if code == _primary(wanted) else None)
            if exactness is None:
                continue
            candidate = (exactness, priority, len(voice_id), voice_id)
            if best is None or candidate < best:
                best = candidate
    return best[3] if best else None


def _matches(profile: VoiceProfile, language: str) -> int | None:
    """0 when the profile reads exactly `language`, 1 when it reads its primary language, None otherwise."""
    if not profile.language:
        return None
    if profile.language.replace("_", "-").lower() == language.replace("_", "-").lower():
        return 0
    return 1 if _primary(profile.language) == _primary(language) else None


def _with_espeak_voice(profile: VoiceProfile, voice: str, language: str) -> VoiceProfile:
    """`profile` reading `language` with eSpeak voice `voice`; role overrides keep their '+variant' and settings."""

    def retarget(current: str | None) -> str:
        variant = current.partition("+")[2] if current else ""
        return f"{voice}+{variant}" if variant else voice

    roles = {
        role: replace(override, voice=retarget(override.voice), language=language)
        if override.voice is not None or override.language is not None else override
        for role, override in profile.roles.items()
    }
    return replace(
        profile,
        name=f"{profile.name}-{language.replace('_', '-').lower()}",
        voice=retarget(profile.voice),
        language=language,
        roles=roles,
        description=f"{profile.description} Reading {language} with eSpeak NG voice {voice}.".strip(),
    )


def profile_for_language(
    language: str | None,
    extra_dirs: Sequence[Path] = (),
    profiles: Mapping[str, VoiceProfile] | None = None,
) -> VoiceProfile | None:
    """The profile to read an article in `language` with when the user chose none, or None to keep the default.

    In order: the default profile when it reads that language; a profile (the user's before the shipped
    ones, an exact tag before a primary-language match) whose `language` matches; else, when the default
    profile speaks through eSpeak (pyttsx3), the default with eSpeak's voice for that language (named like
    'default-de'); else None (no voice for it here).
    """
    if not language:
        return None
    if profiles is None:
        profiles = load_profiles(extra_dirs)
    default = profiles.get(DEFAULT_PROFILE)
    if default is not None and _matches(default, language) is not None:
        return default
    shipped = shipped_voices_dir()
    ranked = sorted(
        (rank, p.path is not None and shipped is not None and p.path.parent == shipped, name)
        for name, p in profiles.items()
        if (rank := _matches(p, language)) is not None
    )
    if ranked:
        return profiles[ranked[0][2]]
    if default is None or default.engine != "pyttsx3":
        return None
    voice = espeak_voice_for_language(language)
    return _with_espeak_voice(default, voice, language) if voice else None
