"""The `kafkamc` command line: check, compile, regress, sweep, explain, render, worker,
eras and import.

Every KafkamcError ends here as one line on stderr and an exit status:
0 all verdicts as expected, 1 some verdict differs, 2 bad config or usage,
3 the checker itself failed (no Java, TLC error, timeout), 130 interrupted (check
and regress first write what was decided), 141 stdout's reader went away
(cli_conventions). Under --json, stdout also gets one JSON error object.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
import webbrowser
from collections.abc import Callable
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar, cast

import typer
import yaml
from rich.console import Console
from rich.table import Table

from kafkamc import __version__
from kafkamc.check import CheckResult, Distributed, check_model
from kafkamc.cli_conventions import (
    PIPE_CLOSED,
    App,
    StdoutConsole,
    json_requested,
    print_error_object,
    stdout_flushed,
)
from kafkamc.compile import compile_model, module_name, write_spec
from kafkamc.config import load_configs
from kafkamc.eras import era_table
from kafkamc.errors import CheckerError, ConfigError, KafkamcError, ManyErrors, one_line
from kafkamc.outdir import prepare_out_dir, write_error
from kafkamc.protocol import protocol_column
from kafkamc.regress.junit import write_junit
from kafkamc.regress.run import ConfigRun, RegressOptions, collect
from kafkamc.regress.run import regress as regress_all
from kafkamc.regress.show import Rows, print_details, summary
from kafkamc.render.formats import FORMATS
from kafkamc.render.terminal import print_result, print_story
from kafkamc.resolved import PROPERTIES, Property, Resolved
from kafkamc.result import UNDECIDED, PropertyResult, said
from kafkamc.tlc.cache import RunCache, default_cache_dir
from kafkamc.tlc.progress import ProgressBoard
from kafkamc.tlc.run import interrupt, interrupt_requested, signal_running
from kafkamc.trace.narrative import tell
from kafkamc.trace.read_back import log_traces, saved_traces
from kafkamc.trace.steps import to_json, write_trace

app = App(
    add_completion=False,
    no_args_is_help=True,
    help="Model-check Apache Kafka replication settings with TLA+ and TLC.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
T = TypeVar("T")
# A pipe or a CI log has no width; rich would assume 80 columns and cut tables short.
out_console = StdoutConsole(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True)


class DiagramFormat(str, Enum):
    dot = "dot"
    svg = "svg"
    png = "png"


def _chosen(properties: list[PropertyName] | None) -> list[Property] | None:
    """The properties picked with --property, None for the config's own `check`."""
    return [cast(Property, p.value) for p in properties] if properties else None


def _formats(chosen: list[DiagramFormat] | None) -> tuple[str, ...]:
    return tuple(f.value for f in chosen) if chosen else FORMATS


FORMAT_HELP = "Diagram format of each counterexample: dot, svg or png (repeatable; default " \
              "all three)."


class SearchMode(str, Enum):
    auto = "auto"
    exhaustive = "exhaustive"
    simulate = "simulate"


class PropertyName(str, Enum):
    durability = "durability"
    consistency = "consistency"
    read_stability = "read_stability"
    availability = "availability"
    no_duplicates = "no_duplicates"
    order = "order"


PROPERTY_NAMES = ", ".join(p.value for p in PropertyName)
# One meaning wherever --quiet is: stderr says what went wrong, not how far a run got.
QUIET_HELP = "No progress on stderr, only warnings and errors."


def _version(value: bool) -> None:
    if value:
        out_console.print(f"kafkamc {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print kafkamc's version and exit.")] = False,
) -> None:
    """Model-check Apache Kafka replication settings with TLA+ and TLC."""


