"""Human-readable reports of a check: the verdict table and each counterexample's steps."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from kafkamc.result import CheckResult, PropertyResult
from kafkamc.trace.narrative import Story

VERDICT_STYLE = {"holds": "green", "violated": "red", "unknown": "yellow"}


def print_result(result: CheckResult, console: Console) -> None:
    console.print(_table(result))
    for prop in result.properties.values():
        if prop.verdict == "violated":
            print_counterexample(prop, console)
        elif prop.verdict == "unknown":
            console.print(f"{prop.name}: unknown: {prop.message}", style="yellow", markup=False,
                          soft_wrap=True)
    console.print(f"Report: {result.out_dir / 'report.html'} (spec, TLC configs and logs "
                  "beside it)", soft_wrap=True)


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


def print_counterexample(prop: PropertyResult, console: Console) -> None:
    assert prop.story is not None, "only violations have one"
    files = (prop.trace_file, *prop.diagrams) if prop.trace_file else prop.diagrams
    print_story(prop.story, console, files)
