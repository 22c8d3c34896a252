"""WebVTT transcript: one cue per spoken segment, timed from the timeline."""

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


def webvtt(timeline: Timeline) -> str:
    """The WebVTT document: a header, then one numbered cue per segment with its start and end."""
    lines = ["WEBVTT", ""]
    for number, seg in enumerate(timeline.segments, start=1):
        lines += [str(number), f"{vtt_time(seg.start_ms)} --> {vtt_time(seg.end_ms)}", cue_text(seg.text), ""]
    return "\n".join(lines)
