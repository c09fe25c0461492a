"""kafkamc.tlc.cache: what the key depends on, that a damaged or unwritable cache is a
miss rather than a failed check, and that an entry stored for other inputs, or a cache
directory other users may write, is never used (issue 16)."""
from __future__ import annotations

import json
from pathlib import Path

from kafkamc.tlc.cache import CachedRun, RunCache

OUTPUT_A = "Parsing file /tmp/out/A.tla\nSemantic processing of module A\nModel checking completed."


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
    cache.put(key, CachedRun(output=OUTPUT_A, seconds=2.5))
    assert cache.get(key) == CachedRun(output=OUTPUT_A, seconds=2.5)
    assert not list((tmp_path / "cache").rglob("*.tmp"))


def test_a_damaged_entry_is_a_miss_and_is_rewritten(tmp_path: Path) -> None:
    cache = RunCache(tmp_path / "cache")
    key = cache.key("MODULE A", "INIT Init", _jar(tmp_path, b"jar"))
    cache.put(key, CachedRun(output=OUTPUT_A, seconds=1.0))
    entry = next((tmp_path / "cache").rglob(f"{key.digest}.json"))
    entry.write_text('{"output": "trunc')
    assert cache.get(key) is None
    cache.put(key, CachedRun(output=OUTPUT_A + "\n", seconds=1.0))
    assert cache.get(key) == CachedRun(output=OUTPUT_A + "\n", seconds=1.0)


def test_an_unwritable_cache_does_not_fail(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be\n")
    cache = RunCache(blocked)
    key = cache.key("MODULE A", "INIT Init", _jar(tmp_path, b"jar"))
    cache.put(key, CachedRun(output="x", seconds=1.0))
    assert cache.get(key) is None
    assert blocked.read_text() == "a file where the cache directory should be\n"


def _warned(tmp_path: Path) -> tuple[RunCache, list[str]]:
    warnings: list[str] = []
    return RunCache(tmp_path / "cache", warn=warnings.append), warnings


def test_an_entry_copied_from_another_run_is_a_miss_said_on_stderr(tmp_path: Path) -> None:
    """A poisoned cache: the entry of a run that held replaced by another run's log."""
    cache, warnings = _warned(tmp_path)
    jar = _jar(tmp_path, b"jar")
    key, other = cache.key("MODULE A", "INIT Init", jar), cache.key("MODULE B", "INIT Init", jar)
    cache.put(other, CachedRun(output=OUTPUT_A.replace("A", "B"), seconds=1.0))
    entry = tmp_path / "cache" / key.digest[:2] / f"{key.digest}.json"
    entry.parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "cache" / other.digest[:2] / f"{other.digest}.json").replace(entry)
    assert cache.get(key) is None
    assert warnings and "not stored for this module" in warnings[0]


def test_an_entry_whose_log_names_another_module_is_a_miss(tmp_path: Path) -> None:
    """Digests forged to match, but the TLC output is of another module."""
    cache, warnings = _warned(tmp_path)
    key = cache.key("MODULE A", "INIT Init", _jar(tmp_path, b"jar"))
    cache.put(key, CachedRun(output=OUTPUT_A, seconds=1.0))
    entry = tmp_path / "cache" / key.digest[:2] / f"{key.digest}.json"
    data = json.loads(entry.read_text())
    other = OUTPUT_A.replace("A.tla", "B.tla").replace("module A", "module B")
    entry.write_text(json.dumps({**data, "output": other}))
    assert cache.get(key) is None
    assert warnings


def test_new_cache_directories_are_private(tmp_path: Path) -> None:
    cache, _ = _warned(tmp_path)
    key = cache.key("MODULE A", "INIT Init", _jar(tmp_path, b"jar"))
    cache.put(key, CachedRun(output=OUTPUT_A, seconds=1.0))
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700


def test_a_cache_directory_others_may_write_is_not_used(tmp_path: Path) -> None:
    cache, warnings = _warned(tmp_path)
    key = cache.key("MODULE A", "INIT Init", _jar(tmp_path, b"jar"))
    cache.put(key, CachedRun(output=OUTPUT_A, seconds=1.0))
    (tmp_path / "cache").chmod(0o777)
    shared, shared_warnings = _warned(tmp_path)
    assert shared.get(key) is None
    assert "other users may write" in shared_warnings[0]
