"""The `kafkamc` command line: check, compile, regress, sweep, explain, render, worker,
eras and import.

Every KafkamcError ends here as one line on stderr and an exit status:
0 all verdicts as expected, 1 some verdict differs, 2 bad config or usage,
3 the checker itself failed (no Java, TLC error, timeout).
"""
from __future__ import annotations

import json
import os
import signal
import sys
import webbrowser
from collections.abc import Callable
from contextlib import nullcontext
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar, cast

import typer
from rich.console import Console
from rich.table import Table

from kafkamc import __version__
from kafkamc.check import CheckResult, Distributed, check_model
from kafkamc.compile import compile_model, module_name, write_spec
from kafkamc.config import load_configs
from kafkamc.eras import era_table
from kafkamc.errors import CheckerError, KafkamcError, ManyErrors, one_line
from kafkamc.outdir import prepare_out_dir, write_error
from kafkamc.protocol import protocol_column
from kafkamc.regress.junit import write_junit
from kafkamc.regress.run import ConfigRun, collect
from kafkamc.regress.run import regress as regress_all
from kafkamc.render.formats import FORMATS
from kafkamc.render.terminal import print_regress, print_result, print_story
from kafkamc.resolved import PROPERTIES, Property, Resolved
from kafkamc.result import PropertyResult
from kafkamc.tlc.cache import RunCache, default_cache_dir
from kafkamc.tlc.progress import ProgressBoard
from kafkamc.tlc.run import signal_running
from kafkamc.trace.narrative import tell
from kafkamc.trace.read_back import log_trace, saved_traces
from kafkamc.trace.steps import to_json, write_trace

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Model-check Apache Kafka replication settings with TLA+ and TLC.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
T = TypeVar("T")
# A pipe or a CI log has no width; rich would assume 80 columns and cut tables short.
out_console = Console(width=None if sys.stdout.isatty() else 200)
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


FORMAT_HELP = "Diagram format of each counterexample (repeatable; default dot, svg and png)."


class PropertyName(str, Enum):
    durability = "durability"
    consistency = "consistency"
    read_stability = "read_stability"
    availability = "availability"


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
    files: Annotated[list[Path], typer.Argument(help="Config files (YAML) to check.",
                                                show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output directory (default out/NAME). With several files, each "
        "config gets DIR/NAME.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object on stdout and nothing else there; progress "
        "goes to stderr.")] = False,
    properties: Annotated[list[PropertyName] | None, typer.Option(
        "--property", "-p", help="Check only this property (repeatable). Default: the "
        "config's `check` list.")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="TLC worker threads (default: the number of cores).")] = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", min=1, help="Seconds allowed per config; undecided properties are "
        "reported as unknown (exit 3).")] = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Run TLC even where the run cache has the answer.")] = False,
    formats: Annotated[list[DiagramFormat] | None, typer.Option(
        "--format", help=FORMAT_HELP)] = None,
    open_report: Annotated[bool, typer.Option(
        "--open", help="Open each config's report.html in the browser when it is done.")]
    = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No live progress on stderr (there is none when stderr is "
        "not a terminal).")] = False,
    distributed: Annotated[bool, typer.Option(
        "--distributed", help="Run TLC's distributed mode: a TLC server here, local "
        "workers, and any `kafkamc worker HOST` on other machines (docs/distributed.md).")]
    = False,
    port: Annotated[int, typer.Option(
        "--port", min=1, max=65535, help="With --distributed: the server's RMI registry "
        "port.")] = 10997,
    local_workers: Annotated[int, typer.Option(
        "--local-workers", min=0, help="With --distributed: worker JVMs on this machine "
        "(0: only remote workers).")] = 2,
    hostname: Annotated[str | None, typer.Option(
        "--hostname", help="With --distributed: this machine's address as workers reach "
        "it (default: its address on the default route).")] = None,
    coverage: Annotated[bool, typer.Option(
        "--coverage", help="TLC's action coverage in result.json and the report, and a "
        "warning for a 'holds' whose run never fired a fault, lag or write that matters "
        "to it (TLC takes about 1.6 times as long; not with --distributed).")] = False,
) -> None:
    """Check configs with TLC and report, per property, whether it holds.

    While TLC runs, stderr shows each run's stage, depth, states, distinct states,
    queue, rate and elapsed time, from TLC's progress messages (once a minute)."""
    models = _run(partial(load_configs, files))
    cache = _cache(no_cache)
    outs = _out_dirs(models, out)
    results: list[CheckResult] = []
    board = ProgressBoard(err_console, enabled=err_console.is_terminal and not quiet)
    wanted = _chosen(properties)
    check_one = partial(check_model, properties=wanted, workers=workers, timeout=timeout,
                        cache=cache, diagram_formats=_formats(formats), progress=board,
                        distributed=_distributed(distributed, port, local_workers, hostname),
                        coverage=coverage)
    for model, out_dir in zip(models, outs):
        with board.shown():
            result = _run(partial(_checked, model, out_dir, wanted,
                                  partial(check_one, model, out_dir=out_dir)),
                          writes=out_dir)
        results.append(result)
        page = result.out_dir / "report.html"
        if open_report and page.is_file():
            webbrowser.open(page.resolve().as_uri())
        if not as_json:
            print_result(result, out_console)
        for warning in result.warnings:
            err_console.print(f"kafkamc: warning: {one_line(warning)}", highlight=False,
                              markup=False, soft_wrap=True)
        problems = [f"{out_dir}: could not save {lost}" for lost in result.unsaved]
        unknown: dict[str, list[str]] = {}     # one line per reason, naming its properties
        for prop in result.properties.values():
            if prop.verdict == "unknown":
                unknown.setdefault(str(prop.message), []).append(prop.name)
        problems += [f"{result.name}: {', '.join(names)} unknown: {message}"
                     for message, names in unknown.items()]
        for problem in problems:
            err_console.print(f"kafkamc: error: {one_line(problem)}", highlight=False,
                              markup=False, soft_wrap=True)
    if as_json:
        objects = [r.to_json() for r in results]
        print(json.dumps(objects[0] if len(objects) == 1 else {"configs": objects}, indent=2))
    raise typer.Exit(_exit_status(results))


