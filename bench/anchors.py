"""kafkamc against the hand-written Kafka TLA+ specs, side by side, in one run.

Runs the anchor specs with their own harness (../shared/anchors/run.sh), then
kafkamc on the same questions, on the same machine one after the other, and
prints the ratios (bench/README.md records them). The questions:

- each historical bug: the anchor spec that finds it, against the shipped
  scenario for the same bug, checking only the property the bug breaks;
- "does a healthy 4.1-era partition keep every safety property": hachikuji's
  Kip320 (3 replicas, 2 records, 2 leader epochs) against
  bench/configs/rf3-crash-partition-4.1.yaml (RF 3, 2 records, a crash and a
  network partition);
- Jepsen 2013 end to end through the CLI, against bare TLC making the same runs
  on the same generated spec (the cfgs kafkamc wrote, at once, with kafkamc's
  TLC command line), which isolates kafkamc's own cost.

kafkamc runs through its CLI with the run cache off (every TLC run is fresh), so
its times include Python start-up, compiling, parsing, stories and diagrams.
Run:

    python bench/anchors.py [--anchors DIR] [--out bench/anchors.tsv] [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tsv import show, write_tsv  # bench/tsv.py

from kafkamc.config import Model
from kafkamc.tlc.jvm import JAVA_OPTS_ENV, jvm_options
from kafkamc.tlc.run import tlc_command

REPO = Path(__file__).resolve().parent.parent
ANCHORS = REPO.parent / "shared" / "anchors"


@dataclass(frozen=True)
class Question:
    anchor: str          # run.sh's "spec" column
    invariant: str       # run.sh's "invariant" column
    config: Path         # the kafkamc config asking the same question
    prop: str            # the kafkamc property that answers it
    bug: str


QUESTIONS = [
    Question("KafkaTruncateToHighWatermark", "StrongIsr",
             REPO / "specs/kip101-scenario1-0.10.2.yaml",
             "consistency", "truncation to the HW (KIP-101 scenario 1)"),
    Question("KafkaTruncateToHighWatermark", "StrongIsr",
             REPO / "specs/kip101-scenario2-0.10.2.yaml",
             "consistency", "truncation to the HW (KIP-101 scenario 2)"),
    Question("Kip101", "StrongIsr", REPO / "specs/kafka-6361-1.1.yaml",
             "consistency", "KIP-101's epoch lookup (KAFKA-6361)"),
    Question("kafka_replication_v3_5[lrs_rf2]", "LeaderCompletenessProperty",
             REPO / "specs/last-replica-standing-3.6.yaml", "durability",
             "last replica standing (KIP-966's motivation)"),
    Question("kafka_replication_kip_966[loss_rf2]", "NoCommittedRecordLostGlobally",
             REPO / "specs/power-loss-all-4.1.yaml", "durability",
             "every replica loses its log (ELR's limit)"),
    Question("Kip320", "StrongIsr", REPO / "bench/configs/rf3-crash-partition-4.1.yaml",
             "durability,consistency,read_stability", "all safety properties hold (4.1)"),
]
JEPSEN = REPO / "specs/jepsen-2013.yaml"


def run_anchors(anchors: Path, questions: list[Question]) -> dict[tuple[str, str], dict[str, str]]:
    """run.sh's rows for the anchor runs the questions name, keyed by (spec, invariant)."""
    pattern = "|".join(sorted({_selector(q) for q in questions}))
    done = subprocess.run([str(anchors / "run.sh"), pattern], capture_output=True,
                          text=True, check=True, env={**os.environ, "WORKERS": "2"})
    lines = [line.split("\t") for line in done.stdout.splitlines() if line.strip()]
    assert lines and lines[0][0] == "anchor", done.stdout + done.stderr
    rows = [dict(zip(lines[0], line)) for line in lines[1:]]
    return {(r["spec"], r["invariant"]): r for r in rows}


def _selector(q: Question) -> str:
    """An ERE for run.sh's "ANCHOR LABEL CFG" line of exactly this run."""
    if "[" in q.anchor:    # Vanlightly's runs are labelled spec[cfg]
        return re.escape(q.anchor) + " "
    return f" {q.anchor} MC_{q.anchor}_{q.invariant}\\.cfg$"


