"""The plan is a pure function of what was read, what was recorded and the run's rules: its rules one by one,
and invariants over generated feeds and states."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.follow.model import ItemState, Source, SourceItem, SourceRead, Validators
from narrate.follow.plan import FIRST_RUN_ITEMS, PlanRules, episode_identity, make_plan
from narrate.follow.state import FollowState, SourceState

NOW = dt.datetime(2026, 5, 20, 12, 0, tzinfo=dt.timezone.utc)
SOURCE = Source("https://news.example.test/feed", "feed-url", "https://news.example.test/feed", "the feed")


def item(n: int, days_ago: float | None = None, fingerprint: str | None = None) -> SourceItem:
    published = NOW - dt.timedelta(days=days_ago if days_ago is not None else n) if days_ago != -1 else None
    return SourceItem(item_id=f"item-{n}", title=f"Story {n}", link=f"https://news.example.test/{n}",
                      published=published, position=n, kind="full", why="", fingerprint=fingerprint or f"fp-{n}")


def read(items: list[SourceItem]) -> SourceRead:
    return SourceRead(SOURCE, items=tuple(items), validators=Validators(etag='"x"'))


def done_before() -> dict[str, SourceState]:
    return {SOURCE.key: SourceState(Validators(), "", True)}


def published(n: int, fingerprint: str | None = None) -> ItemState:
    return ItemState("published", fingerprint or f"fp-{n}", episode_identity(SOURCE.key, f"item-{n}"))


def actions(plans) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {p.item.item_id: p.action for s in plans for p in s.items}


def test_a_first_run_builds_the_newest_ten_and_says_so() -> None:
    plans = make_plan([read([item(n) for n in range(30)])], FollowState(), PlanRules(now=NOW), {})
    chosen = [p for p in plans[0].items if p.action == "new"]
    assert [p.item.item_id for p in chosen] == [f"item-{n}" for n in range(FIRST_RUN_ITEMS)]
    assert all(p.first_run_skip for p in plans[0].items if p.action == "skipped")
    assert plans[0].note and "newest 10 of 30" in plans[0].note and "20 older" in plans[0].note


def test_since_or_limit_replace_the_first_run_rule() -> None:
    since = PlanRules(now=NOW, since=NOW - dt.timedelta(days=14.5))
    assert sum(a == "new" for a in actions(make_plan([read([item(n) for n in range(30)])], FollowState(), since, {})).values()) == 15
    limited = make_plan([read([item(n) for n in range(30)])], FollowState(), PlanRules(now=NOW, limit=3), {})
    assert [p.item.item_id for p in limited[0].items if p.action == "new"] == ["item-0", "item-1", "item-2"]
    deferred = [p for p in limited[0].items if p.action == "skipped"]
    assert len(deferred) == 27 and all(p.defer and "--limit 3" in p.reason for p in deferred)


def test_unchanged_changed_and_removed_episodes() -> None:
    state = FollowState(
        sources=done_before(),
        items={(SOURCE.key, "item-0"): published(0), (SOURCE.key, "item-1"): published(1, "old"),
               (SOURCE.key, "item-2"): published(2)},
        episodes={episode_identity(SOURCE.key, "item-0"): NOW, episode_identity(SOURCE.key, "item-1"): NOW},
    )
    plans = make_plan([read([item(0), item(1), item(2), item(3)])], state, PlanRules(now=NOW), {})
    assert actions(plans) == {"item-0": "unchanged", "item-1": "changed", "item-2": "skipped", "item-3": "new"}
    gone = plans[0].items[2]
    assert "no longer in the catalog" in gone.reason
    assert plans[0].items[1].episode == episode_identity(SOURCE.key, "item-1")  # same episode, new audio version


def test_retired_never_comes_back_and_failed_is_retried() -> None:
    state = FollowState(
        sources=done_before(),
        items={(SOURCE.key, "item-0"): ItemState("retired", "fp-0", "e0", "keep = 1"),
               (SOURCE.key, "item-1"): ItemState("failed", None, episode_identity(SOURCE.key, "item-1"), "500", 2),
               (SOURCE.key, "item-2"): ItemState("deferred", None, episode_identity(SOURCE.key, "item-2"))},
    )
    plans = make_plan([read([item(0, fingerprint="edited"), item(1), item(2)])], state, PlanRules(now=NOW), {})
    assert actions(plans) == {"item-0": "skipped", "item-1": "new", "item-2": "new"}
    assert "retired" in plans[0].items[0].reason and "trying again" in plans[0].items[1].reason


def test_keep_and_keep_days_skip_what_would_be_retired_at_once() -> None:
    state = FollowState(sources=done_before())
    by_days = make_plan([read([item(1), item(5), item(40)])], state, PlanRules(now=NOW, keep_days=30), {})
    assert actions(by_days) == {"item-1": "new", "item-5": "new", "item-40": "skipped"}
    existing = {"older-episode": NOW - dt.timedelta(days=3), "newer-episode": NOW - dt.timedelta(hours=1)}
    by_count = make_plan([read([item(1), item(2), item(5)])], state, PlanRules(now=NOW, keep=3), existing)
    assert actions(by_count) == {"item-1": "new", "item-2": "new", "item-5": "skipped"}


def test_since_brings_back_what_a_first_run_skipped() -> None:
    state = FollowState(sources=done_before(),
                        items={(SOURCE.key, "item-12"): ItemState("skipped", "fp-12", None, "first run")})
    plain = make_plan([read([item(12)])], state, PlanRules(now=NOW), {})
    assert actions(plain) == {"item-12": "skipped"}
    since = make_plan([read([item(12)])], state, PlanRules(now=NOW, since=NOW - dt.timedelta(days=20)), {})
    assert actions(since) == {"item-12": "new"}


def test_editions_take_what_no_edition_holds_within_the_window() -> None:
    state = FollowState(sources=done_before(),
                        items={(SOURCE.key, "item-0"): ItemState("published", "fp-0", "edition-a")},
                        episodes={"edition-a": NOW})
    rules = PlanRules(now=NOW, edition=True, window_s=36 * 3600)
    plans = make_plan([read([item(0), item(1, days_ago=0.5), item(2, days_ago=3)])], state, rules, {})
    assert actions(plans) == {"item-0": "unchanged", "item-1": "new", "item-2": "skipped"}


def test_a_source_that_failed_or_did_not_change_plans_nothing() -> None:
    failed = SourceRead(SOURCE, error="It broke.")
    unchanged = SourceRead(SOURCE, not_modified=True)
    plans = make_plan([failed], FollowState(), PlanRules(now=NOW), {})
    assert plans[0].items == () and plans[0].note is None
    assert make_plan([unchanged], FollowState(), PlanRules(now=NOW), {})[0].note == "not modified since the last run"


_status = st.sampled_from(["published", "failed", "deferred", "skipped", "retired", None])


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    feed=st.lists(st.tuples(st.integers(0, 60), st.floats(0, 400) | st.just(-1.0), st.booleans()), max_size=25,
                  unique_by=lambda t: t[0]),
    states=st.dictionaries(st.integers(0, 60), st.tuples(_status, st.booleans(), st.booleans()), max_size=25),
    first_run=st.booleans(),
    limit=st.none() | st.integers(1, 8),
    keep=st.none() | st.integers(1, 12),
    keep_days=st.none() | st.integers(1, 200),
)
def test_plan_invariants(feed, states, first_run, limit, keep, keep_days) -> None:  # type: ignore[no-untyped-def]
    items = [item(n, days, None if same else f"edited-{n}") for n, days, same in feed]
    recorded = {}
    episodes = {}
    for n, (status, in_catalog, _x) in states.items():
        if status is None:
            continue
        recorded[(SOURCE.key, f"item-{n}")] = ItemState(status, f"fp-{n}", episode_identity(SOURCE.key, f"item-{n}"))
        if in_catalog:
            episodes[episode_identity(SOURCE.key, f"item-{n}")] = NOW - dt.timedelta(days=n)
    state = FollowState(sources={} if first_run else done_before(), items=recorded, episodes=episodes)
    rules = PlanRules(now=NOW, limit=limit, keep=keep, keep_days=keep_days)
    plans = make_plan([read(items)], state, rules, episodes)
    chosen = [p for p in plans[0].items if p.action in ("new", "changed")]
    assert len(plans[0].items) == len(items)  # every listed item has exactly one plan
    if limit is not None:
        assert len(chosen) <= limit
    if first_run and limit is None:
        assert sum(1 for p in chosen if (SOURCE.key, p.item.item_id) not in recorded) <= FIRST_RUN_ITEMS
    for p in plans[0].items:
        previous = recorded.get((SOURCE.key, p.item.item_id))
        assert p.reason
        if previous is not None and previous.status == "retired":
            assert p.action == "skipped"  # a retired item never comes back
        if previous is not None and previous.status == "published" and p.episode not in episodes:
            assert p.action == "skipped"  # nor does one whose episode left the catalog
        if p.action == "changed":
            assert p.episode in episodes  # a new version is always of an episode that exists
        if p.action in ("new", "changed") and keep_days is not None and previous is None and p.item.published:
            assert p.item.published >= NOW - dt.timedelta(days=keep_days)
        if p.action == "unchanged":
            assert previous is not None and previous.fingerprint == p.item.fingerprint
