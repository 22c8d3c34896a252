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


def test_a_generated_covers_date_is_written_in_the_episodes_language() -> None:
    import datetime as dt

    from narrate.audio.assemble import _cover_subtitle
    from narrate.audio.tags import EpisodeTags

    day = dt.date(2026, 12, 3)
    assert _cover_subtitle(EpisodeTags(title="Bridge", date=day, language="en")) == "3 December 2026"
    assert _cover_subtitle(EpisodeTags(title="Bridge", date=day)) == "3 December 2026"
    assert _cover_subtitle(EpisodeTags(title="Brücke", date=day, language="de")) == "3. Dezember 2026"
    assert _cover_subtitle(EpisodeTags(title="Puente", date=day, language="es-MX")) == "3 de diciembre de 2026"
    assert _cover_subtitle(EpisodeTags(title="Brücke", album="Stadtblatt", date=day, language="de")) == "Stadtblatt"
