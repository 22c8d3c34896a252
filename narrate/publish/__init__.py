"""Publish: the catalog of episodes, the podcast feed, static pages and a local host (`narrate serve`).

Public API: EpisodeRecord, PublishResult, CatalogEntry, publish_episode, prepare_publish, write_feed,
list_episodes, remove_episode, serve.
"""

from __future__ import annotations

from narrate.publish.record import CatalogEntry, EpisodeRecord, PublishResult
from narrate.publish.site import list_episodes, prepare_publish, publish_episode, remove_episode, write_feed


def serve(output_dir, host="127.0.0.1", port=8008, base_url=None):  # type: ignore[no-untyped-def]
    """Host `output_dir` over HTTP until interrupted (see narrate.publish.serve.serve)."""
    from narrate.publish.serve import serve as _serve

    _serve(output_dir, host, port, base_url)


__all__ = ["CatalogEntry", "EpisodeRecord", "PublishResult", "list_episodes", "prepare_publish", "publish_episode",
           "remove_episode", "serve", "write_feed"]