@app.command(name="compile")
def compile_(
    file: Annotated[Path, typer.Argument(help="Config file (YAML) to compile.",
                                         show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output directory (default out/NAME).")] = None,
    properties: Annotated[list[PropertyName] | None, typer.Option(
        "--property", "-p", help="Compile the runs of only this property (repeatable). "
        "Default: the config's `check` list.")] = None,
) -> None:
    """Write the generated TLA+ module and the TLC config of each run `check` makes,
    without running TLC."""
    model = _run(partial(load_configs, [file]))[0]
    out_dir = _run(lambda: prepare_out_dir(out or Path("out") / model.name))
    files = _run(lambda: write_spec(compile_model(model, _chosen(properties)), out_dir),
                 writes=out_dir)
    # Plain lines, never wrapped: scripts read these paths.
    for path in (files.tla, files.mc, *files.cfgs.values()):
        print(f"wrote {path}")


SWITCHES = ("rejoin_after_epoch_start", "epoch_cache_on_election", "caught_up_kept_in_isr",
            "bounce_detection", "fenced_isr_exclusion", "strict_min_isr",
            "eligible_leader_replicas")


@app.command()
def regress(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Config files or directories of *.yaml configs (default: specs/).",
        show_default=False)] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Configs checked at once (default: the number of cores); "
        "TLC's workers share the remaining cores.")] = None,
    junit: Annotated[Path | None, typer.Option(
        "--junit", help="Also write JUnit XML here (one test case per config and property).")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
    = False,
    update: Annotated[bool, typer.Option(
        "--update", help="Rewrite each config's golden spec (golden/NAME.tla beside it) "
        "from the current templates.")] = False,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Run TLC even where the run cache has the answer.")] = False,
    out: Annotated[Path, typer.Option("--out", help="Output root; each config gets OUT/NAME.")]
    = Path("out"),
) -> None:
    """Check every config against its `expect:` and its golden spec; exit 0 only if all match."""
    files = _run(lambda: collect(paths or [Path("specs")]))
    models = _run(partial(load_configs, files))
    with err_console.status(f"checking {len(files)} configs with TLC...", spinner="dots") \
            if err_console.is_terminal else nullcontext():
        report = regress_all(files, models, out_root=out, jobs=jobs, update=update,
                             cache=_cache(no_cache))
    if junit:
        _run(lambda: write_junit(report, junit), writes=junit, option="--junit")
    if as_json:
        print(json.dumps({"passed": report.exit_status == 0,
                          "configs": [_run_json(run) for run in report.runs]}, indent=2))
    else:
        print_regress(report, out_console)
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


def _distributed(enabled: bool, port: int, local_workers: int,
                 hostname: str | None) -> Distributed | None:
    if not enabled:
        return None

    def ready(host: str, at: int) -> None:
        err_console.print(f"TLC server open at {host}:{at}; on other machines run: "
                          f"kafkamc worker {host} --port {at}", highlight=False)
    return Distributed(port=port, local_workers=local_workers, hostname=hostname,
                       on_ready=ready)


