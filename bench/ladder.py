"""State-space ladder: how each property check grows with RF, records and faults.

Runs real TLC through kafkamc.check_model on configs that vary one dimension at a
time from a 4.1 base (RF 3, min ISR 2, acks=all, records 2, one crash): RF 1 to
5, records 1 to 4, faults 0 to 3, then RF 5 with three faults. It writes one TSV
row per property: distinct states, depth and wall time. Run:

    python bench/ladder.py [--timeout 600] [--out bench/ladder.tsv]

A config that TLC cannot finish within the timeout is recorded as "unknown".
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tsv import show, write_tsv  # bench/tsv.py

from kafkamc.check import check_model
from kafkamc.config import Bounds, Faults, Model, Topic
from kafkamc.resolved import Resolved

FAULT_KINDS = ("crashes", "power_losses", "disk_losses", "network_partitions")


def ladder() -> list[tuple[str, Model]]:
    def model(rf: int = 3, records: int = 2, faults: int = 1) -> Model:
        # Faults are spread over the kinds in turn: 1 crash, then a power loss, ...
        spread = {kind: sum(1 for i in range(faults) if FAULT_KINDS[i % 4] == kind)
                  for kind in FAULT_KINDS}
        return Model(name=f"rf{rf}-r{records}-f{faults}", kafka_version="4.1",
                     topic=Topic(replication_factor=rf, min_insync_replicas=min(2, rf)),
                     faults=Faults(**spread), bounds=Bounds(records=records))

    # The base (RF 3, 2 records, 1 fault) is on every axis; it is run once.
    rungs = [("base", model())]
    rungs += [("rf", model(rf=rf)) for rf in (1, 2, 4, 5)]
    rungs += [("records", model(records=r)) for r in (1, 3, 4)]
    rungs += [("faults", model(faults=f)) for f in (0, 2, 3)]
    # Issue 8's largest target: RF 5 with three faults, all four properties.
    rungs += [("rf5-faults3", model(rf=5, faults=3))]
    return rungs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("ladder.tsv"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for dimension, model in ladder():
            resolved = model.resolve()
            started = time.monotonic()
            result = check_model(resolved, out_dir=Path(scratch) / resolved.name,
                                 timeout=args.timeout)
            wall = time.monotonic() - started
            for name, prop in result.properties.items():
                rows.append({"dimension": dimension, "config": resolved.name,
                             "faults": _faults(resolved), "property": name,
                             "verdict": prop.verdict, "distinct_states": prop.distinct_states,
                             "depth": prop.depth, "seconds": f"{prop.seconds:.1f}",
                             "config_wall_seconds": f"{wall:.1f}"})
                show(rows[-1])
    write_tsv(rows, args.out)
    return 0


def _faults(model: Resolved) -> str:
    return ",".join(f"{k}={getattr(model.faults, k)}" for k in FAULT_KINDS
                    if getattr(model.faults, k))


if __name__ == "__main__":
    sys.exit(main())
