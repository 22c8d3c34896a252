"""One `narrate follow` run, in phases (the habit of lemon24/reader's update): read every source, plan what each
item needs, then do it (build and publish, item by item), record it, retire what the show no longer keeps.

Crash safety comes from the order of the steps and from identities that do not depend on the run:
- an item's episode identity is fixed by its source and its GUID/link, so rebuilding it after a kill finds its
  finished segments in the cache and publishes the same episode (same GUID), never a second one;
- an item is recorded as published only after the catalog holds its episode; a source's validators are kept
  only after all its items were handled, so an interrupted run is simply done again by the next;
- an edition is written down (identity, title, items) before its build starts and closed once published;
- a retired item is recorded after its episode left the catalog, and an item whose episode is missing from
  the catalog is never built again.
`checkpoint(NAME)` marks the moments the fault-injection tests kill the process at.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from narrate.errors import NarrateError
from narrate.follow.articles import fetch_page, needs_page, read_item
from narrate.follow.http import FetchError, PoliteClient, Response
from narrate.follow.lock import follow_lock
from narrate.follow.model import (
    EditionPlan, EpisodeInfo, FollowPlan, FollowReport, ItemPlan, ItemResult, Retirement, Source, SourcePlan, SourceRead,
)
from narrate.follow.options import FollowOptions
from narrate.follow.plan import PlanRules, make_plan, oldest_first
from narrate.follow.sources import read_source, resolve_source
from narrate.follow.state import FollowState, StateWriter, load_state
from narrate.follow.when import has_date

FAULT_ENV = "NARRATE_FOLLOW_KILL_AT"
"""Testing hook: 'NAME' or 'NAME:N' kills the run (SIGKILL) the first (or Nth) time it passes checkpoint NAME."""
_passed: dict[str, int] = {}


def checkpoint(name: str) -> None:
    """A named moment of the run; the fault-injection tests kill the process here (see FAULT_ENV)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    target, _, count = wanted.partition(":")
    if target != name:
        return
    _passed[name] = _passed.get(name, 0) + 1
    if _passed[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def _sentence(error: BaseException) -> str:
    """An error as the one sentence the report shows."""
    if isinstance(error, (NarrateError, FetchError)):
        return str(error)
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror or error}{where}."
    return f"Unexpected error ({type(error).__name__}: {error})."


def target_of(edition: str | None) -> str:
    """What items are followed into: 'episodes', or 'edition:TITLE' (the title as given, {date} included)."""
    return f"edition:{edition.strip()}" if edition else "episodes"


def _unique(sources: Iterable[Source]) -> list[Source]:
    seen: dict[str, Source] = {}
    for source in sources:
        seen.setdefault(source.key, source)
    return list(seen.values())


def _read_all(sources: Sequence[Source], client: PoliteClient | None, state: FollowState,
              rules: PlanRules) -> list[SourceRead]:
    """Read every source (a few at a time); conditionally when nothing of it waits for work and the options are the last run's."""

    def one(source: Source) -> SourceRead:
        recorded = state.sources.get(source.key)
        conditional = (recorded is not None and recorded.first_run_done and recorded.plan_key == rules.key()
                       and not state.pending(source.key))
        return read_source(source, client, recorded.validators if conditional and recorded else None)

    if len(sources) == 1:
        return [one(sources[0])]
    with ThreadPoolExecutor(max_workers=min(4, len(sources)), thread_name_prefix="narrate-follow-read") as pool:
        return list(pool.map(one, sources))


def _fetch_pages(client: PoliteClient, plans: Sequence[ItemPlan]) -> dict[str, Response | FetchError]:
    """The linked pages of the summary-only items about to be built, a few at a time (at most PER_HOST per host)."""
    links = list(dict.fromkeys(p.item.link for p in plans if needs_page(p.item) and p.item.link))
    if not links:
        return {}
    with ThreadPoolExecutor(max_workers=min(4, len(links)), thread_name_prefix="narrate-follow-page") as pool:
        return dict(zip(links, pool.map(lambda url: fetch_page(client, url), links)))


