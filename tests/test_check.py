"""`narrate script --check`: what no rule understood, leftover symbols, unknown capitals, long sentences, with places."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_support import run_narrate
from narrate.script.check import check_script, check_text, check_written
from narrate.script.lexicon import Lexicon, LexiconEntry
from narrate.script.model import Chapter, Script, Segment
from narrate.script.normalize import normalize_for_speech, passes_for
from narrate.script.normalize.trace import trace
from normalize_cases import CASES

# Written news sentences (our own) in which something would be misread: each must be reported.
MISREAD = [
    "Light travels at 3x10⁸ m/s in a vacuum.",
    "Light travels at 3x10^8 m/s in a vacuum.",
    "The alarm went off at 10:61 pm.",
    "Download v2.3.1-beta from the project page.",
    "Profits rose sharply in FY2024.",
    "Sales peaked in 2024Q1 and fell after.",
    "The tickets were $5each at the door.",
    "He paid Rs 500 for a seat.",
    "The plant releases 5kg/m2 of dust a year.",
    "The A380 landed safely in the fog.",
    "The 2024/25 budget was approved.",
    "The final score was 3:1.",
    "The screen has a 16:9 ratio.",
    "Flight BA2490 was delayed by fog.",
    "Most servers still run x86 chips.",
    "The 49ers won on Sunday.",
    "He is 6ft 2in tall.",
    "She is 5'11\" tall.",
    "The new engine is 1.5x faster.",
    "A 4x4 truck blocked the lane.",
    "The dose was 30 mg/kg.",
    "Agent 007 returned to the screen.",
    "A coffee costs 4,5 euros in the square.",
    "The lorry weighed 40 tonnes, well over the 7.5 t limit for the bridge.",
    "The river rose 1.5 m in six hours.",
    "The 5 m people figure was disputed.",
    "The sensor counted 1e6 particles.",
    "The loan of 5bn yen was repaid.",
    "A stamp now costs 85¢.",
    "The fare rose to ₺300.",
    "The index gained 1.2k points.",
    "Investors expect a 2:1 split.",
    "Call 0800 123 456 for help.",
    "Order part AB-1234X from the depot.",
    "Enter the code X7Y9Z at the gate.",
    "The meeting moved to room 12b.",
    "The night train departs at 25:10.",
    "The match starts at 9h30.",
    "Win 3 x £50 vouchers this week.",
    "Patch 1.2.3.4 landed overnight.",
    "He earned 50k a year.",
    "The quake measured 6.1M at sea.",
    "Diesel costs 1.89/litre at the pump.",
    "It is a 10-15min walk from the station.",
    "The yacht held a steady 30kts.",
    "Use 2 x 4 timber for the frame.",
    "The winner came in the 90+3 minute.",
    "The bill came to USD5bn.",
]

# Ordinary news sentences (our own) with numbers, dates, money, units and times: none may be reported.
READ_WELL = [
    "The council approved 1,250 new homes on Tuesday.",
    "Turnout reached 64.3% in the northern districts.",
    "The bridge, opened in 1932, will close for repairs in 2026.",
    "Prices rose 4.1 percent in the year to March.",
    "She was born on 14 February 1961 in a fishing town.",
    "The hearing is set for March 3, 2026, at 10 a.m.",
    "The last ferry leaves at 22:15 on weekdays.",
    "The market opens at 7:30am and closes at 6pm.",
    "Doors open at 9:30 a.m. ET and polls close at 8 p.m. ET.",
    "The school needs £2.4m to replace its roof.",
    "Investors lost $3 billion in a single afternoon.",
    "The company paid €450,000 in fines last year.",
    "The ticket costs $12.50 for adults and $6 for children.",
    "The new terminal cost ₹4.5cr.",
    "A 12 km stretch of the coast road was closed.",
    "Temperatures fell to -4°C overnight and rose to 18°C by noon.",
    "Winds of 110 km/h brought down power lines.",
    "The dam holds 2.5 million cubic metres of water.",
    "The runner finished 3rd, two seconds behind the winner.",
    "It was her 21st birthday.",
    "The 1990s saw the port triple in size.",
    "Music of the '80s filled the hall.",
    "About 3/4 of those asked agreed.",
    "The home side won 3-1 after extra time.",
    "The vote was 52–48 in favour.",
    "The 2014-2022 period was the warmest on record.",
    "The G7 summit ends on Friday.",
    "COVID-19 cases rose for a third week.",
    "Engineers are testing 5G masts on the hill.",
    "The M25 was closed between junctions 10 and 11.",
    "Version 3.12.1 fixes the bug.",
    "The MI5 report was published in full.",
    "World War II ended in 1945.",
    "The fund grew to US$1.2tn by June.",
    "Unemployment fell to 4.2% from 4.5%.",
    "The race is 42.195 km long.",
    "Only 1 in 5 households has a car.",
    "Officers seized 2.5 kg of cocaine.",
    "The plane reached 35,000 ft before turning back.",
    "The office is on the 4th floor.",
    "Shares closed at $101.25, up 2%.",
    "The deficit was 3.5% of GDP in 2024.",
    "A 50-50 split was agreed.",
    "The meeting runs from 9:00 to 17:30.",
    "He scored in the 89th minute.",
    "The app has 2.3 million users.",
    "Some 200 people were evacuated.",
    "Rates were held at 5.25%.",
    "The storm hit on 12/03/2024 and lasted two days.",
    "The report, dated 2023-11-02, was leaked.",
    "The orchard covers 12 hectares.",
    "She ran the 100m in 10.8 seconds.",
    "The survey of 2,000 adults found 1 in 3 had no savings.",
    "He was #1 for weeks, and 50+ fans waited outside.",
    "The limit is 2^15 entries.",
    "Q3 results beat forecasts.",
    "Open 24/7 since 9/11.",
    "It fell to -5 overnight.",
]


def _script(*chapters: tuple[str, list[str]], language: str | None = None) -> Script:
    return Script(title="t", chapters=tuple(Chapter(title, tuple(Segment(s) for s in segs)) for title, segs in chapters),
                  language=language)


@pytest.mark.parametrize("written", MISREAD)
def test_each_misreading_is_reported(written: str) -> None:
    found = check_written(written)
    assert [kind for kind, _, _ in found][:1] == ["not-understood"], normalize_for_speech(written)


@pytest.mark.parametrize("written", READ_WELL)
def test_ordinary_news_figures_are_not_reported(written: str) -> None:
    assert check_written(written) == [], normalize_for_speech(written)


def test_no_case_of_the_normalizer_table_is_reported() -> None:
    assert [(w, check_written(w)) for _, w, _ in CASES if check_written(w)] == []


def test_the_report_says_what_will_be_heard_and_why() -> None:
    [(kind, excerpt, message)] = check_written("Profits rose sharply in FY2024.")
    assert excerpt == "FY2024"
    assert '"FYtwenty twenty-four"' in message and "'FY' is left over" in message
    [(_, excerpt, message)] = check_written("The alarm went off at 10:61 pm.")
    assert excerpt == "10:61 pm"  # neighbouring findings make one report
    assert 'is read "ten:sixty-one pm"' in message
    [(_, excerpt, message)] = check_written("He paid Rs 500 for a seat.")
    assert excerpt == "Rs" and "beside a number" in message


def test_trace_marks_what_a_rule_understood_and_what_it_left_glued() -> None:
    traced = trace("In FY2024, ₹4.5cr.", passes_for("en"))
    marks = "".join("R" if r else "U" if u else "." for u, r in zip(traced.understood, traced.residue))
    assert marks == "...RRUUUU..UUUUUU."
    assert traced.spoken == "In FYtwenty twenty-four, four point five crore rupees."
    assert traced.spoken_for(3, 9) == "FYtwenty twenty-four"


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("0123456789 .,:/-%$£€₹°xXkmgsptAaBbQ'\"()[]^+#&h\n")) , max_size=40))
def test_trace_speaks_exactly_as_the_normalizer_and_never_fails(text: str) -> None:
    traced = trace(text, passes_for("en"))
    assert traced.spoken == normalize_for_speech(text)
    assert len(traced.understood) == len(traced.residue) == len(text)
    for token in traced.tokens:
        assert 0 <= token.start <= token.end <= len(traced.spoken)
        assert 0 <= token.origin[0] <= token.origin[1] <= len(text)
    check_written(text)


def test_phoneme_spans_are_passed_through() -> None:
    assert check_written("Say [[h@l'oU]] at 5 pm, twice.") == []
    traced = trace("Say [[h@l'oU]] at 5 pm.", passes_for("en"))
    assert traced.spoken == normalize_for_speech("Say [[h@l'oU]] at 5 pm.")


def test_finds_each_kind_with_its_place() -> None:
    script = _script(
        ("Opening", ["All fine here.", "Model X7Y costs 5 units."]),
        ("Second", ["The ZQW team met.", "A sign ✓ appeared.", " ".join(["word"] * 70) + "."]),
    )
    issues = check_script(script)
    kinds = [(i.kind, i.chapter_index, i.segment_index) for i in issues]
    assert kinds == [("not-understood", 0, 1), ("all-caps", 1, 0), ("symbol", 1, 1),
                     ("long-sentence", 1, 2)]
    assert issues[0].excerpt == "X7Y"
    assert str(issues[1]).startswith('Chapter 2 "Second", segment 1: ')
    assert str(issues[1]).endswith('\n    "The ZQW team met."')
    assert "ZQW" in issues[1].message


def test_the_written_text_is_checked_and_the_spoken_text_is_what_is_heard() -> None:
    from narrate.script.speech import speakable

    spoken = speakable(_script(("One", ["Profits rose in FY2024 and at 3:1 odds."])))
    issues = check_script(spoken)
    assert [i.excerpt for i in issues] == ["FY2024", "3:1"]
    assert issues[0].context == '"Profits rose in FY2024 and at 3:1 odds."'


def test_a_lexicon_entry_settles_a_finding() -> None:
    from narrate.script.speech import speakable

    lexicon = Lexicon((LexiconEntry(re.compile(r"\bFY(\d{4})\b"), r"fiscal year \1"),))
    spoken = speakable(_script(("One", ["Profits rose in FY2024."])), lexicon)
    assert spoken.segments()[0].text == "Profits rose in fiscal year twenty twenty-four."
    assert check_script(spoken, lexicon=lexicon) == []
    assert [i.excerpt for i in check_script(spoken)] == ["FY2024"]


def test_known_words_phonemes_and_dotted_initials_pass() -> None:
    assert check_text("NATO, NASA and the F.B.I. said [[h@l'oU]] twice.") == []


def test_long_sentence_limit_is_adjustable() -> None:
    text = "one two three four five six."
    assert check_text(text, long_sentence_words=5)[0][0] == "long-sentence"
    assert check_text(text, long_sentence_words=6) == []


def test_nested_chapters_are_numbered_as_the_script_shows_them_and_excerpts_have_context() -> None:
    chapters = (
        Chapter("Edition", (Segment("Fine."),)),
        Chapter("Ferry", (Segment("Fine."),)),
        Chapter("Repairs", (Segment("Fine."), Segment("The long preamble says the ferry model X7Y costs a great deal to repair now.")), level=1),
    )
    issue = check_script(Script(title="t", chapters=chapters))[0]
    assert issue.place() == 'Chapter 2.1 "Repairs", segment 2'
    assert issue.context == '"…says the ferry model X7Y costs a great deal to repair…"'


def test_figures_are_left_to_the_engine_for_languages_without_a_normalizer() -> None:
    chapters = (Chapter("Fähre", (Segment("Die Fähre brachte 120 Fahrgäste um 10:61 über den Fluss."),)),)
    assert check_script(Script(title="t", chapters=chapters, language="de")) == []
    assert [i.kind for i in check_script(Script(title="t", chapters=chapters, language="en"))] == ["not-understood"]


def test_initials_with_an_ampersand_are_not_reported() -> None:
    assert check_text(normalize_for_speech("AT&T and the R&D team met.")) == []
    assert [kind for kind, _, _ in check_text("Tom & Jerry met.")] == ["symbol"]


def test_cli_check_reports_the_misreadings_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "odd.md").write_text(
        "# Odd figures\n\nThe terminal cost ₹4.5cr, and light travels at 3x10⁸ m/s.\n\n"
        "The alarm went off at 10:61 pm, just as v2.3.1-beta shipped. In FY2024 it paid Rs 500.\n",
        encoding="utf-8")
    proc = run_narrate(["script", "odd.md", "--check"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    for excerpt in ("'3x10⁸ m/s'", "'10:61 pm'", "'v2.3.1-beta'", "'FY2024'", "'Rs'"):
        assert excerpt in proc.stdout
    assert "₹4.5cr" not in proc.stdout.split("\n    ")[0]  # crore is a magnitude the currency rule knows
    assert "5 places to look at." in proc.stderr
    (tmp_path / "fine.md").write_text("# Fine\n\nThe ferry carried 1,200 people at 9:30 a.m. on 3 March 2026.\n",
                                      encoding="utf-8")
    proc = run_narrate(["script", "fine.md", "--check"], cwd=tmp_path)
    assert proc.returncode == 0 and "Nothing to fix" in proc.stderr


def test_cli_check_json_lists_each_finding(tmp_path: Path) -> None:
    import json

    (tmp_path / "odd.md").write_text("# Odd\n\nThe alarm went off at 10:61 pm.\n", encoding="utf-8")
    proc = run_narrate(["script", "odd.md", "--check", "--json"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)
    assert [f["excerpt"] for f in findings] == ["10:61 pm"]
    assert findings[0]["kind"] == "not-understood" and findings[0]["message"]