@app.command()
def check(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE", help="Config files (YAML) to check.", show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="DIR", help="Output directory (default out/NAME). With several "
        "files, each config gets DIR/NAME.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object on stdout and nothing else there; progress "
        "goes to stderr.")] = False,
    properties: Annotated[list[PropertyName] | None, typer.Option(
        "--property", "-p", metavar="NAME", help=f"Check only this property, {PROPERTY_NAMES} "
        "(repeatable). Default: the config's `check` list.")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, metavar="N", help="TLC worker threads (default: the number of "
        "cores).")] = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", "--budget", min=1, metavar="SECONDS", help="Seconds allowed per config; "
        "undecided properties are reported as unknown, or not_found after TLC's random "
        "simulation (exit 3).")] = None,
    mode: Annotated[SearchMode, typer.Option(
        "--mode", metavar="MODE", help="exhaustive: breadth-first search only; simulate: "
        "TLC's random simulation only (needs --budget); auto: breadth-first search for 2/3 "
        "of the budget, then random simulation of the properties still open.")]
    = SearchMode.auto,
    seed: Annotated[int | None, typer.Option(
        "--seed", min=0, max=2**62, metavar="N", help="The base seed of TLC's random "
        "simulation: its runs (one per worker) draw with seeds N, N+1, ... (default: a "
        "random one, printed with each verdict it decides).")] = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Run TLC even where the run cache has the answer.")] = False,
    formats: Annotated[list[DiagramFormat] | None, typer.Option(
        "--format", metavar="FORMAT", help=FORMAT_HELP)] = None,
    open_report: Annotated[bool, typer.Option(
        "--open", help="Open each config's report.html in the browser when it is done.")]
    = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
    distributed: Annotated[bool, typer.Option(
        "--distributed", help="Run TLC's distributed mode: a TLC server here, local "
        "workers, and any `kafkamc worker HOST` on other machines (docs/distributed.md).")]
    = False,
    port: Annotated[int, typer.Option(
        "--port", min=1, max=65535, metavar="PORT", help="With --distributed: the server's "
        "RMI registry port.")] = 10997,
    local_workers: Annotated[int, typer.Option(
        "--local-workers", min=0, metavar="N", help="With --distributed: worker JVMs on this "
        "machine (0: only remote workers).")] = 2,
    hostname: Annotated[str | None, typer.Option(
        "--hostname", metavar="ADDRESS",
        help="With --distributed: this machine's address as workers reach "
        "it (default: its address on the default route).")] = None,
    coverage: Annotated[bool, typer.Option(
        "--coverage", help="TLC's action coverage in result.json and the report, and a "
        "warning for a 'holds' whose run never fired a fault, lag or write that matters "
        "to it (TLC takes about 1.6 times as long; not with --distributed).")] = False,
) -> None:
    """Check configs with TLC and report, per property, whether it holds.

    While TLC runs, stderr shows each run's stage, depth, states, distinct states,
    queue, rate and elapsed time, from TLC's progress messages (once a minute)."""
    if mode is SearchMode.simulate and timeout is None:
        raise typer.BadParameter("random simulation never ends by itself; give it "
                                 "--budget SECONDS", param_hint="'--mode simulate'")
    models = _run(partial(load_configs, files))
    _keep_results_on_interrupt()
    cache = _cache(no_cache)
    outs = _out_dirs(models, out)
    results: list[CheckResult] = []
    board = ProgressBoard(err_console, enabled=err_console.is_terminal and not quiet)
    wanted = _chosen(properties)
    check_one = partial(check_model, properties=wanted, workers=workers, timeout=timeout,
                        cache=cache, diagram_formats=_formats(formats), progress=board,
                        distributed=_distributed(ctx, distributed, port, local_workers, hostname),
                        coverage=coverage, mode=mode.value, seed=seed)
    for model, out_dir in zip(models, outs):
        with board.shown():
            result = _run(partial(_checked, model, out_dir, wanted,
                                  partial(check_one, model, out_dir=out_dir)),
                          writes=out_dir)
        results.append(result)
        page = result.out_dir / "report.html"
        if open_report and page.is_file() and not webbrowser.open(page.resolve().as_uri()):
            # A server or a CI job has no browser: the report is there all the same.
            err_console.print(f"kafkamc: note: no browser could open {page}; open it by hand",
                              highlight=False, markup=False, soft_wrap=True)
        if not as_json:
            print_result(result, out_console)
        for warning in result.warnings:
            err_console.print(f"kafkamc: warning: {one_line(warning)}", highlight=False,
                              markup=False, soft_wrap=True)
        problems = [f"{out_dir}: could not save {lost}" for lost in result.unsaved]
        unknown: dict[str, list[str]] = {}     # one line per reason, naming its properties
        for prop in result.properties.values():
            if prop.verdict in UNDECIDED:
                unknown.setdefault(f"{said(prop.verdict)}: {prop.message}", []).append(prop.name)
        problems += [f"{result.name}: {', '.join(names)} {message}"
                     for message, names in unknown.items()]
        for problem in problems:
            err_console.print(f"kafkamc: error: {one_line(problem)}", highlight=False,
                              markup=False, soft_wrap=True)
        if interrupt_requested():     # the configs after this one are not started
            break
    if as_json:
        objects = [r.to_json() for r in results]
        print(json.dumps(objects[0] if len(objects) == 1 else {"configs": objects}, indent=2))
    raise typer.Exit(130 if interrupt_requested() else _exit_status(results))


