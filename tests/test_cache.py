"""kafkamc.tlc.cache: what the key depends on, and that a damaged or unwritable cache is a
miss rather than a failed check."""
from __future__ import annotations

from pathlib import Path

from kafkamc.tlc.cache import CachedRun, RunCache


def _jar(tmp_path: Path, content: bytes) -> Path:
    jar = tmp_path / f"tla2tools-{len(content)}.jar"
    jar.write_bytes(content)
    return jar


def test_the_key_changes_with_the_module_the_cfg_and_the_jar(tmp_path: Path) -> None:
    cache = RunCache(tmp_path / "cache")
    jar, other_jar = _jar(tmp_path, b"one"), _jar(tmp_path, b"other")
    key = cache.key("MODULE A", "INIT Init", jar)
    assert key == cache.key("MODULE A", "INIT Init", jar)
    assert len({key, cache.key("MODULE B", "INIT Init", jar),
                cache.key("MODULE A", "INIT Init2", jar),
                cache.key("MODULE A", "INIT Init", other_jar)}) == 4
    # The parts are hashed separately: moving text from one to the other is a new key.
    assert cache.key("MODULE AI", "NIT Init", jar) != key


def test_a_stored_run_comes_back(tmp_path: Path) -> None:
    cache = RunCache(tmp_path / "cache")
    key = cache.key("MODULE A", "INIT Init", _jar(tmp_path, b"jar"))
    assert cache.get(key) is None
    cache.put(key, CachedRun(output="TLC output\n", seconds=2.5))
    assert cache.get(key) == CachedRun(output="TLC output\n", seconds=2.5)
    assert not list((tmp_path / "cache").rglob("*.tmp"))


def test_a_damaged_entry_is_a_miss_and_is_rewritten(tmp_path: Path) -> None:
    cache = RunCache(tmp_path / "cache")
    key = cache.key("MODULE A", "INIT Init", _jar(tmp_path, b"jar"))
    cache.put(key, CachedRun(output="x", seconds=1.0))
    entry = next((tmp_path / "cache").rglob(f"{key}.json"))
    entry.write_text('{"output": "trunc')
    assert cache.get(key) is None
    cache.put(key, CachedRun(output="y", seconds=1.0))
    assert cache.get(key) == CachedRun(output="y", seconds=1.0)


def test_an_unwritable_cache_does_not_fail(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be\n")
    cache = RunCache(blocked)
    key = cache.key("MODULE A", "INIT Init", _jar(tmp_path, b"jar"))
    cache.put(key, CachedRun(output="x", seconds=1.0))
    assert cache.get(key) is None
    assert blocked.read_text() == "a file where the cache directory should be\n"
