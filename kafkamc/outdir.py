"""kafkamc's output directories: created on demand, never mixed with a user's files.

A directory kafkamc made holds a marker file. kafkamc writes into a directory only
if it is new, empty, or has the marker, so a mistyped --out never overwrites
anything a user wrote.
"""
from __future__ import annotations

from pathlib import Path

from kafkamc.errors import ConfigError

MARKER = ".kafkamc-out"


def prepare_out_dir(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path} is a file, not a directory; choose another --out",
                          file=str(path), key="--out")
    if path.is_dir() and any(path.iterdir()) and not (path / MARKER).exists():
        raise ConfigError(f"{path} holds files that kafkamc did not write; choose an empty "
                          "or new directory for --out", file=str(path), key="--out")
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text("Written by kafkamc; its files here are regenerated on every run.\n")
    return path
