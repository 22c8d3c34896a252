"""Retention: the show's `keep = N` and `keep_days = D` ([show] in OUTPUT/narrate.toml) retire old episodes.

They apply to every episode of the podcast, at the end of each `narrate follow` run: the N newest are kept,
and none published more than D days ago. A retired episode leaves the feed and the pages, its files are deleted,
and the items it was made from are marked retired, so they never come back because the source still lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from narrate.follow.model import Retirement
from narrate.publish.record import CatalogEntry


def plan_retirements(entries: Sequence[CatalogEntry], keep: int | None, keep_days: int | None,
                     now: dt.datetime) -> tuple[Retirement, ...]:
    """The episodes `keep` and `keep_days` retire, oldest last, from the catalog's entries."""
    newest_first = sorted(entries, key=lambda e: (e.published, e.record.identity), reverse=True)
    cutoff = now - dt.timedelta(days=keep_days) if keep_days is not None else None
    retired = []
    for rank, entry in enumerate(newest_first):
        if keep is not None and rank >= keep:
            reason = f"keep = {keep}"
        elif cutoff is not None and entry.published < cutoff:
            reason = f"keep_days = {keep_days}"
        else:
            continue
        retired.append(Retirement(entry.record.identity, entry.slug, entry.record.title, reason))
    return tuple(retired)
