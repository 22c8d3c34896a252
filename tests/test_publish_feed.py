"""Publish: catalog, feed and pages, checked with real SQLite, feedparser and podcastparser."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import re
import sqlite3
from pathlib import Path

import pytest
from lxml import etree

from narrate.errors import NarrateError, SettingsNote
from narrate.publish import list_episodes, publish_episode, remove_episode, write_feed
from narrate.publish.catalog import CATALOG_FILE, podcast_guid_for
from narrate.publish.feed import npt
from test_publish_support import make_episode, published, run_command  # noqa: F401  (fixture)

NOW = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def parse_feed(out: Path):  # type: ignore[no-untyped-def]
    import feedparser

    return feedparser.parse((out / "feed.xml").read_bytes())


def test_feedparser_sees_every_enclosure_duration_and_guid(published: Path) -> None:
    feed = parse_feed(published)
    assert feed.bozo == 0, feed.get("bozo_exception")
    entries = list_episodes(published)
    assert [e.title for e in feed.entries] == [e.record.title for e in entries]
    for parsed, entry in zip(feed.entries, entries):
        assert parsed.id == entry.guid
        assert parsed.guidislink is False
        (enclosure,) = parsed.enclosures
        assert enclosure.type == "audio/mpeg"
        assert enclosure.href.endswith("/" + entry.record.mp3)
        assert int(enclosure.length) == (published / entry.record.mp3).stat().st_size
        assert parsed.itunes_duration == str(round(entry.record.duration_s))
        assert parsed.itunes_episodetype == "full"
    assert feed.feed.image.href.endswith("/narrate-cover.png")


def test_podcastparser_parses_the_feed(published: Path) -> None:
    import podcastparser

    with open(published / "feed.xml", "rb") as stream:
        parsed = podcastparser.parse("http://127.0.0.1:8008/feed.xml", stream)
    assert len(parsed["episodes"]) == 2
    for episode in parsed["episodes"]:
        (enclosure,) = episode["enclosures"]
        assert enclosure["mime_type"] == "audio/mpeg"
        assert enclosure["file_size"] == (published / enclosure["url"].rsplit("/", 1)[1]).stat().st_size
        assert episode["total_time"] == 6
        assert [c["title"] for c in episode["chapters"]] == ["Opening", "Middle part", "Closing"]
        # podcastparser 0.6 maps the podcast namespace only under its old GitHub URI, not the official
        # https://podcastindex.org/namespace/1.0 we write, so it does not report transcript_url.
        assert episode["guid"] and episode["published"] > 0


def test_channel_and_item_elements_follow_the_specs(published: Path) -> None:
    root = etree.parse(str(published / "feed.xml"))
    ns = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0",
          "atom": "http://www.w3.org/2005/Atom", "psc": "http://podlove.org/simple-chapters"}
    channel = root.find("channel")
    self_link = channel.find("atom:link", ns)
    assert (self_link.get("rel"), self_link.get("type")) == ("self", "application/rss+xml")
    assert self_link.get("href") == "http://127.0.0.1:8008/feed.xml"
    assert channel.find("itunes:owner/itunes:email", ns) is None  # no e-mail configured: none is made up
    assert channel.find("itunes:owner/itunes:name", ns).text == channel.find("title").text == "narrate"
    assert channel.find("itunes:explicit", ns).text == "false"
    assert channel.find("itunes:category", ns).get("text") == "News"
    assert channel.find("podcast:guid", ns).text == podcast_guid_for("http://127.0.0.1:8008/feed.xml")
    assert channel.find("podcast:locked", ns).text in ("yes", "no")
    from PIL import Image

    with Image.open(published / "narrate-cover.png") as cover:
        assert cover.size[0] == cover.size[1] and 1400 <= cover.size[0] <= 3000
    for item in channel.findall("item"):
        assert len(item.findall("enclosure")) == 1
        assert item.find("podcast:chapters", ns).get("type") == "application/json+chapters"
        assert item.find("podcast:transcript", ns).get("type") == "text/vtt"
        starts = [c.get("start") for c in item.findall("psc:chapters/psc:chapter", ns)]
        assert starts == ["00:00:00.000", "00:00:02.000", "00:00:04.000"]
        assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}", item.find("pubDate").text)
        assert "0:02 Middle part" in item.find("description").text


def test_podcast_guid_matches_the_podcasting_2_0_example() -> None:
    # The example given in the podcast namespace's documentation.
    assert podcast_guid_for("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"


def test_npt_times() -> None:
    assert npt(3723.4567) == "01:02:03.457"


def test_awkward_titles_still_make_a_valid_feed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out).mkdir()
    (out / "narrate.toml").write_text('[show]\ntitle = "Tom & Jerry\'s <News> \\"Hour\\""\nauthor = "Zoë Ωmega"\n',
                                      encoding="utf-8")
    title = 'Rates & "risks" <b>up</b> — 東京 Ελλάδα \x07bell'
    publish_episode(out, make_episode(out, title, description="Q&A <now>"), now=NOW)
    feed = parse_feed(out)
    assert feed.bozo == 0
    assert feed.feed.title == "Tom & Jerry's <News> \"Hour\""
    assert feed.entries[0].title == title.replace("\x07", "")
    page = next(p for p in out.glob("*.html") if p.name != "index.html").read_text(encoding="utf-8")
    assert "Rates &amp; &#34;risks&#34; &lt;b&gt;up&lt;/b&gt;" in page and "<b>up</b>" not in page


def test_republishing_keeps_guid_and_pubdate_and_changes_no_byte(tmp_path: Path) -> None:
    out = tmp_path / "out"
    record = make_episode(out, "Undated story")
    publish_episode(out, record, now=NOW)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    result = publish_episode(out, record, now=NOW + dt.timedelta(days=3))
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert result.written == () and result.deleted == ()
    assert before == after
    feed = parse_feed(out)
    assert feed.entries[0].published_parsed[:6] == (2030, 1, 2, 3, 4, 5)


def test_episode_date_is_the_article_date_or_when_it_was_added_as_the_show_chooses(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish_episode(out, make_episode(out, "Undated"), now=NOW - dt.timedelta(days=1))
    with pytest.warns(SettingsNote, match=r"“Old article” is dated 30 June 2019, so podcast apps list it below 1 "
                                           r"newer episode; .*episode_date = \"added\""):
        publish_episode(out, make_episode(out, "Old article", date=dt.date(2019, 6, 30)), now=NOW)
    by_article = parse_feed(out).entries  # the default: in the order the articles were written
    assert [e.title for e in by_article] == ["Undated", "Old article"]
    assert by_article[1].published == "Sun, 30 Jun 2019 00:00:00 +0000"
    page = (out / "old-article.html").read_text("utf-8")
    assert ">30 June 2019</time> · added <time datetime=\"2030-01-02\">2 January 2030</time>" in page
    (out / "narrate.toml").write_text('[show]\nepisode_date = "added"\n', encoding="utf-8")
    write_feed(out)
    added = parse_feed(out).entries  # new to the podcast is new in the feed, whatever the article's age
    assert [e.title for e in added] == ["Old article", "Undated"]
    assert added[0].published_parsed[:6] == NOW.timetuple()[:6]
    page = (out / "old-article.html").read_text("utf-8")
    assert ">2 January 2030</time> · article of <time datetime=\"2019-06-30\">30 June 2019</time>" in page
    (out / "narrate.toml").write_text('[show]\nepisode_date = "whenever"\n', encoding="utf-8")
    with pytest.raises(NarrateError, match="episode_date must be added or article"):
        write_feed(out)


def test_changed_audio_keeps_guid_replaces_enclosure_and_deletes_old_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = make_episode(out, "Changing story", identity="url:https://example.org/a", frequency=440)
    first = publish_episode(out, old, now=NOW)
    (out / "my-notes-deadbeef.mp3").write_bytes(b"user file that looks like ours")
    new = make_episode(out, "Changing story", identity="url:https://example.org/a", frequency=880)
    assert new.mp3 != old.mp3
    second = publish_episode(out, new, now=NOW + dt.timedelta(hours=1))
    assert second.entry.guid == first.entry.guid
    assert second.entry.published == first.entry.published
    assert set(second.deleted) == {old.mp3, old.chapters_json, old.vtt}
    assert not (out / old.mp3).exists() and (out / new.mp3).exists()
    assert (out / "my-notes-deadbeef.mp3").exists()
    (parsed,) = parse_feed(out).entries
    assert parsed.id == first.entry.guid and parsed.enclosures[0].href.endswith(new.mp3)


def test_remove_takes_the_episode_out_and_deletes_its_files(published: Path) -> None:
    victim = list_episodes(published)[-1]
    result = run_command("remove", victim.slug, "-o", str(published))
    assert result.returncode == 0, result.stderr
    assert [e.slug for e in list_episodes(published)] != [] and victim.slug not in [e.slug for e in list_episodes(published)]
    for name in (victim.record.mp3, victim.record.chapters_json, victim.record.vtt, victim.page):
        assert not (published / name).exists()
    assert len(parse_feed(published).entries) == 1
    assert victim.page not in (published / "index.html").read_text(encoding="utf-8")
    missing = run_command("remove", "no-such-episode", "-o", str(published))
    assert missing.returncode == 1 and "No episode 'no-such-episode'" in missing.stderr


def test_episodes_command_lists_the_catalog(published: Path) -> None:
    result = run_command("episodes", "-o", str(published))
    assert result.returncode == 0, result.stderr
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == [e.slug for e in list_episodes(published)]


def test_feed_command_rewrites_with_base_url_and_limit(published: Path) -> None:
    (published / "narrate.toml").write_text("feed_limit = 1\nexplicit = true\n", encoding="utf-8")
    result = run_command("feed", "-o", str(published), "--base-url", "https://pod.example.net/show/")
    assert result.returncode == 0, result.stderr
    feed = parse_feed(published)
    assert feed.bozo == 0 and len(feed.entries) == 1
    assert feed.entries[0].enclosures[0].href.startswith("https://pod.example.net/show/")
    # feedparser 6 only understands yes/clean; the current Apple spec (and this feed) says true/false
    assert "<itunes:explicit>true</itunes:explicit>" in (published / "feed.xml").read_text(encoding="utf-8")
    index = (published / "index.html").read_text(encoding="utf-8")
    assert all(e.page in index for e in list_episodes(published))  # pages list all
    # the podcast:guid was fixed by the first feed and does not follow the host
    assert podcast_guid_for("http://127.0.0.1:8008/feed.xml") in (published / "feed.xml").read_text(encoding="utf-8")


def test_bad_settings_are_one_sentence_errors(tmp_path: Path) -> None:
    (tmp_path / "narrate.toml").write_text("titel = 'typo'\n", encoding="utf-8")
    with pytest.raises(NarrateError, match="unknown setting 'titel'"):
        write_feed(tmp_path)
    (tmp_path / "narrate.toml").write_text("cover = 'small.png'\n", encoding="utf-8")
    from PIL import Image

    Image.new("RGB", (300, 200)).save(tmp_path / "small.png")
    with pytest.raises(NarrateError, match="square of 1400 to 3000"):
        write_feed(tmp_path)


def test_configured_cover_is_used(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (1500, 1500), (10, 120, 90)).save(tmp_path / "art.jpg")
    out = tmp_path / "out"
    out.mkdir()
    (out / "narrate.toml").write_text(f"cover = '{tmp_path / 'art.jpg'}'\n", encoding="utf-8")
    publish_episode(out, make_episode(out, "Covered"), now=NOW)
    assert parse_feed(out).feed.image.href == "http://127.0.0.1:8008/cover.jpg"
    assert (out / "cover.jpg").read_bytes() == (tmp_path / "art.jpg").read_bytes()
    assert not (out / "narrate-cover.png").exists()


def test_pages_embed_player_chapters_and_transcript(published: Path) -> None:
    entry = list_episodes(published)[0]
    page = (published / entry.page).read_text(encoding="utf-8")
    assert f'<audio id="player" controls preload="metadata" src="{entry.record.mp3}">' in page
    assert page.count('<li class="level-0" data-start=') == len(entry.record.chapters)
    assert '<a href="#t=0:02" data-seek="2.000">' in page  # a chapter links to its moment
    assert "Spoken words of the part called Middle part &amp; more." in page  # transcript embedded, unescaped once
    assert 'href="feed.xml"' in page
    head = re.sub(r'(?:href|content)="https?://[^"]*"', "", page.split("<style>")[0])  # links and share previews
    assert "http" not in head  # no external assets in head


def _publish_in_process(args: tuple[str, str, int]) -> str:
    out, title, frequency = args
    from narrate.publish import publish_episode as publish

    record = make_episode(Path(out), title, frequency=frequency)
    publish(Path(out), record)
    return record.identity


def test_concurrent_publishes_from_two_processes_both_land(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    jobs = [(str(out), f"Parallel story {i}", 300 + 50 * i) for i in range(4)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        identities = pool.map(_publish_in_process, jobs)
    assert sorted(e.record.identity for e in list_episodes(out)) == sorted(identities)
    feed = parse_feed(out)
    assert feed.bozo == 0 and len(feed.entries) == 4
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"Parallel story {i}" in index for i in range(4))
    conn = sqlite3.connect(out / CATALOG_FILE)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_remove_several_in_one_publish_and_a_wrong_name_changes_nothing(published: Path) -> None:
    slugs = [e.slug for e in list_episodes(published)]
    wrong = run_command("remove", slugs[0], "no-such-episode", "-o", str(published))
    assert wrong.returncode == 1 and "No episode 'no-such-episode'" in wrong.stderr
    assert [e.slug for e in list_episodes(published)] == slugs and len(parse_feed(published).entries) == 2
    done = run_command("remove", *slugs, "-o", str(published))
    assert done.returncode == 0, done.stderr
    assert list_episodes(published) == [] and parse_feed(published).entries == []
    assert not list(published.glob("*.mp3")) and [p.name for p in published.glob("*.html")] == ["index.html"]


def test_an_episode_whose_audio_went_missing_is_left_out_of_the_feed(published: Path) -> None:
    gone, kept = list_episodes(published)
    (published / gone.record.mp3).unlink()  # deleted by hand, or lost in a power cut
    write_feed(published)
    assert [e.id for e in parse_feed(published).entries] == [kept.guid]
    assert gone.page not in (published / "index.html").read_text(encoding="utf-8")
    listing = run_command("episodes", "-o", str(published)).stdout.splitlines()
    assert [line.endswith("(files missing: left out of the feed)") for line in listing] == [True, False]


def test_the_generated_show_cover_is_drawn_once_and_again_when_it_changes(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from narrate.audio import cover

    out = tmp_path / "out"
    out.mkdir()
    publish_episode(out, make_episode(out, "First"), now=NOW)
    drawn = (out / "narrate-cover.png").read_bytes()
    assert drawn.startswith(b"\x89PNG")
    calls: list[tuple] = []
    real = cover.generate_cover

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cover, "generate_cover", counting)
    publish_episode(out, make_episode(out, "Second"), now=NOW)
    assert calls == [] and (out / "narrate-cover.png").read_bytes() == drawn  # the file holds it: not drawn again

    (out / "narrate-cover.png").write_bytes(b"not the cover")  # changed by hand: drawn and written again
    publish_episode(out, make_episode(out, "Third"), now=NOW)
    assert len(calls) == 1 and (out / "narrate-cover.png").read_bytes() == drawn

    (out / "narrate.toml").write_text("[show]\ntitle = 'Another show'\n", encoding="utf-8")  # another title: a new cover
    publish_episode(out, make_episode(out, "Fourth"), now=NOW)
    assert len(calls) == 2 and (out / "narrate-cover.png").read_bytes() != drawn
