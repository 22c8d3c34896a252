"""The spoken-text stage: a composed Script's segment text rewritten the way a person reads it aloud.

The user's lexicon comes first (it may write eSpeak phonemes as [[...]], which normalizing leaves alone),
then the language's normalizer (numbers, dates, currencies, abbreviations, symbols...). Square brackets the
article wrote are read as parentheses ('he [the mayor] said'), so article text can never pass for phoneme input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from narrate.script.lexicon import Lexicon
from narrate.memo import remembered
from narrate.script.model import Script

_ARTICLE_BRACKETS = str.maketrans("[]", "()")

PROGRESS_EVERY = 200
"""`on_progress` is called after every this many segments (and at the end)."""


def speakable(script: Script, lexicon: Lexicon | None = None, profile_name: str | None = None,
              on_progress: Callable[[int, int], None] | None = None, known: Mapping[str, str] | None = None) -> Script:
    """Return `script` with every segment's text run through the lexicon and the normalizer; segments that end up
    empty are dropped. `on_progress(done, total)` counts the segments rewritten so far. `known` maps texts already
    rewritten with the same lexicon, profile and the script's language (spoken_text) to their rewrite."""
    language = script.language or "en"
    total = sum(len(chapter.segments) for chapter in script.chapters)
    done = 0
    chapters = []
    for chapter in script.chapters:
        segments = []
        for segment in chapter.segments:
            text = known.get(segment.text) if known is not None else None
            if text is None:
                text = spoken_text(segment.text, lexicon, profile_name, language)
            if text:
                caption = segment.text if text != segment.text else None
                segments.append(replace(segment, text=text, caption=caption))
            done += 1
            if on_progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
                on_progress(done, total)
        chapters.append(replace(chapter, segments=tuple(segments)))
    return replace(script, chapters=tuple(chapters))


def spoken_text(written: str, lexicon: Lexicon | None, profile_name: str | None, language: str) -> str:
    """One segment's `written` text as it is said (speakable's rewrite; '' when nothing is left to say)."""
    text = written.translate(_ARTICLE_BRACKETS)
    text = lexicon.apply(text, profile_name) if lexicon is not None else text
    return _capitalized_like(written, remembered("spoken", _normalized, text, language).strip())


def _normalized(text: str, language: str) -> str:
    """The normalizer's rewrite of `text` (imported on first use: a rebuild whose segments are all in the script memo
    never loads it)."""
    from narrate.script.normalize import normalize_for_speech

    return normalize_for_speech(text, language)


def _capitalized_like(original: str, spoken: str) -> str:
    """Keep a segment that began a sentence with a figure ('18 May...') starting with a capital ('The eighteenth...')."""
    if spoken and original[:1].isdigit() and spoken[:1].islower():
        return spoken[:1].upper() + spoken[1:]
    return spoken
