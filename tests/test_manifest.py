"""EpisodeManifest round trips and episode_fingerprint sensitivity."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate import manifest as manifest_module
from narrate.script.model import Chapter, Script, Segment
from narrate.manifest import (
    ChapterRecord,
    EpisodeManifest,
    SegmentRecord,
    episode_fingerprint,
    read,
    read_header,
    text_sha256,
    write_build_manifest,
)

RATE = 22050


def make_manifest() -> EpisodeManifest:
    texts = [("Harbour news", "heading", 0), ("The ferry leaves at nine.", "narrator", 0), ("Weather", "heading", 1)]
    segments, start = [], 0
    for i, (text, role, chapter) in enumerate(texts):
        end = start + 10_000 + 1_000 * i
        segments.append(
            SegmentRecord(
                index=i,
                chapter_index=chapter,
                role=role,
                text=text,
                text_sha256=text_sha256(text),
                cache_key=f"{i:064x}",
                start_sample=start,
                end_sample=end,
                sample_rate=RATE,
                pause_ms=500,
            )
        )
        start = end + RATE // 2
    chapters = (
        ChapterRecord("Harbour news", 0, 0, start, RATE),
        ChapterRecord("Weather — and more", 1, segments[2].start_sample, start, RATE),
    )
    return EpisodeManifest(
        identity="urn:narrate:harbour-news",
        stem="harbour-news",
        title="Harbour news",
        fingerprint="f" * 64,
        sample_rate=RATE,
        total_samples=start,
        segments=tuple(segments),
        chapters=chapters,
        audio_file="harbour-news-1a2b3c.mp3",
        output_sample_rate=44100,
    )


def test_json_round_trip():
    m = make_manifest()
    data = json.loads(json.dumps(m.to_json()))
    assert EpisodeManifest.from_json(data) == m


def test_write_read_round_trip_is_atomic(tmp_path):
    m = make_manifest()
    path = tmp_path / "harbour-news.manifest.json"
    m.write(path)
    assert read(path) == m
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left behind


def test_times_and_keys():
    m = make_manifest()
    assert m.segment_keys() == [s.cache_key for s in m.segments]
    assert m.segments[1].start_s == pytest.approx(m.segments[1].start_sample / RATE)
    assert m.duration_s == pytest.approx(m.total_samples / RATE)
    assert [c.end_s for c in m.chapter_spans()] == [m.total_samples / RATE] * 2
    assert text_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize(
    "content",
    [None, "", "not json", "[1, 2]", '{"manifest_version": 999}', '{"manifest_version": 1, "stem": "x"}'],
    ids=["missing", "empty", "garbage", "list", "other-version", "incomplete"],
)
def test_read_of_no_usable_manifest_is_none(tmp_path, content):
    path = tmp_path / "m.json"
    if content is not None:
        path.write_text(content)
    assert read(path) is None


def test_other_version_is_rejected(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    make_manifest().write(path)
    assert EpisodeManifest.read(path) == make_manifest()
    monkeypatch.setattr(manifest_module, "MANIFEST_VERSION", manifest_module.MANIFEST_VERSION + 1)
    assert read(path) is None


FP_BASE = dict(
    segment_keys=["a" * 64, "b" * 64],
    pauses_ms=[300, 800],
    chapters=[("Harbour news", 0, 0)],
    audio_settings={"sample_rate": 44100, "bitrate": "64k", "lufs": -19.0},
    tags={"title": "Harbour news", "artist": "The Gazette", "date": "2024-05-01"},
)

FP_VARIANTS = {
    "segment key": dict(segment_keys=["a" * 64, "c" * 64]),
    "segment order": dict(segment_keys=["b" * 64, "a" * 64]),
    "pause": dict(pauses_ms=[300, 801]),
    "chapter title": dict(chapters=[("Harbour News", 0, 0)]),
    "chapter split": dict(chapters=[("Harbour news", 0, 0), ("More", 1, 1)]),
    "audio setting": dict(audio_settings={**FP_BASE["audio_settings"], "bitrate": "96k"}),
    "tag value": dict(tags={**FP_BASE["tags"], "artist": "The Courier"}),
    "new tag": dict(tags={**FP_BASE["tags"], "comment": "hi"}),
}


def test_fingerprint_is_stable_and_ignores_mapping_order():
    first = episode_fingerprint(**FP_BASE)
    reordered = {**FP_BASE, "tags": dict(reversed(list(FP_BASE["tags"].items())))}
    assert episode_fingerprint(**reordered) == first
    assert len(first) == 64


@pytest.mark.parametrize("name", sorted(FP_VARIANTS))
def test_fingerprint_changes_with_each_input(name):
    assert episode_fingerprint(**{**FP_BASE, **FP_VARIANTS[name]}) != episode_fingerprint(**FP_BASE)


def test_fingerprint_needs_one_pause_per_segment():
    with pytest.raises(ValueError):
        episode_fingerprint(**{**FP_BASE, "pauses_ms": [300]})


def _script() -> Script:
    return Script(
        title="Harbour news",
        identity="urn:narrate:harbour-news",
        chapters=(
            Chapter("Harbour news", (Segment("Harbour news", "heading", 400), Segment("Boats are late.", pause_ms=300))),
            Chapter("Empty part", (), level=1),
            Chapter("Weather", (Segment("Rain at noon.", pause_ms=0),), level=1),
            Chapter("Sport", (Segment("The home side won.", pause_ms=0),)),
        ),
    )


SPANS = [(0, 9000), (17820, 40000), (46615, 70000), (70000, 99000)]
TOTAL = 99000


def _check_from_build(timeline) -> None:
    script = _script()
    keys = [f"{i:064x}" for i in range(4)]
    m = EpisodeManifest.from_build(
        identity=script.identity, stem="harbour-news", title=script.title, fingerprint="0" * 64,
        script=script, segment_keys=keys, timeline=timeline, sample_rate=44100, duration_s=TOTAL / RATE,
    )
    assert [(s.start_sample, s.end_sample) for s in m.segments] == SPANS
    assert [s.chapter_index for s in m.segments] == [0, 0, 2, 3]
    assert [s.pause_ms for s in m.segments] == [400, 300, 0, 0]
    assert [s.role for s in m.segments] == ["heading", "narrator", "narrator", "narrator"]
    assert m.segment_keys() == keys
    assert m.segments[1].text_sha256 == text_sha256("Boats are late.")
    spans = [(c.title, c.level, c.start_sample, c.end_sample) for c in m.chapters]
    assert spans == [
        ("Harbour news", 0, 0, 70000),  # a top-level chapter spans its nested ones
        ("Empty part", 1, 46615, 46615),  # empty: starts (and ends) where the next speech starts
        ("Weather", 1, 46615, 70000),
        ("Sport", 0, 70000, TOTAL),
    ]
    assert (m.total_samples, m.sample_rate, m.output_sample_rate) == (TOTAL, RATE, 44100)
    assert EpisodeManifest.from_json(m.to_json()) == m


def _ms(samples: int) -> int:
    return round(samples * 1000 / RATE)


def test_from_build_with_plain_timeline_values():
    segs = [SimpleNamespace(chapter=c, start_sample=a, end_sample=b) for c, (a, b) in zip([0, 0, 2, 3], SPANS)]
    chapters = [
        SimpleNamespace(title="Harbour news", level=0, start_ms=0),
        SimpleNamespace(title="Empty part", level=1, start_ms=_ms(46615)),
        SimpleNamespace(title="Weather", level=1, start_ms=_ms(46615)),
        SimpleNamespace(title="Sport", level=0, start_ms=_ms(70000)),
    ]
    _check_from_build(SimpleNamespace(sample_rate=RATE, total_samples=TOTAL, segments=segs, chapters=chapters))


def test_from_build_with_the_real_timeline():
    timeline_module = pytest.importorskip("narrate.audio.timeline")
    _check_from_build(timeline_module.build_timeline(_script(), SPANS, TOTAL, RATE))


def test_from_build_rejects_a_timeline_that_disagrees():
    segs = [SimpleNamespace(chapter=c, start_sample=a, end_sample=b) for c, (a, b) in zip([0, 0, 2, 3], SPANS)]
    chapters = [SimpleNamespace(title=t, level=lv, start_ms=0) for t, lv in [("A", 0), ("B", 1), ("C", 1), ("D", 0)]]
    with pytest.raises(ValueError):
        _check_from_build(SimpleNamespace(sample_rate=RATE, total_samples=TOTAL, segments=segs, chapters=chapters))


def test_fingerprint_accepts_strings_such_as_a_repr():
    as_text = {**FP_BASE, "audio_settings": "AudioSettings(bitrate=64)", "tags": "EpisodeTags(title='x')"}
    changed = {**as_text, "tags": "EpisodeTags(title='y')"}
    assert episode_fingerprint(**as_text) != episode_fingerprint(**changed)


# -- streaming: the fingerprint and the manifest of a long book are never held whole ------------------------------------


def _fingerprint_as_one_json(segment_keys, pauses_ms, *, chapters, audio_settings, tags) -> str:  # type: ignore[no-untyped-def]
    """The fingerprint as it was first defined: the sha256 of one canonical JSON text of the whole payload."""
    payload = {
        "schema": manifest_module.FINGERPRINT_SCHEMA,
        "segments": [[k, int(p)] for k, p in zip(segment_keys, pauses_ms, strict=True)],
        "chapters": [[str(t), int(level), int(first)] for t, level, first in chapters],
        "audio": dict(audio_settings) if isinstance(audio_settings, dict) else audio_settings,
        "tags": dict(tags) if isinstance(tags, dict) else tags,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _text,
                                 st.dates().map(lambda d: d)), lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(_text, inner, max_size=3), max_leaves=8)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(keys=st.lists(_text, max_size=20), pauses=st.lists(st.integers(0, 5000), max_size=20),
       chapters=st.lists(st.tuples(_text, st.integers(0, 1), st.integers(0, 9)), max_size=4),
       audio=st.one_of(_text, st.dictionaries(_text, _values, max_size=4)),
       tags=st.one_of(_text, st.dictionaries(_text, _values, max_size=4)))
def test_the_streamed_fingerprint_is_the_one_json_fingerprint(keys, pauses, chapters, audio, tags) -> None:
    pauses = (pauses * (len(keys) // max(1, len(pauses)) + 1))[: len(keys)] if pauses else [0] * len(keys)
    expected = _fingerprint_as_one_json(keys, pauses, chapters=chapters, audio_settings=audio, tags=tags)
    assert episode_fingerprint(iter(keys), iter(pauses), chapters=chapters, audio_settings=audio, tags=tags) == expected


def test_the_streamed_fingerprint_still_needs_one_pause_per_segment() -> None:
    with pytest.raises(ValueError):
        episode_fingerprint(iter(["a" * 64, "b" * 64]), iter([300]), chapters=[], audio_settings={}, tags={})
    assert _fingerprint_as_one_json(**{**FP_BASE, "tags": {"date": dt.date(2024, 5, 1)}}) == episode_fingerprint(
        **{**FP_BASE, "tags": {"date": dt.date(2024, 5, 1)}})


def test_a_manifest_written_a_segment_at_a_time_is_the_one_from_build(tmp_path) -> None:  # type: ignore[no-untyped-def]
    timeline = pytest.importorskip("narrate.audio.timeline").build_timeline(_script(), SPANS, TOTAL, RATE)
    keys = [f"{i:064x}" for i in range(4)]
    common = dict(identity="urn:narrate:harbour-news", stem="harbour-news", title="Harbour news", fingerprint="0" * 64,
                  script=_script(), timeline=timeline, sample_rate=44100, audio_file="harbour-news.mp3")
    whole = EpisodeManifest.from_build(**common, segment_keys=keys)
    header = write_build_manifest(tmp_path / "m.json", **common, segment_keys=iter(keys))
    assert read(tmp_path / "m.json") == whole
    assert header == read_header(tmp_path / "m.json") and header.chapters == whole.chapters
    assert json.loads((tmp_path / "m.json").read_text()) == whole.to_json()  # one JSON document, as before


def test_the_header_is_read_without_the_segments(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.json"
    make_manifest().write(path)
    first, rest = path.read_text().split("\n", 1)
    path.write_text(first + "\n" + rest.replace("cache_key", "broken"))  # segments no longer readable...
    assert read(path) is None
    header = read_header(path)  # ...but the header is, from the first line alone
    assert header is not None and header.fingerprint == "f" * 64 and header.chapters == make_manifest().chapters


def test_a_manifest_laid_out_as_before_is_still_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(make_manifest().to_json(), ensure_ascii=False, indent=1) + "\n")
    assert read(path) == make_manifest()
    assert read_header(path) == read_header_of(make_manifest())


def read_header_of(manifest: EpisodeManifest):  # type: ignore[no-untyped-def]
    return manifest_module.ManifestHeader.header_from_json(manifest.to_json())
