"""The plan: what each listed item needs (new, changed, unchanged, skipped) and why, from the sources and the state.

A pure function of what was read, what earlier runs recorded and the run's rules, so `--dry-run` is simply
the plan, printed. The rules, in order:

- An item never seen is new, unless it is older than --since, than `keep_days`, or than an edition's --window.
- A published item is unchanged while the source says the same about it, changed when it says something else
  (a new audio version of the same episode). One whose episode left the catalog (retired by keep / keep_days,
  or taken out with `narrate remove`) is skipped for good; so is a retired one.
- A failed item is tried again; one left for later by --limit is built now (within the limit).
- A first run (no earlier run finished on that source) without --since or --limit builds the newest
  FIRST_RUN_ITEMS items and skips the older ones; --since DATE on a later run brings those in again.
- With `keep = N`, a new item that would not be among the N newest episodes is skipped (it would be retired at once).
- --limit N builds the N newest of the new and changed items; the others are left for the next run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from narrate.follow.model import Action, ItemPlan, ItemState, Source, SourceItem, SourcePlan, SourceRead
from narrate.follow.state import FollowState

FIRST_RUN_ITEMS = 10
"""How many of the newest items a first run builds when neither --since nor --limit says otherwise."""


@dataclass(frozen=True)
class PlanRules:
    """The options that decide which items a run builds."""

    now: dt.datetime
    """The run's time (aware)."""
    limit: int | None = None
    """Build at most this many items (newest first); the rest wait for the next run."""
    since: dt.datetime | None = None
    """Ignore items published before this time (aware)."""
    keep: int | None = None
    """[show] keep: the number of newest episodes the podcast keeps."""
    keep_days: int | None = None
    """[show] keep_days: the age in days after which episodes are retired."""
    window_s: float | None = None
    """An edition's window: only items published within this many seconds before now."""
    edition: bool = False
    """True when the items go into one edition rather than one episode each."""

    def key(self) -> str:
        """The options that change which items are chosen; when they differ from the last run's, sources are read in full."""
        since = self.since.isoformat() if self.since else ""
        return f"since={since}|keep={self.keep or ''}|keep_days={self.keep_days or ''}|window={self.window_s or ''}"


def episode_identity(source_key: str, item_id: str) -> str:
    """The catalog identity (and so the GUID) of the episode one followed item becomes."""
    return f"follow:{source_key}\x1f{item_id}"


def _date_words(when: dt.datetime) -> str:
    return when.date().isoformat()


def _age_skip(item: SourceItem, rules: PlanRules) -> str | None:
    """Why a not-yet-built item is too old to build, or None."""
    when = item.published
    if when is None:
        return None
    if rules.since is not None and when < rules.since:
        return f"published {_date_words(when)}, before --since {_date_words(rules.since)}"
    if rules.keep_days is not None and when < rules.now - dt.timedelta(days=rules.keep_days):
        return f"published {_date_words(when)}, older than keep_days = {rules.keep_days}"
    if rules.window_s is not None and when < rules.now - dt.timedelta(seconds=rules.window_s):
        return f"published {_date_words(when)}, outside the edition's --window"
    return None


def _item_plan(source: Source, item: SourceItem, previous: ItemState | None, state: FollowState,
               rules: PlanRules) -> ItemPlan:
    if rules.edition:
        episode = previous.episode if previous is not None and previous.episode else ""
    else:
        episode = episode_identity(source.key, item.item_id)

    def make(action: Action, reason: str, first_run_skip: bool = False) -> ItemPlan:
        return ItemPlan(source, item, action, reason, episode, first_run_skip=first_run_skip)

    if previous is None:
        too_old = _age_skip(item, rules)
        return make("skipped", too_old) if too_old else make("new", "not seen before")
    in_catalog = previous.episode is not None and previous.episode in state.episodes
    if previous.status == "published":
        if not in_catalog:
            return make("skipped", "its episode is no longer in the catalog (retired or removed); it is not brought back")
        if previous.fingerprint == item.fingerprint:
            return make("unchanged", "already in an edition" if rules.edition else "the source says the same as when it was built")
        if rules.edition:
            return make("skipped", "changed since it went into an edition; past editions are not rebuilt")
        return make("changed", "the source changed it since it was built")
    if previous.status == "failed":
        why = previous.reason.rstrip(".") or "an error"
        return make("changed" if in_catalog and not rules.edition else "new", f"failed last time ({why}); trying again")
    if previous.status == "deferred":
        return make("changed" if in_catalog and not rules.edition else "new", "left for a later run by --limit")
    if previous.status == "retired":
        return make("skipped", f"retired ({previous.reason or 'keep / keep_days'}); it is not built again")
    # skipped by a first run: --since brings it back in
    if rules.since is not None and item.published is not None and _age_skip(item, rules) is None:
        return make("new", f"skipped at the first run; --since {_date_words(rules.since)} brings it in")
    return make("skipped", previous.reason or "skipped at the first run", first_run_skip=True)


