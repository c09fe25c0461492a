"""kafkamc's output directories: created on demand, never mixed with a user's files,
used by one kafkamc at a time, and holding only the latest run's artifacts.

A directory kafkamc made holds a marker file. kafkamc writes into a directory only
if it is new, empty, or has the marker, so a mistyped --out never overwrites
anything a user wrote. A run takes an exclusive lock on the directory (flock on a
lock file in it, which also names the holder's pid), so two runs never write into
one directory at once, and it removes the previous run's artifacts before writing
its own, so `explain` never tells a counterexample the latest check did not find.
"""
from __future__ import annotations

import errno
import fcntl
import os
import shutil
from pathlib import Path

from kafkamc.errors import ConfigError, KafkamcError, OutputError

MARKER = ".kafkamc-out"
LOCK = ".kafkamc-lock"
# Everything a run of check, compile, render or sweep writes into its out dir.
ARTIFACTS = ("*.tla", "*.cfg", "tlc-*.log", "trace-*.json", "trace.json", "diagram-*",
             "counterexample-*.itf.json", "run.sh",
             "diagram.*", "report.html", "result.json", "config.yaml", "sweep.json")
STATE_DIR = "tlc-states"      # TLC's working states; left only by a run that was killed
# The errors that say the machine, not the chosen directory, is at fault (exit 3).
ENVIRONMENT = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EMFILE, errno.ENFILE, errno.ENOMEM}

# Out dirs this process holds the lock of -> the lock file's descriptor. A lock lasts
# until release_out_dir or the end of the process (the OS drops it then, even on kill -9).
_held: dict[Path, int] = {}


def prepare_out_dir(path: Path) -> Path:
    """Make `path` ready for a run: created, marked, locked, and emptied of the
    previous run's artifacts. A ConfigError (exit 2) if it cannot be kafkamc's,
    or is in use by another kafkamc; an OutputError (exit 3) if the disk fails."""
    try:
        _check_ownable(path)
        path.mkdir(parents=True, exist_ok=True)
        _lock(path)
        _remove_artifacts(path)
        (path / MARKER).write_text(
            "Written by kafkamc; its files here are regenerated on every run.\n")
    except OSError as error:
        raise write_error(error, path) from None
    return path


def release_out_dir(path: Path) -> None:
    """Give up the lock on `path` (a sweep or regress is done with one cell or config)."""
    descriptor = _held.pop(path.resolve(), None)
    if descriptor is not None:
        os.close(descriptor)


def write_error(error: OSError, path: Path, option: str = "--out") -> KafkamcError:
    """The error to report for a file kafkamc could not write at or under `path`
    (given by `option`): exit 3 if the machine is at fault (a full disk), else exit 2
    (choose another path)."""
    reason = error.strerror or str(error)
    where = error.filename or path
    if error.errno in ENVIRONMENT:
        return OutputError(f"cannot write {where}: {reason}", file=str(path))
    return ConfigError(f"cannot write {where}: {reason}; choose another {option}",
                       file=str(path), key=option)


def _check_ownable(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise ConfigError(f"{path} is a symbolic link to {os.readlink(path)}, which does not "
                          "exist; choose another --out", file=str(path), key="--out")
    # `out/..` is the working directory even while `out` does not exist yet.
    real = path.resolve()
    if real.exists() and not real.is_dir():
        raise ConfigError(f"{path} is a file, not a directory; choose another --out",
                          file=str(path), key="--out")
    if real.is_dir() and any(real.iterdir()) and not (real / MARKER).exists():
        raise ConfigError(f"{path} holds files that kafkamc did not write; choose an empty "
                          "or new directory for --out", file=str(path), key="--out")


def _lock(path: Path) -> None:
    real = path.resolve()
    if real in _held:
        return
    descriptor = os.open(real / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
        os.close(descriptor)
        raise ConfigError(f"out dir in use by another kafkamc (pid {holder}); wait for it, "
                          "or choose another --out", file=str(path), key="--out") from None
    except OSError:
        os.close(descriptor)
        raise
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    _held[real] = descriptor


def _remove_artifacts(path: Path) -> None:
    for pattern in ARTIFACTS:
        for artifact in path.glob(pattern):
            if artifact.is_file() or artifact.is_symlink():
                artifact.unlink()
    shutil.rmtree(path / STATE_DIR, ignore_errors=True)