def _cache(disabled: bool) -> RunCache | None:
    def warn(message: str) -> None:
        err_console.print(f"kafkamc: warning: {one_line(message)}", highlight=False,
                          markup=False, soft_wrap=True)
    return None if disabled else RunCache(default_cache_dir(), warn=warn)


def _run_json(run: ConfigRun) -> dict[str, object]:
    data: dict[str, object] = {"config": str(run.path), "golden": run.golden,
                               "passed": run.passed}
    if run.result:
        data.update(run.result.to_json())
    else:
        data["error"] = run.error
    return data


@app.command()
def sweep(
    file: Annotated[Path, typer.Argument(
        help="A config with a `sweep:` section of dotted setting keys and lists of values.",
        show_default=False)],
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Cells checked at once (default: the number of cores); "
        "TLC's workers share the remaining cores.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object on stdout: a record per cell and property.")]
    = False,
    csv: Annotated[Path | None, typer.Option(
        "--csv", help="Also write a CSV row per cell and property here.")] = None,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write the matrix and recommendation as a self-contained page.")]
    = None,
    require: Annotated[str | None, typer.Option(
        "--require", help="Recommend the cheapest settings where these properties hold "
        "(comma-separated, e.g. durability,availability).")] = None,
    against: Annotated[list[str] | None, typer.Option(
        "--against", help="Under this budget, KEY=VALUE (repeatable, e.g. "
        "faults.power_losses=2; default: every budget).")] = None,
    no_prune: Annotated[bool, typer.Option(
        "--no-prune", help="Check every cell for every property instead of inferring "
        "verdicts by monotonicity.")] = False,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", min=1, help="Seconds allowed per cell; undecided properties are "
        "unknown (exit 3).")] = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Run TLC even where the run cache has the answer.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output root (default out/NAME); each checked cell gets OUT/ROW.COLUMN.")]
    = None,
    yes: Annotated[bool, typer.Option(
        "--yes", help="Run a sweep of more than 250 cells to check (refused without it).")]
    = False,
) -> None:
    """Check every combination of swept settings and faults; print the verdict matrix."""
    from kafkamc.sweep.command import SweepOptions, sweep_command  # the command's steps
    options = SweepOptions(jobs=jobs, as_json=as_json, csv=csv, html=html, require=require,
                           against=against, cache=_cache(no_cache), prune=not no_prune,
                           out=out, timeout=timeout, yes=yes)
    raise typer.Exit(_run(lambda: sweep_command(file, options, out_console, err_console)))


@app.command()
def explain(
    path: Annotated[Path, typer.Argument(
        help="The out dir of `kafkamc check` (every trace-*.json in it), or one trace file.",
        show_default=False)],
) -> None:
    """Tell a check's counterexamples again, step by step in Kafka's words."""
    for trace in _run(lambda: saved_traces(path)):
        print_story(tell(trace), out_console)


@app.command()
def render(
    log: Annotated[Path, typer.Argument(
        help="A TLC log with a counterexample (plain or -tool output), from kafkamc or not.",
        show_default=False)],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Where to write trace.json (default out/LOG-NAME).")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the trace (trace.json's content) on stdout instead of the "
        "story.")] = False,
    formats: Annotated[list[DiagramFormat] | None, typer.Option(
        "--format", help=FORMAT_HELP)] = None,
) -> None:
    """Read a TLC log's counterexample into a trace: trace.json, a diagram and the story."""
    trace = _run(lambda: log_trace(log))
    story = tell(trace)
    out_dir = _run(lambda: prepare_out_dir(out or Path("out") / _plain(log.stem)))
    _run(lambda: write_trace(trace, out_dir / "trace.json", story.to_json()), writes=out_dir)
    from kafkamc.render.diagram import draw  # networkx and graphviz load only to draw
    diagrams = _run(lambda: draw(trace, story, out_dir / "diagram", _formats(formats)),
                    writes=out_dir)
    if as_json:
        print(json.dumps(to_json(trace, story.to_json()), indent=1))
    else:
        print_story(story, out_console, (out_dir / "trace.json", *diagrams))


