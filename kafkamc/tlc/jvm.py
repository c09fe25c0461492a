"""The JVM options TLC runs with.

The throughput collector, as TLC itself recommends, and whatever the user adds in
$KAFKAMC_JAVA_OPTS (for example -Xmx8g for a model that outgrows the default
heap, a quarter of the RAM).

C1-only compilation (-XX:TieredStopAtLevel=1) is for runs expected to be short:
TLC's first seconds then run C1's code at once instead of profiling for C2, and
no C2 compiler threads compete with TLC's workers for the cores. Jepsen 2013's
two runs take 2.0 s instead of 3.2 s; but in the long run C1's code is slower
(an 18 s run takes 24 s, a 33 s one 57 s), so runs that must explore every
state keep the default tiered compilation.

A class-data archive of TLC's classes (AppCDS, Java 13+) for the many short runs
of one sweep or regress (`shared_class_data`): loading and verifying TLC's
classes is a large part of the CPU a short run spends before its search begins
(bench/README.md, "TLC's start-up"). The first short run of the process dumps the
classes it loaded (-XX:ArchiveClassesAtExit) into a private temporary directory;
the later short runs map them (-XX:SharedArchiveFile). The archive lives only as
long as the sweep or regress, so it can neither go stale nor be planted by another
user; a single `check` (two runs) would pay more for the dump than it saves. A
long run keeps no archive: its start-up is a rounding error, and on 2026-12-01 an
archive was suspected of slowing long runs (bench/README.md).
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

JAVA_OPTS_ENV = "KAFKAMC_JAVA_OPTS"
# Dynamic class-data archives (-XX:ArchiveClassesAtExit) exist from Java 13 (JEP 350);
# an older JVM would refuse the option and TLC would not start.
DYNAMIC_ARCHIVES_FROM = 13
# The JVM's CDS messages (classes it cannot archive, an archive it cannot map) go to
# stdout, which is TLC's output: keep them out of it.
_QUIET = ["-Xlog:cds=off", "-Xlog:cds+dynamic=off"]


def jvm_options(*, short: bool = False) -> list[str]:
    """The JVM options for a TLC process; `short`: the run is expected to end
    within seconds (C1 only)."""
    return ["-XX:+UseParallelGC", *(["-XX:TieredStopAtLevel=1"] if short else []),
            *shlex.split(os.environ.get(JAVA_OPTS_ENV, ""))]


class ClassArchive:
    """The class-data archive the short TLC runs of one process share: one run
    writes it at exit, and once that run has ended by itself the others map it."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "tlc.jsa"
        self._lock = threading.Lock()
        self._writer: Path | None = None      # the archive a running JVM dumps at exit

    def options(self, java: Path) -> tuple[list[str], Path | None]:
        """This run's options, and the file it dumps the archive into (to be
        `settle`d when it ends), if it is the run that makes the archive."""
        with self._lock:
            if self.path.is_file():
                return [f"-XX:SharedArchiveFile={self.path}", *_QUIET], None
            if self._writer is not None or java_major(java) < DYNAMIC_ARCHIVES_FROM:
                return [], None
            self._writer = self.path.with_name(f"{self.path.name}.partial")
            return [f"-XX:ArchiveClassesAtExit={self._writer}", *_QUIET], self._writer

    def settle(self, written: Path, *, complete: bool) -> None:
        """The run that dumped into `written` has ended; `complete`: by itself (TLC
        exited), so the JVM wrote the whole archive. Otherwise (stopped, killed)
        the file is dropped and a later short run makes the archive."""
        with self._lock:
            if complete and written.is_file():
                os.replace(written, self.path)   # atomic: no run maps half an archive
            else:
                written.unlink(missing_ok=True)
            self._writer = None


_shared: ClassArchive | None = None
_shared_lock = threading.Lock()


@contextmanager
def shared_class_data() -> Iterator[None]:
    """While inside, short TLC runs of this process share a class-data archive (a
    sweep's or regress's many runs); nested uses share the outer one."""
    global _shared
    with _shared_lock:
        outer = _shared
    if outer is not None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="kafkamc-classes-") as directory:  # mode 0700
        with _shared_lock:
            _shared = ClassArchive(Path(directory))
        try:
            yield
        finally:
            with _shared_lock:
                _shared = None


@dataclass(frozen=True)
class ClassData:
    """The class-data options of one TLC run, and, for the run that makes the
    archive, what to settle when it ends."""
    options: list[str]
    archive: ClassArchive | None = None
    written: Path | None = None

    def ended(self, *, complete: bool) -> None:
        """The run has ended; `complete`: TLC exited by itself (ClassArchive.settle)."""
        if self.archive is not None and self.written is not None:
            self.archive.settle(self.written, complete=complete)


def class_data(java: Path, *, short: bool) -> ClassData:
    """Outside `shared_class_data`, or for a long run: no options. Else the shared
    archive's (mapping it, or, for the first short run, dumping it)."""
    archive = _shared
    if archive is None or not short:
        return ClassData([])
    options, written = archive.options(java)
    return ClassData(options, archive, written)


@lru_cache(maxsize=4)
def java_major(java: Path) -> int:
    """The feature release of `java` (8 for "1.8.0_392", 17 for "17.0.15"); 0 when
    it cannot be told, which keeps every optional JVM feature off."""
    try:
        printed = subprocess.run([str(java), "-version"], capture_output=True, text=True,
                                 timeout=60, check=False).stderr
    except (OSError, subprocess.TimeoutExpired):
        return 0
    found = re.search(r'version "(?:1\.)?(\d+)', printed)
    return int(found[1]) if found else 0
