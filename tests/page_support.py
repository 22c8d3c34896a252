"""A long test episode for the page tests: a real 60 s MP3, chapters and a WebVTT written by narrate's own writers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from narrate.audio.chapters_json import chapters_json
from narrate.audio.timeline import build_timeline
from narrate.audio.transcript import webvtt
from narrate.publish.record import EpisodeRecord
from narrate.script.model import Chapter, Script, Segment
from narrate.slug import episode_stem
from test_publish_support import make_mp3

SECONDS = 60
"""The long test episode: 60 one-second sentences, so its transcript scrolls."""


def _sentences() -> list[Chapter]:
    """Chapters of our own words: 60 sentences, one quotation of three sentences around an attribution."""
    said = [Segment(f"The harbour log notes entry number {n} in plain words.", pause_ms=200) for n in range(60)]
    said[21] = Segment("We could have patched the shaft in a month", "quote", 200)
    said[22] = Segment("said the yard's foreman.", "narrator", 200)
    said[23] = Segment("But a patch would have failed by spring.", "quote", 200)
    said[24] = Segment("So we replaced it.", "quote", 200)
    return [Chapter("Opening", tuple(said[:20])), Chapter("Repairs", tuple(said[20:40])),
            Chapter("Timetable", tuple(said[40:55]), level=1), Chapter("Closing", tuple(said[55:]))]


def long_episode(out: Path) -> EpisodeRecord:
    """A 60 s MP3 with chapters and a WebVTT transcript written by narrate's own writers, from sample spans."""
    out.mkdir(parents=True, exist_ok=True)
    rate = 44100
    script = Script("Harbour log", tuple(_sentences()), author="Mara Ellison", site="Harbour Gazette",
                    description="Sixty short sentences about a ferry, read one per second.", language="en")
    spans = [(i * rate, i * rate + int(0.8 * rate)) for i in range(SECONDS)]
    timeline = build_timeline(script, spans, SECONDS * rate, rate)
    tmp = out / ".long.mp3"
    data = make_mp3(tmp, SECONDS, 330)
    stem = episode_stem(script.title, hashlib.sha256(data).hexdigest())
    tmp.rename(out / f"{stem}.mp3")
    (out / f"{stem}.chapters.json").write_text(json.dumps(chapters_json(timeline, script.title)), encoding="utf-8")
    (out / f"{stem}.vtt").write_text(webvtt(timeline), encoding="utf-8")
    return EpisodeRecord(
        identity="test:harbour-log", title=script.title, mp3=f"{stem}.mp3", mp3_bytes=len(data), duration_s=SECONDS,
        chapters_json=f"{stem}.chapters.json", vtt=f"{stem}.vtt",
        chapters=tuple((c.title, c.level, c.start_ms / 1000, c.end_ms / 1000) for c in timeline.chapters),
        author=script.author, description=script.description, site=script.site, language="en")
