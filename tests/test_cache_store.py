"""SegmentCache: lossless round trips, LRU under a cap, damage reads as a miss, safe with concurrent builds."""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import pickle
import random
import signal
import time
from array import array
from pathlib import Path

import pytest

from narrate.audio.pcm import Pcm
from narrate.cache import CacheInfo, NullCache, SegmentCache, store


def make_pcm(seconds: float = 0.5, seed: int = 0, rate: int = 22050, channels: int = 1) -> Pcm:
    """A voiced-sounding test signal: harmonics under a syllable-rate envelope, plus a little noise."""
    rng = random.Random(seed)
    f0 = 100 + 40 * rng.random()
    n = int(seconds * rate)
    samples = array("h")
    for i in range(n):
        t = i / rate
        envelope = max(0.0, math.sin(2 * math.pi * 4 * t))
        tone = sum(math.sin(2 * math.pi * f0 * h * t) / h for h in (1, 2, 3))
        value = int(9000 * envelope * tone + rng.gauss(0, 60))
        for _ in range(channels):
            samples.append(max(-32768, min(32767, value)))
    return Pcm(data=samples.tobytes(), sample_rate=rate, sample_width=2, channels=channels)


def key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def entry_path(cache: SegmentCache, k: str) -> Path:
    return cache.root / "segments" / k[:2] / f"{k}.seg"


@pytest.fixture
def cache(tmp_path):
    c = SegmentCache(tmp_path / "cache")
    yield c
    c.close()


def test_round_trip_is_lossless_and_counts(cache):
    pcm = make_pcm(seed=1)
    assert cache.get(key("a")) is None
    assert not cache.contains(key("a"))
    cache.put(key("a"), pcm)
    assert cache.contains(key("a"))
    got = cache.get(key("a"))
    assert got == pcm
    assert (cache.hits, cache.misses) == (1, 1)


@pytest.mark.parametrize(
    "pcm",
    [
        make_pcm(0.2, seed=2, channels=2),
        make_pcm(0.2, seed=3, rate=44100),
        Pcm(data=bytes(range(256)) * 3, sample_rate=8000, sample_width=1),
        Pcm(data=b"", sample_rate=22050),
        Pcm(data=b"\x01\x02\x03", sample_rate=22050),  # not a whole number of samples: still kept exactly
    ],
    ids=["stereo", "44k", "8bit", "empty", "ragged"],
)
def test_round_trip_of_other_formats(cache, pcm):
    cache.put(key("x"), pcm)
    assert cache.get(key("x")) == pcm


def test_entries_are_stored_compressed(cache):
    pcm = make_pcm(1.0, seed=4)
    cache.put(key("a"), pcm)
    assert entry_path(cache, key("a")).stat().st_size < 0.8 * len(pcm.data)


def test_extra_round_trip_and_survives_a_reopen(cache):
    blocks = {"blocks_400ms": [-23.5, -21.25, -40.0], "peak": 0.71}
    cache.put(key("a"), make_pcm(seed=5), extra=blocks)
    cache.put(key("b"), make_pcm(seed=6))
    assert cache.get_extra(key("a")) == blocks
    assert cache.get_extra(key("b")) is None
    assert cache.get_extra(key("missing")) is None
    assert SegmentCache(cache.root).get_extra(key("a")) == blocks


def test_put_same_key_replaces(cache):
    cache.put(key("a"), make_pcm(seed=7))
    newer = make_pcm(seed=8)
    cache.put(key("a"), newer)
    assert cache.get(key("a")) == newer
    assert cache.info().entries == 1


def test_rejects_keys_that_are_not_hex(cache):
    with pytest.raises(ValueError):
        cache.get("../../etc/passwd")


def test_lru_eviction_under_a_small_cap(tmp_path):
    pcms = {name: make_pcm(0.3, seed=i) for i, name in enumerate("abcd")}
    probe = SegmentCache(tmp_path / "probe")
    probe.put(key("a"), pcms["a"])
    entry_size = probe.info().size_bytes
    cache = SegmentCache(tmp_path / "cache", cap_bytes=int(entry_size * 2.5))  # room for two entries

    cache.put(key("a"), pcms["a"])
    cache.put(key("b"), pcms["b"])
    assert cache.get(key("a")) is not None  # a is now more recently used than b
    cache.put(key("c"), pcms["c"])

    assert cache.get(key("b")) is None
    assert not entry_path(cache, key("b")).exists()
    assert cache.get(key("a")) == pcms["a"]
    assert cache.get(key("c")) == pcms["c"]
    info = cache.info()
    assert info.entries == 2 and info.size_bytes <= info.cap_bytes

    assert cache.get(key("a")) is not None  # a is now more recently used than c
    cache.put(key("d"), pcms["d"])
    assert cache.get(key("c")) is None
    assert cache.get(key("a")) == pcms["a"] and cache.get(key("d")) == pcms["d"]


