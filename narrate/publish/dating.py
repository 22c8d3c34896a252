"""Which date an episode carries in the feed and on the pages: the show's `episode_date` choice.

The catalog keeps both facts about an episode: the article's own date (`record.date`) and when the catalog first
saw it (`added`). A show of fresh news wants them in the order they were written; a reader working through a
backlog wants a 2019 article added today at the top of the feed, where podcast apps look for new episodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from narrate.publish.record import CatalogEntry

EPISODE_DATES = ("added", "article")
"""The choices of `[show] episode_date`: when narrate first published the episode, or the article's date."""
DEFAULT_EPISODE_DATE = "article"
"""The default: episodes in the order their articles were written (what a followed news site wants, and what
feeds made by earlier versions did); a publish that adds an older article says how to list it by date added."""


def dated(entries: Iterable[CatalogEntry], episode_date: str = DEFAULT_EPISODE_DATE) -> list[CatalogEntry]:
    """`entries` with the publication time `episode_date` asks for, newest first.

    'article': the article's date (at midnight UTC) when it has one, else when it was added, as the catalog stores
    it; 'added': when the catalog first saw the episode."""
    if episode_date not in EPISODE_DATES:
        raise ValueError(f"episode_date must be one of {EPISODE_DATES}, not {episode_date!r}")
    shown = [e if episode_date == "article" or e.added is None else replace(e, published=e.added) for e in entries]
    shown.sort(key=lambda e: e.record.identity)
    shown.sort(key=lambda e: e.published, reverse=True)
    return shown
