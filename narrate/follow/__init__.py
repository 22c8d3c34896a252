"""Follow a publication: keep a podcast current from a site's feed (RSS 2.0, Atom, JSON Feed) or a folder of articles.

Public API: FollowOptions, follow_options, run_follow, FollowReport, render_text, to_json. The names load their
modules on first use (PEP 562), so registering the `follow` command loads nothing but typer.
"""

from __future__ import annotations

from narrate.lazy import lazy_exports

_EXPORTS = {
    "FollowOptions": "narrate.follow.options",
    "follow_options": "narrate.follow.options",
    "run_follow": "narrate.follow.run",
    "FollowReport": "narrate.follow.model",
    "render_text": "narrate.follow.report",
    "to_json": "narrate.follow.report",
}
"""Public name -> the module that defines it."""


__getattr__ = lazy_exports(__name__, globals(), _EXPORTS)


__all__ = list(_EXPORTS)