@app.command(name="compile")
def compile_(
    file: Annotated[Path, typer.Argument(
        metavar="FILE", help="Config file (YAML) to compile.", show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="DIR", help="Output directory (default out/NAME).")] = None,
    properties: Annotated[list[PropertyName] | None, typer.Option(
        "--property", "-p", metavar="NAME", help=f"Compile the runs of only this property, "
        f"{PROPERTY_NAMES} (repeatable). Default: the config's `check` list.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object on stdout: the paths of the module, the TLC "
        "module and each run's cfg.")] = False,
) -> None:
    """Write the generated TLA+ module and the TLC config of each run `check` makes,
    without running TLC."""
    model = _run(partial(load_configs, [file]))[0]
    out_dir = _run(lambda: prepare_out_dir(out or Path("out") / model.name))
    files = _run(lambda: write_spec(compile_model(model, _chosen(properties)), out_dir),
                 writes=out_dir)
    if as_json:
        print(json.dumps({"tla": str(files.tla), "mc": str(files.mc),
                          "cfgs": {run: str(cfg) for run, cfg in files.cfgs.items()}}, indent=2))
        return
    # Plain lines, never wrapped: scripts read these paths.
    for path in (files.tla, files.mc, *files.cfgs.values()):
        print(f"wrote {path}")


SWITCHES = ("rejoin_after_epoch_start", "epoch_cache_on_election", "caught_up_kept_in_isr",
            "truncate_on_missed_epoch",
            "bounce_detection", "fenced_isr_exclusion", "strict_min_isr",
            "eligible_leader_replicas")


@app.command()
def regress(
    paths: Annotated[list[Path] | None, typer.Argument(
        metavar="PATH", help="Config files or directories of *.yaml configs (default: specs/).",
        show_default=False)] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N",
        help="Configs checked at once (default: the number of cores); "
        "TLC's workers share the remaining cores.")] = None,
    junit: Annotated[Path | None, typer.Option(
        "--junit", metavar="FILE",
        help="Also write JUnit XML here (one test case per config and property).")]
    = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object on stdout at the end; the rows go to stderr.")]
    = False,
    golden: Annotated[Path | None, typer.Option(
        "--golden", metavar="DIR", help="Also compare each config's generated modules with "
        "DIR/NAME.tla and DIR/NAME.mc.tla, its golden specs (kafkamc's own: specs/golden).")]
    = None,
    update: Annotated[bool, typer.Option(
        "--update", help="With --golden: rewrite the golden specs from the current "
        "templates.")] = False,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", min=1, metavar="SECONDS", help="Seconds allowed per config; undecided "
        "properties are reported as unknown, or not_found after TLC's random simulation "
        "(exit 3).")] = None,
    stop_when_decided: Annotated[bool, typer.Option(
        "--stop-when-decided", help="Check only the properties each config's `expect:` "
        "names, and stop its TLC runs once those are decided.")] = False,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Run TLC even where the run cache has the answer.")] = False,
    out: Annotated[Path, typer.Option(
        "--out", metavar="DIR", help="Output root; each config gets DIR/NAME.")] = Path("out"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
    formats: Annotated[list[DiagramFormat] | None, typer.Option(
        "--format", metavar="FORMAT", help=FORMAT_HELP)] = None,
) -> None:
    """Check every config against its `expect:` (and, with --golden, its golden spec);
    exit 0 only if all match. Each config's row is printed as it finishes; Ctrl-C
    keeps the configs finished and the verdicts decided (exit 130)."""
    if update and golden is None:
        _fail(ConfigError("needs --golden DIR, the directory of the golden specs to rewrite; "
                          "allowed: --golden DIR --update", file="regress", key="--update"))
    if golden is not None and not update and not golden.is_dir():
        _fail(ConfigError("no such directory; allowed: a directory of golden specs "
                          "(NAME.tla, NAME.mc.tla), or --update to create it",
                          file=str(golden), key="--golden"))
    files = _run(lambda: collect(paths or [Path("specs")]))
    models = _run(partial(load_configs, files))
    _keep_results_on_interrupt()
    # With --json stdout holds the one JSON object: the rows, which are progress there,
    # go to stderr (and, with --quiet, nowhere).
    rows = Rows(_row_console(as_json, quiet), [m.name for m in models],
                golden=golden is not None, checked=tuple(p for m in models for p in m.check))
    rows.header()
    options = RegressOptions(out_root=out, jobs=jobs, cache=_cache(no_cache), golden=golden,
                             update=update, timeout=timeout,
                             stop_when_decided=stop_when_decided,
                             diagram_formats=_formats(formats))
    report = regress_all(files, models, options, on_run=rows.row)
    if junit:
        _run(lambda: write_junit(report, junit), writes=junit, option="--junit")
    if as_json:
        err_console.print(summary(report), highlight=False, markup=False, soft_wrap=True)
        print(json.dumps({"passed": report.exit_status == 0,
                          **({"interrupted": True} if report.interrupted else {}),
                          "configs": [_run_json(run) for run in report.runs],
                          **({"not_run": [str(p) for p in report.not_run]}
                             if report.not_run else {})}, indent=2))
    else:
        print_details(report, out_console)
    raise typer.Exit(report.exit_status)


