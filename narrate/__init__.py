"""narrate: turn written news into podcast-ready audio, offline."""

__version__ = "0.1.0"
