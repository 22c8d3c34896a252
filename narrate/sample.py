"""Hear a voice before building: a short sample through the full spoken-text path, written as an MP3."""

from __future__ import annotations

import os
from collections.abc import Sequence
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


def find_player() -> list[str] | None:
    """A command that plays an MP3 file on this machine, or None."""
    import shutil

    for command in (["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"], ["mpv", "--really-quiet"],
                    ["mpg123", "-q"], ["afplay"], ["paplay"]):
        if shutil.which(command[0]):
            return command
    return None