def _checked(model: Resolved, out_dir: Path, wanted: list[Property] | None,
             check: Callable[[], CheckResult]) -> CheckResult:
    """The check's result; if TLC could not be started at all (no Java, no jar),
    every property is unknown, so that --json still prints the object."""
    try:
        return check()
    except CheckerError as error:
        props = [p for p in PROPERTIES if p in (wanted or model.check)]
        return CheckResult(
            name=model.name, kafka_version=model.kafka_version, out_dir=out_dir,
            spec=out_dir / f"{module_name(model.name)}.tla",
            properties={p: PropertyResult(
                name=p, verdict="unknown", expected=model.expect.get(p), trace=None,
                story=None, trace_file=None, diagrams=(), distinct_states=None, depth=None,
                seconds=0.0, log=out_dir, message=str(error)) for p in props})


def _distributed(ctx: typer.Context, enabled: bool, port: int, local_workers: int,
                 hostname: str | None) -> Distributed | None:
    """With --distributed: how to run it, and a lobby on the port for every config
    the command checks, closed (telling remote workers it is over) when it ends."""
    if not enabled:
        return None
    from kafkamc.tlc.lobby import Lobby
    lobby = Lobby(port)
    lobby.open()
    ctx.call_on_close(lobby.close)

    def ready(host: str, at: int) -> None:
        err_console.print(f"TLC server open at {host}:{at}; on other machines run: "
                          f"kafkamc worker {host} --port {at}", highlight=False)
    return Distributed(port=port, local_workers=local_workers, hostname=hostname,
                       on_ready=ready, lobby=lobby)


def _row_console(as_json: bool, quiet: bool) -> Console:
    """Where regress's rows go: stdout, or stderr when stdout holds the JSON object."""
    if not as_json:
        return out_console
    return Console(stderr=True, quiet=True) if quiet else err_console


def _cache(disabled: bool) -> RunCache | None:
    def warn(message: str) -> None:
        err_console.print(f"kafkamc: warning: {one_line(message)}", highlight=False,
                          markup=False, soft_wrap=True)
    return None if disabled else RunCache(default_cache_dir(), warn=warn)


def _run_json(run: ConfigRun) -> dict[str, object]:
    data: dict[str, object] = {"config": str(run.path), "passed": run.passed,
                               "seconds": round(run.seconds, 2),
                               **({"golden": run.golden} if run.golden else {})}
    if run.result:
        data.update(run.result.to_json())
    else:
        data["error"] = run.error
    return data


