"""Which parts of a written text the normalizer's rules understood, and what each part becomes when spoken.

`trace(text, passes)` runs the passes one by one, as the normalizer does, and after each one aligns the
text before and after it token by token (digit runs, letter runs, single symbols). A stretch a pass
rewrote is *understood* when the pass is a rule that recognises what it rewrites (a date, a price, a
unit...); the fallback passes (the number reader, the letter/digit splitter, the symbol reader) rewrite
whatever is left without knowing what it is, so what only they touched is not understood. Typography
passes (quotes, markup, dashes, spacing) say nothing either way.

A rule may also leave letters glued to what it rewrote: '₹4.5cr' becomes 'four point five rupeescr'. The
alignment cannot tell those letters from a suffix the rule consumed ('1st' -> 'first'), so the pass is
run once more with a space at the letter/digit boundary: if the result differs only by that space, the
rule never looked at the letters, and they are marked as *residue*.

The normalizer itself is not changed by any of this: passes stay plain `str -> str` functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from narrate.script.lexicon import PHONEME_SPAN
from narrate.script.normalize import numbers, symbols

Pass = Callable[[str], str]
"""One normalizer pass: written text in, text with one concern rewritten out."""

FALLBACK_PASSES: frozenset[Pass] = frozenset({numbers.say_numbers, numbers.split_letter_digit_tokens, symbols.say_symbols})
"""Passes that rewrite whatever digits, letter/digit mixtures and symbols remain, without knowing what they are."""

TYPOGRAPHY_PASSES: frozenset[Pass] = frozenset({
    symbols.straighten, symbols.ellipses_as_pauses, symbols.dashes_as_pauses, symbols.tidy,
})
"""Passes that only change typography and spacing; they verbalize nothing."""

_TOKEN = re.compile(r"\d+|[^\W\d_]+|\S")


@dataclass(frozen=True)
class SpokenToken:
    """One token of the spoken text and the part of the written text it comes from."""

    start: int
    """Where it starts in the spoken text."""
    end: int
    """Where it ends in the spoken text."""
    origin: tuple[int, int]
    """The (start, end) of the written text it was made from (for an inserted word: its neighbour's)."""


@dataclass(frozen=True)
class Trace:
    """The normalizer's work on one text, character by character of the written text."""

    written: str
    """The text as given to the normalizer."""
    spoken: str
    """What the normalizer made of it (the same text `normalize_for_speech` returns)."""
    understood: tuple[bool, ...]
    """For each written character: True when a rule that recognised it rewrote it."""
    residue: tuple[bool, ...]
    """For each written character: True for letters a rule left glued to its output ('cr' in '₹4.5cr')."""
    tokens: tuple[SpokenToken, ...]
    """The spoken text's tokens with their written origins."""

    def spoken_for(self, start: int, end: int) -> str:
        """The spoken words made from written[start:end] ('' when none can be placed)."""
        hits = [t for t in self.tokens if t.origin[0] < end and t.origin[1] > start]
        if not hits:
            return ""
        return self.spoken[min(t.start for t in hits): max(t.end for t in hits)]


@dataclass
class _Token:
    text: str
    start: int
    end: int
    origin: tuple[int, int]


def _tokens(text: str) -> list[_Token]:
    """Digit runs, letter runs and single symbols, each its own origin until a pass says otherwise."""
    return [_Token(m.group(0), m.start(), m.end(), (m.start(), m.end())) for m in _TOKEN.finditer(text)]


def trace(text: str, passes: Sequence[Pass]) -> Trace:
    """Run `passes` over `text` in order and record which written characters a rule understood.

    Text inside eSpeak phoneme brackets `[[...]]` is passed through untouched, as the normalizer does.
    """
    understood = [False] * len(text)
    residue = [False] * len(text)
    pieces = PHONEME_SPAN.split(text)
    spans = [m.span() for m in PHONEME_SPAN.finditer(text)]
    out: list[str] = []
    tokens: list[SpokenToken] = []

    def add(piece: str, at: int, normalize: bool) -> None:
        spoken, piece_tokens = _trace_piece(piece, passes, understood, residue, at) if normalize else (piece, [])
        base = sum(len(p) for p in out)
        out.append(spoken)
        tokens.extend(SpokenToken(t.start + base, t.end + base, t.origin) for t in piece_tokens)

    if not spans:
        add(text, 0, True)
        return Trace(text, "".join(out), tuple(understood), tuple(residue), tuple(tokens))
    add(pieces[0], 0, bool(pieces[0].strip()))
    for (a, b), piece in zip(spans, pieces[1:]):
        add(f" {text[a:b]} ", a, False)
        add(piece, b, bool(piece.strip()))
    joined = "".join(out)
    spoken = re.sub(r"[ \t]{2,}", " ", joined)
    if spoken != joined:  # the normalizer collapses the spaces around phoneme spans: re-place the tokens
        tokens = _replace_tokens(joined, spoken, tokens)
    stripped = spoken.strip()
    shift = len(spoken) - len(spoken.lstrip())
    tokens = [SpokenToken(t.start - shift, t.end - shift, t.origin) for t in tokens]
    return Trace(text, stripped, tuple(understood), tuple(residue), tuple(tokens))


def _replace_tokens(before: str, after: str, tokens: list[SpokenToken]) -> list[SpokenToken]:
    """Tokens of `before` moved to their places in `after` (which only lost runs of spaces)."""
    moved = []
    index = [0] * (len(before) + 1)
    j = 0
    for i in range(len(before)):
        index[i] = j
        if j < len(after) and before[i] == after[j]:
            j += 1
    index[len(before)] = j
    for t in tokens:
        moved.append(SpokenToken(index[t.start], index[t.end], t.origin))
    return moved


def _trace_piece(text: str, passes: Sequence[Pass], understood: list[bool], residue: list[bool],
                 at: int) -> tuple[str, list[_Token]]:
    """Trace one stretch of text (no phoneme spans) that starts at `at` in the written text."""
    current = _tokens(text)
    for token in current:
        token.origin = (token.origin[0] + at, token.origin[1] + at)
    for step in passes:
        new_text = step(text)
        if new_text == text:
            continue
        current = _align(text, new_text, current, step, understood, residue)
        text = new_text
    return text, current


def _align(old_text: str, new_text: str, old: list[_Token], step: Pass, understood: list[bool],
           residue: list[bool]) -> list[_Token]:
    """The tokens of `new_text`, each with its written origin; marks what `step` understood.

    Words (runs of non-space) are aligned first, so a common word cannot pair with its namesake in another
    place; inside a changed run of words, tokens the two sides share at the start and at the end are kept
    and the rest is what the pass rewrote (a regular-expression rule rewrites one stretch at a time).
    """
    new = _tokens(new_text)
    rule = step not in FALLBACK_PASSES and step not in TYPOGRAPHY_PASSES
    old_words, new_words = _WORD.findall(old_text), _WORD.findall(new_text)
    old_groups, new_groups = _by_word(old_text, old), _by_word(new_text, new)
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        before = [t for g in old_groups[i1:i2] for t in g]
        after = [t for g in new_groups[j1:j2] for t in g]
        if op == "equal":
            _keep(before, after)
            continue
        head = 0
        while head < min(len(before), len(after)) and before[head].text == after[head].text:
            head += 1
        tail = 0
        while tail < min(len(before), len(after)) - head and before[-1 - tail].text == after[-1 - tail].text:
            tail += 1
        _keep(before[:head], after[:head])
        _keep(before[len(before) - tail:], after[len(after) - tail:])
        core_old, core_new = before[head:len(before) - tail], after[head:len(after) - tail]
        if core_old:
            origin = (min(t.origin[0] for t in core_old), max(t.origin[1] for t in core_old))
        else:  # an inserted word belongs with the written text next to it
            near = before[head - 1] if head else before[head] if before else old[-1] if old else None
            origin = near.origin if near else (0, 0)
        for token in core_new:
            token.origin = origin
        if rule and core_old:
            for i in range(*origin):
                understood[i] = True
            _mark_residue(old_text, new_text, core_old, core_new, step, residue)
    return new


_WORD = re.compile(r"\S+")


def _by_word(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """`tokens` grouped by the word (run of non-space) they lie in."""
    groups: list[list[_Token]] = []
    index = 0
    for word in _WORD.finditer(text):
        group = []
        while index < len(tokens) and tokens[index].start < word.end():
            group.append(tokens[index])
            index += 1
        groups.append(group)
    return groups


def _keep(before: list[_Token], after: list[_Token]) -> None:
    for old, new in zip(before, after):
        new.origin = old.origin


def _mark_residue(old_text: str, new_text: str, old: list[_Token], new: list[_Token], step: Pass,
                  residue: list[bool]) -> None:
    """Mark letters that `step` left glued, unread, to the words it wrote ('rupeescr', 'FYtwenty')."""
    if len(old) < 2 or not new:
        return
    last, before_last, tail = old[-1], old[-2], new[-1]
    if (last.text.isalpha() and before_last.text.isdigit() and before_last.end == last.start
            and tail.text.endswith(last.text) and len(tail.text) > len(last.text)):
        probe = step(old_text[: last.start] + " " + old_text[last.start:])
        cut = tail.end - len(last.text)
        if probe == new_text[:cut] + " " + new_text[cut:]:
            for i in range(*last.origin):
                residue[i] = True
    first, second, head = old[0], old[1], new[0]
    if (first.text.isalpha() and second.text.isdigit() and first.end == second.start
            and head.text.startswith(first.text) and len(head.text) > len(first.text)):
        probe = step(old_text[: first.end] + " " + old_text[first.end:])
        cut = head.start + len(first.text)
        if probe == new_text[:cut] + " " + new_text[cut:]:
            for i in range(*first.origin):
                residue[i] = True
