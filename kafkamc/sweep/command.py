"""The steps of `kafkamc sweep`: read the plan, run it, write every output, pick the exit status.

The typer command in kafkamc/cli.py only parses options and hands them here; a
KafkamcError raised here (a bad sweep file or option: exit 2) becomes one line on
stderr there. Exit status: 0 all decided (and the requirement, if any, met for
every circumstance); 1 a requirement that no swept setting meets, or a broken
monotonicity; 3 TLC could not decide some cell (3 wins, as in check).
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rich.console import Console

from kafkamc.errors import ConfigError
from kafkamc.outdir import write_error
from kafkamc.parallel import split_cores
from kafkamc.render.formats import FORMATS
from kafkamc.sweep.page import write_sweep_html
from kafkamc.sweep.plan import read_sweep
from kafkamc.sweep.recommend import Recommendation, recommend
from kafkamc.sweep.report import print_sweep, sweep_json, write_csv
from kafkamc.sweep.run import CellRun, SweepResult, run_sweep
from kafkamc.tlc.cache import RunCache


@dataclass(frozen=True)
class SweepOptions:
    jobs: int | None
    as_json: bool
    csv: Path | None
    html: Path | None
    require: str | None               # "durability,availability"
    against: list[str] | None         # ["faults.power_losses=2"]
    cache: RunCache | None
    prune: bool
    out: Path | None
    timeout: float | None
    yes: bool = False                 # run even above CONFIRM_CELLS
    quiet: bool = False               # no estimate, spinner or per-cell lines on stderr
    diagram_formats: tuple[str, ...] = FORMATS   # of each cell's counterexamples


# A sweep checking more cells than this is refused unless --yes: at seconds to minutes
# per cell, it would hold the machine for hours without a word.
CONFIRM_CELLS = 250
# What a cell takes on 2 cores for the shipped scenarios (bench/README.md: about 3 s
# for Jepsen 2013's two runs); larger bounds and fault budgets take far longer.
SECONDS_PER_CELL = 3.0


def sweep_command(file: Path, options: SweepOptions, out: Console, err: Console) -> int:
    require = [name.strip() for name in options.require.split(",")] if options.require \
        else None
    plan = read_sweep(file, require=require, against=options.against or None)
    out_root = options.out or Path("out") / plan.name
    cells = len(plan.cells)
    to_check = sum(1 for cell in plan.cells.values() if cell.skipped is None)
    jobs = split_cores(options.jobs, to_check).jobs
    seconds = to_check * SECONDS_PER_CELL / jobs
    estimate = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
    if not options.quiet:
        err.print(f"sweep {plan.name}: {cells} cells, {to_check} to check with TLC, {jobs} at "
                  f"a time: about {estimate} at {SECONDS_PER_CELL:.0f} s a cell (cached and "
                  f"pruned cells take less, large bounds more)", highlight=False, markup=False,
                  soft_wrap=True)
    if to_check > CONFIRM_CELLS and not options.yes:
        raise ConfigError(f"{to_check} cells to check is more than {CONFIRM_CELLS}; allowed: "
                          "fewer values in sweep:, or --yes to run them all", file=str(file),
                          key="sweep")
    done = itertools.count(1)
    status = err.status(f"sweeping {cells} cells of {plan.name} with TLC...", spinner="dots") \
        if err.is_terminal and not options.quiet else nullcontext()
    with status:
        result = run_sweep(plan, out_root=out_root, jobs=options.jobs, cache=options.cache,
                           prune=options.prune, timeout=options.timeout,
                           on_run=None if options.quiet
                           else lambda run: _progress(run, next(done), to_check, err),
                           diagram_formats=options.diagram_formats)
    recommendation = recommend(result)
    data = sweep_json(result, recommendation)
    writers: tuple[tuple[Path | None, str, Callable[[Path], object]], ...] = (
        (out_root / "sweep.json", "--out",
         lambda path: path.write_text(json.dumps(data, indent=2) + "\n")),
        (options.csv, "--csv", partial(write_csv, result)),
        (options.html, "--html", lambda path: write_sweep_html(result, recommendation, path)))
    for path, option, write in writers:
        if path is None:
            continue
        try:
            write(path)
        except OSError as error:      # a full disk, or a path kafkamc may not write
            raise write_error(error, path, option) from None
    if options.as_json:
        print(json.dumps(data, indent=2))
    else:
        print_sweep(result, recommendation, out)
        if options.html:
            out.print(f"Page: {options.html}", highlight=False, soft_wrap=True)
    return exit_status(result, recommendation)


def exit_status(result: SweepResult, recommendation: Recommendation | None) -> int:
    if result.failed:
        return 3
    unmet = recommendation is not None and recommendation.unmet
    return 1 if unmet or result.contradictions else 0


def _progress(run: CellRun, number: int, total: int, err: Console) -> None:
    verdicts = ", ".join(f"{prop} {verdict}" for prop, verdict in run.verdicts().items())
    cached = " (cached)" if run.result and all(
        p.cached for p in run.result.properties.values()) else ""
    err.print(f"[{number}/{total}] checked {run.cell.directory}: {verdicts}{cached}",
              highlight=False, markup=False, soft_wrap=True)
