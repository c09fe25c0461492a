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
(bench/README.md, "TLC's start-up"). At the sweep's start a JVM of its own checks
a small module and dumps the classes it loaded (-XX:ArchiveClassesAtExit) into a
private temporary directory; the short runs that start after it has finished map
them (-XX:SharedArchiveFile). The archive lives only as
long as the sweep or regress, so it can neither go stale nor be planted by another
user; a single `check` (two runs) would pay more for the dump than it saves. A
long run keeps no archive: its start-up is a rounding error, and on 2026-12-01 an
archive was suspected of slowing long runs (bench/README.md).
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from kafkamc.errors import CheckerError

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


# The module the archive's dumping JVM checks: it uses what kafkamc's modules use
# (records, functions, sequences, sets, an invariant broken with a trace to print),
# so the classes TLC loads for them are the ones archived.
WARM_UP = """---- MODULE WarmUp ----
EXTENDS Naturals, Sequences, FiniteSets, TLC
VARIABLES log, meta
Init == log = << >> /\\ meta = [epoch |-> 0, isr |-> {1, 2}, hw |-> [b \\in {1, 2} |-> 0]]
Next == \\/ Len(log) < 3 /\\ log' = Append(log, Len(log)) /\\ UNCHANGED meta
        \\/ meta.epoch < 2 /\\ meta' = [meta EXCEPT !.epoch = @ + 1, !.isr = @ \\ {2}]
           /\\ UNCHANGED log
Small == Cardinality(meta.isr) + Len(log) < 4 \\/ \\E i \\in DOMAIN log : log[i] > 5
====
"""


class ClassArchive:
    """The class-data archive the short TLC runs of one process share. A JVM of its
    own (`dump`) checks WARM_UP and writes the archive as it exits; until then, and
    if it fails, runs go without. No real run dumps: the dump takes seconds at the
    JVM's exit, which would eat into a probe's time limit."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "tlc.jsa"

    def options(self) -> list[str]:
        """A run's options: the archive's once it is there, else none."""
        if self.path.is_file():
            return [f"-XX:SharedArchiveFile={self.path}", *_QUIET]
        return []

    def dump(self, java: Path, jar: Path) -> subprocess.Popen[bytes] | None:
        """Start the JVM that writes the archive (None if this Java cannot); `finish`
        publishes what it wrote."""
        if java_major(java) < DYNAMIC_ARCHIVES_FROM:
            return None
        (self.directory / "WarmUp.tla").write_text(WARM_UP)
        (self.directory / "WarmUp.cfg").write_text("INIT Init\nNEXT Next\nINVARIANT Small\n")
        return subprocess.Popen(
            [str(java), *jvm_options(short=True), f"-XX:ArchiveClassesAtExit={self._partial}",
             *_QUIET, f"-Djava.io.tmpdir={self.directory}", "-cp", str(jar), "tlc2.TLC",
             "-tool", "-deadlock", "-workers", "1", "-metadir", str(self.directory / "states"),
             "-config", "WarmUp.cfg", "WarmUp.tla"],
            cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def finish(self, dumping: subprocess.Popen[bytes]) -> None:
        """Once the dumping JVM has exited by itself, make what it wrote the archive
        (atomically: no run maps half an archive)."""
        if dumping.wait() >= 0 and self._partial.is_file():
            os.replace(self._partial, self.path)

    @property
    def _partial(self) -> Path:
        return self.path.with_name(f"{self.path.name}.partial")


_shared: ClassArchive | None = None
_shared_lock = threading.Lock()


@contextmanager
def shared_class_data() -> Iterator[None]:
    """While inside, short TLC runs of this process share a class-data archive (a
    sweep's or regress's many runs), which a JVM of its own makes meanwhile;
    nested uses share the outer one. Without Java or TLC there is none: each run
    then says what is missing."""
    from kafkamc.tlc.run import find_jar, find_java  # that module imports this one

    global _shared
    with _shared_lock:
        outer = _shared
    if outer is not None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="kafkamc-classes-") as directory:  # mode 0700
        archive = ClassArchive(Path(directory))
        try:
            dumping = archive.dump(find_java(), find_jar())
        except CheckerError:
            dumping = None
        finisher = None
        if dumping is not None:
            finisher = threading.Thread(target=archive.finish, args=(dumping,), daemon=True)
            finisher.start()
        with _shared_lock:
            _shared = archive
        try:
            yield
        finally:
            with _shared_lock:
                _shared = None
            if dumping is not None and finisher is not None:
                if dumping.poll() is None:        # a sweep shorter than the dump
                    os.killpg(dumping.pid, signal.SIGKILL)
                finisher.join()


def class_data(*, short: bool) -> list[str]:
    """A TLC run's class-data options: the shared archive's for a short run inside
    `shared_class_data`, once it is made; else none."""
    archive = _shared
    return archive.options() if archive is not None and short else []


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
