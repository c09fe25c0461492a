"""regress on the terminal or a CI log: one row per config as it finishes, then why
each failing config failed and a summary line.

Rows are plain lines padded to the width of the longest config name, not a table
drawn at the end: a CI log that reads through a pipe shows each config the moment
it is decided.
"""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from kafkamc.regress.run import ConfigRun, Report
from kafkamc.render.terminal import VERDICT_STYLE, print_counterexample
from kafkamc.resolved import DEFAULT_CHECK, PROPERTIES, Property
from kafkamc.result import UNDECIDED, PropertyResult, said

RESULT_WIDTH = len("unknown")      # the widest of pass, FAIL, error, stopped, unknown
GOLDEN_WIDTH = len("differs")      # ... of same, differs, missing, updated


def _width(prop: str) -> int:
    """A property's column: its name, or its widest verdict."""
    return max(len(prop), len("not found"))


class Rows:
    """The rows of one regress run, printed and flushed one at a time."""

    def __init__(self, console: Console, names: list[str], *, golden: bool,
                 checked: tuple[Property, ...] = DEFAULT_CHECK) -> None:
        self.console, self.golden = console, golden
        self.width = max(len(name) for name in [*names, "config"])
        # A column per property of the default check, and per other one a config checks
        # (the producer's no_duplicates and order).
        self.properties = [p for p in PROPERTIES if p in DEFAULT_CHECK or p in checked]

    def header(self) -> None:
        cells = [f"{'result':<{RESULT_WIDTH}}", f"{'config':<{self.width}}",
                 *(f"{prop:<{_width(prop)}}" for prop in self.properties)]
        if self.golden:
            cells.append(f"{'golden':<{GOLDEN_WIDTH}}")
        self._line("  ".join([*cells, "seconds"]), bold=True)

    def row(self, run: ConfigRun) -> None:
        name = run.result.name if run.result else run.path.stem
        cells = [_outcome(run), escape(f"{name:<{self.width}}")]
        for prop in self.properties:
            found = run.result.properties.get(prop) if run.result else None
            cells.append(_verdict(found, _width(prop)))
        if self.golden:
            golden = f"{run.golden or '-':<{GOLDEN_WIDTH}}"
            cells.append(f"[red]{golden}[/]" if run.golden == "differs" else golden)
        self._line("  ".join([*cells, f"{run.seconds:.1f}"]))

    def _line(self, text: str, *, bold: bool = False) -> None:
        self.console.print(f"[bold]{text}[/]" if bold else text, highlight=False,
                           soft_wrap=True)
        self.console.file.flush()   # a pipe is block-buffered: CI would see nothing


def _outcome(run: ConfigRun) -> str:
    if run.result is None:
        word, style = "error", "yellow"
    elif run.result.interrupted:
        word, style = "stopped", "yellow"
    elif run.result.failed:
        word, style = "unknown", "yellow"
    else:
        word, style = ("pass", "green") if run.passed else ("FAIL", "bold red")
    return f"[{style}]{word:<{RESULT_WIDTH}}[/]"


def _verdict(prop: PropertyResult | None, width: int) -> str:
    if prop is None:
        return f"{'-':<{width}}"      # not checked
    style = VERDICT_STYLE[prop.verdict]
    if prop.matches or prop.verdict in UNDECIDED:
        return f"[{style}]{said(prop.verdict):<{width}}[/]"
    return f"[bold {style}]{prop.verdict} (expected {prop.expected or 'holds'})[/]"


def print_details(report: Report, console: Console) -> None:
    """Under the rows: each config's errors, unknowns, unexpected verdicts (with the
    counterexample), a golden spec that differs; then the summary."""
    for run in report.runs:
        if run.result is None:
            console.print(f"{run.path}: {run.error}", style="yellow", markup=False,
                          soft_wrap=True)
            continue
        name = run.result.name
        for prop in run.result.properties.values():
            if prop.verdict in UNDECIDED:
                console.print(f"{name}: {prop.name}: {said(prop.verdict)}: {prop.message}",
                              style="yellow", markup=False, soft_wrap=True)
            elif not prop.matches and prop.verdict == "violated":
                print_counterexample(prop, console)
            elif not prop.matches:
                console.print(f"{name}: {prop.name} holds, expected {prop.expected} "
                              f"({prop.distinct_states or 0:,} distinct states explored)",
                              markup=False, soft_wrap=True)
        if run.golden == "differs":
            assert run.golden_file is not None, "compared with a golden copy"
            console.print(f"{name}: the generated spec differs from {run.golden_file}; "
                          "review the template change, then `kafkamc regress --golden "
                          f"{run.golden_file.parent} --update`.", markup=False, soft_wrap=True)
    console.print(summary(report), highlight=False, markup=False, soft_wrap=True)


def summary(report: Report) -> str:
    passed = sum(1 for run in report.runs if run.passed)
    text = f"{len(report.runs)} configs checked, {passed} passed"
    if report.not_run:
        text += (f"; interrupted before {len(report.not_run)} more: "
                 f"{', '.join(path.stem for path in report.not_run)}")
    elif report.interrupted:
        text += "; interrupted"
    return text + "."