def _newest_first(plans: Iterable[ItemPlan], now: dt.datetime) -> list[ItemPlan]:
    """Newest first by date; undated items count as published now; ties keep the source's order."""
    return sorted(plans, key=lambda p: (-(p.item.published or now).timestamp(), p.item.position))


def oldest_first(plans: Iterable[ItemPlan], now: dt.datetime) -> list[ItemPlan]:
    """The order items are built in: oldest first by date (undated items count as published now; ties in reverse
    source order), so that episodes reach the catalog in the order they were written, which is the feed's order
    when the show dates episodes by when they were added."""
    return list(reversed(_newest_first(plans, now)))


def plan_source(read: SourceRead, state: FollowState, rules: PlanRules) -> SourcePlan:
    """The plan for one source (before the limits that span every source)."""
    key = read.source.key
    recorded = state.sources.get(key)
    first_run = recorded is None or not recorded.first_run_done
    if read.error or read.not_modified:
        note = "not modified since the last run" if read.not_modified else None
        return SourcePlan(read, (), first_run, note)
    seen: set[str] = set()
    plans = []
    for item in read.items:
        if item.item_id in seen:
            continue  # a feed that lists one entry twice: the first wins
        seen.add(item.item_id)
        plans.append(_item_plan(read.source, item, state.items.get((key, item.item_id)), state, rules))
    note = None
    if not read.items:
        note = "lists no items"
    elif first_run and rules.since is None and rules.limit is None:
        fresh = _newest_first((p for p in plans if p.action == "new" and state.items.get((key, p.item.item_id)) is None),
                              rules.now)
        skipped = {id(p) for p in fresh[FIRST_RUN_ITEMS:]}
        if skipped:
            reason = (f"first run: only the newest {FIRST_RUN_ITEMS} items are built "
                      "(give --since DATE or --limit N to choose otherwise)")
            plans = [replace(p, action="skipped", reason=reason, first_run_skip=True) if id(p) in skipped else p
                     for p in plans]
            note = (f"first run: building the newest {FIRST_RUN_ITEMS} of {len(plans)} items; the {len(skipped)} older "
                    "ones are skipped (give --since DATE or --limit N to choose otherwise)")
    return SourcePlan(read, tuple(plans), first_run, note)


def apply_limits(plans: Sequence[SourcePlan], rules: PlanRules,
                 catalog_published: Mapping[str, dt.datetime]) -> tuple[SourcePlan, ...]:
    """Apply `keep` (per-article episodes only) and --limit across every source."""
    chosen = [p for s in plans for p in s.items if p.action in ("new", "changed")]
    drop: dict[int, tuple[str, bool]] = {}
    if rules.keep is not None and not rules.edition:
        newcomers = [p for p in chosen if p.action == "new" and p.episode not in catalog_published]
        dated = [(when, "") for when in catalog_published.values()]
        dated += [(p.item.published or rules.now, str(id(p))) for p in newcomers]
        dated.sort(key=lambda d: d[0], reverse=True)
        survivors = {tag for _when, tag in dated[: rules.keep] if tag}
        for p in newcomers:
            if str(id(p)) not in survivors:
                drop[id(p)] = (f"keep = {rules.keep}: it would not be among the {rules.keep} newest episodes", False)
    if rules.limit is not None:
        remaining = [p for p in chosen if id(p) not in drop]
        for p in _newest_first(remaining, rules.now)[rules.limit:]:
            drop[id(p)] = (f"--limit {rules.limit}: left for a later run", True)
    if not drop:
        return tuple(plans)
    return tuple(
        replace(s, items=tuple(replace(p, action="skipped", reason=drop[id(p)][0], defer=drop[id(p)][1])
                               if id(p) in drop else p for p in s.items))
        for s in plans
    )


def make_plan(reads: Sequence[SourceRead], state: FollowState, rules: PlanRules,
              catalog_published: Mapping[str, dt.datetime]) -> tuple[SourcePlan, ...]:
    """Plan every source, then apply the limits that span them."""
    return apply_limits([plan_source(read, state, rules) for read in reads], rules, catalog_published)
