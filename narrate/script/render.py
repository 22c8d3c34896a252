"""Plain-text rendering of a Script for `narrate script`: what will be said, readable by a person."""

from __future__ import annotations

from narrate.script.model import Script


def render_text(script: Script) -> str:
    """Chapters with their segments, one per line, role and pause shown where they are not the plain default."""
    lines = [f"Title:  {script.title}", f"Author: {script.author or 'unknown'}",
             f"Date:   {script.date.isoformat() if script.date else 'unknown'}"]
    if script.language:
        lines.append(f"Language: {script.language}")
    number = 0
    for chapter in script.chapters:
        lines.append("")
        if chapter.level == 0:
            number += 1
            lines.append(f"== Chapter {number}: {chapter.title}")
        else:
            lines.append(f"   -- {chapter.title}")
        for segment in chapter.segments:
            role = "" if segment.role == "narrator" else f"[{segment.role}] "
            lines.append(f"  {role}{segment.text}  ({segment.pause_ms} ms)")
    return "\n".join(lines)
