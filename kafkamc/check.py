"""Check a resolved model: compile it, run TLC, decide verdicts, write the out dir.

The orchestrator. The runs are those compile_model plans: the safety properties
(invariants) share one TLC run with -continue, in which TLC reports the first
violation of each and goes on, and stops once every one is reported (the
template's "One run, several properties"); a property never reported holds, so a
model is explored once however many of its properties are violated. Availability
has a next-state relation of its own and its own run; both runs go at once.
Every run starts as a one-worker probe (_Runner._run): only a strictly
breadth-first search guarantees shortest counterexamples. Distributed TLC cannot
report several violations; there each one ends a round, and the next round checks
the properties still open; between rounds a lobby holds the port, so that remote
workers serve every round (kafkamc.tlc.lobby). The artifacts step (kafkamc.render.artifacts) writes
every file of the result.
"""
from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Literal

from kafkamc.assumptions import bounds_sentence, config_warnings, vacuity_warnings
from kafkamc.compile import (
    BROKEN_BY,
    INVARIANTS,
    CompiledSpec,
    RunPlan,
    compile_model,
    render_cfg,
    render_shortening,
    write_spec,
)
from kafkamc.errors import ConfigError, TlcParseError
from kafkamc.outdir import prepare_out_dir
from kafkamc.render.artifacts import write_artifacts
from kafkamc.render.formats import FORMATS
from kafkamc.resolved import Property, Resolved
from kafkamc.result import CheckResult, Outcome, PropertyResult
from kafkamc.tlc.cache import CachedRun, CacheKey, RunCache
from kafkamc.tlc.dialect import simulated_states
from kafkamc.tlc.distributed import DEFAULT_PORT, distributed_outcome, run_tlc_distributed
from kafkamc.tlc.lobby import Lobby
from kafkamc.tlc.output import (
    Counterexample,
    TlcOutcome,
    last_progress,
    parse_tlc_output,
)
from kafkamc.tlc.progress import ProgressBoard
from kafkamc.tlc.run import (
    Simulation,
    TlcRun,
    find_jar,
    interrupt_requested,
    run_tlc,
    stop_running,
)
from kafkamc.tlc.version import describe_tlc
from kafkamc.trace.events import infer_params
from kafkamc.trace.narrative import tell
from kafkamc.trace.steps import trace_of

# TLC outcomes worth caching: the run decided every property it checked.
DECIDED = ("ok", "invariant")
# How long a run goes as a probe, with one worker and C1 (_Runner._run), unless
# $KAFKAMC_PROBE_SECONDS says otherwise (0: no probe).
PROBE_SECONDS = 10.0
PROBE_ENV = "KAFKAMC_PROBE_SECONDS"
# Marks a probe's entry in the run cache: its cfg text plus this line.
PROBE_MARK = "\n\\* kafkamc: the first seconds of a run, one worker, C1\n"
# Marks a run made with TLC's -coverage: its output holds more than a plain run's.
COVERAGE_MARK = "\n\\* kafkamc: with TLC's action coverage\n"

# How a check searches: exhaustive is TLC's breadth-first search alone (a run
# stopped by the budget leaves its open properties unknown); simulate is TLC's
# random simulation alone, for the whole budget; auto gives breadth-first search
# EXHAUSTIVE_SHARE of the budget, and the properties it leaves open get random
# simulation for the rest. Simulation decides violated (with a trace) or not_found,
# never holds.
Mode = Literal["exhaustive", "simulate", "auto"]
EXHAUSTIVE_SHARE = 2 / 3
# The longest behaviour a simulation draws: beyond every counterexample of the
# scenario library (the longest has 23 steps), and TLC 2.15's default.
SIMULATION_DEPTH = 100
# Seconds a simulation's JVM takes to start and parse the spec before it simulates;
# TLC is told to stop this much before the budget ends (Simulation.seconds).
SIMULATION_STARTUP = 3.0



@dataclass(frozen=True)
class Distributed:
    """How to run TLC's distributed mode (kafkamc.tlc.distributed, docs/distributed.md)."""
    port: int | None = None          # the server's RMI registry port (default 10997)
    local_workers: int = 2           # TLCWorker JVMs on this machine; 0: remote ones only
    hostname: str | None = None      # the address workers reach this machine at
    on_ready: Callable[[str, int], None] | None = None   # told (hostname, port) when open
    # Holds the port between rounds, so remote workers serve every round
    # (kafkamc.tlc.lobby); check_model opens one of its own when none is given.
    lobby: Lobby | None = None


