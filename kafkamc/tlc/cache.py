"""A cache of TLC runs, keyed by everything that decides their outcome.

A run's outcome depends on the generated module, the TLC config and the TLC jar,
nothing else (the worker count changes only the time taken), so the key is a
hash of the three and the value is TLC's full output. A cached run is replayed
through the same parser, so verdicts and counterexamples are the same as fresh.
Only runs that decided something are kept: never a timeout or a TLC error.

An entry also holds the digests of its module, config and jar and is used only
if they are the ones asked for and its TLC output names the same module: an entry
copied from another run, or edited, is a miss (said on stderr), never a verdict.
A cache directory that other users may write is not used at all (docs/security.md).

The cache lives in $KAFKAMC_CACHE_DIR, else $XDG_CACHE_HOME/kafkamc, else
~/.cache/kafkamc.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
import threading
from collections.abc import Callable
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


@dataclass(frozen=True)
class CacheKey:
    """What a run is cached under: the digest of its three inputs, each input's own
    digest, and the module's name, all of which an entry must repeat to be used."""

    digest: str
    tla: str
    cfg: str
    jar: str
    module: str


class RunCache:
    def __init__(self, directory: Path, warn: Callable[[str], None] | None = None) -> None:
        self.directory = directory
        self.warn = warn or (lambda message: print(f"kafkamc: warning: {message}",
                                                   file=sys.stderr))
        self._trusted: bool | None = None     # decided on first use

    def key(self, tla: str, cfg: str, jar: Path) -> CacheKey:
        parts = (_digest(tla.encode()), _digest(cfg.encode()), _file_digest(jar))
        combined = hashlib.sha256(b"".join(bytes.fromhex(part) for part in parts))
        module = re.search(r"MODULE\s+(\w+)", tla)
        return CacheKey(combined.hexdigest(), *parts, module=module[1] if module else "")

    def get(self, key: CacheKey) -> CachedRun | None:
        if not self._usable():
            return None
        entry = self._path(key)
        try:
            data = json.loads(entry.read_text())
            run = CachedRun(output=data["output"], seconds=float(data["seconds"]))
            stored = (data["tla"], data["cfg"], data["jar"], data["module"])
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError, KeyError, TypeError):
            # A damaged entry, or one of an older kafkamc: a miss. TLC runs and the
            # entry is rewritten.
            self.warn(f"ignored the run cache entry {entry}: damaged, or from an older "
                      "kafkamc")
            return None
        if stored != (key.tla, key.cfg, key.jar, key.module) or not _names(run.output, key.module):
            self.warn(f"ignored the run cache entry {entry}: it was not stored for this "
                      f"module, TLC config and jar (copied or edited?)")
            return None
        return run

    def put(self, key: CacheKey, run: CachedRun) -> None:
        if not self._usable():
            return
        entry = self._path(key)
        # Write then rename, so a concurrent reader never sees half an entry. Threads
        # of one process may store the same key, hence the thread id in the name.
        partial = entry.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            entry.parent.mkdir(mode=0o700, exist_ok=True)
            partial.write_text(json.dumps({
                "tla": key.tla, "cfg": key.cfg, "jar": key.jar, "module": key.module,
                "output": run.output, "seconds": run.seconds}))
            partial.replace(entry)
        except OSError:
            # The cache only saves time: a read-only or full disk must not fail a check.
            if partial.exists():
                partial.unlink()

    def _usable(self) -> bool:
        """Whether the cache directory is the user's own: an entry is replayed as TLC's
        verdict, so a directory that another user may write is not used."""
        if self._trusted is None:
            self._trusted = True
            try:
                status = self.directory.stat()
            except FileNotFoundError:
                return True               # put creates it, mode 0700
            except OSError as error:
                self.warn(f"not using the run cache {self.directory}: {error.strerror}")
                self._trusted = False
                return False
            if status.st_uid != os.getuid() or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                self.warn(f"not using the run cache {self.directory}: other users may write "
                          "it; allowed: a directory only you can write (docs/security.md)")
                self._trusted = False
        return self._trusted

    def _path(self, key: CacheKey) -> Path:
        return self.directory / key.digest[:2] / f"{key.digest}.json"


def _names(output: str, module: str) -> bool:
    """Whether TLC's output is of a run on `module` (TLC names the file it parses)."""
    return re.search(rf"^(Parsing file .*\b{re.escape(module)}\.tla|Semantic processing of "
                     rf"module {re.escape(module)})$", output, re.MULTILINE) is not None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=8)
def _file_digest(path: Path) -> str:
    return _digest(path.read_bytes())
