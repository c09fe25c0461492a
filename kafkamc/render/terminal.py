"""Human-readable reports of a check: the verdict table and each counterexample's steps."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from kafkamc.regress.run import Report
from kafkamc.resolved import PROPERTIES
from kafkamc.result import CheckResult, PropertyResult
from kafkamc.trace.narrative import Story

VERDICT_STYLE = {"holds": "green", "violated": "red", "unknown": "yellow"}


def print_result(result: CheckResult, console: Console) -> None:
    console.print(_table(result))
    if result.bounds:
        console.print(result.bounds_line(), highlight=False, markup=False, soft_wrap=True)
    for prop in result.properties.values():
        if prop.verdict == "violated":
            _print_counterexample(prop, console)
        elif prop.verdict == "unknown":
            console.print(f"{prop.name}: unknown: {prop.message}", style="yellow", markup=False,
                          soft_wrap=True)
    console.print(f"Report: {result.out_dir / 'report.html'} (spec, TLC configs and logs "
                  "beside it)", soft_wrap=True)


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
            str(len(prop.trace.steps)) if prop.trace else "-",
            f"{prop.seconds:.1f}" + (" (cached)" if prop.cached else ""),
        )
    return table


def story_lines(story: Story) -> list[str]:
    """A violation told in plain lines: a title, then the numbered story."""
    return [f"{story.title}:", *(f"  {line}" for line in story.lines)]


def print_story(story: Story, console: Console, files: tuple[Path, ...] = ()) -> None:
    """The story, then where its trace file and diagrams are."""
    title, *lines = story_lines(story)
    console.print(f"\n[bold red]{title}[/]", soft_wrap=True)
    for line in lines:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    if files:
        console.print(f"  (full states and diagrams: {', '.join(map(str, files))})",
                      highlight=False, markup=False, soft_wrap=True)


def _print_counterexample(prop: PropertyResult, console: Console) -> None:
    assert prop.story is not None, "only violations have one"
    files = (prop.trace_file, *prop.diagrams) if prop.trace_file else prop.diagrams
    print_story(prop.story, console, files)
