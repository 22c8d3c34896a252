"""`narrate follow --edition`: ONE episode of everything new, in the source's order, titled with the date in the
show's language; nothing new publishes nothing. And a folder of articles as a source."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import feedparser
import pytest
from mutagen.id3 import ID3, CTOCFlags

from cli_support import run_narrate
from follow_support import STORIES, Route, Story, article_page, atom, feed_server
from narrate.follow.when import edition_title, parse_duration


def follow(work: Path, *args: str) -> tuple[int, dict]:
    proc = run_narrate(["follow", *args, "-o", "out", "--cache", "cache", "--json"], work)
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def top_chapters(mp3: Path) -> list[str]:
    tags = ID3(mp3)
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    top = next(t for t in tags.getall("CTOC") if t.flags & CTOCFlags.TOP_LEVEL)
    return [str(chaps[i].sub_frames["TIT2"]) for i in top.child_element_ids]


def test_an_edition_of_what_is_new_then_nothing_then_the_next_one(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "narrate.toml").write_text('[show]\ntitle = "Gazette editions"\nlanguage = "en-GB"\n', "utf-8")
    stories = list(STORIES)
    with feed_server() as server:
        server.routes["/atom.xml"] = Route(atom(stories, server.base), "application/atom+xml")
        for story in stories:
            server.routes[f"/news/{story.slug}.html"] = Route(article_page(story, server.base))
        url = server.url("/atom.xml")
        code, report = follow(tmp_path, url, "--edition", "Morning edition, {date}")
        assert code == 0, report
        today = dt.date.today()
        title = f"Morning edition, {today.day} {today:%B} {today.year}"  # en-GB writes the day first
        assert report["edition"]["title"] == title and report["edition"]["items"] == 3
        out = tmp_path / "out"
        mp3 = out / report["edition"]["episode"]["mp3"]
        assert top_chapters(mp3) == [title, *(s.title for s in stories)]  # the order a reader of the feed sees
        cues = mp3.with_suffix(".vtt").read_text("utf-8")
        assert cues.count(f"{today.day} {today:%B} {today.year}") == 1  # the title says the date; the intro does not again
        entries = feedparser.parse((out / "feed.xml").read_bytes()).entries
        assert [e.title for e in entries] == [title]

        code, again = follow(tmp_path, url, "--edition", "Morning edition, {date}")
        assert code == 0 and again["edition"] is None
        assert again["edition_note"] == "Nothing new for “Morning edition, {date}”: no edition published."
        assert len(feedparser.parse((out / "feed.xml").read_bytes()).entries) == 1

        late = Story("tide", "Tide tables printed for summer", ["The harbour office has printed the summer tide tables."],
                     stories[0].published + dt.timedelta(hours=3))
        server.routes["/atom.xml"] = Route(atom([late, *stories], server.base), "application/atom+xml")
        code, third = follow(tmp_path, url, "--edition", "Morning edition, {date}")
        assert code == 0 and third["edition"]["items"] == 1
        second_mp3 = out / third["edition"]["episode"]["mp3"]
        assert top_chapters(second_mp3)[1:] == [late.title]
        assert third["edition"]["episode"]["identity"] != report["edition"]["episode"]["identity"]
        entries = feedparser.parse((out / "feed.xml").read_bytes()).entries
        assert len(entries) == 2 and len({e.id for e in entries}) == 2
        assert mp3.is_file()  # the first edition stays as it was


def test_window_keeps_an_edition_to_recent_items(tmp_path: Path) -> None:
    recent = Story("now", "Quay cafe opens early", ["The quay cafe now opens at seven."],
                   dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2))
    with feed_server() as server:
        server.routes["/atom.xml"] = Route(atom([recent, *STORIES], server.base), "application/atom+xml")
        proc = run_narrate(["follow", server.url("/atom.xml"), "-o", "out", "--edition", "Daily", "--window", "24h",
                            "--dry-run", "--json"], tmp_path)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and report["edition"]["items"] == 1
    assert sum(i["reason"].endswith("outside the edition's --window") for i in report["sources"][0]["items"]) == 3
    assert not (tmp_path / "out").exists()


def test_edition_titles_and_durations() -> None:
    day = dt.date(2026, 5, 18)
    assert edition_title("Morning edition, {date}", day, "en") == "Morning edition, May 18, 2026"
    assert edition_title("Morning edition, {date}", day, "en-GB") == "Morning edition, 18 May 2026"
    assert edition_title("Édition du matin, {date}", day, "fr") == "Édition du matin, 18 mai 2026"
    assert edition_title("{date:EEEE d MMMM}", day, "en") == "Monday 18 May"
    assert edition_title("Evening", day, "en") == "Evening"
    assert edition_title("{date}", day, "xx-unknown") == "May 18, 2026"
    assert parse_duration("24h", "--window") == 86400 and parse_duration("1h30m", "--every") == 5400
    for bad in ("", "soon", "10", "-5m", "0s"):
        with pytest.raises(Exception, match="--every"):
            parse_duration(bad, "--every")


def test_a_folder_of_articles_with_subfolders(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    (articles / "sport").mkdir(parents=True)
    (articles / ".drafts").mkdir()
    (articles / "bridge.md").write_text("# Footbridge painted green\n\nThe river footbridge was painted green this week.\n", "utf-8")
    (articles / "sport" / "regatta.txt").write_text("Rowing regatta moves to July\n\nThe rowing regatta moves to July.\n", "utf-8")
    (articles / "choir.html").write_text("<html><head><title>Choir sings on the pier</title></head><body><article>"
                                         "<p>The harbour choir sang on the pier on Friday evening.</p></article></body></html>", "utf-8")
    (articles / ".drafts" / "secret.md").write_text("# Not yet\n\nDraft text.\n", "utf-8")
    (articles / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    code, report = follow(tmp_path, "articles")
    assert code == 0, report
    source = report["sources"][0]
    assert source["key"] == "../articles"  # kept relative to the output folder: copying both moves the podcast
    assert sorted(i["id"] for i in source["items"]) == ["bridge.md", "choir.html", "sport/regatta.txt"]
    titles = {i["episode"]["title"] for i in source["items"]}
    assert titles == {"Footbridge painted green", "Rowing regatta moves to July", "Choir sings on the pier"}

    (articles / "bridge.md").write_text("# Footbridge painted green\n\nThe river footbridge was painted dark green.\n", "utf-8")
    code, report = follow(tmp_path, "articles")
    actions = {i["id"]: i["action"] for i in report["sources"][0]["items"]}
    assert code == 0 and actions == {"bridge.md": "changed", "choir.html": "unchanged", "sport/regatta.txt": "unchanged"}

    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copytree(tmp_path / "out", moved / "out")
    shutil.copytree(articles, moved / "articles")
    os.utime(moved / "articles" / "bridge.md")
    code, report = follow(moved, "articles", "--cache", str(tmp_path / "cache"))
    assert code == 0 and {i["action"] for i in report["sources"][0]["items"]} == {"unchanged"}
