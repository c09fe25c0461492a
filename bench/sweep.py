"""Wall time of a sweep with and without monotonic pruning, and that both agree.

Runs `kafkamc sweep FILE --no-cache --json` twice, with pruning and with
--no-prune, each as its own process (as a user runs it, every TLC run fresh),
records the wall time, the TLC runs (cells checked), the cell properties
checked and inferred, and checks that every verdict is the same both ways. Run:

    python bench/sweep.py [--out bench/sweep.tsv] [--jobs N] [--keep DIR] [FILE]

--keep DIR keeps both sweeps' out dirs (DIR/pruned, DIR/no-prune: every cell's
report, and sweep.json with the matrix) instead of a temporary directory.

FILE defaults to specs/sweeps/power-loss.yaml, the sweep of issue 9's "done when".
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tsv import show, write_tsv  # bench/tsv.py

SWEEP = Path(__file__).resolve().parent.parent / "specs" / "sweeps" / "power-loss.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=SWEEP)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("sweep.tsv"))
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    rows, verdicts = [], {}
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        for mode in ("pruned", "no-prune"):
            seconds, data = _sweep(args.file, work / mode, mode, args.jobs)
            verdicts[mode] = {(c["cell"], c["property"]): c["verdict"] for c in data["cells"]}
            checks = data["checks"]
            rows.append({"sweep": data["name"], "mode": mode,
                         "cells": len({c["cell"] for c in data["cells"]}),
                         "tlc_runs": checks["tlc_runs"], "checked": checks["checked"],
                         "inferred": checks["inferred"], "skipped": checks["skipped"],
                         "wall_seconds": f"{seconds:.0f}"})
            show(rows[-1])
    differ = [key for key, verdict in verdicts["pruned"].items()
              if verdicts["no-prune"].get(key) != verdict]
    for row in rows:
        row["agree"] = "yes" if not differ else f"no: {len(differ)} differ"
    write_tsv(rows, args.out)
    return 1 if differ else 0


def _sweep(file: Path, out: Path, mode: str, jobs: int | None) -> tuple[float, dict[str, Any]]:
    command = [sys.executable, "-m", "kafkamc", "sweep", str(file), "--no-cache", "--json",
               "--out", str(out)]
    command += ["--no-prune"] if mode == "no-prune" else []
    command += ["--jobs", str(jobs)] if jobs else []
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr}")
    return seconds, json.loads(proc.stdout)


if __name__ == "__main__":
    sys.exit(main())
