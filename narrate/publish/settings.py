"""Show settings: the podcast's title, author, cover... read from OUTPUT/narrate.toml, with sensible defaults."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

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
    """The podcast's title (a placeholder until narrate.toml names one)."""
    description: str = "Articles read aloud, made with narrate."
    """The podcast's description."""
    author: str | None = None
    """itunes:author and the owner's name; None means the title (a newsroom's podcast is by the newsroom)."""
    email: str | None = None
    """The owner's e-mail (itunes:owner); podcast directories write to it. None leaves it out of the feed."""
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
    episode_date: str = "article"
    """The date an episode carries in the feed: 'article' (the article's own date, else when it was added) or
    'added' (when narrate first published it); see narrate.publish.dating."""
    configured: frozenset[str] = frozenset()
    """The settings narrate.toml gave (the others are defaults)."""
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

    @property
    def owner(self) -> str:
        """The name the feed gives as author and owner: the configured author, else the show's title."""
        return self.author or self.title

    def notes(self, where: Path | str = SETTINGS_FILE, about_base_url: bool = True) -> list[str]:
        """One-line notes about what a listener or a directory would notice: placeholders, a loopback feed (unless
        `about_base_url` is False: `narrate serve` says that of the address it serves)."""
        notes = []
        missing = [name for name in ("title", "email") if name not in self.configured]
        if missing:
            said = " or ".join({"title": "title", "email": "owner e-mail"}[m] for m in missing)
            notes.append(f"the show has no {said} yet (the feed says '{self.title}'"
                         + ("" if "email" in self.configured else ", with no e-mail")
                         + f"): set them under [show] in {where}.")
        if about_base_url and is_loopback_url(self.effective_base_url):
            notes.append(loopback_note(self.effective_base_url))
        return notes


def loopback_note(url: str) -> str:
    """The note for a feed whose URLs are under `url`, an address of this machine only."""
    return (f"the feed points at {url.rstrip('/')}, which only this machine can open: "
            "give --base-url (it is remembered for the folder) or set [show] base_url.")


def is_loopback_url(url: str) -> bool:
    """True when `url`'s host is this machine only (localhost, 127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, where: str) -> str:
    """`url` without a trailing slash, when podcast apps can use it as the folder's address; else NarrateError."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NarrateError(f"{where} must be an http:// or https:// address with a host name, not '{url}'.")
    if parts.query or parts.fragment:
        raise NarrateError(f"{where} must be a folder's address, without ?query or #fragment: '{url}'.")
    return url.strip().rstrip("/")


_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def check_email(address: str, where: str) -> str:
    """`address` when it is a plain e-mail address a directory can write to; else NarrateError."""
    if not _EMAIL.match(address) or ".." in address or address.split("@")[0].startswith("."):
        raise NarrateError(f"{where}: email must be an address such as editor@example.org, not '{address}'.")
    return address


def load_settings(output_dir: Path) -> ShowSettings:
    """Read OUTPUT/narrate.toml (a [show] table or top-level keys); defaults when the file is absent."""
    path, data = read_output_toml(output_dir)
    if not data:
        return ShowSettings()
    table = data["show"] if "show" in data else {k: v for k, v in data.items() if k != "build"}
    if not isinstance(table, dict):
        raise NarrateError(f"{path}: [show] must be a table.")
    known = {f.name: f for f in fields(ShowSettings) if f.name != "configured"}
    values = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            raise NarrateError(f"{path}: unknown setting '{key}' (known: {', '.join(sorted(known))}).")
        values[name] = value
    _check_types(path, values)
    if "category" in values or "subcategory" in values:
        from narrate.publish.categories import apple_category

        values["category"], values["subcategory"] = apple_category(
            values.get("category", ShowSettings.category), values.get("subcategory"), str(path))
    if "email" in values:
        values["email"] = check_email(values["email"], str(path))
    if "base_url" in values:
        values["base_url"] = check_base_url(values["base_url"], f"{path}: base_url")
    settings = ShowSettings(**values, configured=frozenset(values))
    if settings.episode_date not in ("added", "article"):
        raise NarrateError(f"{path}: episode_date must be added or article.")
    if settings.episode_type not in ("full", "trailer", "bonus"):
        raise NarrateError(f"{path}: episode_type must be full, trailer or bonus.")
    if settings.feed_limit < 1:
        raise NarrateError(f"{path}: feed_limit must be at least 1.")
    for name in ("keep", "keep_days"):
        if getattr(settings, name) is not None and getattr(settings, name) < 1:
            raise NarrateError(f"{path}: {name} must be at least 1.")
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
