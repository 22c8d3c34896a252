"""The pronunciation lexicon: user-edited TOML saying how to read words the engine gets wrong.

A lexicon file looks like this (every key except one of `word`/`regex` and one of `say`/`spell`/`phonemes` is optional):

    [[entry]]
    word = "Nguyen"          # a whole word, matched case-insensitively unless case_sensitive = true
    say = "win"              # a respelling

    [[entry]]
    word = "SBU"
    spell = true             # read letter by letter: "S.B.U."

    [[entry]]
    regex = "\\\\bKyiv\\\\b"       # a Python regular expression
    phonemes = "k'i:v"       # eSpeak phoneme mnemonics, written into the text as [[k'i:v]]
    profiles = ["newsreader"]  # only for these voice profiles (default: every profile)

A `say` value written as "[[...]]" is phoneme input too. Entries for a profile are tried before global ones;
within each group, in file order. Replacements are never matched again by later entries.
Phoneme input needs the engine to read `[[...]]` as phonemes (eSpeak's espeakPHONEMES flag);
`contains_phonemes` tells the engine adapter when to switch it on.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from narrate.errors import InputError

PHONEME_SPAN = re.compile(r"\[\[[^\[\]]*\]\]")
"""Text the engine must read as eSpeak phoneme mnemonics."""


@dataclass(frozen=True)
class LexiconEntry:
    """One rule: what to find, and what to say instead."""

    pattern: re.Pattern[str]
    """The compiled word or regex."""
    replacement: str
    """The text written in its place (a respelling, dotted letters, or `[[phonemes]]`)."""
    profiles: tuple[str, ...] = ()
    """Voice profiles it applies to; empty for every profile."""
    source: str = ""
    """Where it was defined, as 'file:entry number', for error messages."""


@dataclass(frozen=True)
class Lexicon:
    """An ordered set of pronunciation rules, applied before normalizing."""

    entries: tuple[LexiconEntry, ...] = ()
    """Rules in file order (later files after earlier ones)."""

    def for_profile(self, profile_name: str | None) -> tuple[LexiconEntry, ...]:
        """The entries that apply to `profile_name`: its own first, then the global ones."""
        own = tuple(e for e in self.entries if profile_name and profile_name in e.profiles)
        return own + tuple(e for e in self.entries if not e.profiles)

    def apply(self, text: str, profile_name: str | None = None) -> str:
        """Return `text` with every matching entry replaced; text already replaced is not matched again."""
        pieces: list[tuple[str, bool]] = [(text, False)]  # (text, already replaced)
        for entry in self.for_profile(profile_name):
            next_pieces: list[tuple[str, bool]] = []
            for piece, done in pieces:
                if done:
                    next_pieces.append((piece, True))
                    continue
                last = 0
                for match in entry.pattern.finditer(piece):
                    if match.end() == match.start():
                        continue
                    next_pieces.append((piece[last : match.start()], False))
                    next_pieces.append((match.expand(entry.replacement), True))
                    last = match.end()
                next_pieces.append((piece[last:], False))
            pieces = [(p, d) for p, d in next_pieces if p]
        return "".join(p for p, _ in pieces)

    def fingerprint(self, profile_name: str | None = None) -> str:
        """A stable string of the rules for `profile_name` (for cache keys: a changed entry changes it)."""
        return "\n".join(f"{e.pattern.pattern}\t{e.pattern.flags}\t{e.replacement}" for e in self.for_profile(profile_name))


def contains_phonemes(text: str) -> bool:
    """True when `text` holds `[[...]]` phoneme input (the engine must then pass eSpeak's phoneme flag)."""
    return PHONEME_SPAN.search(text) is not None


def spelled(word: str) -> str:
    """'SBU' -> 'S.B.U.' (letters an engine reads one by one)."""
    return "".join(f"{c.upper()}." for c in word if c.isalnum())


def _entry(raw: object, source: str) -> LexiconEntry:
    if not isinstance(raw, dict):
        raise InputError(f"Lexicon entry {source} is not a table.")
    word, regex = raw.get("word"), raw.get("regex")
    if (word is None) == (regex is None) or not isinstance(word or regex, str) or not (word or regex):
        raise InputError(f"Lexicon entry {source} needs exactly one of 'word' or 'regex', as text.")
    flags = 0 if raw.get("case_sensitive", False) else re.IGNORECASE
    try:
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)" if word else regex, flags)
    except re.error as error:
        raise InputError(f"Lexicon entry {source} has an invalid regex: {error}.") from error
    ways = [k for k in ("say", "spell", "phonemes") if k in raw]
    if len(ways) != 1:
        raise InputError(f"Lexicon entry {source} needs exactly one of 'say', 'spell' or 'phonemes'.")
    if ways == ["spell"]:
        if raw["spell"] is not True or not word:
            raise InputError(f"Lexicon entry {source}: 'spell = true' works with 'word' only.")
        replacement = spelled(word).replace("\\", "\\\\")
    elif ways == ["phonemes"]:
        value = raw["phonemes"]
        if not isinstance(value, str) or not value.strip() or "[" in value or "]" in value:
            raise InputError(f"Lexicon entry {source} needs 'phonemes' as eSpeak mnemonics without brackets.")
        replacement = f"[[{value.strip()}]]".replace("\\", "\\\\")
    else:
        value = raw["say"]
        if not isinstance(value, str):
            raise InputError(f"Lexicon entry {source} needs 'say' as text.")
        replacement = value if regex else value.replace("\\", "\\\\")
    profiles = raw.get("profiles", ())
    if isinstance(profiles, str):
        profiles = (profiles,)
    if not all(isinstance(p, str) for p in profiles):
        raise InputError(f"Lexicon entry {source} needs 'profiles' as a list of profile names.")
    return LexiconEntry(pattern=pattern, replacement=replacement, profiles=tuple(profiles), source=source)


def parse_lexicon(text: str, source: str = "<lexicon>") -> Lexicon:
    """Parse one lexicon's TOML text; raise InputError naming the entry at fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"The lexicon {source} is not valid TOML: {error}.") from error
    raw_entries = data.get("entry", [])
    if not isinstance(raw_entries, list):
        raise InputError(f"The lexicon {source} needs its rules as [[entry]] tables.")
    return Lexicon(tuple(_entry(raw, f"{source}:{n}") for n, raw in enumerate(raw_entries, start=1)))


def load_lexicon(paths: Iterable[str | Path]) -> Lexicon:
    """Load and concatenate lexicon files in order; a missing or malformed file raises InputError."""
    entries: list[LexiconEntry] = []
    for path in paths:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(f"The lexicon {path} cannot be read: {error.strerror or error}.") from error
        entries.extend(parse_lexicon(text, str(path)).entries)
    return Lexicon(tuple(entries))
