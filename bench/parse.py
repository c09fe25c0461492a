"""Parse time of TLC counterexamples of 10 to 10,000 states with kafkamc's real state shapes.

TLC's simulation mode makes the long traces: the Jepsen 2013 module, wrapped so
that every step may also leave the cluster as it is and a step counter `tick`
(the one variable not of kafkamc's shape) makes each state new, with an
invariant that fails at the wanted length. For each length this records the
log's size, the time to parse it (kafkamc.tlc.output, best of 3) and the time to
turn it into a trace and tell its story (kafkamc.trace.steps, events, narrative). Run:

    python bench/parse.py [--out bench/parse.tsv]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from tsv import show, write_tsv  # bench/tsv.py

from kafkamc.compile import compile_model, render_cfg, write_spec
from kafkamc.config import Model
from kafkamc.tlc.output import Counterexample, parse_tlc_output
from kafkamc.tlc.run import find_jar, find_java
from kafkamc.trace.events import infer_params
from kafkamc.trace.narrative import Story, tell
from kafkamc.trace.steps import trace_of

T = TypeVar("T")
LENGTHS = (10, 100, 1_000, 10_000)
SPEC = Path(__file__).resolve().parent.parent / "specs" / "jepsen-2013.yaml"
WRAPPER = """---- MODULE LongTrace ----
EXTENDS MC_{module}, TLC
CONSTANT Depth
VARIABLE tick
LongInit == Init /\\ tick = 1
LongNext == (Next \\/ UNCHANGED vars) /\\ tick' = tick + 1
Short == tick < Depth
====
"""


def make_log(work: Path, length: int) -> Path:
    spec = compile_model(Model.from_yaml(SPEC).resolve())
    write_spec(spec, work)
    (work / "LongTrace.tla").write_text(WRAPPER.format(module=spec.module))
    cfg = render_cfg(spec.module, spec.brokers, ["durability"])
    cfg = cfg.replace("INIT Init", "INIT LongInit").replace("NEXT Next", "NEXT LongNext")
    cfg = cfg.split("INVARIANTS")[0] + "INVARIANT Short\n"
    cfg = cfg.replace("CONSTANTS\n", f"CONSTANTS\n    Depth = {length}\n")
    (work / "LongTrace.cfg").write_text(cfg)
    (work / "tmp").mkdir(exist_ok=True)
    log = work / f"long-{length}.log"
    with log.open("w") as sink:
        subprocess.run([str(find_java()), "-XX:+UseParallelGC", f"-Djava.io.tmpdir={work / 'tmp'}",
                        "-cp", str(find_jar()), "tlc2.TLC", "-simulate", "-depth",
                        str(length + 5), "-tool", "-metadir", str(work / "meta"),
                        "-config", "LongTrace.cfg", "LongTrace.tla"],
                       cwd=work, stdout=sink, stderr=subprocess.STDOUT, check=False)
    return log


def _told(found: Counterexample) -> Story:
    return tell(trace_of(found, infer=infer_params))


def best_of(runs: int, action: Callable[[], T]) -> tuple[float, T]:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("parse.tsv"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for length in LENGTHS:
            work = Path(scratch) / str(length)
            work.mkdir()
            text = make_log(work, length).read_text()
            parse_s, outcome = best_of(3, partial(parse_tlc_output, text))
            found = outcome.counterexamples[0]
            assert len(found.trace) == length, (length, len(found.trace))
            story_s, story = best_of(3, partial(_told, found))
            rows.append({"states": length, "log_bytes": len(text.encode()),
                         "parse_seconds": f"{parse_s:.3f}", "story_seconds": f"{story_s:.3f}",
                         "story_lines": len(story.lines)})
            show(rows[-1])
    write_tsv(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
