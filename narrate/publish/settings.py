"""Show settings: the podcast's title, author, cover... read from OUTPUT/narrate.toml, with sensible defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

from narrate.config import CONFIG_FILE, read_output_toml
from narrate.errors import NarrateError

SETTINGS_FILE = CONFIG_FILE
"""The show settings file, kept in the output folder (never served)."""
DEFAULT_HOST = "127.0.0.1"
"""`narrate serve`'s default host."""
DEFAULT_PORT = 8008
"""`narrate serve`'s default port."""
DEFAULT_BASE_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
"""The base URL when none is configured: where `narrate serve` runs by default."""


@dataclass(frozen=True)
class ShowSettings:
    """The podcast as a whole (the feed's channel)."""

    title: str = "narrate"
    """The podcast's title."""
    description: str = "Articles read aloud, made with narrate."
    """The podcast's description."""
    author: str = "narrate"
    """itunes:author and the owner's name."""
    email: str = "podcast@example.com"
    """The owner's e-mail (itunes:owner); podcast directories write to it."""
    language: str = "en"
    """The channel language (BCP 47)."""
    category: str = "News"
    """An Apple Podcasts category, e.g. 'News' or 'Technology'."""
    subcategory: str | None = None
    """An optional Apple Podcasts subcategory, e.g. 'Daily News'."""
    base_url: str | None = None
    """Where the output folder is hosted; None means narrate serve's default address."""
    link: str | None = None
    """The podcast's website; None means the base URL's index page."""
    cover: str | None = None
    """A square 1400-3000 px JPEG/PNG (path relative to the output folder, or a URL); None generates one."""
    explicit: bool = False
    """itunes:explicit."""
    locked: bool = False
    """podcast:locked: True tells other platforms not to import the feed."""
    feed_limit: int = 100
    """How many of the newest episodes the feed lists (the pages list all)."""
    episode_type: str = "full"
    """itunes:episodeType for every item: full, trailer or bonus."""
    keep: int | None = None
    """`narrate follow` keeps this many of the newest episodes and retires the older ones; None keeps all."""
    keep_days: int | None = None
    """`narrate follow` retires episodes published more than this many days ago; None keeps them."""

    def with_base_url(self, base_url: str | None) -> ShowSettings:
        """These settings with `base_url` overriding the configured one (when given)."""
        return replace(self, base_url=base_url) if base_url else self

    @property
    def effective_base_url(self) -> str:
        """The base URL in use, without a trailing slash."""
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")


def load_settings(output_dir: Path) -> ShowSettings:
    """Read OUTPUT/narrate.toml (a [show] table or top-level keys); defaults when the file is absent."""
    path, data = read_output_toml(output_dir)
    if not data:
        return ShowSettings()
    table = data["show"] if "show" in data else {k: v for k, v in data.items() if k != "build"}
    if not isinstance(table, dict):
        raise NarrateError(f"{path}: [show] must be a table.")
    known = {f.name: f for f in fields(ShowSettings)}
    values = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            raise NarrateError(f"{path}: unknown setting '{key}' (known: {', '.join(sorted(known))}).")
        values[name] = value
    _check_types(path, values)
    settings = ShowSettings(**values)
    if settings.episode_type not in ("full", "trailer", "bonus"):
        raise NarrateError(f"{path}: episode_type must be full, trailer or bonus.")
    if settings.feed_limit < 1:
        raise NarrateError(f"{path}: feed_limit must be at least 1.")
    for name in ("keep", "keep_days"):
        if getattr(settings, name) is not None and getattr(settings, name) < 1:
            raise NarrateError(f"{path}: {name} must be at least 1.")
    if settings.base_url and not settings.base_url.startswith(("http://", "https://")):
        raise NarrateError(f"{path}: base_url must start with http:// or https://.")
    return settings


def _check_types(path: Path, values: dict) -> None:  # type: ignore[type-arg]
    for name, value in values.items():
        if name in ("explicit", "locked"):
            ok = isinstance(value, bool)
        elif name in ("feed_limit", "keep", "keep_days"):
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise NarrateError(f"{path}: setting '{name}' has the wrong type ({type(value).__name__}).")