@app.command()
def worker(
    host: Annotated[str, typer.Argument(
        help="The machine running `kafkamc check --distributed`.", show_default=False)],
    port: Annotated[int, typer.Option(
        "--port", min=1, max=65535, help="The server's RMI registry port.")] = 10997,
    hostname: Annotated[str | None, typer.Option(
        "--hostname", help="This machine's address as the server reaches it (default: its "
        "address on the route to HOST).")] = None,
    threads: Annotated[int | None, typer.Option(
        "--threads", min=1, help="Worker threads (default: the number of cores).")] = None,
    connect_timeout: Annotated[float, typer.Option(
        "--connect-timeout", min=0, help="Seconds to wait for the server to answer.")] = 60,
) -> None:
    """Lend this machine to a `check --distributed` on HOST until that check is done."""
    # TLC's distributed mode, imported here as sweep's steps are (docs/distributed.md)
    from kafkamc.tlc.distributed import run_worker
    raise typer.Exit(_run(lambda: run_worker(
        host, port=port, hostname=hostname, threads=threads, connect_timeout=connect_timeout,
        echo=lambda line: err_console.print(line, markup=False, highlight=False))))


@app.command()
def eras() -> None:
    """Print which Kafka rules and defaults apply in each era of `kafka_version`."""
    table = Table(title="Kafka eras as kafkamc models them",
                  caption="Switches stay on in later eras; each is a `semantics:` key. The "
                          "protocol (default: the release's own) gates the rules it names.")
    for column in ("versions", "acks", "unclean election", "truncation", "switches turned on",
                   "metadata", "protocol", "source"):
        table.add_column(column, overflow="fold",
                         no_wrap=column in {"versions", "acks", "truncation", "metadata"})
    before: set[str] = set()
    for row in era_table():
        on = {switch for switch in SWITCHES if row[switch] == "on"}
        table.add_row(row["versions"], row["acks"], row["unclean.leader.election.enable"],
                      row["truncation"], "\n".join(sorted(on - before)) or "-",
                      row["metadata"], protocol_column(row["versions"].split("–")[0].rstrip("+")),
                      row["source"])
        before = on
    out_console.print(table)


@app.command(name="import", help=(
    "Write a kafkamc config from Kafka's own files.\n\n"
    "Each setting is resolved as Kafka resolves it: the topic's override, else a dynamic "
    "broker config, else server.properties (min.insync.replicas, "
    "unclean.leader.election.enable, log.flush.interval.messages, "
    "default.replication.factor), else the default of the Kafka release, left unset "
    "(`kafkamc eras`). The release is --kafka-version, else inter.broker.protocol.version. "
    "Faults and bounds are starting values to edit.\n\n"
    "Every setting that import ignores is a warning on stderr; a value Kafka would refuse "
    "is an error (exit 2)."))
def import_(
    server: Annotated[Path, typer.Argument(
        metavar="SERVER_PROPERTIES", help="A broker's server.properties.",
        show_default=False)],
    topic_file: Annotated[Path | None, typer.Argument(
        metavar="TOPIC_FILE", help="The topic's overrides: the output of `kafka-configs.sh "
        "--describe --entity-type topics [--all]` or of `kafka-topics.sh --describe`, or a "
        "topic .properties file.", show_default=False)] = None,
    producer: Annotated[Path | None, typer.Option(
        "--producer", help="A producer's .properties (acks).")] = None,
    topic: Annotated[str | None, typer.Option(
        "--topic", help="The topic to import when TOPIC_FILE describes several; also the "
        "config's name.")] = None,
    kafka_version: Annotated[str | None, typer.Option(
        "--kafka-version", help="The brokers' Kafka release; needed in KRaft mode, and wins "
        "over inter.broker.protocol.version.")] = None,
    replication_factor: Annotated[int | None, typer.Option(
        "--replication-factor", help="The topic's replication factor; wins over "
        "kafka-topics.sh's ReplicationFactor and default.replication.factor.")] = None,
    features: Annotated[Path | None, typer.Option(
        "--features", metavar="FILE", help="The output of `kafka-features.sh describe` "
        "(KRaft): its finalized metadata.version and eligible.leader.replicas.version.")]
    = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the config here instead of to stdout.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite the --out file if it exists.")] = False,
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
    if out is None:
        sys.stdout.write(imported.to_yaml())
    else:
        _run(lambda: write_new(out, imported.to_yaml(), force=force))
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
    for each in error.errors if isinstance(error, ManyErrors) else [error]:
        err_console.print(f"kafkamc: error: {one_line(str(each))}", highlight=False,
                          markup=False, soft_wrap=True)
    raise typer.Exit(error.exit_code)


def _interrupt(signum: int, frame: object) -> None:
    """Stop every TLC run first: runs made in threads (check's concurrent runs,
    regress and sweep jobs) would otherwise keep their threads, and kafkamc, alive.
    The handler only signals them; whoever waits for a run reaps it. It says so
    itself: typer turns the KeyboardInterrupt into a silent exit 130. A plain write,
    not rich: the interrupted thread may hold the console's lock."""
    signal_running()
    os.write(2, f"kafkamc: interrupted ({signal.Signals(signum).name})\n".encode())
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