@app.command()
def sweep(
    file: Annotated[Path, typer.Argument(
        metavar="FILE",
        help="A config with a `sweep:` section of dotted setting keys and lists of values.",
        show_default=False)],
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N",
        help="Cells checked at once (default: the number of cores); "
        "TLC's workers share the remaining cores.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object on stdout: a record per cell and property.")]
    = False,
    csv: Annotated[Path | None, typer.Option(
        "--csv", metavar="FILE", help="Also write a CSV row per cell and property here.")] = None,
    html: Annotated[Path | None, typer.Option(
        "--html", metavar="FILE",
        help="Also write the matrix and recommendation as a self-contained page.")]
    = None,
    require: Annotated[str | None, typer.Option(
        "--require", metavar="PROPERTIES",
        help="Recommend the cheapest settings where these properties hold "
        "(comma-separated, e.g. durability,availability).")] = None,
    against: Annotated[list[str] | None, typer.Option(
        "--against", metavar="KEY=VALUE", help="Under this budget, KEY=VALUE (repeatable, e.g. "
        "faults.power_losses=2; default: every budget).")] = None,
    no_prune: Annotated[bool, typer.Option(
        "--no-prune", help="Check every cell for every property instead of inferring "
        "verdicts by monotonicity.")] = False,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", min=1, metavar="SECONDS",
        help="Seconds allowed per cell; undecided properties are "
        "unknown, or not_found after TLC's random simulation (exit 3).")] = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Run TLC even where the run cache has the answer.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="DIR", help="Output root (default out/NAME); each checked cell gets "
        "DIR/ROW.COLUMN.")] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", help="Run a sweep of more than 250 cells to check (refused without it).")]
    = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
    formats: Annotated[list[DiagramFormat] | None, typer.Option(
        "--format", metavar="FORMAT", help=FORMAT_HELP)] = None,
) -> None:
    """Check every combination of swept settings and faults; print the verdict matrix."""
    from kafkamc.sweep.command import SweepOptions, sweep_command  # the command's steps
    options = SweepOptions(jobs=jobs, as_json=as_json, csv=csv, html=html, require=require,
                           against=against, cache=_cache(no_cache), prune=not no_prune,
                           out=out, timeout=timeout, yes=yes, quiet=quiet,
                           diagram_formats=_formats(formats))
    raise typer.Exit(_run(lambda: sweep_command(file, options, out_console, err_console)))


@app.command(name="diff")
def diff_(
    configs: Annotated[list[Path], typer.Argument(
        metavar="FILE", help="Two configs, A and B; or one, A, with --against-version.",
        show_default=False)],
    against_version: Annotated[str | None, typer.Option(
        "--against-version", metavar="VERSION", help="Compare A with A on this Kafka "
        "release (its default protocol): what changes if you upgrade.")] = None,
    properties: Annotated[list[PropertyName] | None, typer.Option(
        "--property", "-p", metavar="NAME", help=f"Compare only this property, "
        f"{PROPERTY_NAMES} (repeatable). Default: the properties both configs check.")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
    = False,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, metavar="N",
        help="TLC worker threads (default: the number of cores).")] = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", min=1, metavar="SECONDS", help="Seconds allowed per check.")] = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Run TLC even where the run cache has the answer.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="DIR", help="Output root (default out/diff-A-B): A's check in DIR/a, "
        "B's in DIR/b, each rule tried alone in DIR/tried/KEY=VALUE.")] = None,
) -> None:
    """Check two configs (or one against another Kafka release) and say which verdicts
    differ and which rule or setting makes each difference.

    Exit 0 when no verdict differs, 1 when some does, 2 on bad input, 3 when TLC
    could not decide a verdict."""
    from kafkamc.config import Model
    from kafkamc.diff import against_version as on_version
    from kafkamc.diff import diff
    from kafkamc.render.terminal import print_diff
    if len(configs) != (1 if against_version else 2):
        _fail(ConfigError("give two configs, or one config and --against-version VERSION",
                          file="command line", key="diff"))
    a = _run(lambda: Model.from_yaml(configs[0]))
    b = _run(lambda: on_version(a, against_version) if against_version
             else Model.from_yaml(configs[1]))
    root = out or Path("out") / f"diff-{a.resolve().name}-{b.resolve().name}"

    def announce(line: str) -> None:     # progress: stderr, with or without --json
        err_console.print(line, markup=False, highlight=False, soft_wrap=True)
    result = _run(lambda: diff(a, b, root, properties=_chosen(properties), workers=workers,
                               timeout=timeout, cache=_cache(no_cache), announce=announce),
                  writes=root)
    if as_json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print_diff(result, out_console)
    raise typer.Exit(3 if result.failed else 1 if result.changed else 0)


@app.command()
def explain(
    path: Annotated[Path, typer.Argument(
        metavar="OUT_DIR|TRACE_FILE",
        help="The out dir of `kafkamc check` (every trace-*.json in it), or one trace file.",
        show_default=False)],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object on stdout: each counterexample's story (its "
        "title, events per step, violation and numbered sentences).")] = False,
) -> None:
    """Tell a check's counterexamples again, step by step in Kafka's words."""
    held = _all_held(path)
    traces = [] if held else _run(lambda: saved_traces(path))
    stories = [(trace.property, tell(trace)) for trace in traces]
    if as_json:
        print(json.dumps({"held": held, "stories": [{"property": name, **story.to_json()}
                                                     for name, story in stories]}, indent=2))
        return
    if held:
        print(f"{path}: {', '.join(held)} held; there is no counterexample to tell.")
    for _, story in stories:
        print_story(story, out_console)


