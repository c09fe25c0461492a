"""State-space ladder: how a whole check grows with RF, records and faults.

Configs vary one dimension at a time from a 4.1 base (RF 3, min ISR 2,
acks=all, records 2, one crash): RF 1 to 5, records 1 to 4, faults 0 to 3, then
the issue's targets: RF 5 with two crashes, and RF 5 with three faults. Each
rung is one `kafkamc check` of all four properties through the CLI (the wall
time a user waits), with `--workers 2 --no-cache --json`. With `--before TREE`
(a copy of an older commit) every rung runs under that tree first and then
under this one, so the two sides share the machine's state of the moment.
One TSV row per tree, rung and property: verdict, distinct states, depth, trace
length, TLC's seconds and the config's wall seconds. Run:

    git archive BASE | (mkdir -p /tmp/before && tar -x -C /tmp/before)
    python bench/ladder.py [--before /tmp/before] [--timeout 600] [--mode exhaustive]

A property TLC cannot decide within the timeout is "unknown" in exhaustive mode
and "not_found" (or "violated") in auto mode, as the CLI reports it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from tsv import show, write_tsv  # bench/tsv.py

from kafkamc.config import Bounds, Faults, Model, Topic

FAULT_KINDS = ("crashes", "power_losses", "disk_losses", "network_partitions")
HERE = Path(__file__).resolve().parent.parent


def ladder() -> list[tuple[str, Model]]:
    def model(rf: int = 3, records: int = 2, faults: int = 1, *,
              spread: dict[str, int] | None = None) -> Model:
        # Faults are spread over the kinds in turn: 1 crash, then a power loss, ...
        spread = spread or {kind: sum(1 for i in range(faults) if FAULT_KINDS[i % 4] == kind)
                            for kind in FAULT_KINDS}
        return Model(name=f"rf{rf}-r{records}-f{faults}", kafka_version="4.1",
                     topic=Topic(replication_factor=rf, min_insync_replicas=min(2, rf)),
                     faults=Faults(**spread), bounds=Bounds(records=records))

    # The base (RF 3, 2 records, 1 fault) is on every axis; it is run once.
    rungs = [("base", model())]
    rungs += [("rf", model(rf=rf)) for rf in (1, 2, 4, 5)]
    rungs += [("records", model(records=r)) for r in (1, 3, 4)]
    rungs += [("faults", model(faults=f)) for f in (0, 2, 3)]
    # Issue 17's targets at RF 5: two crashes (120 s), three faults (a verdict in 10 min).
    two_crashes = model(rf=5, faults=2, spread={"crashes": 2})
    rungs += [("rf5-crashes2", two_crashes.model_copy(update={"name": "rf5-r2-c2"}))]
    rungs += [("rf5-faults3", model(rf=5, faults=3))]
    return rungs


def kafkamc_check(tree: Path, config: Path, out: Path, *, options: list[str],
                  timeout: float) -> tuple[dict[str, dict[str, object]] | None, float]:
    """`kafkamc check CONFIG --no-cache --json --quiet --out OUT OPTIONS...` run by the
    kafkamc of `tree`: its properties and the wall seconds it took; None for a run
    that failed or outlasted `timeout` seconds."""
    command = [sys.executable, "-m", "kafkamc", "check", str(config), "--no-cache", "--json",
               "--quiet", "--out", str(out), *options]
    started = time.monotonic()
    try:
        proc = subprocess.run(command, env=dict(os.environ, PYTHONPATH=str(tree)),
                              cwd=out.parent, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started
    wall = time.monotonic() - started
    try:
        return json.loads(proc.stdout)["properties"], wall
    except (json.JSONDecodeError, KeyError):
        return None, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a source tree of an older commit")
    parser.add_argument("--after", type=Path, default=HERE,
                        help="the source tree to measure (default: this one)")
    parser.add_argument("--only", nargs="*", help="only these rungs (config names)")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--mode", default="exhaustive",
                        choices=["exhaustive", "auto", "simulate"])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("ladder.tsv"))
    args = parser.parse_args()
    trees = [("before", args.before.resolve())] if args.before else []
    trees.append(("after", args.after.resolve()))
    rows = []
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        for dimension, model in ladder():
            if args.only and model.name not in args.only:
                continue
            config = scratch / f"{model.name}.yaml"
            config.write_text(_config_text(model))
            for label, tree in trees:
                # kafkamc stops itself at the budget; a minute more is for its reports.
                found, wall = kafkamc_check(
                    tree, config, scratch / f"{label}-{model.name}", timeout=args.timeout + 60,
                    options=["--workers", "2", "--timeout", str(int(args.timeout)),
                             "--mode", args.mode])
                for name, prop in (found or {"all": {"verdict": "failed"}}).items():
                    rows.append({"dimension": dimension, "config": model.name,
                                 "faults": _faults(model), "tree": label, "property": name,
                                 "verdict": prop["verdict"],
                                 "distinct_states": prop.get("distinct_states") or "",
                                 "depth": prop.get("depth") or "",
                                 "trace_length": prop.get("trace_length") or "",
                                 "seconds": prop.get("seconds") or "",
                                 "config_wall_seconds": f"{wall:.1f}"})
                    show(rows[-1])
    write_tsv(rows, args.out)
    return 0


def _config_text(model: Model) -> str:
    """The rung as YAML with only the keys it sets (and its version and records), so
    that an older tree (--before), which lacks keys added since, reads it too."""
    data = model.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data = {"kafka_version": model.kafka_version, **data,
            "bounds": {"records": model.bounds.records}}
    return yaml.safe_dump(data, sort_keys=False)


def _faults(model: Model) -> str:
    return ",".join(f"{k}={getattr(model.faults, k)}" for k in FAULT_KINDS
                    if getattr(model.faults, k))


if __name__ == "__main__":
    sys.exit(main())