@dataclass(frozen=True)
class RunSettings:
    """How a check runs TLC: the same for every run of a check."""
    workers: int | None = None               # TLC worker threads (default: one per core)
    timeout: float | None = None             # seconds for the whole check
    cache: RunCache | None = None            # replays runs it has stored
    diagram_formats: tuple[str, ...] = FORMATS
    progress: ProgressBoard | None = None    # shows TLC's progress while a run goes
    distributed: Distributed | None = None   # TLC's distributed mode, one run at a time
    coverage: bool = False                   # TLC's action coverage (-coverage; not distributed)
    mode: Mode = "auto"                      # how a budget's end is met (Mode)
    seed: int | None = None                  # random simulation's base seed (default: drawn)


def check_model(model: Resolved, *, out_dir: Path | None = None,
                properties: list[Property] | None = None, workers: int | None = None,
                timeout: float | None = None, cache: RunCache | None = None,
                diagram_formats: tuple[str, ...] = FORMATS,
                progress: ProgressBoard | None = None,
                distributed: Distributed | None = None, coverage: bool = False,
                mode: Mode = "auto", seed: int | None = None) -> CheckResult:
    """Check `properties` (default: the model's `check`) of `model` with real TLC,
    replaying runs from `cache` where it has them, and write the out dir
    (kafkamc.render.artifacts): the module, the runs' configs and logs, each
    violation's trace and diagram in `diagram_formats`, report.html and
    result.json. TLC's progress goes to `progress`, if given. With `distributed`,
    every run goes to TLC's distributed server, one at a time (they would share
    its port). After an interrupt (kafkamc.tlc.run.interrupt) every run ends as at
    a timeout, keeping what it reported, and the result is marked interrupted. With
    `coverage`, TLC reports its action coverage (about 1.6 times the CPU time), which
    result.json and report.html show and which tells a vacuous "holds"
    (kafkamc.assumptions.vacuity_warnings). `mode` says how the `timeout` is used
    (Mode); simulate needs a timeout, and is exhaustive in distributed mode, which
    cannot simulate. `seed` is the simulation's base seed (_Runner._simulate)."""
    if mode == "simulate" and timeout is None:
        raise ValueError("random simulation needs a timeout")
    out = prepare_out_dir(out_dir or Path("out") / model.name)
    spec = compile_model(model, properties)
    files = write_spec(spec, out)
    deadline = None if timeout is None else time.monotonic() + timeout
    with _in_lobby(distributed) as distributed:
        settings = RunSettings(workers, timeout, cache, diagram_formats, progress, distributed,
                               coverage, "exhaustive" if distributed else mode, seed)
        runner = _Runner(spec, out, settings, deadline, model)
        jobs: list[Callable[[], None]] = [partial(runner.check, plan) for plan in spec.runs]
        if distributed:
            for job in jobs:   # one server at a time: they share the port
                job()
        else:
            _run_together(jobs)
    result = CheckResult(
        name=model.name,
        kafka_version=model.kafka_version,
        out_dir=out,
        spec=files.tla,
        properties={p: runner.results[p] for plan in spec.runs for p in plan.properties},
        tlc_version=describe_tlc(runner.tlc_version, find_jar()),
        interrupted=runner.interrupted,
        bounds=bounds_sentence(model),
    )
    result = replace(result, warnings=config_warnings(model) + vacuity_warnings(model, result))
    return write_artifacts(result, model, spec.runs, diagram_formats)


@contextmanager
def _in_lobby(distributed: Distributed | None) -> Iterator[Distributed | None]:
    """`distributed` with a lobby that holds its port between rounds (kafkamc.tlc.lobby):
    the caller's (the CLI keeps one for all the configs it checks), else one for
    this check, which tells the waiting workers at the end that it is over."""
    if distributed is None or distributed.lobby is not None:
        yield distributed
        return
    with Lobby(distributed.port or DEFAULT_PORT) as lobby:
        yield replace(distributed, lobby=lobby)


