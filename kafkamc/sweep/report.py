"""A sweep's results for people and programs: the terminal matrix, CSV and JSON.

One record per cell and property (`cell_records`) feeds CSV and JSON alike: the
settings, the budget, the verdict, how it was decided (checked, inferred or
skipped), the cell it was decided in, and the paths of its report and
counterexample.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from kafkamc.render.terminal import story_lines
from kafkamc.result import UNDECIDED, said
from kafkamc.sweep.plan import SweepPlan, value_text
from kafkamc.sweep.recommend import COST_KEYS, Answer, Candidate, Recommendation
from kafkamc.sweep.run import CellVerdict, SweepResult

SYMBOL = {"holds": "✓", "violated": "✗", "unknown": "?", "not_found": "~", "skipped": "-"}
STYLE = {"holds": "green", "violated": "red", "unknown": "yellow", "not_found": "yellow",
         "skipped": "dim"}
INITIAL = {"durability": "D", "consistency": "C", "read_stability": "R", "availability": "A",
           "no_duplicates": "N", "order": "O"}

PRUNING = ("Pruned by monotonicity: a larger fault budget or more records only adds "
           "behaviours, so a property violated under a budget is violated under every "
           "larger one, and one that holds holds under every smaller one "
           "(the argument: kafkamc/sweep/prune.py).")


# ---------------------------------------------------------------------------------
# Words shared by every output.

def row_label(plan: SweepPlan, row: int) -> str:
    return ", ".join(f"{key}={value_text(value)}"
                     for key, value in plan.row_settings(row).items()) or "base"


def counts(result: SweepResult) -> str:
    """How many property checks ran, were inferred and were skipped."""
    checked, inferred = result.count("checked"), result.count("inferred")
    skipped = result.count("skipped")
    total = checked + inferred + skipped
    runs = len(result.runs)
    return (f"{total} cell properties: {checked} checked by TLC in {runs} "
            f"run{'s' if runs != 1 else ''}, {inferred} inferred by monotonicity "
            f"(checks saved), {skipped} skipped (Kafka rejects the combination).")


def mode_line(result: SweepResult) -> str:
    if result.pruned:
        return PRUNING
    return "Not pruned (--no-prune): every cell checked for every property."


def contradiction_lines(result: SweepResult) -> list[str]:
    plan = result.plan
    return [f"warning: {prop} is violated under {plan.column_label(low)} yet holds under "
            f"{plan.column_label(high)} ({row_label(plan, row)}): monotonicity does not "
            f"hold for this model, so pruning is unsafe; report it"
            for row, prop, low, high in result.contradictions]


def property_initials(plan: SweepPlan) -> str:
    return ", ".join(f"{INITIAL[prop]} {prop}" for prop in plan.properties)


def decided_in(verdict: CellVerdict) -> str | None:
    """The cell a verdict was inferred from, named by its out dir."""
    if verdict.how != "inferred" or verdict.run is None:
        return None
    return verdict.run.cell.directory


# ---------------------------------------------------------------------------------
# The terminal.

def print_sweep(result: SweepResult, recommendation: Recommendation | None,
                console: Console) -> None:
    console.print(_matrix(result))
    console.print(f"Legend: {property_initials(result.plan)}; ✓ holds, ✗ violated, "
                  "? unknown (TLC could not decide), ~ not found (no violation in random "
                  "simulation; not a proof), - skipped; (…) inferred, not checked.",
                  highlight=False, soft_wrap=True)
    console.print(counts(result), highlight=False, soft_wrap=True)
    console.print(mode_line(result), highlight=False, soft_wrap=True)
    for line in contradiction_lines(result):
        console.print(line, style="bold red", highlight=False, markup=False, soft_wrap=True)
    for line in _skip_lines(result):
        console.print(line, style="dim", highlight=False, markup=False, soft_wrap=True)
    for line in _unknown_lines(result):
        console.print(line, style="yellow", highlight=False, markup=False, soft_wrap=True)
    if recommendation is not None:
        print_recommendation(result, recommendation, console)
    console.print(f"Reports: {result.out_root}/ROW.COLUMN/report.html", highlight=False,
                  soft_wrap=True)


def _matrix(result: SweepResult) -> Table:
    plan = result.plan
    table = Table(title=f"kafkamc sweep {plan.name}: rows are settings, columns faults")
    for axis in plan.settings:
        table.add_column(axis.key.split(".", 1)[-1] if "." in axis.key else axis.key)
    for column in range(len(plan.columns)):
        table.add_column(plan.column_label(column), no_wrap=True)
    for row in range(len(plan.rows)):
        table.add_row(*(value_text(v) for v in plan.rows[row]),
                      *(_cell_text(result, row, column) for column in range(len(plan.columns))))
    return table


def _cell_text(result: SweepResult, row: int, column: int) -> str:
    plan = result.plan
    if plan.cells[row, column].skipped is not None:
        return "[dim]skipped[/]"
    parts = []
    for prop in plan.properties:
        verdict = result.verdicts[row, column, prop]
        symbol = SYMBOL[verdict.verdict]
        if verdict.how == "inferred":
            symbol = f"({symbol})"
        prefix = INITIAL[prop] if len(plan.properties) > 1 else ""
        parts.append(f"[{STYLE[verdict.verdict]}]{prefix}{symbol}[/]")
    return " ".join(parts)


def _skip_lines(result: SweepResult) -> list[str]:
    plan = result.plan
    reasons: dict[str, list[str]] = {}
    for (row, column), cell in sorted(plan.cells.items()):
        if cell.skipped is not None and column == 0:
            reasons.setdefault(cell.skipped, []).append(row_label(plan, row))
    return [f"skipped {'; '.join(rows)}: {reason}" for reason, rows in reasons.items()]


def _unknown_lines(result: SweepResult) -> list[str]:
    return [f"{said(v.verdict)}: {v.prop} of {v.run.cell.directory if v.run else '?'}: "
            f"{v.reason}" for v in result.verdicts.values()
            if v.verdict in UNDECIDED and v.how == "checked"]


def print_recommendation(result: SweepResult, recommendation: Recommendation,
                         console: Console) -> None:
    """Per circumstance: each cheaper setting with the story that rules it out, then the
    answer; last, the answers alone."""
    plan = result.plan
    console.print(f"\n[bold]Cheapest settings for {recommendation.requirement.describe()}[/] "
                  f"({ORDER})", highlight=False, soft_wrap=True)
    for answer in recommendation.answers:
        console.print(f"\n[bold]{circumstance_label(answer)}[/]", highlight=False,
                      soft_wrap=True)
        for candidate in answer.weaker:
            console.print(f"  ruled out: {cost_label(plan, candidate.row)}", style="red",
                          highlight=False, markup=False, soft_wrap=True)
            for line in ruled_out_lines(result, candidate):
                console.print(f"    {line}", highlight=False, markup=False, soft_wrap=True)
        for candidate in answer.undecided:
            console.print(f"  undecided (TLC could not decide): {cost_label(plan, candidate.row)}",
                          style="yellow", highlight=False, markup=False, soft_wrap=True)
        for note, rows in not_candidates(plan, answer).items():
            console.print(f"  not candidates: {'; '.join(rows)}: {note}", style="dim",
                          highlight=False, markup=False, soft_wrap=True)
        console.print(f"  -> {answer_text(plan, answer)}", style="bold", highlight=False,
                      markup=False, soft_wrap=True)
    console.print("\n[bold]Answer[/]", highlight=False)
    for answer in recommendation.answers:
        console.print(f"  {circumstance_label(answer)}: {answer_text(plan, answer)}",
                      highlight=False, markup=False, soft_wrap=True)


ORDER = "order: fewest replicas, then the lowest min.insync.replicas, then acks 0, 1, all"


def circumstance_label(answer: Answer) -> str:
    return ", ".join(f"{key}={value_text(value)}"
                     for key, value in answer.circumstances) or "the swept settings"


def cost_label(plan: SweepPlan, row: int) -> str:
    """A row's swept costs (replicas, min ISR, acks): its circumstance is said above it."""
    return ", ".join(f"{key.split('.', 1)[-1]}={value_text(value)}"
                     for key, value in plan.row_settings(row).items()
                     if key in COST_KEYS) or row_label(plan, row)


