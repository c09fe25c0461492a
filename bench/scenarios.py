"""Wall time of every scenario in specs/, one config at a time, TLC on every core.

The model-fidelity issue asks that each shipped scenario checks in under 60 s on
a 2-core machine; this records, per config and property, the verdict, distinct
states, depth and TLC's time, and the whole config's wall time (compile, every
TLC run, parsing). The run cache is off: every figure is a fresh TLC run. Run:

    python bench/scenarios.py [--out bench/scenarios.tsv] [SPEC...]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tsv import show, write_tsv  # bench/tsv.py

from kafkamc.check import check_model
from kafkamc.regress.run import collect, load

SPECS = Path(__file__).resolve().parent.parent / "specs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", type=Path, default=[SPECS])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("scenarios.tsv"))
    args = parser.parse_args()
    files = collect(args.specs)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for model in load(files):
            started = time.monotonic()
            result = check_model(model, out_dir=Path(scratch) / model.name)
            wall = time.monotonic() - started
            for name, prop in result.properties.items():
                rows.append({"config": model.name, "property": name, "verdict": prop.verdict,
                             "expected": prop.expected or "holds",
                             "distinct_states": prop.distinct_states, "depth": prop.depth,
                             "tlc_seconds": f"{prop.seconds:.1f}",
                             "config_wall_seconds": f"{wall:.1f}"})
                show(rows[-1])
    write_tsv(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
