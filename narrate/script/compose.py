"""The script stage: one article, or several as an edition, becomes a Script of chapters and segments.

Layout:
- A single article: the first chapter (titled with the headline) opens with the headline (role
  'heading'), the byline ('By Jane Roe, 18 May 2025.') and the lead; each heading of level 1 or 2
  starts a new top-level chapter that opens with its heading. Deeper headings are read inside the
  current chapter. What narrate says itself (the byline, a date, 'In this edition:') is said in the
  script's language (narrate.script.phrases).
- An edition: an intro chapter (edition title, date, 'In this edition:' and the headlines), then one
  top-level chapter per article; the article's sections become nested chapters (level 1).
- One segment per sentence (bounded in length); block quotes, and quotations of four words or more
  inside a paragraph, are read by the 'quote' role while attributions stay with the narrator (shorter
  quotations, such as scare quotes, stay inline: see narrate.script.quotes); a table not read is a short note; a break (`---`) lengthens the pause before it. `pause_ms` is the silence after each
  segment (see Pauses); the script's last segment has none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from narrate.article.byline import join_names
from narrate.article.model import Article, Block
from narrate.article.paragraphs import shorten
from narrate.script.clean import clean_for_speech, is_speakable
from narrate.script.model import Chapter, Role, Script, Segment
from narrate.script.pauses import Pauses
from narrate.script.phrases import byline, in_this_edition, spoken_date, table_left_out
from narrate.script.quotes import Run, ends_sentence, split_quotations
from narrate.script.sentences import DEFAULT_MAX_CHARS, bound_length, split_sentences

DEFAULT_EDITION_TITLE = "News edition"
"""The edition title used when several articles are composed without one."""

_CHAPTER_HEADING_LEVEL = 2
"""Headings at this level or above (`#`, `##`) start chapters; deeper ones are read in place."""

_DESCRIPTION_SENTENCES = 2
_DESCRIPTION_MAX_CHARS = 400

SegmentsObserver = Callable[[Sequence[Segment]], None]
"""compose_script's `on_segments`: hears each block's segments as soon as they are composed."""


QUOTE_BOUNDARY_MS = 200
"""Silence between a quotation and its attribution inside one sentence ('"...," she said')."""


def _sentences(text: str, language: str | None) -> list[str]:
    """The speakable, length-bounded sentences of one stretch of text."""
    sentences = bound_length(split_sentences(text, language or "en"), DEFAULT_MAX_CHARS)
    return [s for s in (clean_for_speech(s) for s in sentences) if is_speakable(s)]


def _sentence_segments(text: str, role: Role, language: str | None, pauses: Pauses) -> list[Segment]:
    """A paragraph's segments: one per (bounded) sentence; the last carries the paragraph pause.

    In a narrator paragraph, quotations of more than MAX_INLINE_QUOTE_WORDS words are their own segments
    with role 'quote' (see narrate.script.quotes); the attribution stays with the narrator, and a quotation
    and its attribution inside one sentence are parted by QUOTE_BOUNDARY_MS rather than a sentence pause.
    """
    text = clean_for_speech(text)
    runs = split_quotations(text) if role == "narrator" else [Run(text, False)]
    segments: list[Segment] = []
    for index, run in enumerate(runs):
        run_role: Role = "quote" if run.quoted or role == "quote" else role
        pieces = [Segment(s, run_role, pauses.sentence_ms) for s in _sentences(run.text, language)]
        if not pieces:
            continue
        if segments and not ends_sentence(runs[index - 1].text):
            segments[-1] = replace(segments[-1], pause_ms=min(pauses.sentence_ms, QUOTE_BOUNDARY_MS))
        segments.extend(pieces)
    if segments:
        segments[-1] = replace(segments[-1], pause_ms=pauses.paragraph_ms)
    return segments


def _heading_segments(text: str, pauses: Pauses) -> list[Segment]:
    """A heading's segment(s), read by the heading role and followed by the after-heading pause."""
    pieces = [p for p in bound_length([clean_for_speech(text)], DEFAULT_MAX_CHARS) if is_speakable(p)]
    segments = [Segment(p, "heading", pauses.sentence_ms) for p in pieces]
    if segments:
        segments[-1] = replace(segments[-1], pause_ms=pauses.after_heading_ms)
    return segments