def _all_held(path: Path) -> list[str]:
    """The properties of an out dir whose check found every one of them to hold (its
    result.json says so and it has no trace), else nothing: `explain` then reads the
    traces, and says why there are none if there are none."""
    result = path / "result.json"
    if not path.is_dir() or any(path.glob("trace-*.json")) or not result.is_file():
        return []
    try:
        properties = json.loads(result.read_text())["properties"]
        verdicts = {name: found["verdict"] for name, found in properties.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []      # not a result.json of kafkamc's: saved_traces says what is wrong
    return list(verdicts) if verdicts and set(verdicts.values()) == {"holds"} else []


@app.command()
def render(
    log: Annotated[Path, typer.Argument(
        metavar="TLC_LOG",
        help="A TLC log with a counterexample (plain or -tool output), from kafkamc or not.",
        show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="DIR", help="Where to write trace.json (default out/LOG-NAME).")]
    = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the trace (trace.json's content) on stdout instead of the "
        "story; for several, {\"counterexamples\": [...]}.")] = False,
    formats: Annotated[list[DiagramFormat] | None, typer.Option(
        "--format", metavar="FORMAT", help=FORMAT_HELP)] = None,
) -> None:
    """Read every counterexample of a TLC log into a trace: trace.json, a diagram and
    the story (with several, trace-N.json and diagram-N.* in TLC's order)."""
    traces = _run(lambda: log_traces(log))
    out_dir = _run(lambda: prepare_out_dir(out or Path("out") / _plain(log.stem)))
    from kafkamc.render.diagram import draw  # networkx and graphviz load only to draw
    told = []
    for number, trace in enumerate(traces, 1):
        stem = f"-{number}" if len(traces) > 1 else ""
        story = tell(trace)
        _run(partial(write_trace, trace, out_dir / f"trace{stem}.json", story.to_json()),
             writes=out_dir)
        diagrams = _run(partial(draw, trace, story, out_dir / f"diagram{stem}",
                                _formats(formats)), writes=out_dir)
        told.append((trace, story, (out_dir / f"trace{stem}.json", *diagrams)))
    if as_json:
        objects = [to_json(trace, story.to_json()) for trace, story, _ in told]
        print(json.dumps(objects[0] if len(objects) == 1 else {"counterexamples": objects},
                         indent=1))
        return
    if len(told) > 1:
        out_console.print(f"{log}: {len(told)} counterexamples", highlight=False,
                          markup=False)
    for _, story, files in told:
        print_story(story, out_console, files)


@app.command()
def worker(
    host: Annotated[str, typer.Argument(
        metavar="HOST",
        help="The machine running `kafkamc check --distributed`.", show_default=False)],
    port: Annotated[int, typer.Option(
        "--port", min=1, max=65535, metavar="PORT", help="The server's RMI registry port.")]
    = 10997,
    hostname: Annotated[str | None, typer.Option(
        "--hostname", metavar="ADDRESS",
        help="This machine's address as the server reaches it (default: its "
        "address on the route to HOST).")] = None,
    threads: Annotated[int | None, typer.Option(
        "--threads", min=1, metavar="N",
        help="Worker threads (default: the number of cores).")] = None,
    connect_timeout: Annotated[float, typer.Option(
        "--connect-timeout", min=0, metavar="SECONDS", help="Seconds to wait for the check "
        "to answer, at the start and between rounds.")] = 60,
) -> None:
    """Lend this machine to a `check --distributed` on HOST: every TLC round of it, until
    that check says it is over (or nothing answers for --connect-timeout seconds)."""
    # TLC's distributed mode, imported here as sweep's steps are (docs/distributed.md)
    from kafkamc.tlc.worker import run_worker
    raise typer.Exit(_run(lambda: run_worker(
        host, port=port, hostname=hostname, threads=threads, connect_timeout=connect_timeout,
        echo=lambda line: err_console.print(line, markup=False, highlight=False))))


