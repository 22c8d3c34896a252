"""Generated covers: square PNGs, same bytes for the same title, different for another."""

from __future__ import annotations

import io

from PIL import Image

from narrate.audio.cover import generate_cover


def test_cover_square_png_and_deterministic() -> None:
    a = generate_cover("A long headline about a council vote on the new bridge over the river", "Evening edition", 1400)
    b = generate_cover("A long headline about a council vote on the new bridge over the river", "Evening edition", 1400)
    assert a == b
    image = Image.open(io.BytesIO(a))
    assert image.format == "PNG" and image.size == (1400, 1400)
    assert generate_cover("Another headline", None, 1400) != a
    assert Image.open(io.BytesIO(generate_cover("x" * 400, "y" * 300, 3000))).size == (3000, 3000)