PROGRESS_EVERY = 50
"""compose_script's `on_progress` is called after every this many blocks (and at the end)."""


class _Counter:
    """Counts composed blocks for compose_script's `on_progress(done, total)`."""

    def __init__(self, total: int, on_progress: Callable[[int, int], None] | None) -> None:
        self.total, self.done, self.on_progress = total, 0, on_progress
        if on_progress is not None:
            on_progress(0, total)

    def step(self) -> None:
        self.done += 1
        if self.on_progress is not None and (self.done % PROGRESS_EVERY == 0 or self.done == self.total):
            self.on_progress(self.done, self.total)


def _block_segments(blocks: Sequence[Block], language: str | None, pauses: Pauses, into: list[Segment],
                    counter: _Counter | None = None, on_segments: SegmentsObserver | None = None) -> None:
    """Append the segments for a run of blocks; a break lengthens the pause after what came before."""
    for block in blocks:
        if counter is not None:
            counter.step()
        if block.kind == "break":
            if into:
                into[-1] = replace(into[-1], pause_ms=max(into[-1].pause_ms, pauses.section_ms))
            continue
        role: Role = "quote" if block.kind == "quote" else "narrator"
        text = block.text
        if block.kind == "table" and not text:  # a table not read: a short note in the script's language
            text = table_left_out(language) or ""
        segments = _sentence_segments(text, role, language, pauses)
        if on_segments is not None and segments:
            on_segments(segments)
        into.extend(segments)


def _end_chapter(segments: list[Segment], pause_ms: int) -> tuple[Segment, ...]:
    if segments:
        segments[-1] = replace(segments[-1], pause_ms=max(segments[-1].pause_ms, pause_ms))
    return tuple(segments)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _body_says_title(article: Article) -> bool:
    """True when the body opens with the headline itself: one line of text that is title and text at once, or a
    first paragraph the title was shortened from ('…'). The headline is then not read before it."""
    first = next((b.text for s in article.sections[:1] if s.heading is None for b in s.blocks[:1]), None)
    if not first:
        return False
    if article.title.endswith("…"):
        title = _words(article.title[:-1])
        return bool(title) and _words(first).startswith(title)
    return _words(first) == _words(article.title)


def _article_chapters(article: Article, pauses: Pauses, *, nested: bool, counter: _Counter | None = None,
                      on_segments: SegmentsObserver | None = None) -> list[Chapter]:
    """The chapters of one article: a headline chapter, then one per level-1/2 section."""
    def heard(segments: list[Segment]) -> list[Segment]:
        if on_segments is not None and segments:
            on_segments(segments)
        return segments

    language = article.language
    opening = [] if _body_says_title(article) else _heading_segments(article.title, pauses)
    if said := byline(article.author, article.date, language):
        opening.append(Segment(clean_for_speech(said), "narrator", pauses.paragraph_ms))
    chapters: list[tuple[str, list[Segment]]] = [(shorten(article.title), heard(opening))]
    for section in article.sections:
        if section.heading and section.level <= _CHAPTER_HEADING_LEVEL:
            chapters.append((shorten(section.heading), heard(_heading_segments(section.heading, pauses))))
        elif section.heading:
            chapters[-1][1].extend(heard(_heading_segments(section.heading, pauses)))
        _block_segments(section.blocks, language, pauses, chapters[-1][1], counter, on_segments)
    out = [
        Chapter(title=title, segments=_end_chapter(segments, pauses.section_ms), level=1 if nested and i else 0)
        for i, (title, segments) in enumerate(chapters)
        if segments
    ]
    if out:
        last = out[-1]
        out[-1] = replace(last, segments=_end_chapter(list(last.segments), pauses.article_ms if nested else 0))
    return out


def describe(article: Article, language: str | None = None) -> str:
    """The first two sentences of the article's body (for tags and feeds), or '' when it has none."""
    sentences: list[str] = []
    for block in (b for s in article.sections for b in s.blocks if b.kind == "paragraph"):
        sentences.extend(split_sentences(clean_for_speech(block.text), language or article.language or "en"))
        if len(sentences) >= _DESCRIPTION_SENTENCES:
            break
    text = " ".join(sentences[:_DESCRIPTION_SENTENCES])
    if len(text) > _DESCRIPTION_MAX_CHARS:
        text = text[:_DESCRIPTION_MAX_CHARS].rsplit(" ", 1)[0] + "…"
    return text