def _run_together(jobs: list[Callable[[], None]]) -> None:
    """Run the jobs in threads of their own; the first error is raised once all
    have ended. Ctrl-C reaches only this thread, so it stops their TLC runs."""
    if len(jobs) == 1:
        jobs[0]()
        return
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(job) for job in jobs]
        try:
            for future in futures:
                future.result()
        except KeyboardInterrupt:
            stop_running()
            raise


def story_config(model: Resolved) -> dict[str, object]:
    """The settings a counterexample's story cites, as the model applies them."""
    min_isr = model.min_insync_replicas
    if model.rules.strict_min_isr:
        min_isr = min(min_isr, model.replication_factor)   # KAFKA-15583 caps it
    return {"name": model.name, "kafka_version": model.kafka_version,
            "replication_factor": model.replication_factor, "min_insync_replicas": min_isr,
            "acks": model.acks, "unclean_leader_election": model.unclean_leader_election,
            "records": model.records}


@dataclass(frozen=True)
class _Run:
    outcome: TlcOutcome
    seconds: float
    log: Path
    cached: bool
    # The counterexamples found by a strictly breadth-first search (one worker):
    # each is a shortest one.
    strict: tuple[Counterexample, ...] = ()
    timed_out: bool = False      # stopped by the check's budget (not by an interrupt)


@dataclass(frozen=True)
class _Draw:
    """One run of TLC's random simulation, as TLC ended it and as kafkamc reads it."""
    simulation: Simulation
    fresh: TlcRun
    run: _Run