def _edition_plan(options: FollowOptions, plans: Sequence[SourcePlan], state: FollowState, language: str,
                  now: dt.datetime) -> EditionPlan | None:
    """The edition of everything new, in the order a reader of the sources sees it (None when nothing is new)."""
    from narrate.follow.when import edition_title

    assert options.edition is not None
    chosen = sorted((p for s in plans for p in s.items if p.action in ("new", "changed")),
                    key=lambda p: ([s.read.source.key for s in plans].index(p.source.key), p.item.position))
    if not chosen:
        return None
    template = options.edition.strip()
    if state.open_edition is not None:  # an interrupted run's edition: finish it (taking in what is new since)
        identity, title, date = state.open_edition.identity, state.open_edition.title, state.open_edition.date
    else:
        date = now.astimezone().date()
        title = edition_title(template, date, language)
        identity = f"follow-edition:{template}\x1f{now.astimezone(dt.timezone.utc).isoformat(timespec='seconds')}"
    return EditionPlan(template, title, date, identity, tuple(replace(p, episode=identity) for p in chosen))


class _Run:
    """The doing phase of one run: builds, state records, retirements."""

    def __init__(self, options: FollowOptions, state: FollowState, writer: StateWriter, client: PoliteClient | None,
                 log: Callable[[str], None]) -> None:
        self.options = options
        self.state = state
        self.writer = writer
        self.client = client
        self.log = log
        self.errors: list[str] = []

    def _client(self) -> PoliteClient:
        if self.client is None:
            self.client = PoliteClient()
        return self.client

    def _pages(self, plans: Sequence[ItemPlan]) -> dict[str, Response | FetchError]:
        if not any(needs_page(p.item) for p in plans):
            return {}
        return _fetch_pages(self._client(), plans)

    def _failed(self, plan: ItemPlan, error: BaseException) -> ItemResult:
        message = _sentence(error)
        previous = self.state.items.get((plan.source.key, plan.item.item_id))
        attempts = previous.attempts + 1 if previous is not None and previous.status == "failed" else 1
        self.writer.record_item(plan.source.key, plan.item.item_id, "failed",
                                fingerprint=previous.fingerprint if previous else None, episode=plan.episode or None,
                                title=plan.item.title, link=plan.item.link, reason=message, attempts=attempts)
        self.log(f"failed: {plan.item.title or plan.item.item_id}: {message}")
        return ItemResult(plan, "failed", message)

    def build_items(self, plans: Sequence[ItemPlan], reads: dict[str, SourceRead]) -> dict[int, ItemResult]:
        """Build and publish one episode per item, each on its own: a failure is recorded and the next goes on."""
        pages = self._pages(plans)
        results: dict[int, ItemResult] = {}
        maker = self.options.maker
        for number, plan in enumerate(plans, start=1):
            self.log(f"[{number}/{len(plans)}] {plan.action}: {plan.item.title or plan.item.item_id}")
            try:
                article, how = read_item(plan.item, reads[plan.source.key], pages)
                script = maker.script([article], identity=plan.episode)
                checkpoint("before-build")
                info = maker.build(script)
                checkpoint("after-publish")
                self.writer.record_item(plan.source.key, plan.item.item_id, "published", fingerprint=plan.item.fingerprint,
                                        episode=plan.episode, title=info.title, link=plan.item.link)
                results[id(plan)] = ItemResult(plan, "published", how, info)
                checkpoint("after-item")
            except Exception as error:  # noqa: BLE001 - one failing item never stops the others
                results[id(plan)] = self._failed(plan, error)
        return results

    def build_edition(self, edition: EditionPlan, reads: dict[str, SourceRead]) -> tuple[dict[int, ItemResult], EpisodeInfo | None, str]:
        """Read every item of the edition, then build and publish it as one episode."""
        self.writer.open_edition(edition.identity, edition.title, edition.date,
                                 [(p.source.key, p.item.item_id) for p in edition.items])
        checkpoint("edition-after-intent")
        pages = self._pages(edition.items)
        results: dict[int, ItemResult] = {}
        read_ok: list[tuple[ItemPlan, str]] = []
        articles = []
        for plan in edition.items:
            try:
                article, how = read_item(plan.item, reads[plan.source.key], pages)
            except Exception as error:  # noqa: BLE001
                results[id(plan)] = self._failed(plan, error)
                continue
            articles.append(article)
            read_ok.append((plan, how))
        if not articles:
            self.writer.drop_edition(edition.identity)
            return results, None, f"No article of “{edition.title}” could be read: nothing was published."
        self.log(f"Building the edition “{edition.title}” ({len(articles)} articles)")
        try:
            script = self.options.maker.script(articles, identity=edition.identity, edition=edition.title,
                                               edition_date=edition.date, say_date=not has_date(edition.template))
            info = self.options.maker.build(script)
        except Exception as error:  # noqa: BLE001
            for plan, _how in read_ok:
                results[id(plan)] = self._failed(plan, error)
            return results, None, f"The edition “{edition.title}” could not be built: {_sentence(error)}"
        checkpoint("edition-after-publish")
        self.writer.close_edition(edition.identity, [(p.source.key, p.item.item_id, p.item.fingerprint, p.item.title,
                                                      p.item.link) for p, _how in read_ok])
        for plan, how in read_ok:
            results[id(plan)] = ItemResult(plan, "published", how, info)
        return results, info, f"Published the edition “{edition.title}” with {len(articles)} articles."

    def record_plan(self, plans: Sequence[SourcePlan], rules: PlanRules) -> None:
        """Record what the plan decided beyond the builds (first-run skips, --limit deferrals, episodes gone from the
        catalog), then each source's validators: its items are all handled."""
        rows = []
        for source_plan in plans:
            key = source_plan.read.source.key
            for plan in source_plan.items:
                previous = self.state.items.get((key, plan.item.item_id))
                if plan.action != "skipped":
                    continue
                if plan.defer:
                    rows.append((key, plan.item.item_id, "deferred", previous.fingerprint if previous else None,
                                 plan.episode or None, plan.item.title, plan.item.link, plan.reason))
                elif plan.first_run_skip and previous is None:
                    rows.append((key, plan.item.item_id, "skipped", plan.item.fingerprint, None, plan.item.title,
                                 plan.item.link, plan.reason))
                elif (previous is not None and previous.status == "published" and previous.episode
                      and previous.episode not in self.state.episodes):
                    self.writer.retire_episode(previous.episode, "its episode was taken out of the catalog")
        self.writer.record_items(rows)
        for source_plan in plans:
            read = source_plan.read
            if read.error is None:
                self.writer.record_source(read.source.key, read.source.kind, read.validators, rules.key())

    def retire(self, keep: int | None, keep_days: int | None, now: dt.datetime) -> list[Retirement]:
        """Retire the episodes the show's keep / keep_days no longer keep."""
        if keep is None and keep_days is None:
            return []
        from narrate.follow.retention import plan_retirements
        from narrate.publish import list_episodes, remove_episode

        retired = []
        for retirement in plan_retirements(list_episodes(self.options.output_dir), keep, keep_days, now):
            checkpoint("before-retire")
            try:
                remove_episode(self.options.output_dir, retirement.identity, self.options.maker.base_url)
            except (NarrateError, OSError) as error:
                self.errors.append(f"Could not retire “{retirement.title}”: {_sentence(error)}")
                continue
            self.writer.retire_episode(retirement.identity, retirement.reason)
            self.log(f"retired: {retirement.title} ({retirement.reason})")
            retired.append(retirement)
        return retired


