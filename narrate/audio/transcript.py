"""WebVTT transcript: one cue per spoken segment, timed from the timeline.

A quotation stays one cue per sentence, as every other stretch: a cue is shown whole while it lasts, so a
quotation of several sentences as one cue would be a wall of text for half a minute in an app, and apps
that follow along highlight cue by cue, so sentence cues keep the highlight in step with the voice. What
marks a quotation instead is a class span, `<c.quote>...</c>`, on each of its sentences: players ignore
it (or style it), and the episode page uses it to show a quotation as one passage.
"""

from __future__ import annotations

from narrate.audio.timeline import Timeline


def vtt_time(ms: int) -> str:
    """Milliseconds as a WebVTT timestamp HH:MM:SS.mmm."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def cue_text(text: str) -> str:
    """Segment text made safe for a cue payload (no blank lines, no '-->', escaped markup)."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


QUOTE_CLASS = "quote"
"""The WebVTT class span that marks the sentences of a quotation."""


def webvtt(timeline: Timeline) -> str:
    """The WebVTT document: a header, then one numbered cue per segment with its start and end (quotations marked)."""
    lines = ["WEBVTT", ""]
    for number, seg in enumerate(timeline.segments, start=1):
        text = cue_text(seg.text)
        if seg.role == "quote":
            text = f"<c.{QUOTE_CLASS}>{text}</c>"
        lines += [str(number), f"{vtt_time(seg.start_ms)} --> {vtt_time(seg.end_ms)}", text, ""]
    return "\n".join(lines)