def test_lowering_the_cap_evicts_on_demand(tmp_path):
    root = tmp_path / "cache"
    big = SegmentCache(root)
    for i in range(4):
        big.put(key(str(i)), make_pcm(0.2, seed=i))
    small = SegmentCache(root, cap_bytes=big.info().size_bytes // 2)
    assert small.evict_to_cap() >= 2
    assert small.info().size_bytes <= small.cap_bytes
    assert small.get(key("3")) is not None  # the newest survives


@pytest.mark.parametrize("damage", ["flip_payload", "flip_header", "truncate", "garbage", "empty"])
def test_damaged_entry_is_a_miss_and_is_removed(cache, damage):
    pcm = make_pcm(seed=9)
    cache.put(key("a"), pcm, extra={"lufs": -20.0})
    path = entry_path(cache, key("a"))
    blob = bytearray(path.read_bytes())
    if damage == "flip_payload":
        blob[-10] ^= 0xFF
    elif damage == "flip_header":
        blob[8] ^= 0x01  # inside the sample rate field
    elif damage == "truncate":
        del blob[len(blob) // 2 :]
    elif damage == "garbage":
        blob = bytearray(os.urandom(len(blob)))
    else:
        blob = bytearray()
    path.write_bytes(bytes(blob))

    assert cache.get(key("a")) is None
    assert cache.misses == 1 and cache.hits == 0
    assert not path.exists()
    assert cache.info().entries == 0
    cache.put(key("a"), pcm)  # and it can be written again
    assert cache.get(key("a")) == pcm


def test_damaged_extra_is_absent(cache):
    cache.put(key("a"), make_pcm(seed=10), extra={"lufs": -20.0})
    path = entry_path(cache, key("a"))
    blob = bytearray(path.read_bytes())
    blob[blob.index(b"lufs")] ^= 0x20
    path.write_bytes(bytes(blob))
    assert cache.get_extra(key("a")) is None
    assert not path.exists()


def _put_then_die(root: str, k: str, pcm: Pcm) -> None:
    """Start a put, write half of the entry, then SIGKILL this process."""
    original = Path.write_bytes

    def half_then_kill(self, data):
        with open(self, "wb") as f:
            f.write(data[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGKILL)

    Path.write_bytes = half_then_kill
    try:
        SegmentCache(Path(root)).put(k, pcm)
    finally:
        Path.write_bytes = original


def test_a_killed_writer_never_yields_a_half_entry(cache):
    pcm = make_pcm(seed=11)
    proc = multiprocessing.get_context("fork").Process(target=_put_then_die, args=(str(cache.root), key("a"), pcm))
    proc.start()
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    leftovers = list((cache.root / "segments").glob("*/.*.part"))
    assert leftovers, "the killed writer should have left its temporary file"
    assert not entry_path(cache, key("a")).exists()

    assert cache.get(key("a")) is None
    assert cache.info().entries == 0
    cache.put(key("a"), pcm)  # the next build resumes
    assert cache.get(key("a")) == pcm
    assert cache.remove_stale_temp_files(older_than_s=0) == len(leftovers)
    assert not list((cache.root / "segments").glob("*/.*.part"))


def _hammer(root: str, barrier, rounds: int, seed: int) -> None:
    """Write the shared key (and a key of our own) many times, starting together with the other process."""
    cache = SegmentCache(Path(root))
    shared = make_pcm(0.3, seed=100)
    own = make_pcm(0.1, seed=seed)
    barrier.wait()
    for i in range(rounds):
        cache.put(key("shared"), shared, extra={"round": 1})
        cache.put(key(f"own-{seed}-{i % 3}"), own)
        got = cache.get(key("shared"))
        assert got is None or got == shared  # never a torn or foreign entry


def test_two_processes_writing_the_same_key(cache):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_hammer, args=(str(cache.root), barrier, 25, s)) for s in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert cache.get(key("shared")) == make_pcm(0.3, seed=100)
    assert cache.get_extra(key("shared")) == {"round": 1}
    assert cache.info().entries == 7
    assert not list((cache.root / "segments").glob("*/.*.part"))


def test_cache_object_pickles_for_workers(cache):
    cache.put(key("a"), make_pcm(seed=12))
    clone = pickle.loads(pickle.dumps(cache))
    assert clone.get(key("a")) == make_pcm(seed=12)


def test_info_clear_and_build_stats(cache):
    assert cache.info() == CacheInfo(0, 0, cache.cap_bytes, cache.root, 0, 0, exists=False)  # nothing written yet
    for i in range(3):
        cache.put(key(str(i)), make_pcm(0.2, seed=i))
    files = list((cache.root / "segments").glob("*/*.seg"))
    info = cache.info()
    assert info.entries == 3 == len(files)
    assert info.size_bytes == sum(f.stat().st_size for f in files)

    cache.record_build_stats(hits=7, misses=3)
    reopened = SegmentCache(cache.root, cap_bytes=12345)
    info = reopened.info()
    assert (info.last_build_hits, info.last_build_misses, info.cap_bytes) == (7, 3, 12345)
    assert info.last_build_hit_rate == pytest.approx(0.7)

    reopened.clear()
    assert reopened.info().entries == 0 and reopened.info().size_bytes == 0
    assert not list((cache.root / "segments").glob("*/*.seg"))
    assert cache.get(key("0")) is None
    assert reopened.info().last_build_hits == 7


def test_builds_sweep_stale_temporary_files_at_most_once_per_interval(cache, monkeypatch):
    cache.put(key("a"), make_pcm(0.1))
    folder = next((cache.root / "segments").iterdir())

    def stale_part(name: str) -> Path:
        part = folder / f".{name}.part"
        part.write_bytes(b"left by a writer killed long ago")
        hour_ago = time.time() - 2 * 3600
        os.utime(part, (hour_ago, hour_ago))
        return part

    first = stale_part("first")
    cache.record_build_stats(hits=0, misses=1)
    assert not first.exists()  # the first build sweeps
    second = stale_part("second")
    cache.record_build_stats(hits=1, misses=0)
    assert second.exists()  # not again within the interval (the sweep lists every entry's folder)
    clock = time.time() + store.SWEEP_EVERY_S + 1
    monkeypatch.setattr(store.time, "time", lambda: clock)
    cache.record_build_stats(hits=1, misses=0)
    assert not second.exists()  # the interval is over
    assert cache.info().last_build_hits == 1


def test_damaged_index_is_rebuilt_and_entries_still_hit(tmp_path):
    root = tmp_path / "cache"
    first = SegmentCache(root)
    first.put(key("a"), make_pcm(seed=13))
    first.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{root / 'index.sqlite3'}{suffix}").unlink(missing_ok=True)
    (root / "index.sqlite3").write_bytes(b"this is not a database" * 100)
    second = SegmentCache(root)
    assert second.get(key("a")) == make_pcm(seed=13)
    assert second.info().entries == 1  # re-registered by the hit


def test_default_dir_is_the_users_cache_folder():
    path = SegmentCache.default_dir()
    assert path.name == "narrate" and path.is_absolute()


def test_null_cache_remembers_nothing():
    null = NullCache()
    null.put(key("a"), make_pcm(0.05))
    assert null.get(key("a")) is None and null.get_extra(key("a")) is None
    assert not null.contains(key("a"))
    assert null.misses == 1 and null.hits == 0
    null.record_build_stats(1, 2)
    null.clear()
    assert null.info().entries == 0 and null.info().root is None


def test_audio_and_extra_come_back_in_one_read(cache):
    pcm = make_pcm(seed=7)
    cache.put(key("b"), pcm, extra={"loudness_v": 1, "rate": 22050})
    got = cache.get_with_extra(key("b"))
    assert got == (pcm, {"loudness_v": 1, "rate": 22050})
    assert cache.get_with_extra(key("missing")) is None


def test_encoded_chunks_are_kept_beside_the_segments_checked_counted_and_cleared(tmp_path):
    cache = SegmentCache(tmp_path / "cache")
    data = os.urandom(50_000)  # MP3 frames do not compress
    assert cache.get_chunk(key("chunk")) is None
    cache.put_chunk(key("chunk"), data)
    cache.put(key("chunk"), make_pcm(0.2))  # a segment may share the bare key: they live apart
    assert cache.get_chunk(key("chunk")) == data and cache.get(key("chunk")) is not None
    info = cache.info()
    assert (info.entries, info.chunks) == (1, 1) and info.size_bytes > len(data)
    path = cache.root / "chunks" / key("chunk")[:2] / f"{key('chunk')}.chunk"
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert cache.get_chunk(key("chunk")) is None and not path.exists()  # damage is a miss, and is removed
    assert cache.info().chunks == 0
    cache.put_chunk(key("chunk"), data)
    path.write_bytes(path.read_bytes()[:-10])  # torn
    assert cache.get_chunk(key("chunk")) is None
    cache.put_chunk(key("chunk"), data)
    cache.clear()
    assert cache.get_chunk(key("chunk")) is None and cache.info() == CacheInfo(0, 0, cache.cap_bytes, cache.root, 0, 0)
    assert NullCache().get_chunk(key("chunk")) is None


def test_chunks_count_towards_the_cap_and_are_evicted_least_recently_used_first(tmp_path):
    cache = SegmentCache(tmp_path / "cache", cap_bytes=250_000)
    for name in "abc":
        cache.put_chunk(key(name), os.urandom(100_000))
        cache.get_chunk(key("a"))  # a stays the most recently used
    assert cache.get_chunk(key("b")) is None and cache.get_chunk(key("a")) is not None
    assert cache.info().size_bytes <= cache.cap_bytes


def _summed(cache: SegmentCache) -> int:
    return cache._db().execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0]


def test_the_index_keeps_its_total_size_and_storing_never_sums_it(tmp_path):
    probe = SegmentCache(tmp_path / "probe")
    probe.put(key("probe"), make_pcm(0.3, seed=9))
    entry_size = probe.info().size_bytes
    cache = SegmentCache(tmp_path / "cache", cap_bytes=int(entry_size * 3.5))
    statements: list[str] = []
    cache._db().set_trace_callback(statements.append)
    cache.put(key("a"), make_pcm(0.3, seed=1))
    cache.put(key("b"), make_pcm(0.3, seed=2))
    cache.put_chunk(key("chunk"), b"\xff\xfb" * 500)
    assert not [s for s in statements if "SUM(" in s.upper()]  # under the cap, a put reads one row, not the index
    assert cache._total_size(cache._db()) == _summed(cache) > 0
    cache.put(key("a"), make_pcm(0.5, seed=3))  # replaced by a longer entry
    assert cache._total_size(cache._db()) == _summed(cache)
    for name in "cdef":  # over the cap: least recently used entries go...
        cache.put(key(name), make_pcm(0.3, seed=ord(name)))
    assert cache._total_size(cache._db()) == _summed(cache) <= cache.cap_bytes
    before = {row[0] for row in cache._db().execute("SELECT key FROM entries")}
    statements.clear()
    cache.put(key("g"), make_pcm(0.3, seed=7))  # ...and a full cache evicts without summing the index either
    after = {row[0] for row in cache._db().execute("SELECT key FROM entries")}
    assert key("g") in after and before - after  # one in, the least recently used out
    assert not [s for s in statements if "SUM(" in s.upper()]
    assert cache._total_size(cache._db()) == _summed(cache) <= cache.cap_bytes
    cache.clear()
    assert cache._total_size(cache._db()) == _summed(cache) == 0


def test_an_index_from_before_the_total_was_kept_is_given_it(tmp_path):
    root = tmp_path / "cache"
    old = SegmentCache(root)
    for name in "abc":
        old.put(key(name), make_pcm(0.2, seed=ord(name)))
    db = old._db()
    for trigger in ("entries_total_on_insert", "entries_total_on_update", "entries_total_on_delete"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DELETE FROM meta WHERE name = 'total_size'")  # as narrate before this change left it
    old.close()
    again = SegmentCache(root)
    assert again._total_size(again._db()) == _summed(again) > 0
    again.put(key("d"), make_pcm(0.2, seed=4))
    assert again._total_size(again._db()) == _summed(again)