def _dry_results(plans: Sequence[SourcePlan]) -> tuple[ItemResult, ...]:
    outcome = {"new": "planned", "changed": "planned", "unchanged": "unchanged", "skipped": "skipped"}
    return tuple(ItemResult(p, outcome[p.action], p.item.why) for s in plans for p in s.items)  # type: ignore[arg-type]


def run_follow(options: FollowOptions, log: Callable[[str], None] | None = None,
               now: dt.datetime | None = None) -> FollowReport:
    """Read the sources, plan, build and publish what is new or changed, retire what the show no longer keeps.

    Raises NarrateError for what stops the whole run (bad options, an unreadable narrate.toml, another run
    holding the folder); everything else (a source that cannot be read, an item that fails) is in the report.
    """
    from narrate.publish.settings import load_settings

    started = time.monotonic()
    say = log or (lambda _line: None)
    now = now or dt.datetime.now(dt.timezone.utc)
    out = Path(options.output_dir)
    if out.exists() and not out.is_dir():
        raise NarrateError(f"The output folder {out} is a file, not a folder.")
    if not options.sources:
        raise NarrateError("Name at least one source: a feed URL, a feed file or a folder of articles.")
    if options.window_s is not None and not options.edition:
        raise NarrateError("--window only applies to an --edition.")
    if options.edition is not None and not options.edition.strip():
        raise NarrateError("--edition needs a title.")
    settings = load_settings(out)
    keep, keep_days = settings.keep, settings.keep_days
    target = target_of(options.edition)
    sources = _unique(resolve_source(s, out) for s in options.sources)
    rules = PlanRules(now=now, limit=options.limit, since=options.since, keep=keep, keep_days=keep_days,
                      window_s=options.window_s, edition=options.edition is not None)
    guard = contextlib.nullcontext() if options.dry_run else follow_lock(out, options.wait_s)
    with guard:
        state = load_state(out, target)
        client = PoliteClient() if any(s.kind == "feed-url" for s in sources) else None
        try:
            reads = _read_all(sources, client, state, rules)
            checkpoint("after-read")
            plans = make_plan(reads, state, rules, state.episodes)
            edition = _edition_plan(options, plans, state, settings.language, now) if options.edition else None
            if options.dry_run:
                return _dry_report(options, target, plans, edition, keep, keep_days, now, started)
            writer = StateWriter(out, target)
            run = _Run(options, state, writer, client, say)
            try:
                by_key = {read.source.key: read for read in reads}
                edition_info, edition_note = None, None
                if edition is not None:
                    results, edition_info, edition_note = run.build_edition(edition, by_key)
                elif options.edition is not None:
                    results, edition_note = {}, f"Nothing new for “{options.edition.strip()}”: no edition published."
                else:
                    results = run.build_items(
                        oldest_first((p for s in plans for p in s.items if p.action in ("new", "changed")), now), by_key)
                run.record_plan(plans, rules)
                retired = run.retire(keep, keep_days, now)
            finally:
                writer.close()
                client = run.client
        finally:
            if client is not None:
                client.close()
    ordered = tuple(_result_for(p, results, edition) for s in plans for p in s.items)
    plan = FollowPlan(target, tuple(plans), edition, tuple(retired))
    return FollowReport(plan, ordered, edition_info, edition_note, tuple(retired), False, time.monotonic() - started,
                        tuple(run.errors))


