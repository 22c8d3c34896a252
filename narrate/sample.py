"""Hear a voice before building: a short sample through the full spoken-text path, written as an MP3."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from narrate.audio.assemble import AudioSettings, EpisodeTags, assemble_episode
from narrate.engines.pool import SynthJob, synthesize_segments
from narrate.errors import NarrateError
from narrate.files import atomic_path
from narrate.script.clean import clean_for_speech
from narrate.script.lexicon import Lexicon
from narrate.script.model import Chapter, Script, Segment
from narrate.script.pauses import Pauses
from narrate.script.sentences import bound_length, split_sentences
from narrate.script.speech import speakable
from narrate.voices import get_profile

SAMPLE_TEXT = (
    "Good morning. This is narrate, reading the news offline. "
    "On 3 March 2026 the harbour ferry sailed again after repairs that cost about €310,000, "
    "and the library now stays open until 2 a.m. for exam season."
)
"""What `narrate voices --sample` reads: numbers, a date, a currency and a time exercise the normalizer."""


def sample_script(text: str, language: str | None = None) -> Script:
    """A one-chapter script of `text`, split into sentences like an article paragraph."""
    pauses = Pauses()
    sentences = bound_length(split_sentences(clean_for_speech(text), language or "en"))
    segments = tuple(Segment(s, "narrator", pauses.sentence_ms) for s in sentences if s.strip())
    if not segments:
        raise NarrateError("There is nothing to say: give some text.")
    return Script(title="Voice sample", chapters=(Chapter("Voice sample", segments),), language=language,
                  identity="sample")


def write_sample(text: str, voice: str, dest: Path, voices_dirs: Sequence[Path] = (),
                 lexicon: Lexicon | None = None, timeout_s: float = 120.0) -> Path:
    """Synthesize `text` with profile `voice` into the MP3 `dest` (written atomically) and return it."""
    from narrate.build import plan_segments

    profile = get_profile(voice, voices_dirs)
    script = speakable(sample_script(text, profile.language), lexicon, profile.name)
    planned = plan_segments(script, profile)
    jobs = [SynthJob(p.index, p.text, p.engine, p.settings) for p in planned]
    audio = synthesize_segments(jobs, workers=min(len(jobs), os.cpu_count() or 1), timeout_s=timeout_s)
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NarrateError(f"Cannot create the folder {dest.parent}: {exc.strerror or exc}.") from None
    tags = EpisodeTags(title=f"narrate voice sample: {profile.name}", author="narrate", language=profile.language)
    with atomic_path(dest) as tmp:
        assemble_episode(script, audio, tmp, AudioSettings(), tags)
    return dest


def _names_a_file(output: Path) -> bool:
    """True when `say -o OUTPUT` names the MP3 file itself rather than a folder for it."""
    if output.is_dir():
        return False
    if output.suffix.lower() == ".mp3":
        return True
    if output.suffix:
        raise NarrateError(f"{output}: say writes an MP3; name a file ending in .mp3, or a folder.")
    return False


def settings_folder_for(output: Path | None) -> Path:
    """The folder whose narrate.toml [build] settings apply to `say -o OUTPUT`.

    A folder applies its own; a file name applies its folder's when that folder has a narrate.toml;
    otherwise the default output folder's, as for every other command."""
    if output is None:
        return Path("output")
    if not _names_a_file(output):
        return output
    return output.parent if (output.parent / "narrate.toml").is_file() else Path("output")


def sample_path(output: Path | None, voice: str) -> Path:
    """Where `say -o OUTPUT` writes the sample of `voice`: OUTPUT itself when it names an .mp3, else say-VOICE.mp3 in it."""
    name = f"say-{voice}.mp3"
    if output is None:
        return Path(name)
    return output if _names_a_file(output) else output / name


PLAYERS = (["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"], ["mpv", "--really-quiet", "--no-video"],
           ["mpg123", "-q"], ["afplay"], ["paplay"])
"""Audio players tried in order, with the options that keep them quiet and windowless."""
PLAYER_TIMEOUT_S = 600.0
"""Longest a sample may play before the player is stopped."""


def find_player() -> list[str] | None:
    """A command that plays an MP3 file on this machine, or None."""
    import shutil

    for command in PLAYERS:
        if shutil.which(command[0]):
            return command
    return None


@dataclass(frozen=True)
class PlayOutcome:
    """What happened when a sample was to be played."""

    attempted: bool
    """True when a player was found and started."""
    problem: str | None
    """Why nothing was heard (one sentence without the final period), or None when the player finished well."""


def play_file(path: Path) -> PlayOutcome:
    """Play `path` with the first player found; the player's own output never reaches the terminal.

    A player that fails (no sound card, no audio server) is reported by its last line of error output."""
    import subprocess

    player = find_player()
    if player is None:
        return PlayOutcome(False, "no audio player is installed (ffplay, mpv or mpg123); use --no-play to skip playing")
    try:
        proc = subprocess.run([*player, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=PLAYER_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return PlayOutcome(True, f"{player[0]} could not play the sample ({exc})")
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        reason = f": {lines[-1]}" if lines else f" (exit status {proc.returncode})"
        return PlayOutcome(True, f"{player[0]} found no way to play audio here{reason}")
    return PlayOutcome(True, None)