class _Runner:
    """Runs TLC for one compiled spec and turns each run into property results."""

    def __init__(self, spec: CompiledSpec, out: Path, settings: RunSettings,
                 deadline: float | None, model: Resolved) -> None:
        self.spec, self.out, self.settings = spec, out, settings
        # self.deadline ends breadth-first search; self.end, the check (Mode).
        self.deadline = self.end = deadline
        if deadline is not None and settings.timeout and settings.mode == "auto":
            self.deadline = deadline - settings.timeout * (1 - EXHAUSTIVE_SHARE)
        self.name, self.expect, self.story_config = model.name, model.expect, story_config(model)
        self.results: dict[Property, PropertyResult] = {}
        self.tlc_version: str | None = None
        self.interrupted = False     # an interrupt stopped one of its TLC runs
        # Random simulation's base seed: its runs draw from seeds counted up from it.
        self.seed = secrets.randbelow(2**31) if settings.seed is None else settings.seed

    def check(self, plan: RunPlan) -> None:
        """Decide the plan's properties: in its own run, or in distributed rounds."""
        if self.settings.distributed:
            self._rounds(plan)
            return
        if self.settings.mode == "simulate":
            self._simulate(plan.label, list(plan.properties))
            return
        cfg = self.out / f"{self.spec.module}.{plan.label}.cfg"
        run = self._run(plan.label, cfg, plan.cfg, plan.properties, together=plan.together)
        for prop in plan.properties:
            self._decide_from(prop, run)
        open_ = [p for p in plan.properties if self.results[p].verdict == "unknown"]
        if self.settings.mode == "auto" and open_ and run.timed_out:
            self._simulate(plan.label, open_)

    def _simulate(self, label: str, open_: list[Property]) -> None:
        """TLC's random simulation of the open properties until the check's end, in
        rounds of one run per worker, each drawing from a seed of its own (_draws).
        A round ends at the first violation any run draws: it decides the properties
        it breaks, each from the shortest draw that breaks it, then shortened where
        the budget allows (_shorten), and the next round simulates the rest. What
        no run breaks is not_found, with the states all the runs generated, if they
        simulated at all; else it keeps the verdict it had (unknown; for --mode
        simulate, unknown with why)."""
        rounds = 0
        workers = self.settings.workers or os.cpu_count() or 1
        while open_ and not interrupt_requested():
            seconds = (self.end or 0) - time.monotonic() - SIMULATION_STARTUP
            if seconds < 1:
                break
            rounds += 1
            name = f"{label}.simulate" + (f"-{rounds}" if rounds > 1 else "")
            cfg = self.out / f"{self.spec.module}.{name}.cfg"
            cfg.write_text(render_cfg(self.spec.module, self.spec.brokers, open_))
            # Every round draws from seeds of its own: the same seeds would draw again
            # the behaviours that ended the previous round.
            first = self.seed + (rounds - 1) * workers
            draws = self._draws(name, cfg, [Simulation(SIMULATION_DEPTH, first + i, int(seconds))
                                            for i in range(workers)])
            self.tlc_version = self.tlc_version or next(
                (d.run.outcome.version for d in draws if d.run.outcome.version), None)
            found = {p: min(reports, key=lambda r: len(r[1].trace))
                     for p in open_ if (reports := _reports(draws, p))}
            if not found and (failed := [d for d in draws if d.run.outcome.status == "error"]):
                for prop in open_:
                    self._decide_from(prop, failed[0].run)
                return
            for prop, (draw, counterexample) in found.items():
                seed = draw.simulation.seed
                self._decide(prop, "violated", draw.run, f"drawn by TLC's random simulation "
                             f"(seed {seed}): a random behaviour, not a shortest one (see "
                             f"{draw.run.log})", found=counterexample, seed=seed)
            open_ = [p for p in open_ if p not in found]
            for index, (prop, (draw, counterexample)) in enumerate(found.items()):
                # Shortening shares the time left with the properties still open.
                share = (0.5 if open_ else 1.0) / (len(found) - index)
                self._shorten(prop, counterexample, draw, share)
            if found:
                continue
            counts = [c for d in draws if (c := simulated_states(d.fresh.output)) is not None]
            if not counts:    # stopped before it simulated: nothing to say
                break
            seeds = tuple(d.simulation.seed for d in draws)
            run = replace(draws[0].run, seconds=max(d.run.seconds for d in draws))
            for prop in open_:
                self._not_found(prop, run, _simulated_words(sum(counts), SIMULATION_DEPTH,
                                                            seeds))
                self.results[prop] = replace(self.results[prop], seeds=seeds)
            return
        said = ("interrupted before TLC's random simulation reported on it"
                if interrupt_requested() else
                "the budget ended before TLC's random simulation reported on it" if rounds
                else "too little of the budget was left for TLC's random simulation")
        for prop in open_:
            if prop not in self.results:    # in simulate mode, nothing decided it
                self._decide(prop, "unknown", _Run(_failure(said), 0.0, self.out,
                                                   cached=False), said)
            else:                           # breadth-first search's unknown, and then this
                unknown = self.results[prop]
                self.results[prop] = replace(unknown, message=f"{unknown.message}; {said}")

    def _draws(self, name: str, cfg: Path, simulations: list[Simulation]) -> list[_Draw]:
        """One TLC simulation per seed, at once, each a JVM with one worker: the
        first that draws a violation stops the others. One worker a run, because
        TLC's own -workers N derives its workers' seeds from the one it prints and
        reports whichever worker draws a violation first, a race a rerun may lose
        differently; a run with one worker draws the same behaviours from the same
        seed, so each draw here is repeated by `--seed S --workers 1`."""
        drawn = threading.Event()

        def draw(simulation: Simulation) -> _Draw:
            label = f"{name}.{simulation.seed}"
            log = self.out / f"tlc-{label}.log"
            fresh = self._tlc(label, cfg, log, None, simulation=simulation, cancel=drawn)
            run = _simulated(fresh, log)
            if run.outcome.counterexamples:
                drawn.set()
            return _Draw(simulation, fresh, run)

        if len(simulations) == 1:
            return [draw(simulations[0])]
        with ThreadPoolExecutor(max_workers=len(simulations)) as pool:
            return list(pool.map(draw, simulations))

    def _shorten(self, prop: Property, simulated: Counterexample, draw: _Draw,
                 share: float) -> None:
        """Replace prop's simulated counterexample by a shortest one: TLC's strictly
        breadth-first search (one worker) of the states within the simulated trace's
        depth (render_shortening), which hold a violation, so the search ends with a
        shortest one, if it ends within `share` of the time left. Else the simulated
        one stays, and its message says why it is not the shortest."""
        depth, seed = len(simulated.trace), draw.simulation.seed
        seconds = ((self.end or 0) - time.monotonic()) * share
        kept = self.results[prop]
        if seconds < SIMULATION_STARTUP + 1:
            self.results[prop] = replace(kept, message=f"{kept.message}; too little of the "
                                         "budget was left to shorten it")
            return
        module, tla_text, cfg_text = render_shortening(self.spec.module, self.spec.brokers,
                                                       prop, depth)
        tla = self.out / f"{module}.tla"
        tla.write_text(tla_text)
        label = f"{prop}.shorten"
        cfg = self.out / f"{self.spec.module}.{label}.cfg"
        cfg.write_text(cfg_text)
        log = self.out / f"tlc-{label}.log"
        # Not cached, as a simulation is not: what it shortens is a random draw.
        fresh = self._tlc(label, cfg, log, None, limit=seconds, tla=tla, until_end=True)
        run = _timed_out(fresh, log) if fresh.stopped else self._finished(fresh, log)
        reports = [c for c in run.strict if prop in BROKEN_BY.get(c.violated or "", ())]
        if not reports:
            why = ("breadth-first search within its depth was interrupted" if fresh.interrupted
                   else "breadth-first search within its depth did not end within the budget"
                   if fresh.stopped else "breadth-first search within its depth failed: "
                   f"{' '.join(str(run.outcome.message).split())}")
            self.results[prop] = replace(kept, message=f"{kept.message}; {why} (see {log})")
            return
        self._decide(prop, "violated", replace(run, seconds=draw.run.seconds + run.seconds),
                     f"drawn by TLC's random simulation (seed {seed}, {depth} steps), then "
                     f"shortened by breadth-first search within {depth} steps (see {log})",
                     found=reports[0], shortest=True)
        self.results[prop] = replace(self.results[prop], seeds=(seed,))

    def _rounds(self, plan: RunPlan) -> None:
        """Distributed TLC cannot report several violations: each one ends a round,
        and the next round checks the properties still open."""
        open_ = list(plan.properties)
        rounds = 0
        while open_:
            rounds += 1
            # Each round keeps its own cfg and log: a re-run must not overwrite the log
            # that holds the previous round's counterexample. Its cfg lists plain
            # invariants, so it is kept beside, not over, the one `compile` writes.
            label = plan.label if rounds == 1 else f"{plan.label}-{rounds}"
            cfg = self.out / f"{self.spec.module}.{label}.distributed.cfg"
            cfg_text = render_cfg(self.spec.module, self.spec.brokers, open_)
            run = self._run(label, cfg, cfg_text, tuple(open_))
            broken = [p for p in open_ if p in _broken_by_first(run.outcome)]
            if run.outcome.status == "invariant" and broken:
                for prop in broken:
                    self._decide_from(prop, run)
                open_ = [p for p in open_ if p not in broken]
                continue
            for prop in open_:
                self._decide_from(prop, run)
            return

    def _run(self, label: str, cfg: Path, cfg_text: str, properties: tuple[Property, ...], *,
             together: bool = False) -> _Run:
        """One TLC run of `cfg_text`, written to `cfg`, checking `properties`;
        `together` (never distributed): in one run with -continue, each reported
        once (render_cfg).

        Every run starts as a probe: one TLC worker and C1-only JIT for at most
        probe_seconds(). Only with one worker is breadth-first search strict, so each
        counterexample it reports is a shortest one, and C1 suits runs this short
        (kafkamc.tlc.jvm). Most violations and small models are decided there. A
        run still going then starts again with every worker and the full JIT, for
        the properties the probe did not report; its counterexamples may be a step
        longer than the shortest, and their stories say so."""
        cfg.write_text(cfg_text)
        log = self.out / f"tlc-{label}.log"
        cached = self._cached(cfg_text, log)
        if cached is not None:
            return cached
        if self.settings.distributed:
            run = self._distributed(label, cfg, properties)
            if run is not None:
                return run
        probe_log = log.with_name(f"tlc-{label}.probe.log")
        probe = self._cached(cfg_text + PROBE_MARK, probe_log)
        limit = probe_seconds()
        if probe is None and limit:
            fresh = self._tlc(label, cfg, log, None, workers=1, keep_going=together,
                              short=True, limit=limit)
            if not fresh.stopped:
                return self._store(cfg_text, self._finished(fresh, log), fresh)
            if fresh.interrupted or self._past_deadline():
                return _timed_out(fresh, log)
            log.rename(probe_log)
            probe = _timed_out(fresh, probe_log)
            self._store(cfg_text + PROBE_MARK, probe, fresh, always=True)
        if probe is None:
            return self._rest(label, cfg, cfg_text, together, log)
        reported = {p for c in probe.outcome.counterexamples
                    for p in BROKEN_BY.get(c.violated or "", ())}
        rest = [p for p in properties if p not in reported]
        rest_cfg, rest_text = cfg, cfg_text
        if len(rest) < len(properties):
            rest_cfg = cfg.with_name(f"{self.spec.module}.{label}.rest.cfg")
            rest_text = render_cfg(self.spec.module, self.spec.brokers, rest, together=together)
            rest_cfg.write_text(rest_text)
        full = self._rest(label, rest_cfg, rest_text, together, log)
        outcome = full.outcome
        if outcome.distinct_states is None:   # stopped before its first progress report
            outcome = replace(outcome, distinct_states=probe.outcome.distinct_states,
                              depth=probe.outcome.depth)
        return _Run(replace(outcome, counterexamples=probe.outcome.counterexamples
                            + full.outcome.counterexamples),
                    probe.seconds + full.seconds, log, probe.cached and full.cached,
                    strict=probe.strict + full.strict, timed_out=full.timed_out)

    def _rest(self, label: str, cfg: Path, cfg_text: str, together: bool, log: Path) -> _Run:
        """The run after the probe (or without one): every worker, the full JIT."""
        cached = self._cached(cfg_text, log)
        if cached is not None:
            return cached
        workers = self.settings.workers or os.cpu_count() or 1
        fresh = self._tlc(label, cfg, log, None, workers=workers, keep_going=together)
        if fresh.stopped:
            return _timed_out(fresh, log)
        return self._store(cfg_text, self._finished(fresh, log), fresh)

    def _finished(self, fresh: TlcRun, log: Path) -> _Run:
        """A run that ended by itself, or was killed from outside (kill -9, the OOM
        killer), which leaves a log that says nothing of why."""
        if fresh.returncode < 0:
            return _Run(_failure(f"TLC was killed by signal {-fresh.returncode}"),
                        fresh.seconds, log, cached=False)
        return self._parsed(fresh.output, fresh.seconds, log, cached=False)

    def _cached(self, cfg_text: str, log: Path) -> _Run | None:
        """The stored run of `cfg_text`, its output written to `log`; None if none."""
        cache = self.settings.cache
        cached = cache.get(self._key(cfg_text)) if cache else None
        if cached is None:
            return None
        log.write_text(cached.output)
        if PROBE_MARK in cfg_text:
            return replace(_timed_out(cached, log), cached=True)
        return self._parsed(cached.output, cached.seconds, log, cached=True)

    def _store(self, cfg_text: str, run: _Run, fresh: TlcRun, *, always: bool = False) -> _Run:
        """Keep a decided run (or, `always`, a probe that ran its time) in the cache."""
        cache = self.settings.cache
        if cache and (always or run.outcome.status in DECIDED):
            cache.put(self._key(cfg_text),
                      CachedRun(output=fresh.output, seconds=fresh.seconds))
        return run

    def _key(self, cfg_text: str) -> CacheKey:
        marked = cfg_text + COVERAGE_MARK if self.settings.coverage else cfg_text
        assert self.settings.cache is not None
        return self.settings.cache.key(self.spec.text, marked, find_jar())

    def _past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline - 0.1

    def _distributed(self, label: str, cfg: Path,
                     properties: tuple[Property, ...]) -> _Run | None:
        """A run on TLC's distributed server; None when it found a violation, which
        distributed TLC neither names nor traces: single-process TLC then finds the
        shortest counterexample. Not cached: the server's statistics are its own."""
        log = self.out / f"tlc-{label}.distributed.log"
        fresh = self._tlc(label, cfg, log, self.settings.distributed)
        if fresh.stopped:
            return _timed_out(fresh, log)
        try:
            outcome = distributed_outcome(fresh.output, [INVARIANTS[p] for p in properties])
        except TlcParseError as error:
            outcome = _failure(f"cannot read the TLC server's output ({error})")
        if outcome.status == "invariant":
            return None
        self.tlc_version = self.tlc_version or outcome.version
        return _Run(outcome, fresh.seconds, log, cached=False)

    def _not_found(self, prop: Property, run: _Run, simulated: str) -> None:
        """prop is not_found: neither breadth-first search (in auto mode, before the
        budget's share ran out) nor the simulation `run` drew a violation. Its numbers
        are the search's, its time both's."""
        searched = self.results.get(prop)
        self._decide(prop, "not_found", run, f"no violation {simulated}; not a proof "
                                             f"(see {run.log})")
        if searched is not None and searched.distinct_states:
            bfs = (f"in {searched.distinct_states:,} distinct states (breadth-first search, "
                   f"reached depth {searched.depth})")
            self.results[prop] = replace(
                self.results[prop], distinct_states=searched.distinct_states,
                depth=searched.depth, seconds=searched.seconds + run.seconds,
                message=f"no violation {bfs} nor {simulated}; not a proof (see {run.log})")

    def _tlc(self, label: str, cfg: Path, log: Path, distributed: Distributed | None, *,
             workers: int = 1, keep_going: bool = False, short: bool = False,
             limit: float | None = None, simulation: Simulation | None = None,
             cancel: threading.Event | None = None, tla: Path | None = None,
             until_end: bool = False) -> TlcRun:
        """One fresh TLC run (on TLC's distributed server, if given, whose workers
        are its own) of `tla` (default: the model-checking module) of at most `limit`
        seconds and the deadline (the check's end for a `simulation` or `until_end`),
        stopped once `cancel` is set, shown on the progress board while it goes."""
        metadir = self.out / "tlc-states" / label
        shutil.rmtree(metadir, ignore_errors=True)
        deadline = self.end if simulation or until_end else self.deadline
        # A simulation stops itself SIMULATION_STARTUP before the end (stopAfter) and
        # then prints the states it generated: on a loaded machine that may come after
        # the end, so its kill waits as long again rather than lose the count.
        grace = SIMULATION_STARTUP if simulation else 0.0
        timeouts = [t for t in (limit, None if deadline is None
                                else max(deadline - time.monotonic(), 0.1) + grace) if t]
        timeout = min(timeouts) if timeouts else None
        progress = self.settings.progress
        board_label = f"{self.name}: {label}"
        on_line = progress.track(board_label) if progress else None
        tla = tla or self.out / f"{self.spec.mc_module}.tla"
        try:
            if distributed:
                fresh = run_tlc_distributed(
                    tla, cfg, metadir=metadir, log=log, timeout=timeout, on_line=on_line,
                    local_workers=distributed.local_workers, port=distributed.port,
                    hostname=distributed.hostname, on_ready=distributed.on_ready,
                    lobby=distributed.lobby)
            else:
                fresh = run_tlc(tla, cfg, metadir=metadir, log=log, workers=workers,
                                timeout=timeout, on_line=on_line, keep_going=keep_going,
                                short=short, coverage=self.settings.coverage,
                                simulation=simulation, cancel=cancel)
        finally:
            if progress:
                progress.finish(board_label)
        shutil.rmtree(metadir, ignore_errors=True)
        self.interrupted = self.interrupted or fresh.interrupted
        # Other runs of this check may still be using tlc-states/: then it stays.
        with suppress(OSError):
            metadir.parent.rmdir()
        return fresh

    def _parsed(self, output: str, seconds: float, log: Path, *, cached: bool) -> _Run:
        try:
            outcome = parse_tlc_output(output)
        except TlcParseError as error:
            outcome = _failure(f"cannot read TLC's output ({error})")
        self.tlc_version = self.tlc_version or outcome.version
        return _Run(outcome, seconds, log, cached,
                    strict=outcome.counterexamples if outcome.workers == 1 else ())

    def _decide_from(self, prop: Property, run: _Run) -> None:
        """prop is violated if the run reported it, holds if the run explored every
        state and found it nowhere, and is unknown otherwise. Each TLC worker may
        report it once; the shortest report is its counterexample."""
        outcome = run.outcome
        reports = [c for c in outcome.counterexamples
                   if prop in BROKEN_BY.get(c.violated or "", ())]
        found = min(reports, key=lambda c: len(c.trace)) if reports else None
        if found is not None:
            self._decide(prop, "violated", run, found=found,
                         shortest=any(found is c for c in run.strict))
        elif outcome.completed and outcome.status in DECIDED:
            self._decide(prop, "holds", run)
        else:
            message = outcome.message if outcome.status not in DECIDED else \
                "TLC stopped before it explored every state"
            # One line: Java's messages run over several (a bad jar's stack trace).
            self._decide(prop, "unknown", run, f"{' '.join(str(message).split())} "
                                               f"(see {run.log})")

    def _decide(self, prop: Property, verdict: Outcome, run: _Run,
                message: str | None = None, found: Counterexample | None = None,
                shortest: bool = False, seed: int | None = None) -> None:
        """`seed`: random simulation drew `found` from it."""
        trace = story = None
        if found is not None:
            trace = replace(trace_of(found, infer=infer_params, property=prop,
                                     violated=INVARIANTS[prop], config=self.story_config,
                                     shortest=shortest), seed=seed)
            story = tell(trace)
        self.results[prop] = PropertyResult(
            name=prop,
            verdict=verdict,
            expected=self.expect.get(prop),
            trace=trace,
            story=story,
            trace_file=None,
            diagrams=(),
            distinct_states=run.outcome.distinct_states,
            depth=run.outcome.depth,
            seconds=run.seconds,
            log=run.log,
            cached=run.cached,
            message=message,
            coverage=run.outcome.coverage,
            seeds=() if seed is None else (seed,),
        )