def answer_text(plan: SweepPlan, answer: Answer) -> str:
    if answer.cheapest is None:
        return "no swept setting satisfies the requirement"
    return f"cheapest: {cost_label(plan, answer.cheapest.row)}"


def not_candidates(plan: SweepPlan, answer: Answer) -> dict[str, list[str]]:
    """The settings left out of the order, grouped by why."""
    grouped: dict[str, list[str]] = {}
    for candidate in answer.not_candidates:
        grouped.setdefault(candidate.note or "", []).append(cost_label(plan, candidate.row))
    return grouped


def ruled_out_lines(result: SweepResult, candidate: Candidate) -> list[str]:
    """Why a cheaper setting fails: per violated property, where and the story."""
    lines = []
    for verdict in candidate.because:
        lines.append(violation_where(result, verdict))
        evidence = verdict.evidence
        if evidence is not None and evidence.story is not None:
            lines += story_lines(evidence.story)
            lines.append(f"(diagram: {', '.join(map(str, evidence.diagrams)) or '-'})")
    return lines


def violation_where(result: SweepResult, verdict: CellVerdict) -> str:
    plan = result.plan
    text = f"{verdict.prop} is violated under {plan.column_label(verdict.column)}"
    if verdict.how == "inferred" and verdict.run is not None:
        text += f" (found under {plan.column_label(verdict.run.cell.column)})"
    return text + ":"