def _result_for(plan: ItemPlan, results: dict[int, ItemResult], edition: EditionPlan | None) -> ItemResult:
    """The result of `plan` (an edition holds copies of the source plans, matched by source and item)."""
    if edition is not None:
        for copy in edition.items:
            if copy.source.key == plan.source.key and copy.item.item_id == plan.item.item_id and id(copy) in results:
                return results[id(copy)]
    if id(plan) in results:
        return results[id(plan)]
    return ItemResult(plan, "unchanged" if plan.action == "unchanged" else "skipped", plan.item.why)


def _dry_report(options: FollowOptions, target: str, plans: Sequence[SourcePlan], edition: EditionPlan | None,
                keep: int | None, keep_days: int | None, now: dt.datetime, started: float) -> FollowReport:
    retire: tuple[Retirement, ...] = ()
    if keep is not None or keep_days is not None:
        from narrate.follow.retention import plan_retirements
        from narrate.publish import list_episodes

        retire = plan_retirements(list_episodes(options.output_dir), keep, keep_days, now)
    note = None
    if options.edition is not None:
        note = (f"Would publish the edition “{edition.title}” with {len(edition.items)} articles." if edition
                else f"Nothing new for “{options.edition.strip()}”: no edition would be published.")
    plan = FollowPlan(target, tuple(plans), edition, retire)
    return FollowReport(plan, _dry_results(plans), None, note, (), True, time.monotonic() - started, ())
