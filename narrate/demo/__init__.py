"""The bundled demo articles (our own words), built by `narrate demo`."""

from __future__ import annotations

from pathlib import Path


def demo_articles() -> list[Path]:
    """The demo articles in edition order."""
    return sorted(Path(__file__).parent.glob("*.md"))
