"""A cache of TLC runs, keyed by everything that decides their outcome.

A run's outcome depends on the generated module, the TLC config and the TLC jar,
nothing else (the worker count changes only the time taken), so the key is a
hash of the three and the value is TLC's full output. A cached run is replayed
through the same parser, so verdicts and counterexamples are the same as fresh.
Only runs that decided something are kept: never a timeout or a TLC error.

The cache lives in $KAFKAMC_CACHE_DIR, else $XDG_CACHE_HOME/kafkamc, else
~/.cache/kafkamc.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CACHE_ENV = "KAFKAMC_CACHE_DIR"


@dataclass(frozen=True)
class CachedRun:
    output: str
    seconds: float    # how long the run took when it was made


def default_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kafkamc"


class RunCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def key(self, tla: str, cfg: str, jar: Path) -> str:
        digest = hashlib.sha256()
        for part in (tla, cfg, _file_digest(jar)):
            digest.update(hashlib.sha256(part.encode()).digest())
        return digest.hexdigest()

    def get(self, key: str) -> CachedRun | None:
        entry = self._path(key)
        try:
            data = json.loads(entry.read_text())
            return CachedRun(output=data["output"], seconds=float(data["seconds"]))
        except (OSError, ValueError, KeyError, TypeError):
            # No entry, or a damaged one: a miss. TLC runs and the entry is rewritten.
            return None

    def put(self, key: str, run: CachedRun) -> None:
        entry = self._path(key)
        # Write then rename, so a concurrent reader never sees half an entry. Threads
        # of one process may store the same key, hence the thread id in the name.
        partial = entry.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps({"output": run.output, "seconds": run.seconds}))
            partial.replace(entry)
        except OSError:
            # The cache only saves time: a read-only or full disk must not fail a check.
            if partial.exists():
                partial.unlink()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"


@lru_cache(maxsize=8)
def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
