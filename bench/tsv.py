"""The benchmarks' one output format: a row on stderr as it is measured, and a TSV file."""
from __future__ import annotations

import csv
import sys
from pathlib import Path


def show(row: dict[str, object]) -> None:
    """Print a measured row at once: a long benchmark shows its progress."""
    print("\t".join(str(v) for v in row.values()), file=sys.stderr)


def write_tsv(rows: list[dict[str, object]], path: Path) -> None:
    with path.open("w", newline="") as sink:
        writer = csv.DictWriter(sink, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
