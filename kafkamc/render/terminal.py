"""Human-readable reports of a check: the verdict table and each counterexample's steps."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from kafkamc.diff import DiffResult, PropertyDiff
from kafkamc.render.headline import headline
from kafkamc.result import UNDECIDED, CheckResult, PropertyResult, said
from kafkamc.trace.narrative import Story
from kafkamc.trace.needs import and_list

VERDICT_STYLE = {"holds": "green", "violated": "red", "unknown": "yellow", "not_found": "yellow"}


def print_result(result: CheckResult, console: Console) -> None:
    """The answer first (one sentence), the verdict table, then each counterexample."""
    style = "bold red" if any(p.verdict == "violated" for p in result.properties.values()) \
        else "bold green" if not result.failed else "bold yellow"
    console.print(headline(result), style=style, markup=False, highlight=False, soft_wrap=True)
    console.print(_table(result))
    if result.bounds:
        console.print(result.bounds_line(), highlight=False, markup=False, soft_wrap=True)
    for prop in result.properties.values():
        if prop.verdict == "violated":
            print_counterexample(prop, console)
            if prop.message:    # drawn by random simulation: how to draw it again
                console.print(f"  ({prop.message})", markup=False, highlight=False,
                              soft_wrap=True)
        elif prop.verdict in UNDECIDED:
            console.print(f"{prop.name}: {said(prop.verdict)}: {prop.message}", style="yellow",
                          markup=False, soft_wrap=True)
    console.print(f"Report: {result.out_dir / 'report.html'} (spec, TLC configs and logs "
                  "beside it)", soft_wrap=True)


def _table(result: CheckResult) -> Table:
    """The verdicts; the expected and match columns only for a config with `expect:`."""
    table = Table(title=f"{result.name} (Kafka {result.kafka_version})")
    expecting = result.expects
    columns = ("property", "verdict", *(("expected", "match") if expecting else ()),
               "distinct states", "trace", "seconds")
    for column in columns:
        table.add_column(column, justify="right" if column in {"distinct states", "trace",
                                                               "seconds"} else "left")
    for prop in result.properties.values():
        style = VERDICT_STYLE[prop.verdict]
        expectation = (prop.expected or "-", "yes" if prop.matches else "[bold red]NO[/]")
        table.add_row(
            prop.name,
            f"[{style}]{said(prop.verdict)}[/]",
            *(expectation if expecting else ()),
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


def print_diff(result: DiffResult, console: Console) -> None:
    """The answer first, both sides' verdicts, what differs between the models, then
    per differing verdict what makes it and the breaking side's counterexample."""
    style = "bold yellow" if result.changed else "bold green"
    console.print(diff_headline(result), style=style, markup=False, highlight=False,
                  soft_wrap=True)
    names = {"a": _side(result.a), "b": _side(result.b)}
    table = Table(title="verdicts")
    for column in ("property", f"A: {names['a']}", f"B: {names['b']}", "differs"):
        table.add_column(column)
    for prop in result.properties:
        table.add_row(prop.name, *(f"[{VERDICT_STYLE[v]}]{v}[/]"
                                   for v in (prop.a.verdict, prop.b.verdict)),
                      "[bold]yes[/]" if prop.differs else "no")
    console.print(table)
    if result.differences:
        rules = Table(title="what differs between the two models (rules, then settings)")
        for column in ("key", "A", "B", "what it is", "source"):
            rules.add_column(column, overflow="fold")
        for d in result.differences:
            rules.add_row(d.key, d.shown(d.a), d.shown(d.b), d.about, d.source)
        console.print(rules)
    else:
        console.print("The two models are the same: no rule or setting differs.")
    for prop in result.changed:
        _print_change(prop, result, console)


def diff_headline(result: DiffResult) -> str:
    """One sentence: which verdicts differ and what makes each, or that none does."""
    a, b = _side(result.a), _side(result.b)
    changed = result.changed
    if not changed:
        return f"No verdict differs between A, {a}, and B, {b}."
    if len(changed) == 1:
        prop = changed[0]
        text = (f"{_word(prop)} is {prop.a.verdict} with A, {a}, and {prop.b.verdict} with "
                f"B, {b}: {_because(prop)}")
    else:
        text = f"{len(changed)} verdicts differ between A, {a}, and B, {b}: " + "; ".join(
            f"{_word(p)} {p.a.verdict} → {p.b.verdict}, {_because(p)}" for p in changed)
    return f"{text[0].upper()}{text[1:]}."


def _word(prop: PropertyDiff) -> str:
    return prop.name.replace("_", " ")


def _because(prop: PropertyDiff) -> str:
    named = [f"{d.about} ({d.source})" for d in prop.decisive]
    if len(named) == 1:
        return f"what makes the difference is {named[0]}"
    if named:
        # Each was tried alone and each alone flips the verdict: every one is needed.
        return f"it takes all of {and_list(named)} together: without any one, it flips back"
    if {prop.a.verdict, prop.b.verdict} & set(UNDECIDED):
        return "one side is undecided"
    return "no rule or setting flips it alone: it takes several set back at once"


def _side(result: CheckResult) -> str:
    return f"{result.name} (Kafka {result.kafka_version})"


def _print_change(prop: PropertyDiff, result: DiffResult, console: Console) -> None:
    title = f"\n{prop.name}: {prop.a.verdict} with A, {prop.b.verdict} with B; {_because(prop)}."
    console.print(title, style="bold", markup=False, highlight=False, soft_wrap=True)
    newer, other = ("A", "B") if result.newer == "a" else ("B", "A")
    verdict_of_other = prop.b.verdict if result.newer == "a" else prop.a.verdict
    for attempt in prop.attempts:
        d = attempt.difference
        back = d.shown(d.b if result.newer == "a" else d.a)
        tried = f"  {newer} with only {d.key} set back to {other}'s {back}"
        if attempt.verdict is None:
            line = f"{tried}: not a config Kafka runs ({attempt.note})"
        elif attempt.verdict in UNDECIDED:
            line = f"{tried}: {prop.name} undecided (see {attempt.note})"
        elif attempt.verdict == verdict_of_other:
            line = f"{tried}: {prop.name} {attempt.verdict}, as with {other}: this makes it"
        else:
            line = f"{tried}: {prop.name} still {attempt.verdict}"
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    broken = {"a": prop.a, "b": prop.b}.get(prop.broken or "")
    if broken is not None and broken.story is not None:
        console.print(f"  The counterexample with {(prop.broken or '').upper()}:",
                      markup=False, highlight=False, soft_wrap=True)
        print_counterexample(broken, console)