def kafkamc_check(config: Path, properties: list[str], out: Path) -> tuple[float, dict]:
    """Wall seconds of `kafkamc check` (no run cache) and its JSON result."""
    args = ["kafkamc", "check", str(config), "--out", str(out), "--json", "--no-cache"]
    for prop in properties:
        args += ["--property", prop]
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"kafkamc check {config} failed ({done.returncode}): {done.stderr}")
    return wall, json.loads(done.stdout)


def bare_tlc(out: Path, module: str, expect: dict[str, str]) -> float:
    """Wall seconds for TLC alone making the runs kafkamc made in `out` (one per
    tlc-LABEL.log, with its cfg), at once as kafkamc makes them, with kafkamc's own
    TLC command line (JVM for short runs and one worker where every property of the
    run is `expect`ed violated): what is left of kafkamc's time is its own cost."""
    runs = []
    for log in sorted(out.glob("tlc-*.log")):
        label = log.stem.removeprefix("tlc-")
        # A run is labelled by its one property, or "safety" for those it shares.
        checked = [label] if label in expect else [p for p in expect if p != "availability"]
        short = all(expect[p] == "violated" for p in checked)
        metadir = (out / "bare" / label).resolve()
        (metadir / "tmp").mkdir(parents=True)
        runs.append(tlc_command(out / f"MC_{module}.tla", out / f"{module}.{label}.cfg", metadir,
                                1 if short else os.cpu_count() or 1, jvm_options(short=short),
                                keep_going=label != "availability"))
    started = time.monotonic()
    processes = [subprocess.Popen(c, cwd=out, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for c in runs]
    for process in processes:
        process.wait()
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anchors", type=Path, default=ANCHORS)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("anchors.tsv"))
    parser.add_argument("--repeat", type=int, default=3,
                        help="Jepsen 2013 end-to-end runs (the median is kept)")
    args = parser.parse_args()
    os.environ.pop(JAVA_OPTS_ENV, None)
    anchors = run_anchors(args.anchors, QUESTIONS)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for n, q in enumerate(QUESTIONS):
            anchor = anchors[(q.anchor, q.invariant)]
            props = q.prop.split(",")
            wall, result = kafkamc_check(q.config, props, Path(scratch) / f"q{n}")
            checked = [result["properties"][p] for p in props]
            most = max(c["distinct_states"] or 0 for c in checked)
            rows.append({
                "question": q.bug, "anchor": f"{q.anchor} {q.invariant}",
                "anchor_verdict": anchor["verdict"], "anchor_trace": anchor["trace_len"],
                "anchor_states": anchor["distinct_states"], "anchor_seconds": anchor["seconds"],
                "kafkamc": f"{q.config.stem} {q.prop}",
                "kafkamc_verdict": ",".join(sorted({c["verdict"] for c in checked})),
                "kafkamc_trace": max(c["trace_length"] for c in checked),
                "kafkamc_states": most,
                "kafkamc_tlc_seconds": f"{max(c['seconds'] for c in checked):.1f}",
                "kafkamc_wall_seconds": f"{wall:.1f}",
                "time_ratio": f"{wall / float(anchor['seconds']):.2f}",
                "states_ratio": f"{most / int(anchor['distinct_states']):.2f}",
            })
            show(rows[-1])
        walls, bares = [], []
        for n in range(args.repeat):
            out = Path(scratch) / f"jepsen{n}"
            wall, result = kafkamc_check(JEPSEN, [], out)
            walls.append(wall)
            bares.append(bare_tlc(out, "jepsen_2013", Model.from_yaml(JEPSEN).expect))
        wall, bare = statistics.median(walls), statistics.median(bares)
        rows.append({
            "question": "Jepsen 2013, all four properties, end to end", "anchor": "bare TLC",
            "anchor_verdict": "", "anchor_trace": "", "anchor_states": "",
            "anchor_seconds": f"{bare:.1f}", "kafkamc": "jepsen-2013 (CLI)",
            "kafkamc_verdict": ",".join(sorted({p["verdict"]
                                                for p in result["properties"].values()})),
            "kafkamc_trace": "", "kafkamc_states": "",
            "kafkamc_tlc_seconds": "", "kafkamc_wall_seconds": f"{wall:.2f}",
            "time_ratio": f"{wall / bare:.2f}", "states_ratio": "",
        })
        show(rows[-1])
    write_tsv(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
