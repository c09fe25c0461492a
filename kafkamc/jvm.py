"""The JVM options TLC runs with.

The throughput collector, as TLC itself recommends, and whatever the user adds in
$KAFKAMC_JAVA_OPTS (for example -Xmx8g for a model that outgrows the default
heap, a quarter of the RAM).

Measured and left out (bench/README.md, "JVM options"):
- A class-data archive of TLC's classes (AppCDS, -XX:SharedArchiveFile) starts
  the JVM about 0.2 s sooner, but a run that maps it explored 3,253 states in
  60 s where the same run without it explores 291,594 in 18 s.
- C1-only compilation (-XX:TieredStopAtLevel=1) saves 0.4 s on small models but
  made a 33 s check take 57 s.
"""
from __future__ import annotations

import os
import shlex

JAVA_OPTS_ENV = "KAFKAMC_JAVA_OPTS"


def jvm_options() -> list[str]:
    """The JVM options for every TLC process kafkamc starts."""
    return ["-XX:+UseParallelGC", *shlex.split(os.environ.get(JAVA_OPTS_ENV, ""))]
