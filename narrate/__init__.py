"""narrate: turn written news into podcast-ready audio, offline."""

__version__ = "0.1.0"

USER_AGENT = f"narrate/{__version__} (offline article-to-podcast reader)"
"""The User-Agent of every request narrate makes (article pages, followed feeds): the tool and its version. No
project address is named: the project has no published home yet, and a made-up one would mislead a site's owner."""
