"""Feeds become items: RSS 2.0, Atom and JSON Feed; full text or summary per item; what is not a feed is one sentence."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from follow_support import STORIES, article_page, atom, json_feed, rss
from narrate.follow.feed import SourceError, canonical_link, looks_cut_off, parse_feed

BASE = "http://news.example.test"


@pytest.mark.parametrize("make", [rss, atom, json_feed], ids=["rss", "atom", "json"])
def test_each_format_gives_the_same_items_full_or_summary(make) -> None:  # type: ignore[no-untyped-def]
    parsed = parse_feed(make(STORIES, BASE), "the feed", base_url=BASE + "/feed")
    assert parsed.title == "Harbour Gazette"
    assert [i.title for i in parsed.items] == [s.title for s in STORIES]
    assert [i.kind for i in parsed.items] == ["full", "summary", "full"]
    assert [i.link for i in parsed.items] == [f"{BASE}/news/{s.slug}.html" for s in STORIES]
    assert [i.published for i in parsed.items] == [s.published for s in STORIES]
    assert all(i.author == "Mira Okafor" for i in parsed.items)
    full = parsed.items[0]
    assert full.content is not None and "six in the morning" in full.content.body
    assert "full article" in full.why
    assert "only a summary" in parsed.items[1].why and "linked page is read" in parsed.items[1].why
    assert len({i.item_id for i in parsed.items}) == 3 and len({i.fingerprint for i in parsed.items}) == 3


def test_identity_is_the_guid_else_the_canonical_link() -> None:
    body = rss(STORIES[:1], BASE)
    assert parse_feed(body, "f").items[0].item_id == "gazette-ferry"
    without_guid = body.replace(b'<guid isPermaLink="false">gazette-ferry</guid>', b"")
    without_guid = without_guid.replace(b"/news/ferry.html", b"/news/ferry.html#top")
    item = parse_feed(without_guid, "f").items[0]
    assert item.item_id == f"{BASE}/news/ferry.html"  # the fragment is not part of the identity


def test_an_edit_changes_the_fingerprint_not_the_identity() -> None:
    before = parse_feed(rss(STORIES, BASE), "f").items[0]
    STORIES[0].paragraphs.append("A second boat may follow in the autumn.")
    try:
        after = parse_feed(rss(STORIES, BASE), "f").items[0]
    finally:
        STORIES[0].paragraphs.pop()
    assert after.item_id == before.item_id and after.fingerprint != before.fingerprint


def test_content_that_reads_like_a_teaser_is_a_summary() -> None:
    assert looks_cut_off("The ferry will leave at six […]")
    assert looks_cut_off("The ferry will leave at six… Continue reading")
    assert looks_cut_off("The ferry will leave at six. Read more")
    assert not looks_cut_off("The ferry will leave at six. Commuters are pleased.")
    body = rss(STORIES[:1], BASE).replace(b"asked for the early boat for two winters.", b"asked for the early boat [&#8230;]")
    item = parse_feed(body, "f").items[0]
    assert item.kind == "summary" and "teaser" in item.why


def test_a_summary_without_a_link_is_read_as_it_is() -> None:
    data = json.loads(json_feed(STORIES[1:2], BASE))
    del data["items"][0]["url"]
    item = parse_feed(json.dumps(data).encode(), "f").items[0]
    assert item.kind == "summary" and item.link is None and "no link" in item.why
    assert item.content is not None and item.content.body.startswith("The town library")
    assert item.item_id == "gazette-library"


@pytest.mark.parametrize(("body", "words"), [
    (b"", "is empty"),
    (b"   \n", "is empty"),
    (article_page(STORIES[0], BASE), "is a web page (HTML), not a feed"),
    (b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/rss"></head></html>',
     "names its feed at http://news.example.test/rss"),
    (b"<rss><channel><item><title>unclosed", "not a well-formed feed"),
    (b"this is not a feed at all", "not a well-formed feed"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "without an items list"),
    (b'{"name": "not a feed"}', "not a JSON Feed"),
    (b"{not json", "not valid JSON"),
])
def test_what_is_not_a_feed_is_one_sentence(body: bytes, words: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_feed(body, "https://news.example.test/feed", base_url=BASE + "/feed")
    message = str(caught.value)
    assert words in message and message.startswith("https://news.example.test/feed") and "\n" not in message


def test_a_valid_feed_with_no_items_is_not_an_error() -> None:
    parsed = parse_feed(rss([], BASE), "f")
    assert parsed.items == () and parsed.title == "Harbour Gazette"


def test_canonical_link() -> None:
    assert canonical_link("HTTP://News.Example.TEST/a?b=1#c") == "http://news.example.test/a?b=1"
    assert canonical_link("/a", "https://x.test/feed") == "https://x.test/a"
    assert canonical_link("mailto:someone@example.test") is None
    assert canonical_link("  ") is None


@settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_any_bytes_give_items_or_one_sentence(body: bytes) -> None:
    try:
        parsed = parse_feed(body, "the source")
    except SourceError as error:
        assert str(error).startswith("the source") and "\n" not in str(error)
        return
    for item in parsed.items:
        assert item.item_id and item.fingerprint and item.kind in ("full", "summary")


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_json_values = st.recursive(st.none() | st.booleans() | st.integers() | _text,
                            lambda children: st.lists(children, max_size=3) | st.dictionaries(_text, children, max_size=3),
                            max_leaves=8)
_json_item = st.fixed_dictionaries({}, optional={
    "id": _json_values, "url": _json_values, "title": _json_values, "content_html": _json_values,
    "content_text": _json_values, "summary": _json_values, "date_published": _json_values,
    "authors": _json_values, "author": _json_values,
})


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.lists(_json_item | _json_values, max_size=4))
def test_json_feeds_with_odd_fields_give_items_or_one_sentence(items: list) -> None:  # type: ignore[type-arg]
    body = json.dumps({"version": "https://jsonfeed.org/version/1", "title": "T", "items": items}).encode()
    parsed = parse_feed(body, "the source")
    assert len(parsed.items) == sum(isinstance(i, dict) for i in items)
    for item in parsed.items:
        assert item.item_id
        assert item.published is None or item.published.tzinfo is not None
    assert all(isinstance(i.published, (dt.datetime, type(None))) for i in parsed.items)
