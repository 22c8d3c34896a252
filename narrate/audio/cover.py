"""Cover: a generated square PNG showing the title, for episodes and feeds without artwork."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import textwrap
from pathlib import Path

BACKGROUNDS = ((24, 44, 74), (84, 28, 44), (22, 72, 58), (60, 36, 88), (40, 40, 44), (96, 56, 20))
"""Dark backgrounds that keep white text readable; one is picked from the title."""


@functools.cache
def _drawing_version() -> str:
    """What a cover's bytes depend on besides its inputs: this module's code and Pillow (with its fonts and codecs)."""
    from narrate.versions import package_version

    return hashlib.sha256(Path(__file__).read_bytes() + f"\0pillow={package_version('pillow')}".encode()).hexdigest()


def cover_key(title: str, subtitle: str | None = None, size: int = 1400) -> str:
    """The content key of the PNG generate_cover(title, subtitle, size) draws: the same key, the same bytes."""
    digest = hashlib.sha256(f"narrate-cover\0{_drawing_version()}\0".encode())
    digest.update(json.dumps([title, subtitle, size], ensure_ascii=False).encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def generate_cover(title: str, subtitle: str | None = None, size: int = 1400) -> bytes:
    """A square PNG of `size` pixels with the title (and subtitle) wrapped on a plain background; same input, same bytes.

    Remembered for the last few inputs: a build draws the show cover while its audio is made, then publishes it."""
    from PIL import Image, ImageDraw, ImageFont

    digest = hashlib.sha256(f"{title}\n{subtitle or ''}".encode()).digest()
    background = BACKGROUNDS[digest[0] % len(BACKGROUNDS)]
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    margin = size // 10
    width = size - 2 * margin
    draw.rectangle((margin, margin, margin + size // 8, margin + size // 80), fill=(255, 255, 255))

    title_lines, title_font = _fit(draw, title.strip() or "Untitled", width, size * 0.55, size // 9, size // 28, ImageFont)
    y = margin + size // 20
    y = _draw_lines(draw, title_lines, title_font, margin, y, (255, 255, 255))
    if subtitle:
        sub_lines, sub_font = _fit(draw, subtitle.strip(), width, size * 0.2, size // 22, size // 40, ImageFont)
        _draw_lines(draw, sub_lines, sub_font, margin, y + size // 25, (220, 220, 220))

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _fit(draw, text: str, width: int, max_height: float, largest: int, smallest: int, image_font):  # type: ignore[no-untyped-def]
    """Wrap `text` at the largest font size whose lines fit in `width` x `max_height`."""
    size = largest
    while True:
        font = image_font.load_default(size=size)
        chars = max(8, int(width / (size * 0.55)))
        lines = textwrap.wrap(text, width=chars) or [""]
        widest = max(draw.textlength(line, font=font) for line in lines)
        if (widest <= width and len(lines) * size * 1.2 <= max_height) or size <= smallest:
            while size <= smallest and len(lines) * size * 1.2 > max_height and len(lines) > 1:
                lines = lines[:-1]
                lines[-1] = lines[-1].rstrip(" .,;:") + "…"
            return lines, font
        size = int(size * 0.9)


def _draw_lines(draw, lines: list[str], font, x: int, y: float, colour: tuple[int, int, int]) -> float:  # type: ignore[no-untyped-def]
    """Draw `lines` from (x, y) downwards; return the y below the last line."""
    step = font.size * 1.2
    for line in lines:
        draw.text((x, y), line, font=font, fill=colour)
        y += step
    return y