def _without_final_pause(chapters: list[Chapter]) -> tuple[Chapter, ...]:
    """The script's very last segment is followed by no silence."""
    if chapters and chapters[-1].segments:
        last = chapters[-1]
        segments = list(last.segments)
        segments[-1] = replace(segments[-1], pause_ms=0)
        chapters[-1] = replace(last, segments=tuple(segments))
    return tuple(chapters)


def _single_script(article: Article, pauses: Pauses, counter: _Counter, on_segments: SegmentsObserver | None) -> Script:
    return Script(
        title=shorten(article.title),
        chapters=_without_final_pause(_article_chapters(article, pauses, nested=False, counter=counter,
                                                        on_segments=on_segments)),
        author=article.author,
        date=article.date,
        language=script_language([article]),
        site=article.site,
        identity=article.identity(),
        description=describe(article),
    )


def _common(values: Sequence[str | None]) -> str | None:
    known = {v for v in values if v}
    return known.pop() if len(known) == 1 else None


def _edition_script(articles: Sequence[Article], edition: str, pauses: Pauses, edition_date: dt.date | None,
                    counter: _Counter, say_date: bool = True, on_segments: SegmentsObserver | None = None) -> Script:
    date = edition_date or max((a.date for a in articles if a.date), default=None)
    language = script_language(articles, edition)
    intro = _heading_segments(edition, pauses)
    if date and say_date:
        intro.append(Segment(f"{spoken_date(date, language)}.", "narrator", pauses.paragraph_ms))
    if introduction := in_this_edition(language):
        intro.append(Segment(introduction, "narrator", pauses.sentence_ms))
    for article in articles:
        intro.extend(_heading_segments(article.title, pauses))
    if on_segments is not None:
        on_segments(intro)
    chapters = [Chapter(title=edition, segments=_end_chapter(intro, pauses.section_ms))]
    for article in articles:
        chapters.extend(_article_chapters(article, pauses, nested=True, counter=counter, on_segments=on_segments))
    authors: list[str] = []
    for article in articles:
        if article.author and article.author not in authors:
            authors.append(article.author)
    return Script(
        title=edition,
        chapters=_without_final_pause(chapters),
        author=join_names(authors) or None,
        date=date,
        language=language,
        site=edition,
        identity="edition:" + edition + "\x1f" + (date.isoformat() if date else ""),
        description=" ".join(filter(None, (introduction, "; ".join(shorten(a.title) for a in articles) + "."))),
    )


def compose_script(
    articles: Sequence[Article],
    edition: str | None = None,
    pauses: Pauses = Pauses(),
    edition_date: dt.date | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    say_date: bool = True,
    on_segments: SegmentsObserver | None = None,
) -> Script:
    """Turn one article (or, with an edition title or several articles, an edition) into a Script.

    `on_progress(done, total)` counts the articles' blocks (paragraphs, quotes, list items...) composed so far. An
    edition's intro says its date after the title, unless `say_date` is False (the title already says it).
    `on_segments(segments)` hears the segments of each heading, byline, block or edition intro as soon as they are
    composed, in speaking order, before the script is finished (their pauses may still change): a build starts
    speaking them meanwhile (narrate.build.make_script)."""
    if not articles:
        raise ValueError("compose_script needs at least one article.")
    counter = _Counter(sum(len(s.blocks) for a in articles for s in a.sections), on_progress)
    if _is_single(articles, edition):
        return _single_script(articles[0], pauses, counter, on_segments)
    title = (edition or "").strip() or DEFAULT_EDITION_TITLE
    return _edition_script(articles, title, pauses, edition_date, counter, say_date, on_segments)


def _is_single(articles: Sequence[Article], edition: str | None) -> bool:
    return edition is None and len(articles) == 1


def script_language(articles: Sequence[Article], edition: str | None = None) -> str | None:
    """The language compose_script(articles, edition) gives its script: the article's own, or the one every article
    of an edition shares (None when they differ or none is known)."""
    if _is_single(articles, edition):
        return articles[0].language
    return _common([a.language for a in articles])
