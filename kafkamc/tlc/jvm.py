"""The JVM options TLC runs with.

The throughput collector, as TLC itself recommends, and whatever the user adds in
$KAFKAMC_JAVA_OPTS (for example -Xmx8g for a model that outgrows the default
heap, a quarter of the RAM).

Measured and left out (bench/README.md, "JVM options"):
- A class-data archive of TLC's classes (AppCDS, -XX:SharedArchiveFile) starts
  the JVM about 0.2 s sooner, but a run that maps it explored 3,253 states in
  60 s where the same run without it explores 291,594 in 18 s.

C1-only compilation (-XX:TieredStopAtLevel=1) is for runs expected to be short:
TLC's first seconds then run C1's code at once instead of profiling for C2, and
no C2 compiler threads compete with TLC's workers for the cores. Jepsen 2013's
two runs take 2.0 s instead of 3.2 s; but in the long run C1's code is slower
(an 18 s run takes 24 s, a 33 s one 57 s), so runs that must explore every
state keep the default tiered compilation.
"""
from __future__ import annotations

import os
import shlex

JAVA_OPTS_ENV = "KAFKAMC_JAVA_OPTS"


def jvm_options(*, short: bool = False) -> list[str]:
    """The JVM options for a TLC process; `short`: the run is expected to end
    within seconds (C1 only)."""
    return ["-XX:+UseParallelGC", *(["-XX:TieredStopAtLevel=1"] if short else []),
            *shlex.split(os.environ.get(JAVA_OPTS_ENV, ""))]