def probe_seconds() -> float:
    """How long a run goes as a probe: PROBE_SECONDS, or $KAFKAMC_PROBE_SECONDS."""
    text = os.environ.get(PROBE_ENV)
    if text is None:
        return PROBE_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ConfigError(f"{text!r} is not a number of seconds; allowed: 0 (no probe) or "
                          "more", file="environment", key=PROBE_ENV)
    return seconds


def _broken_by_first(outcome: TlcOutcome) -> tuple[Property, ...]:
    """The properties the run's first counterexample breaks."""
    first = outcome.counterexamples[0].violated if outcome.counterexamples else None
    return BROKEN_BY.get(first or "", ())


def _timed_out(fresh: TlcRun | CachedRun, log: Path) -> _Run:
    """A run stopped at the deadline, by an interrupt (Ctrl-C), or a probe at its
    limit: what it reported so far still counts, and its last progress report says
    how far it had got."""
    why = "interrupted" if isinstance(fresh, TlcRun) and fresh.interrupted else "TLC timed out"
    failure = _failure(f"{why} after {fresh.seconds:.0f} s")
    with suppress(TlcParseError):
        parsed = parse_tlc_output(fresh.output, stopped=True)
        failure = replace(failure, counterexamples=parsed.counterexamples,
                          workers=parsed.workers)
    if progress := last_progress(fresh.output):
        failure = replace(failure, distinct_states=progress[0], depth=progress[1])
    strict = failure.counterexamples if failure.workers == 1 else ()
    return _Run(failure, fresh.seconds, log, cached=False, strict=strict,
                timed_out=why == "TLC timed out")


