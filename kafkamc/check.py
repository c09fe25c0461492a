"""Check a resolved model: compile it, run TLC, and collect verdicts.

The safety properties (invariants) share one TLC run with -continue: TLC reports
the first violation of each and goes on, and stops once every one is reported
(the template's "One run, several properties"). Breadth-first search makes each
counterexample a shortest one; a property never reported holds. A model is
therefore explored once, however many of its properties are violated.
Availability has a next-state relation of its own and its own run. Both runs go
at once, each with a worker per core (one, for a run expected to end at a
counterexample: see _Runner._run): while both run they share the cores, and when
one ends the other has them all, which a fixed split of the cores would not allow.
Distributed TLC cannot report several violations; there each one ends a round,
and the next round checks the properties still open.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from kafkamc.tlc.cache import CachedRun, RunCache
from kafkamc.compile import (BROKEN_BY, INVARIANTS, CompiledSpec, compile_model, render_cfg,
                             write_spec)
from kafkamc.render.diagram import FORMATS, draw
from kafkamc.errors import TlcParseError
from kafkamc.trace.events import infer_params
from kafkamc.trace.narrative import Story, tell
from kafkamc.outdir import prepare_out_dir
from kafkamc.tlc.progress import ProgressBoard
from kafkamc.resolved import PROPERTIES, Property, Resolved, Verdict
from kafkamc.tlc.distributed import distributed_outcome, run_tlc_distributed
from kafkamc.tlc.run import TlcRun, find_jar, run_tlc, stop_running
from kafkamc.tlc.output import Counterexample, TlcOutcome, last_progress, parse_tlc_output
from kafkamc.trace.steps import Trace, trace_of, write_trace

Outcome = Literal["holds", "violated", "unknown"]
# TLC outcomes worth caching: the run decided every property it checked.
DECIDED = ("ok", "invariant")



@dataclass(frozen=True)
class Distributed:
    """How to run TLC's distributed mode (kafkamc.tlc.distributed, docs/distributed.md)."""
    port: int | None = None          # the server's RMI registry port (default 10997)
    local_workers: int = 2           # TLCWorker JVMs on this machine; 0: remote ones only
    hostname: str | None = None      # the address workers reach this machine at
    on_ready: Callable[[str, int], None] | None = None   # told (hostname, port) when open


@dataclass(frozen=True)
class PropertyResult:
    name: Property
    verdict: Outcome
    expected: Verdict | None
    trace: Trace | None          # the counterexample, when violated
    story: Story | None          # ... told in Kafka's words
    trace_file: Path | None      # ... saved as trace.json (docs/trace-json.md)
    diagrams: tuple[Path, ...]   # ... drawn as a sequence diagram (.dot, .svg, .png)
    distinct_states: int | None
    depth: int | None            # TLC's search depth when it finished or stopped
    seconds: float               # TLC's wall time (when the run was made, if cached)
    log: Path
    cached: bool = False         # replayed from the run cache
    message: str | None = None   # why the verdict is unknown

    @property
    def matches(self) -> bool:
        """The verdict is the expected one (holds, when nothing is expected)."""
        return self.verdict == (self.expected or "holds")

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "verdict": self.verdict,
            "expected": self.expected,
            "trace_length": len(self.trace.steps) if self.trace else 0,
            "trace": str(self.trace_file) if self.trace_file else None,
            "diagrams": [str(d) for d in self.diagrams],
            "distinct_states": self.distinct_states,
            "depth": self.depth,
            "seconds": round(self.seconds, 2),
            "cached": self.cached,
        }
        if self.message:
            data["message"] = self.message
        return data


@dataclass(frozen=True)
class CheckResult:
    name: str
    kafka_version: str
    out_dir: Path
    spec: Path
    properties: dict[Property, PropertyResult] = field(default_factory=dict)
    tlc_version: str | None = None
    unsaved: tuple[str, ...] = ()    # artifacts a failing disk kept from being written

    @property
    def failed(self) -> bool:
        """TLC could not decide some property."""
        return any(p.verdict == "unknown" for p in self.properties.values())

    @property
    def matches(self) -> bool:
        return all(p.matches for p in self.properties.values())

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kafka_version": self.kafka_version,
            "properties": {name: p.to_json() for name, p in self.properties.items()},
            "tlc": {"version": self.tlc_version},
            **({"unsaved": list(self.unsaved)} if self.unsaved else {}),
        }


