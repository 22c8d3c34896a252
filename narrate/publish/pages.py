"""Static pages: index.html and one page per episode, with chapters and transcript embedded (they work from file://)."""

from __future__ import annotations

import datetime as dt

import functools
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from narrate import dates
from narrate.publish.feed import FEED_FILE, clock, file_url
from narrate.publish.record import CatalogEntry
from narrate.publish.settings import ShowSettings

INDEX_FILE = "index.html"
"""The index page's file name."""

_CUE_TIME = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})\.(\d{3})\s+-->\s+(?:(\d+):)?(\d{1,2}):(\d{2})\.(\d{3})")


@dataclass(frozen=True)
class Cue:
    """One transcript line with its time span."""

    start_s: float
    """When it is spoken."""
    end_s: float
    """When it ends."""
    text: str
    """The plain text."""
    quote: bool = False
    """True for a sentence of a quotation (a `<c.quote>` span in the WebVTT)."""


_QUOTE_SPAN = re.compile(r"<c(?:\.[^\s.>]+)*\.quote(?:\.[^\s.>]+)*>")


def read_cues(path: Path) -> list[Cue]:
    """The cues of a WebVTT file (empty when the file is missing or unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    cues = []
    for block in re.split(r"\r?\n\r?\n", text):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            match = _CUE_TIME.match(line)
            if match:
                g = [int(x) if x else 0 for x in match.groups()]
                start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
                end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
                raw = " ".join(lines[i + 1:])
                body = html.unescape(re.sub(r"<[^>]+>", "", raw)).strip()
                if body:
                    cues.append(Cue(start, end, body, bool(_QUOTE_SPAN.search(raw))))
                break
    return cues


@dataclass(frozen=True)
class TranscriptEntry:
    """One passage of the page's transcript: a sentence, or a quotation with the attributions inside it."""

    cues: tuple[Cue, ...]
    """Its sentences in order, each keeping its own time span (for highlighting)."""

    @property
    def start_s(self) -> float:
        """When the passage starts."""
        return self.cues[0].start_s

    @property
    def quote(self) -> bool:
        """True for a passage that opens with a quotation."""
        return self.cues[0].quote

    @property
    def runs(self) -> list[tuple[bool, tuple[Cue, ...]]]:
        """The passage as (quoted, cues) runs: the quotation's sentences, and the attributions between them."""
        runs: list[tuple[bool, tuple[Cue, ...]]] = []
        for cue in self.cues:
            if runs and runs[-1][0] == cue.quote:
                runs[-1] = (cue.quote, runs[-1][1] + (cue,))
            else:
                runs.append((cue.quote, (cue,)))
        return runs


def transcript_entries(cues: Sequence[Cue], chapter_starts: Sequence[float] = ()) -> list[TranscriptEntry]:
    """The transcript as passages, never across a chapter start: a quotation's sentences make one passage, with an
    attribution that continues its sentence ('said Tomas Rehn.', lowercase) and the quotation that follows it."""
    starts = sorted(chapter_starts)
    entries: list[list[Cue]] = []
    for cue in cues:
        new_chapter = bool(entries) and any(entries[-1][-1].start_s < s <= cue.start_s + 1e-3 for s in starts)
        if entries and not new_chapter and _joins(entries[-1], cue):
            entries[-1].append(cue)
        else:
            entries.append([cue])
    return [TranscriptEntry(tuple(group)) for group in entries]


def _joins(entry: list[Cue], cue: Cue) -> bool:
    """True when `cue` belongs to the passage `entry` (ignoring chapters)."""
    last = entry[-1]
    if cue.quote:  # the quotation goes on, or resumes after its attribution
        return last.quote or (_continues(last) and any(c.quote for c in entry))
    return last.quote and _continues(cue)  # the attribution inside a quotation


def _continues(cue: Cue) -> bool:
    """True for a narrator line that goes on with the sentence before it ('she said.')."""
    first = next((c for c in cue.text if c.isalpha()), "")
    return not cue.quote and first.islower()


def moment(seconds: float) -> str:
    """A point in the episode for a `#t=` link: '83.4' s as '1:23.4' (tenths rounded down, so a link lands just before its line)."""
    tenths = int(seconds * 10 + 1e-6)
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{text}.{tenth}" if tenth else text


@functools.cache
def long_date(when: dt.date | dt.datetime) -> str:
    """A date as a reader writes it: '2 January 2030' (the pages' own words are English)."""
    return dates.long_date(when)


@functools.cache
def _environment():  # type: ignore[no-untyped-def]
    """The Jinja environment (made once per process; it keeps the compiled templates, so those prepare_pages compiled
    on the build's publish thread are the ones render_pages uses)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("narrate.publish", "templates"),
        bytecode_cache=_bytecode_cache(),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["clock"] = clock
    env.filters["moment"] = moment
    env.filters["day"] = long_date
    return env


def _bytecode_cache():  # type: ignore[no-untyped-def]
    """The compiled templates, kept between processes in Jinja's own folder for this user (in the system's temporary
    folder, readable by the user only; an entry is used only for the template source it was compiled from, by the same
    Jinja and Python). Compiling them cost every build 0.04 s of CPU. None where Jinja finds no safe folder."""
    import contextlib

    from jinja2 import FileSystemBytecodeCache

    class KeptTemplates(FileSystemBytecodeCache):
        def dump_bytecode(self, bucket) -> None:  # type: ignore[no-untyped-def]
            with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
                super().dump_bytecode(bucket)

    try:
        return KeptTemplates(pattern="narrate-%s.jinja")
    except (OSError, RuntimeError):
        return None


def prepare_pages() -> None:
    """Load Jinja and compile the page templates now (a build does it while its audio is made, not after)."""
    env = _environment()
    for name in env.list_templates():  # with those the pages extend and include (compiled when first rendered)
        env.get_template(name)


def render_pages(output_dir: Path, settings: ShowSettings, episodes: list[CatalogEntry], cover: str) -> dict[str, str]:
    """Every page's file name and HTML: the index (all episodes, newest first) and one page per episode."""
    env = _environment()
    base = settings.effective_base_url
    common = {"show": settings, "cover": cover, "feed": FEED_FILE, "index": INDEX_FILE,
              "cover_url": file_url(base, cover), "index_url": file_url(base, INDEX_FILE)}
    pages = {INDEX_FILE: env.get_template("index.html").render(episodes=episodes, **common)}
    episode_template = env.get_template("episode.html")
    for entry in episodes:
        record = entry.record
        cues = read_cues(Path(output_dir) / record.vtt)
        entries = transcript_entries(cues, [start for _title, _level, start, _end in record.chapters])
        pages[entry.page] = episode_template.render(
            entry=entry, e=record, transcript=entries, page_url=file_url(base, entry.page),
            mp3_url=file_url(base, record.mp3), **common)
    return pages
