"""Run a sweep: check the cells of a plan with TLC, pruning by monotonicity.

Rows (settings) are independent, so they run in parallel, `jobs` at a time, with
TLC's workers sharing the remaining cores (kafkamc.parallel, as regress does).
Within a row, pruning checks one cell at a time (kafkamc.sweep.prune decides which, and
what the others inherit), so the outcome does not depend on timing: the same
plan always checks the same cells. Each checked cell is an ordinary check in its
own out dir (`OUT/ROW.COLUMN/`): the spec, TLC logs, traces, diagrams,
result.json, report.html, and config.yaml, the cell as a config of its own.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kafkamc.check import check_model
from kafkamc.errors import KafkamcError
from kafkamc.outdir import prepare_out_dir, release_out_dir, write_error
from kafkamc.parallel import split_cores
from kafkamc.render.formats import FORMATS
from kafkamc.resolved import Property
from kafkamc.result import UNDECIDED, CheckResult, PropertyResult
from kafkamc.sweep.plan import Cell, SweepPlan
from kafkamc.sweep.prune import Decision, Outcome, RowPlan, contradictions
from kafkamc.tlc.cache import RunCache
from kafkamc.tlc.jvm import shared_class_data

CellVerdictName = Literal["holds", "violated", "unknown", "not_found", "skipped"]
How = Literal["checked", "inferred", "skipped"]


@dataclass(frozen=True)
class CellRun:
    """One cell checked with TLC (or an attempt that failed before any verdict)."""

    cell: Cell
    properties: tuple[Property, ...]      # the ones still undecided, hence checked
    out_dir: Path
    result: CheckResult | None
    error: str | None = None

    @property
    def report(self) -> Path:
        return self.out_dir / "report.html"

    @property
    def config(self) -> Path:
        return self.out_dir / "config.yaml"

    def verdicts(self) -> dict[Property, Outcome]:
        if self.result is None:
            return {p: "unknown" for p in self.properties}
        return {p: self.result.properties[p].verdict for p in self.properties}


@dataclass(frozen=True)
class CellVerdict:
    """One property of one cell: its verdict, how it was decided, and the run that
    decided it (this cell's, or for an inferred verdict the cell it comes from)."""

    row: int
    column: int
    prop: Property
    verdict: CellVerdictName
    how: How
    run: CellRun | None
    reason: str | None = None             # why skipped, or why unknown / not_found

    @property
    def evidence(self) -> PropertyResult | None:
        """The deciding check's result for this property: the counterexample, if any."""
        if self.run is None or self.run.result is None:
            return None
        return self.run.result.properties.get(self.prop)


@dataclass(frozen=True)
class SweepResult:
    plan: SweepPlan
    out_root: Path
    pruned: bool
    verdicts: dict[tuple[int, int, Property], CellVerdict]
    runs: dict[tuple[int, int], CellRun]
    # Monotonicity broken by checked verdicts: (row, property, lower column, higher one).
    contradictions: list[tuple[int, Property, int, int]] = field(default_factory=list)

    def count(self, how: How) -> int:
        return sum(1 for v in self.verdicts.values() if v.how == how)

    @property
    def failed(self) -> bool:
        """TLC could not decide some cell's property (unknown or not_found)."""
        return any(v.verdict in UNDECIDED for v in self.verdicts.values())


def run_sweep(plan: SweepPlan, *, out_root: Path, jobs: int | None, cache: RunCache | None,
              prune: bool = True, timeout: float | None = None,
              on_run: Callable[[CellRun], None] | None = None,
              diagram_formats: tuple[str, ...] = FORMATS) -> SweepResult:
    """Check every cell of `plan` that pruning leaves open; `on_run` hears of each check.
    A cell's counterexamples are drawn in `diagram_formats`."""
    prepare_out_dir(out_root)
    rows = {row: RowPlan(plan.columns, plan.properties, _skipped(plan, row), prune=prune)
            for row in range(len(plan.rows))}
    # Pruning checks a row's cells one after another, so only rows run side by side.
    open_cells = [key for key, cell in plan.cells.items() if cell.skipped is None]
    side_by_side = len({row for row, _ in open_cells}) if prune else len(open_cells)
    split = split_cores(jobs, side_by_side)
    runs: dict[tuple[int, int], CellRun] = {}
    # Only `jobs` checks are handed to the pool at a time: an error or Ctrl-C then
    # waits for the checks running, not for a queue of every row.
    queue: deque[tuple[int, int, list[Property]]] = deque(
        (row, column, properties) for row in rows for column, properties in rows[row].ready())
    # Many short TLC runs: they share one class-data archive (kafkamc.tlc.jvm).
    with shared_class_data(), ThreadPoolExecutor(max_workers=split.jobs) as pool:
        pending: dict[Future[CellRun], int] = {}
        while queue or pending:
            while queue and len(pending) < split.jobs:
                row, column, properties = queue.popleft()
                future = pool.submit(check_cell, plan.cells[row, column], properties,
                                     out_root=out_root, workers=split.workers, cache=cache,
                                     timeout=timeout, diagram_formats=diagram_formats)
                pending[future] = row
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                row = pending.pop(future)
                run = future.result()
                runs[row, run.cell.column] = run
                rows[row].record(run.cell.column, run.verdicts())
                if on_run is not None:
                    on_run(run)
                queue.extend((row, column, properties)
                             for column, properties in rows[row].ready())
    return SweepResult(plan=plan, out_root=out_root, pruned=prune,
                       verdicts=_verdicts(plan, rows, runs), runs=runs,
                       contradictions=[(row, prop, low, high) for row, known in rows.items()
                                       for prop, low, high in
                                       contradictions(plan.columns, known.known)])


def check_cell(cell: Cell, properties: list[Property], *, out_root: Path, workers: int,
               cache: RunCache | None, timeout: float | None,
               diagram_formats: tuple[str, ...] = FORMATS) -> CellRun:
    """Check `properties` of one cell as `kafkamc check` would, report.html included."""
    model = cell.resolved()
    out_dir = out_root / cell.directory
    try:
        result = check_model(model, out_dir=out_dir, properties=properties, workers=workers,
                             timeout=timeout, cache=cache, diagram_formats=diagram_formats)
    except KafkamcError as error:
        # Recorded, not raised: the other cells still run and the sweep says which
        # failed (exit 3), as regress does for a config.
        return CellRun(cell, tuple(properties), out_dir, None, str(error))
    except OSError as error:      # the cell's out dir could not be written (a full disk)
        return CellRun(cell, tuple(properties), out_dir, None, str(write_error(error, out_dir)))
    finally:
        release_out_dir(out_dir)   # a sweep may have more cells than a process has files
    return CellRun(cell, tuple(properties), out_dir, result)


def _skipped(plan: SweepPlan, row: int) -> set[int]:
    return {column for column in range(len(plan.columns))
            if plan.cells[row, column].skipped is not None}


def _verdicts(plan: SweepPlan, rows: dict[int, RowPlan],
              runs: dict[tuple[int, int], CellRun]) -> dict[tuple[int, int, Property], CellVerdict]:
    verdicts: dict[tuple[int, int, Property], CellVerdict] = {}
    for (row, column), cell in plan.cells.items():
        for prop in plan.properties:
            if cell.skipped is not None:
                verdicts[row, column, prop] = CellVerdict(row, column, prop, "skipped",
                                                          "skipped", None, cell.skipped)
                continue
            decision = rows[row].known[column, prop]
            run = runs[row, decision.source]
            verdicts[row, column, prop] = CellVerdict(row, column, prop, decision.verdict,
                                                      decision.how, run,
                                                      _unknown_reason(decision, run, prop))
    return verdicts


def _unknown_reason(decision: Decision, run: CellRun, prop: Property) -> str | None:
    if decision.verdict not in UNDECIDED:
        return None
    evidence = run.result.properties.get(prop) if run.result else None
    return evidence.message if evidence is not None else run.error
