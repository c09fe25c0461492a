"""The state-space cost of the producer model (issue 20): one config, checked for
durability with today's one-shot producer, then with the producer model as each
of its settings grows. A config that asks about neither no_duplicates nor order and
sets none of the producer's keys compiles to the same module as before the model
existed (specs/golden proves it), so it pays nothing; this shows what asking costs.
Each variant is checked through `check_model` with one TLC worker and no cache;
distinct states do not move with the machine's load, seconds do. Run:

    python bench/producer_cost.py
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from tsv import show, write_tsv  # bench/tsv.py

from kafkamc.check import check_model
from kafkamc.config import Model

# Two brokers, min ISR 1, acks=all, one crash, followers keep up, two records.
BASE: dict[str, Any] = {
    "kafka_version": "3.6", "topic": {"replication.factor": 2, "min.insync.replicas": 1},
    "producer": {"acks": "all", "enable.idempotence": False},
    "faults": {"crashes": 1, "lagging_followers": 0}, "bounds": {"records": 2}}
BOTH = ["no_duplicates", "order"]
# (variant, what it changes, the properties it checks)
VARIANTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("one-shot producer", {"producer": {"acks": "all"}}, ["durability"]),
    ("model, 1 in flight, 0 resends",
     {"bounds": {"records": 2, "in_flight": 1, "retries": 0}}, ["durability", *BOTH]),
    ("model, 1 in flight, 2 resends", {"bounds": {"records": 2, "in_flight": 1}},
     ["durability", *BOTH]),
    ("model, 2 in flight, 2 resends", {}, ["durability", *BOTH]),
    ("model, 2 in flight, 2 resends, 1 lost response",
     {"faults": {"crashes": 1, "lagging_followers": 0, "lost_responses": 1}},
     ["durability", *BOTH]),
    ("model, idempotence on, 2 in flight, 2 resends",
     {"producer": {"acks": "all", "enable.idempotence": True}}, ["durability", *BOTH]),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("producer_cost.tsv"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for index, (name, changes, properties) in enumerate(VARIANTS):
            model = Model.from_dict({**BASE, **changes, "check": properties,
                                     "name": f"producer-cost-{index}"})
            start = time.monotonic()
            result = check_model(model.resolve(), out_dir=Path(scratch) / str(index),
                                 workers=1)
            durability = result.properties["durability"]
            row = {"variant": name, "properties": ",".join(properties),
                   "distinct_states": durability.distinct_states,
                   "verdicts": ",".join(f"{p}={result.properties[p].verdict}"
                                        for p in properties),
                   "seconds": round(time.monotonic() - start, 1)}
            show(row)
            rows.append(row)
    write_tsv(rows, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
