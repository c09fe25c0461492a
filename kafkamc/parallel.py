"""Splitting the machine's cores between parallel checks and TLC's worker threads.

TLC uses as many worker threads as it is given; checks that run side by side
each with all the cores would fight over them. So the jobs run at once are at
most the cores (and the tasks), and each job's TLC gets its share of the cores.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class CoreSplit:
    jobs: int        # checks run at once
    workers: int     # TLC worker threads per check


def split_cores(jobs: int | None, tasks: int) -> CoreSplit:
    """`jobs` checks at once (default: the number of cores), never more than the
    `tasks` that can run side by side; TLC's workers share the cores among them."""
    cores = os.cpu_count() or 1
    at_once = max(1, min(jobs or cores, tasks))
    return CoreSplit(jobs=at_once, workers=max(1, cores // at_once))