def _simulated(fresh: TlcRun, log: Path) -> _Run:
    """A random simulation's run: "invariant" with the violation it drew (a random
    behaviour, never strict), "error" if TLC failed, else "ok": it stopped (at
    tlc2.TLC.stopAfter or the deadline) with nothing to report, which is no verdict."""
    if fresh.returncode < 0 and not fresh.stopped:
        return _Run(_failure(f"TLC was killed by signal {-fresh.returncode}"), fresh.seconds,
                    log, cached=False)
    try:
        outcome = parse_tlc_output(fresh.output, stopped=True)
    except TlcParseError:
        outcome = replace(_failure("no violation drawn"), status="ok")
    return _Run(replace(outcome, completed=False), fresh.seconds, log, cached=False)


def _simulated_words(states: int, depth: int, seeds: tuple[int, ...]) -> str:
    """What simulations that drew no violation searched, for not_found's message."""
    runs = (f"seed {seeds[0]}" if len(seeds) == 1 else
            f"{len(seeds)} runs, seeds {', '.join(map(str, seeds))}")
    return (f"in {states:,} states generated by TLC's random simulation (behaviours of up "
            f"to {depth} steps, {runs})")


def _reports(draws: list[_Draw], prop: Property) -> list[tuple[_Draw, Counterexample]]:
    """The violations of `prop` the draws of one round drew."""
    return [(draw, found) for draw in draws for found in draw.run.outcome.counterexamples
            if prop in BROKEN_BY.get(found.violated or "", ())]



def _failure(message: str) -> TlcOutcome:
    return TlcOutcome(status="error", message=message, counterexamples=(), completed=False,
                      distinct_states=None, states_generated=None, depth=None, version=None)
