"""The segment cache: synthesized audio addressed by everything that shapes it, reused across builds."""

from narrate.cache.key import CACHE_SCHEMA, DEFAULT_SAMPLE_FORMAT, segment_key
from narrate.cache.store import DEFAULT_CAP_BYTES, Cache, CacheInfo, NullCache, SegmentCache

__all__ = [
    "CACHE_SCHEMA",
    "DEFAULT_CAP_BYTES",
    "DEFAULT_SAMPLE_FORMAT",
    "Cache",
    "CacheInfo",
    "NullCache",
    "SegmentCache",
    "segment_key",
]