@app.command()
def eras(
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object on stdout: a record per era with every "
        "column of the table.")] = False,
) -> None:
    """Print which Kafka rules and defaults apply in each era of `kafka_version`."""
    if as_json:
        print(json.dumps({"eras": [{**row, "protocol": _protocol(row)} for row in era_table()]},
                         indent=2, ensure_ascii=False))
        return
    table = Table(title="Kafka eras as kafkamc models them",
                  caption="Switches stay on in later eras; each is a `semantics:` key. The "
                          "protocol (default: the release's own) gates the rules it names.")
    for column in ("versions", "acks", "retries / idempotence", "unclean election", "truncation",
                   "switches turned on", "metadata", "protocol", "source"):
        table.add_column(column, overflow="fold",
                         no_wrap=column in {"versions", "acks", "truncation", "metadata"})
    before: set[str] = set()
    for row in era_table():
        on = {switch for switch in SWITCHES if row[switch] == "on"}
        table.add_row(row["versions"], row["acks"],
                      f"{row['retries']} / {row['enable.idempotence']}",
                      row["unclean.leader.election.enable"],
                      row["truncation"], "\n".join(sorted(on - before)) or "-",
                      row["metadata"], _protocol(row), row["source"])
        before = on
    out_console.print(table)


def _protocol(row: dict[str, str]) -> str:
    """The protocol column of an era: what its first release speaks."""
    return protocol_column(row["versions"].split("–")[0].rstrip("+"))


@app.command(name="import", help=(
    "Write a kafkamc config from Kafka's own files, or from where operators keep them: "
    "Strimzi's or Confluent for Kubernetes' resources, a docker compose file.\n\n"
    "Each setting is resolved as Kafka resolves it: the topic's override, else a dynamic "
    "broker config, else server.properties (min.insync.replicas, "
    "unclean.leader.election.enable, log.flush.interval.messages, "
    "default.replication.factor), else the default of the Kafka release, left unset "
    "(`kafkamc eras`). The release is --kafka-version, else what the files name (a "
    "'# Kafka 3.6.1' comment, an image tag, spec.kafka.version), else "
    "inter.broker.protocol.version; import asks when nothing names it. "
    "Faults and bounds are starting values to edit.\n\n"
    "Every setting that import ignores is a warning on stderr; a value Kafka would refuse "
    "is an error (exit 2)."))
def import_(
    server: Annotated[Path, typer.Argument(
        metavar="SERVER_PROPERTIES", help="A broker's server.properties; or YAML: Strimzi's "
        "Kafka with its KafkaNodePools, CFK's Kafka (either with KafkaTopics), or a docker "
        "compose file of Kafka images (bitnami, confluentinc, apache).",
        show_default=False)],
    topic_file: Annotated[Path | None, typer.Argument(
        metavar="TOPIC_FILE", help="The topic's overrides: the output of `kafka-configs.sh "
        "--describe --entity-type topics [--all]` (or lines grepped from it) or of "
        "`kafka-topics.sh --describe`, a topic .properties file, or a Strimzi or CFK "
        "KafkaTopic.", show_default=False)] = None,
    producer: Annotated[Path | None, typer.Option(
        "--producer", metavar="FILE", help="A producer's .properties (acks).")] = None,
    topic: Annotated[str | None, typer.Option(
        "--topic", metavar="NAME", help="The topic to import when TOPIC_FILE (or the "
        "cluster's YAML) describes several; also the config's name.")] = None,
    kafka_version: Annotated[str | None, typer.Option(
        "--kafka-version", metavar="VERSION", help="The brokers' Kafka release; wins over "
        "what the files name, and is needed when they name none (a KRaft node's "
        "server.properties).")] = None,
    replication_factor: Annotated[int | None, typer.Option(
        "--replication-factor", metavar="N", help="The topic's replication factor; wins over "
        "kafka-topics.sh's ReplicationFactor and default.replication.factor.")] = None,
    features: Annotated[Path | None, typer.Option(
        "--features", metavar="FILE", help="The output of `kafka-features.sh describe` "
        "(KRaft): its finalized metadata.version and eligible.leader.replicas.version.")]
    = None,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE", help="Write the config here instead of to stdout.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite the --out file if it exists.")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object on stdout: the config's settings, where each "
        "came from, the warnings and the --out file; the YAML goes only to --out.")] = False,
) -> None:
    """Write a kafkamc config from Kafka's own files (the help text is above)."""
    from kafkamc.kafka_import.resolve import import_files, write_new
    imported = _run(lambda: import_files(server, topic_file, producer, topic=topic,
                                         kafka_version=kafka_version,
                                         replication_factor=replication_factor,
                                         features=features))
    for warning in imported.warnings:
        err_console.print(f"kafkamc: warning: {warning}", highlight=False, markup=False,
                          soft_wrap=True)
    if out is not None:
        _run(lambda: write_new(out, imported.to_yaml(), force=force))
    if as_json:
        print(json.dumps({"config": yaml.safe_load(imported.model.to_yaml()),
                          "origins": dict(imported.origins),
                          "warnings": [str(warning) for warning in imported.warnings],
                          "out": None if out is None else str(out)}, indent=2))
    elif out is None:
        sys.stdout.write(imported.to_yaml())
    else:
        print(f"wrote {out}")


