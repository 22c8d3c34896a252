"""eSpeak NG's phonemes for the normalizer's output equal those of a plainly written intended reading."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from narrate.script.normalize import normalize_for_speech

# (written, the reading a person would type in plain words): the reference is deliberately not the
# normalizer's exact output (no dotted initials, different spellings), so equal phonemes mean equal speech.
PHONEME_CASES = [
    ("The FBI met the SBU.", "The FBI met the SBU."),
    ("The GOP met.", "The gee oh pee met."),
    ("Freed POWs came home.", "Freed pee oh double-you's came home."),
    ("In 2024 the mill closed.", "In twenty twenty-four the mill closed."),
    ("The 1990s were loud.", "The nineteen nineties were loud."),
    ("On 18 May 2025 we met.", "On the eighteenth of May twenty twenty-five we met."),
    ("Doors open at 10am sharp.", "Doors open at ten AM sharp."),
    ("The vote closes at 8 p.m. ET tonight.", "The vote closes at eight PM Eastern Time tonight."),
    ("About 1,200 people came.", "About one thousand two hundred people came."),
    ("She finished 47th.", "She finished forty seventh."),
    ("The deal is worth $2.5 billion.", "The deal is worth two point five billion dollars."),
    ("He paid £40m for it.", "He paid forty million pounds for it."),
    ("He served from 2014-2022 in office.", "He served from twenty fourteen to twenty twenty two in office."),
    ("The motion passed 52–48.", "The motion passed fifty two to forty eight."),
    ("A 3.5 km walk.", "A three point five kilometer walk."),
    ("It hit 20°C at noon.", "It hit twenty degrees Celsius at noon."),
    ("After World War II ended.", "After World War Two ended."),
    ("Charles III spoke today.", "Charles the Third spoke today."),
    ("Lt. Col. Ann Hale spoke.", "Lieutenant Colonel Ann Hale spoke."),
    ("Sales rose 5% this year.", "Sales rose five percent this year."),
    ("It was #1 again.", "It was number one again."),
    ("This is **very** big.", "This is very big."),
    ("Tom & Jerry were there.", "Tom and Jerry were there."),
    ("Winds of 60 mph struck.", "Winds of sixty miles per hour struck."),
    ("In 1997, the dam opened.", "In nineteen ninety seven, the dam opened."),
    ("They set off on a 12-km hike.", "They set off on a twelve kilometer hike."),
    ("OSLO — The ferry sailed.", "Oslo, the ferry sailed."),
    ("Update to 4.2.1 now.", "Update to four point two point one now."),
]

_NOISE = re.compile(r"_[:!]*|[\s'ˈ,ˌ;|\-]")


def _phonemize(lines: list[str]) -> list[str] | None:
    script = Path(__file__).with_name("espeak_phonemize.py")
    try:
        done = subprocess.run([sys.executable, str(script)], input="\n".join(lines), capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = done.stdout.splitlines()
    return out if done.returncode == 0 and len(out) == len(lines) else None


def _sounds(phonemes: str) -> str:
    """Phonemes without stress, pause and word-boundary marks: what is heard, not how it is phrased."""
    return _NOISE.sub("", phonemes)


def test_espeak_phonemes_of_normalized_text_equal_the_intended_reading() -> None:
    pytest.importorskip("espeakng_loader")
    outputs = [normalize_for_speech(written) for written, _ in PHONEME_CASES]
    phonemes = _phonemize(outputs + [reading for _, reading in PHONEME_CASES])
    if phonemes is None:
        pytest.skip("eSpeak NG could not be run to phonemize text")
    got, want = phonemes[: len(outputs)], phonemes[len(outputs) :]
    mismatches = [
        f"{written!r} -> {out!r}: {g} != {w}"
        for (written, _), out, g, w in zip(PHONEME_CASES, outputs, got, want)
        if _sounds(g) != _sounds(w)
    ]
    assert not mismatches, "\n".join(mismatches)


def test_raw_text_would_fail_where_the_normalizer_helps() -> None:
    """The comparison can fail: eSpeak's reading of the raw text differs from the intended one for these."""
    pytest.importorskip("espeakng_loader")
    raw = ["In 2024 the mill closed.", "After World War II ended.", "He paid £40m for it.", "A 3.5 km walk."]
    wanted = [dict(PHONEME_CASES)[r] for r in raw]
    phonemes = _phonemize(raw + wanted)
    if phonemes is None:
        pytest.skip("eSpeak NG could not be run to phonemize text")
    for got, want in zip(phonemes[: len(raw)], phonemes[len(raw) :]):
        assert _sounds(got) != _sounds(want)
