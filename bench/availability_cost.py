"""The availability run's cost against the safety run's, before and after a change.

Issue 17: the availability run explored several times the safety run's distinct
states. This checks each ladder rung (bench/ladder.py, without rf5-faults3, which
cannot finish) and each scenario of specs/ that checks availability, through the
CLI (`kafkamc check X --property P... --workers 1 --no-cache --json`), with two
source trees in one run: `--before`, a copy of an older commit, and this tree.
Distinct states do not depend on the machine's load, so the two columns compare
exactly. The safety run is measured with this tree only (it is the denominator
of the ratio). Run:

    git archive BASE | (mkdir -p /tmp/before && tar -x -C /tmp/before)
    python bench/availability_cost.py --before /tmp/before [--only NAME...] [--timeout 900]

Without --before only this tree runs (the before columns are "-"): for rungs whose
older availability run cannot finish within the timeout.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml
from ladder import kafkamc_check, ladder  # bench/ladder.py
from tsv import show, write_tsv  # bench/tsv.py

HERE = Path(__file__).resolve().parent.parent
SAFETY = ["durability", "consistency", "read_stability"]


def configs(scratch: Path) -> list[tuple[str, Path]]:
    """(name, YAML file): the ladder's rungs, then the specs that check availability."""
    found = []
    for _, model in ladder():
        if model.name not in ("rf5-r2-f3", "rf5-r2-c2"):   # too big for this comparison
            path = scratch / f"{model.name}.yaml"
            path.write_text(model.to_yaml())
            found.append((model.name, path))
    for spec in sorted((HERE / "specs").glob("*.yaml")):
        if "availability:" in spec.read_text():
            found.append((spec.stem, spec))
    return found


def run(tree: Path, config: Path, properties: list[str], out: Path,
        timeout: float) -> dict[str, dict[str, object]] | None:
    """One property set of `config` checked by the kafkamc of `tree` with one worker;
    None if it did not finish within `timeout` seconds."""
    options = ["--workers", "1"] + [arg for prop in properties for arg in ("--property", prop)]
    return kafkamc_check(tree, config, out, options=options, timeout=timeout)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path,
                        help="a source tree of the older commit (without it: this tree only,"
                             " for rungs whose older run cannot finish)")
    parser.add_argument("--only", nargs="*", help="only these configs")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).with_name("availability_cost.tsv"))
    args = parser.parse_args()
    rows = []
    # A run stopped by its timeout may leave TLC writing there for a moment.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch_dir:
        scratch = Path(scratch_dir)
        for name, config in configs(scratch):
            if args.only and name not in args.only:
                continue
            checks = yaml.safe_load(config.read_text()).get("check") or SAFETY
            safety = [p for p in SAFETY if p in checks]
            # A config that checks no safety property has no safety run to compare with.
            safety_run = (run(HERE, config, safety, scratch / f"{name}-safety", args.timeout)
                          if safety else None)
            before = (run(args.before, config, ["availability"], scratch / f"{name}-before",
                          args.timeout) if args.before else None)
            after = run(HERE, config, ["availability"], scratch / f"{name}-after",
                        args.timeout)
            rows.append(_row(name, safety_run, before, after, args.before is not None))
            show(rows[-1])
    write_tsv(rows, args.out)
    return 0


def _row(name: str, safety: dict | None, before: dict | None,
         after: dict | None, ran_before: bool) -> dict[str, object]:
    """One TSV row; a run that did not finish is "unknown", one not run (no
    --before) is "-"."""
    def states(props: dict | None, prop: str) -> int | None:
        return props[prop]["distinct_states"] if props else None

    base = next(iter(safety.values()))["distinct_states"] if safety else None
    b, a = states(before, "availability"), states(after, "availability")
    return {
        "config": name, "safety_states": base if base is not None else "-",
        "before_verdict": (before["availability"]["verdict"] if before
                           else "unknown" if ran_before else "-"),
        "before_states": b if b is not None else "-",
        "before_trace": before["availability"]["trace_length"] if before else "-",
        "after_verdict": after["availability"]["verdict"] if after else "unknown",
        "after_states": a if a is not None else "-",
        "after_trace": after["availability"]["trace_length"] if after else "-",
        "before_ratio": f"{b / base:.2f}" if base and b is not None else "-",
        "after_ratio": f"{a / base:.2f}" if base and a is not None else "-",
    }


if __name__ == "__main__":
    sys.exit(main())
