"""Human-readable reports of a check: the verdict table and each counterexample's steps."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from kafkamc.check import CheckResult, PropertyResult
from kafkamc.regress import Report
from kafkamc.resolved import PROPERTIES
from kafkamc.tlc_output import ModelValue, TlcState

VERDICT_STYLE = {"holds": "green", "violated": "red", "unknown": "yellow"}


def print_result(result: CheckResult, console: Console) -> None:
    console.print(_table(result))
    for prop in result.properties.values():
        if prop.verdict == "violated":
            _print_counterexample(prop, console)
        elif prop.verdict == "unknown":
            console.print(f"{prop.name}: unknown: {prop.message}", style="yellow", markup=False,
                          soft_wrap=True)
    console.print(f"Spec, TLC configs and logs: {result.out_dir}", soft_wrap=True)


def print_regress(report: Report, console: Console) -> None:
    """One row per config: each property's verdict against its expectation, the golden spec."""
    table = Table(title="kafkamc regress")
    for column in ("config", *PROPERTIES, "golden spec", "result"):
        table.add_column(column)
    for run in report.runs:
        if run.result is None:
            table.add_row(str(run.path), *["-"] * len(PROPERTIES), run.golden,
                          "[yellow]error[/]")
            continue
        cells = []
        for name in PROPERTIES:
            prop = run.result.properties.get(name)
            cells.append("-" if prop is None else _verdict_cell(prop))
        golden = "[red]differs[/]" if run.golden == "differs" else run.golden
        table.add_row(run.result.name, *cells, golden,
                      "[green]pass[/]" if run.passed else "[bold red]FAIL[/]")
    console.print(table)
    for run in report.runs:
        if run.result is None:
            console.print(f"{run.path}: {run.error}", style="yellow", markup=False,
                          soft_wrap=True)
            continue
        for prop in run.result.properties.values():
            if prop.verdict == "unknown":
                console.print(f"{run.result.name}: {prop.name}: unknown: {prop.message}",
                              style="yellow", markup=False, soft_wrap=True)
            elif not prop.matches and prop.verdict == "violated":
                _print_counterexample(prop, console)
        if run.golden == "differs":
            console.print(f"{run.result.name}: the generated spec differs from "
                          f"{run.golden_file}; review the template change, then "
                          "`kafkamc regress --update`.", markup=False, soft_wrap=True)


def _verdict_cell(prop: PropertyResult) -> str:
    style = VERDICT_STYLE[prop.verdict]
    if prop.matches:
        return f"[{style}]{prop.verdict}[/]"
    return f"[bold {style}]{prop.verdict}[/] (expected {prop.expected or 'holds'})"


def format_value(value: Any) -> str:
    """A value written the way TLA+ writes it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, ModelValue):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "<<" + ", ".join(format_value(v) for v in value) + ">>"
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(format_value(v) for v in value)) + "}"
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and not isinstance(k, ModelValue) for k in value):
            return "[" + ", ".join(f"{k} |-> {format_value(v)}" for k, v in value.items()) + "]"
        return "(" + " @@ ".join(f"{format_value(k)} :> {format_value(v)}"
                                 for k, v in value.items()) + ")"
    return str(value)


def changes(before: TlcState | None, after: TlcState) -> dict[str, Any]:
    """The variables whose values differ between two states (all of them for the first)."""
    if before is None:
        return dict(after.values)
    return {k: v for k, v in after.values.items() if before.values.get(k) != v}


def _table(result: CheckResult) -> Table:
    table = Table(title=f"{result.name} (Kafka {result.kafka_version})")
    for column in ("property", "verdict", "expected", "match", "distinct states", "trace",
                   "seconds"):
        table.add_column(column, justify="right" if column in {"distinct states", "trace",
                                                               "seconds"} else "left")
    for prop in result.properties.values():
        style = VERDICT_STYLE[prop.verdict]
        table.add_row(
            prop.name,
            f"[{style}]{prop.verdict}[/]",
            prop.expected or "-",
            "yes" if prop.matches else "[bold red]NO[/]",
            "-" if prop.distinct_states is None else f"{prop.distinct_states:,}",
            str(len(prop.trace)) if prop.trace else "-",
            f"{prop.seconds:.1f}" + (" (cached)" if prop.cached else ""),
        )
    return table


def counterexample_lines(prop: PropertyResult) -> list[str]:
    """A violation's counterexample as plain lines: each step and what it changed."""
    lines = [f"{prop.name} violated in {len(prop.trace)} steps (the shortest way):"]
    previous: TlcState | None = None
    for index, state in enumerate(prop.trace, start=1):
        lines.append(f"  {index}. {state.action or 'initial state'}")
        lines.extend(f"       {name} = {format_value(value)}"
                     for name, value in changes(previous, state).items())
        previous = state
    if prop.loop_to is not None:
        lines.append(f"  ... and back to step {prop.loop_to}, forever.")
    elif prop.name == "availability":
        lines.append("  ... and nothing more happens: the write is never acknowledged.")
    return lines


def _print_counterexample(prop: PropertyResult, console: Console) -> None:
    title, *steps = counterexample_lines(prop)
    console.print(f"\n[bold red]{title}[/]")
    for line in steps:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
