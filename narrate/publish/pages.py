"""Static pages: index.html and one page per episode, with chapters and transcript embedded (they work from file://)."""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

from narrate.publish.feed import FEED_FILE, clock
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
                body = html.unescape(re.sub(r"<[^>]+>", "", " ".join(lines[i + 1:]))).strip()
                if body:
                    cues.append(Cue(start, end, body))
                break
    return cues


PAGE_TEMPLATES = ("index.html", "episode.html")
"""The templates render_pages uses (base.html comes with them)."""


@functools.cache
def _environment():  # type: ignore[no-untyped-def]
    """The Jinja environment (made once per process; it keeps the compiled templates)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("narrate.publish", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["clock"] = clock
    return env


def prepare_pages() -> None:
    """Load Jinja and compile the page templates now (a build does it while its audio is made, not after)."""
    env = _environment()
    for name in PAGE_TEMPLATES:
        env.get_template(name)


def render_pages(output_dir: Path, settings: ShowSettings, episodes: list[CatalogEntry], cover: str) -> dict[str, str]:
    """Every page's file name and HTML: the index (all episodes, newest first) and one page per episode."""
    env = _environment()
    common = {"show": settings, "cover": cover, "feed": FEED_FILE, "index": INDEX_FILE}
    pages = {INDEX_FILE: env.get_template("index.html").render(episodes=episodes, **common)}
    episode_template = env.get_template("episode.html")
    for entry in episodes:
        cues = read_cues(Path(output_dir) / entry.record.vtt)
        pages[entry.page] = episode_template.render(entry=entry, e=entry.record, cues=cues, **common)
    return pages