def check_model(model: Resolved, *, out_dir: Path | None = None,
                properties: list[Property] | None = None, workers: int | None = None,
                timeout: float | None = None, cache: RunCache | None = None,
                diagram_formats: tuple[str, ...] = FORMATS,
                progress: ProgressBoard | None = None,
                distributed: Distributed | None = None) -> CheckResult:
    """Check `properties` (default: the model's `check`) of `model` with real TLC,
    replaying runs from `cache` where it has them. Each violation's trace and story
    are saved, and its diagram drawn in `diagram_formats`. TLC's progress goes to
    `progress`, if given. With `distributed`, every run goes to TLC's distributed
    server, one at a time (they would share its port)."""
    wanted = [p for p in PROPERTIES if p in (properties or model.check)]
    out = prepare_out_dir(out_dir or Path("out") / model.name)
    spec = compile_model(model)
    files = write_spec(spec, out)
    deadline = None if timeout is None else time.monotonic() + timeout
    runner = _Runner(spec, out, workers, deadline, model.expect, cache,
                     story_config(model), diagram_formats, progress, model.name, distributed)
    jobs: list[Callable[[], None]] = []
    if safety := [p for p in wanted if p != "availability"]:
        jobs.append(lambda: runner.check_safety(safety))
    if "availability" in wanted:
        jobs.append(lambda: runner.check_alone("availability"))
    if distributed:
        for job in jobs:
            job()
    else:
        _run_together(jobs)
    result = CheckResult(
        name=model.name,
        kafka_version=model.kafka_version,
        out_dir=out,
        spec=files.tla,
        properties={p: runner.results[p] for p in wanted},
        tlc_version=runner.tlc_version,
    )
    try:
        (out / "result.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    except OSError as error:
        runner.unsaved.append(f"result.json ({error.strerror})")
    return replace(result, unsaved=tuple(runner.unsaved))


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


class _Runner:
    """Runs TLC for one compiled spec and turns each run into property results."""

    def __init__(self, spec: CompiledSpec, out: Path, workers: int | None,
                 deadline: float | None,
                 expect: dict[str, Verdict], cache: RunCache | None,
                 story_config: dict[str, object], diagram_formats: tuple[str, ...],
                 progress: ProgressBoard | None, name: str,
                 distributed: Distributed | None) -> None:
        self.spec, self.out, self.workers, self.deadline = spec, out, workers, deadline
        self.expect, self.cache, self.story_config = expect, cache, story_config
        self.diagram_formats, self.progress, self.name = diagram_formats, progress, name
        self.distributed = distributed
        self.results: dict[Property, PropertyResult] = {}
        self.unsaved: list[str] = []     # what a failing disk kept from being written
        self.tlc_version: str | None = None

    def check_safety(self, open_: list[Property]) -> None:
        if not self.distributed:
            run = self._run(open_[0] if len(open_) == 1 else "safety", open_, together=True)
            # Each violation's story and diagram (graphviz's dot) are its own: draw at once.
            _run_together([lambda p=p: self._decide_from(p, run) for p in open_])
            return
        rounds = 0
        while open_:
            rounds += 1
            # Each run keeps its own cfg and log: a re-run must not overwrite the log
            # that holds the previous run's counterexample.
            if len(open_) == 1:
                label = open_[0]
            else:
                label = "safety" if rounds == 1 else f"safety-{rounds}"
            run = self._run(label, open_)
            broken = [p for p in open_ if p in BROKEN_BY.get(run.outcome.violated or "", ())]
            if run.outcome.status == "invariant" and broken:
                for prop in broken:
                    self._decide_from(prop, run)
                open_ = [p for p in open_ if p not in broken]
                continue
            for prop in open_:
                self._decide_from(prop, run)
            return

    def check_alone(self, prop: Property) -> None:
        self._decide_from(prop, self._run(prop, [prop]))

    def _run(self, label: str, properties: list[Property], *, together: bool = False) -> _Run:
        """One TLC run checking `properties`; `together` (never distributed): in one
        run with -continue, each reported once (render_cfg)."""
        cfg = self.out / f"{self.spec.module}.{label}.cfg"
        cfg_text = render_cfg(self.spec.module, self.spec.brokers, properties,
                              together=together)
        cfg.write_text(cfg_text)
        log = self.out / f"tlc-{label}.log"
        key = self.cache.key(self.spec.tla, cfg_text, find_jar()) if self.cache else ""
        cached = self.cache.get(key) if self.cache else None
        if cached:
            log.write_text(cached.output)
            return self._parsed(cached.output, cached.seconds, log, cached=True)
        if self.distributed:
            run = self._distributed(label, cfg, properties)
            if run is not None:
                return run
        # A run whose every property is expected to break should end at its last
        # counterexample within seconds. It gets the JVM for short runs and one TLC
        # worker, whatever the worker count asked for: only with one is breadth-first
        # search strict, and each counterexample a shortest one (with several, a
        # state may first be reached a level late, when another worker is ahead).
        # The expectation picks only these, never a verdict.
        short = all(self.expect.get(p) == "violated" for p in properties)
        workers = 1 if short else self.workers or os.cpu_count() or 1
        fresh = self._tlc(label, cfg, log, None, workers=workers, keep_going=together,
                          short=short)
        if fresh.timed_out:
            return _timed_out(fresh, log)
        if fresh.returncode < 0:      # killed from outside (kill -9, the OOM killer)
            return _Run(_failure(f"TLC was killed by signal {-fresh.returncode}"),
                        fresh.seconds, log, cached=False)
        run = self._parsed(fresh.output, fresh.seconds, log, cached=False)
        if self.cache and run.outcome.status in DECIDED:
            self.cache.put(key, CachedRun(output=fresh.output, seconds=fresh.seconds))
        return run

    def _distributed(self, label: str, cfg: Path, properties: list[Property]) -> _Run | None:
        """A run on TLC's distributed server; None when it found a violation, which
        distributed TLC neither names nor traces: single-process TLC then finds the
        shortest counterexample. Not cached: the server's statistics are its own."""
        log = self.out / f"tlc-{label}.distributed.log"
        fresh = self._tlc(label, cfg, log, self.distributed)
        if fresh.timed_out:
            return _timed_out(fresh, log)
        try:
            outcome = distributed_outcome(fresh.output, [INVARIANTS[p] for p in properties])
        except TlcParseError as error:
            outcome = _failure(f"cannot read the TLC server's output ({error})")
        if outcome.status == "invariant":
            return None
        self.tlc_version = self.tlc_version or outcome.version
        return _Run(outcome, fresh.seconds, log, cached=False)

    def _tlc(self, label: str, cfg: Path, log: Path, distributed: Distributed | None, *,
             workers: int = 1, keep_going: bool = False, short: bool = False) -> TlcRun:
        """One fresh TLC run (on TLC's distributed server, if given, whose workers
        are its own), shown on the progress board while it goes."""
        metadir = self.out / "tlc-states" / label
        shutil.rmtree(metadir, ignore_errors=True)
        timeout = None if self.deadline is None else max(self.deadline - time.monotonic(), 0.1)
        board_label = f"{self.name}: {label}" + (" (distributed)" if distributed else "")
        on_line = self.progress.track(board_label) if self.progress else None
        tla = self.out / f"{self.spec.module}.tla"
        try:
            if distributed:
                fresh = run_tlc_distributed(
                    tla, cfg, metadir=metadir, log=log, timeout=timeout, on_line=on_line,
                    local_workers=distributed.local_workers, port=distributed.port,
                    hostname=distributed.hostname, on_ready=distributed.on_ready)
            else:
                fresh = run_tlc(tla, cfg, metadir=metadir, log=log, workers=workers,
                                timeout=timeout, on_line=on_line, keep_going=keep_going,
                                short=short)
        finally:
            if self.progress:
                self.progress.finish(board_label)
        shutil.rmtree(metadir, ignore_errors=True)
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
        return _Run(outcome, seconds, log, cached)

    def _decide_from(self, prop: Property, run: _Run) -> None:
        """prop is violated if the run reported it, holds if the run explored every
        state and found it nowhere, and is unknown otherwise. Each TLC worker may
        report it once; the shortest report is its counterexample."""
        outcome = run.outcome
        reports = [c for c in outcome.counterexamples
                   if prop in BROKEN_BY.get(c.violated or "", ())]
        found = min(reports, key=lambda c: len(c.trace)) if reports else None
        if found is not None:
            self._decide(prop, "violated", run, found=found)
        elif outcome.completed and outcome.status in DECIDED:
            self._decide(prop, "holds", run)
        else:
            message = outcome.message if outcome.status not in DECIDED else \
                "TLC stopped before it explored every state"
            # One line: Java's messages run over several (a bad jar's stack trace).
            self._decide(prop, "unknown", run, f"{' '.join(str(message).split())} "
                                               f"(see {run.log})")

    def _decide(self, prop: Property, verdict: Outcome, run: _Run,
                message: str | None = None, found: Counterexample | None = None) -> None:
        trace = story = trace_file = None
        diagrams: tuple[Path, ...] = ()
        if found is not None:
            trace = trace_of(found, infer=infer_params, property=prop,
                             violated=INVARIANTS[prop], config=self.story_config)
            story = tell(trace)
            trace_file = self.out / f"trace-{prop}.json"
            try:
                write_trace(trace, trace_file, story.to_json())
                diagrams = draw(trace, story, self.out / f"diagram-{prop}", self.diagram_formats)
            except OSError as error:   # a full disk after TLC: the verdict stands
                self.unsaved.append(f"{prop}'s counterexample ({error.strerror})")
                trace_file = None
        self.results[prop] = PropertyResult(
            name=prop,
            verdict=verdict,
            expected=self.expect.get(prop),
            trace=trace,
            story=story,
            trace_file=trace_file,
            diagrams=diagrams,
            distinct_states=run.outcome.distinct_states,
            depth=run.outcome.depth,
            seconds=run.seconds,
            log=run.log,
            cached=run.cached,
            message=message,
        )


def _timed_out(fresh: TlcRun, log: Path) -> _Run:
    """A run stopped at the deadline: what it reported so far still counts, and its
    last progress report says how far it had got."""
    failure = _failure(f"TLC timed out after {fresh.seconds:.0f} s")
    with suppress(TlcParseError):
        failure = replace(failure, counterexamples=parse_tlc_output(fresh.output).counterexamples)
    if progress := last_progress(fresh.output):
        failure = replace(failure, distinct_states=progress[0], depth=progress[1])
    return _Run(failure, fresh.seconds, log, cached=False)


def _failure(message: str) -> TlcOutcome:
    return TlcOutcome(status="error", message=message, counterexamples=(), completed=False,
                      distinct_states=None, states_generated=None, depth=None, version=None)
