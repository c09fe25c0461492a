"""The JVM options TLC runs with: the garbage collector, and a class-data archive.

A small model is checked in about a second, and most of that second is the JVM
loading and verifying TLC's classes. Java 13+ can dump the classes a run loaded
into an archive (AppCDS, -XX:ArchiveClassesAtExit) and map that archive in later
runs (-XX:SharedArchiveFile), which saves about 0.2 s per run (bench/README.md).
The first run on a machine makes the archive; it is keyed by the java binary and
the jar, so a new JDK or TLC makes a new one. Without a usable archive (an old
Java, an unwritable directory) TLC simply runs without it.

Measured and left out: C1-only compilation (-XX:TieredStopAtLevel=1) saves another
0.4 s on small models but made a 30 s check take 57 s. The heap stays at the JVM's
default (a quarter of the RAM): kafkamc's largest shipped runs stay far below it.
Extra options for every TLC run can be given in $KAFKAMC_JAVA_OPTS.
"""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import subprocess
from functools import cache
from pathlib import Path

JAVA_OPTS_ENV = "KAFKAMC_JAVA_OPTS"
# Dynamic CDS archives exist from Java 13 (JEP 350).
ARCHIVES_FROM = 13


def jvm_options(java: Path, jar: Path) -> tuple[list[str], Path | None]:
    """The JVM options for one TLC run, and the archive file this run will write
    at exit (to be published with `publish_archive`), if it is the first."""
    options = ["-XX:+UseParallelGC", *shlex.split(os.environ.get(JAVA_OPTS_ENV, ""))]
    archive = _archive_path(java, jar)
    if archive is None:
        return options, None
    if archive.is_file():
        # -Xshare:auto (the default) falls back to no archive if this one is stale;
        # -Xlog:disable keeps the JVM's CDS warnings out of TLC's output.
        return [*options, f"-XX:SharedArchiveFile={archive}", "-Xlog:disable"], None
    if _java_major(java) < ARCHIVES_FROM:
        return options, None
    pending = archive.with_name(f"{archive.stem}.{os.getpid()}.{id(options)}.tmp")
    return [*options, f"-XX:ArchiveClassesAtExit={pending}", "-Xlog:disable"], pending


def publish_archive(pending: Path) -> None:
    """Make the archive a run wrote at exit the one later runs use (atomically, so
    that concurrent runs never map a half-written file)."""
    if pending.is_file():
        os.replace(pending, pending.with_name(pending.name.split(".")[0] + ".jsa"))


def _archive_path(java: Path, jar: Path) -> Path | None:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    directory = base / "kafkamc" / "jvm"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(directory, os.W_OK):
        return None
    identity = "|".join(f"{p.resolve()}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                        for p in (java, jar))
    return directory / f"tlc-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.jsa"


@cache
def _java_major(java: Path) -> int:
    """The Java feature version (8, 11, 17, ...); 0 when it cannot be told."""
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    m = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr)
    if not m:
        return 0
    major = int(m[1])
    return int(m[2] or 0) if major == 1 else major   # "1.8.0_392" is Java 8