# ---------------------------------------------------------------------------------
# CSV and JSON.

CSV_FIELDS = ("cell", "settings", "budget", "property", "verdict", "decided", "from_cell",
              "reason", "report", "trace", "diagrams", "seconds", "cached")


def cell_records(result: SweepResult) -> list[dict[str, Any]]:
    """One record per cell and property, rows then columns then properties."""
    plan = result.plan
    records = []
    for (row, column, prop), verdict in sorted(result.verdicts.items(),
                                                 key=lambda item: _order(plan, item[0])):
        evidence = verdict.evidence
        records.append({
            "cell": plan.cells[row, column].directory,
            "settings": plan.row_settings(row),
            "budget": plan.column_budget(column),
            "property": prop,
            "verdict": verdict.verdict,
            "decided": verdict.how,
            "from_cell": decided_in(verdict),
            "reason": verdict.reason,
            "report": str(verdict.run.report) if verdict.run and verdict.run.result else None,
            "trace": str(evidence.trace_file) if evidence and evidence.trace_file else None,
            "diagrams": [str(d) for d in evidence.diagrams] if evidence else [],
            "seconds": round(evidence.seconds, 2) if evidence and verdict.how == "checked"
            else None,
            "cached": evidence.cached if evidence and verdict.how == "checked" else None,
        })
    return records


def _order(plan: SweepPlan, key: tuple[int, int, str]) -> tuple[int, int, int]:
    row, column, prop = key
    return row, column, plan.properties.index(prop)   # type: ignore[arg-type]


def write_csv(result: SweepResult, path: Path) -> None:
    with path.open("w", newline="") as sink:
        writer = csv.DictWriter(sink, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for record in cell_records(result):
            writer.writerow({**record,
                             "settings": _pairs(record["settings"]),
                             "budget": _pairs(record["budget"]),
                             "diagrams": " ".join(record["diagrams"])})


def _pairs(values: dict[str, Any]) -> str:
    return " ".join(f"{key}={value_text(value)}" for key, value in values.items())


def sweep_json(result: SweepResult, recommendation: Recommendation | None) -> dict[str, Any]:
    plan = result.plan
    return {
        "name": plan.name,
        "source": plan.source,
        "properties": list(plan.properties),
        "settings": {axis.key: list(axis.values) for axis in plan.settings},
        "budgets": {axis.key: list(axis.values) for axis in plan.budgets},
        "pruned": result.pruned,
        "checks": {"checked": result.count("checked"), "inferred": result.count("inferred"),
                   "skipped": result.count("skipped"), "tlc_runs": len(result.runs)},
        "contradictions": contradiction_lines(result),
        "cells": cell_records(result),
        "recommendation": _recommendation_json(result, recommendation),
    }


def _recommendation_json(result: SweepResult,
                         recommendation: Recommendation | None) -> dict[str, Any] | None:
    if recommendation is None:
        return None
    plan = result.plan
    return {
        "require": list(recommendation.requirement.properties),
        "against": dict(recommendation.requirement.against),
        "answers": [{
            "circumstances": dict(answer.circumstances),
            "cheapest": plan.row_settings(answer.cheapest.row) if answer.cheapest else None,
            "weaker": [{"settings": plan.row_settings(c.row),
                        "ruled_out_by": [_violation_json(result, v) for v in c.because]}
                       for c in answer.weaker],
            "undecided": [plan.row_settings(c.row) for c in answer.undecided],
            "not_candidates": [{"settings": plan.row_settings(c.row), "why": c.note}
                               for c in answer.not_candidates],
        } for answer in recommendation.answers],
    }


def _violation_json(result: SweepResult, verdict: CellVerdict) -> dict[str, Any]:
    evidence = verdict.evidence
    return {
        "property": verdict.prop,
        "budget": result.plan.column_budget(verdict.column),
        "decided": verdict.how,
        "from_cell": decided_in(verdict),
        "story": list(evidence.story.lines) if evidence and evidence.story else [],
        "report": str(verdict.run.report) if verdict.run else None,
        "diagrams": [str(d) for d in evidence.diagrams] if evidence else [],
    }
