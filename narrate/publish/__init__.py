"""Publish: the catalog of episodes, the podcast feed, static pages and a local host (`narrate serve`).

Public API: EpisodeRecord, PublishResult, CatalogEntry, ServeLimits, publish_episode, prepare_publish, write_feed,
list_episodes, remove_episode, remove_episodes, serve. The names load their modules on first use (PEP 562), so a
command that only registers the publish commands does not load the catalog, SQLite and the feed writer.
"""

from __future__ import annotations

from narrate.lazy import lazy_exports
from narrate.publish.settings import DEFAULT_HOST, DEFAULT_PORT

_EXPORTS = {
    "CatalogEntry": "narrate.publish.record",
    "EpisodeRecord": "narrate.publish.record",
    "PublishResult": "narrate.publish.record",
    "ServeLimits": "narrate.publish.limits",
    "list_episodes": "narrate.publish.site",
    "prepare_publish": "narrate.publish.site",
    "publish_episode": "narrate.publish.site",
    "remove_episode": "narrate.publish.site",
    "remove_episodes": "narrate.publish.site",
    "write_feed": "narrate.publish.site",
}
"""Public name -> the module that defines it."""


__getattr__ = lazy_exports(__name__, globals(), _EXPORTS)


def serve(output_dir, host=DEFAULT_HOST, port=DEFAULT_PORT, base_url=None, limits=None):  # type: ignore[no-untyped-def]
    """Host `output_dir` over HTTP until interrupted (see narrate.publish.serve.serve)."""
    from narrate.publish.serve import serve as _serve

    _serve(output_dir, host, port, base_url, limits)


__all__ = ["CatalogEntry", "EpisodeRecord", "PublishResult", "ServeLimits", "list_episodes", "prepare_publish",
           "publish_episode", "remove_episode", "remove_episodes", "serve", "write_feed"]