def _out_dirs(models: list[Resolved], out: Path | None) -> list[Path]:
    if out is None:
        return [Path("out") / m.name for m in models]
    if len(models) == 1:
        return [out]
    return [out / m.name for m in models]


def _exit_status(results: list[CheckResult]) -> int:
    if any(r.failed or r.unsaved for r in results):
        return 3
    return 0 if all(r.matches for r in results) else 1


def _run(action: Callable[[], T], *, writes: Path | None = None, option: str = "--out") -> T:
    """Run one edge action, turning a KafkamcError into its message and exit status;
    one that `writes` into an out dir also turns a failed write into one (a full
    disk: exit 3; a directory kafkamc may not write: exit 2)."""
    try:
        return action()
    except KafkamcError as error:
        _fail(error)
    except OSError as error:
        if writes is None:
            raise
        _fail(write_error(error, writes, option))


def _plain(stem: str) -> str:
    """A log's name as an out dir's name: `render` of `..log` must not write into `out/`."""
    return stem if stem.strip(".") else "trace"


def _fail(error: KafkamcError) -> NoReturn:
    errors = error.errors if isinstance(error, (ManyErrors, ConfigError)) else [error]
    for each in errors:
        err_console.print(f"kafkamc: error: {one_line(str(each))}", highlight=False,
                          markup=False, soft_wrap=True)
    if json_requested():
        print_error_object([{"message": one_line(str(each)), "file": getattr(each, "file", None),
                             "line": getattr(each, "line", None), "key": getattr(each, "key", None)}
                            for each in errors], error.exit_code)
    raise typer.Exit(error.exit_code)


# check and regress keep what is decided when interrupted; other commands quit at once.
_keeps_results = False
# When the first interrupt came: a second one within REPEAT_SECONDS is the same stop,
# signalled twice (GNU timeout signals kafkamc and then its process group).
_interrupted_at: float | None = None
REPEAT_SECONDS = 2.0


def _keep_results_on_interrupt() -> None:
    global _keeps_results
    _keeps_results = True


def _interrupt(signum: int, frame: object) -> None:
    """Stop every TLC run first: runs made in threads (check's concurrent runs,
    regress and sweep jobs) would otherwise keep their threads, and kafkamc, alive.
    The handler only signals them; whoever waits for a run reaps it. In check and
    regress the first signal lets the command go on: each run ends as at a timeout,
    keeping what it reported, the out dirs and reports are written, and the command
    exits 130. Otherwise, or at a later signal, it quits at once: typer turns the
    KeyboardInterrupt into a silent exit 130. A plain write, not rich: the
    interrupted thread may hold the console's lock."""
    global _interrupted_at
    name = signal.Signals(signum).name
    now = time.monotonic()
    if _keeps_results and _interrupted_at is None:
        _interrupted_at = now
        interrupt()
        os.write(2, f"kafkamc: interrupted ({name}): TLC stopped; writing what is decided "
                    "(again to quit at once)\n".encode())
        return
    if _interrupted_at is not None and now - _interrupted_at < REPEAT_SECONDS:
        return
    signal_running()
    os.write(2, f"kafkamc: interrupted ({name})\n".encode())
    raise KeyboardInterrupt


def run() -> None:
    """Console entry point: Ctrl-C stops TLC (check does) and exits 130 without a traceback.
    A SIGTERM (a CI job cancelled, `timeout`) is taken as Ctrl-C: TLC runs in a
    session of its own, so it would otherwise outlive kafkamc."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app()
    except KeyboardInterrupt:      # outside typer's reach; _interrupt has said so
        sys.exit(130)
    except SystemExit as done:     # what print() buffered is written now, or never
        sys.exit(done.code if stdout_flushed() else PIPE_CLOSED)
