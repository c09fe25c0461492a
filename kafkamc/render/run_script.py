"""run.sh: each TLC run of a check, as a command to run by hand in its out dir.

The script runs the modules and cfgs kafkamc wrote, with one TLC worker (strict
breadth-first search: the same verdicts and shortest counterexamples) and TLC's
-tool output, which `kafkamc render` reads back into a story. $JAVA and
$TLA2TOOLS choose the runtime and the jar; they default to what kafkamc used.
"""
from __future__ import annotations

import shlex
from pathlib import Path

from kafkamc.compile import RunPlan
from kafkamc.tlc.jvm import jvm_options
from kafkamc.tlc.run import find_jar, tlc_command

JAVA, JAR = '"$JAVA"', '"$TLA2TOOLS"'


def run_script(module: str, runs: tuple[RunPlan, ...]) -> str:
    lines = ["#!/bin/sh",
             f"# kafkamc's TLC runs of {module}.tla, to reproduce by hand: sh run.sh",
             "# Each writes its log beside kafkamc's (tlc-LABEL.rerun.log); `kafkamc render",
             "# LOG` tells its counterexamples.",
             "set -e",
             'cd "$(dirname "$0")"',
             'JAVA="${JAVA:-java}"',
             f'TLA2TOOLS="${{TLA2TOOLS:-{find_jar()}}}"']
    for run in runs:
        metadir = Path("tlc-states") / f"{run.label}.rerun"
        command = tlc_command(Path(f"MC_{module}.tla"), Path(f"{module}.{run.label}.cfg"),
                              metadir, 1, jvm_options(), keep_going=run.together,
                              java=JAVA, jar=JAR)
        words = [w if w in (JAVA, JAR) else shlex.quote(w) for w in command]
        lines += ["", f"# {', '.join(run.properties)}",
                  f"mkdir -p {shlex.quote(str(metadir / 'tmp'))}",
                  " ".join(words) + f" > tlc-{run.label}.rerun.log || true"]
    return "\n".join(lines) + "\n"
