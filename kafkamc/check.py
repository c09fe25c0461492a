"""Check a resolved model: compile it, run TLC per property, and collect verdicts.

The safety properties (invariants) share TLC runs: one run checks all that are
still open; when TLC reports one violated, that property is decided and the run
is repeated without it. A model on which they all hold is explored once instead
of three times. Breadth-first search makes each counterexample a shortest one.
Availability, a liveness property, runs on its own without symmetry.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kafkamc.compile import INVARIANTS, CompiledSpec, compile_model, render_cfg, write_spec
from kafkamc.errors import TlcParseError
from kafkamc.outdir import prepare_out_dir
from kafkamc.resolved import PROPERTIES, Property, Resolved, Verdict
from kafkamc.tlc import run_tlc
from kafkamc.tlc_output import TlcOutcome, TlcState, parse_tlc_output

Outcome = Literal["holds", "violated", "unknown"]

# TLC names the violated invariant; this maps it back to the property.
INVARIANT_OF: dict[str, Property] = {invariant: prop for prop, invariant in INVARIANTS.items()}


@dataclass(frozen=True)
class PropertyResult:
    name: Property
    verdict: Outcome
    expected: Verdict | None
    trace: tuple[TlcState, ...]
    loop_to: int | None          # liveness counterexamples: the lasso goes back to this state
    distinct_states: int | None
    depth: int | None            # TLC's search depth when it finished or stopped
    seconds: float
    log: Path
    message: str | None = None   # why the verdict is unknown

    @property
    def matches(self) -> bool:
        """The verdict is the expected one (holds, when nothing is expected)."""
        return self.verdict == (self.expected or "holds")

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "verdict": self.verdict,
            "expected": self.expected,
            "trace_length": len(self.trace),
            "distinct_states": self.distinct_states,
            "depth": self.depth,
            "seconds": round(self.seconds, 2),
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
        }


def check_model(model: Resolved, *, out_dir: Path | None = None,
                properties: list[Property] | None = None, workers: int | None = None,
                timeout: float | None = None) -> CheckResult:
    """Check `properties` (default: the model's `check`) of `model` with real TLC."""
    wanted = [p for p in PROPERTIES if p in (properties or model.check)]
    out = prepare_out_dir(out_dir or Path("out") / model.name)
    spec = compile_model(model)
    files = write_spec(spec, out)
    deadline = None if timeout is None else time.monotonic() + timeout
    runner = _Runner(spec, out, workers or os.cpu_count() or 1, deadline, model.expect)
    safety = [p for p in wanted if p != "availability"]
    if safety:
        runner.check_safety(safety)
    if "availability" in wanted:
        runner.check_alone("availability")
    return CheckResult(
        name=model.name,
        kafka_version=model.kafka_version,
        out_dir=out,
        spec=files.tla,
        properties={p: runner.results[p] for p in wanted},
        tlc_version=runner.tlc_version,
    )


class _Runner:
    """Runs TLC for one compiled spec and turns each run into property results."""

    def __init__(self, spec: CompiledSpec, out: Path, workers: int, deadline: float | None,
                 expect: dict[str, Verdict]) -> None:
        self.spec, self.out, self.workers, self.deadline = spec, out, workers, deadline
        self.expect = expect
        self.results: dict[Property, PropertyResult] = {}
        self.tlc_version: str | None = None

    def check_safety(self, open_: list[Property]) -> None:
        while open_:
            label = open_[0] if len(open_) == 1 else "safety"
            outcome, seconds, log = self._run(label, open_)
            if outcome.status == "invariant" and outcome.violated in INVARIANT_OF:
                broken = INVARIANT_OF[outcome.violated]
                self._decide(broken, "violated", outcome, seconds, log)
                open_ = [p for p in open_ if p != broken]
                continue
            for prop in open_:
                self._decide_from(prop, outcome, seconds, log)
            return

    def check_alone(self, prop: Property) -> None:
        outcome, seconds, log = self._run(prop, [prop])
        self._decide_from(prop, outcome, seconds, log)

    def _run(self, label: str, properties: list[Property]) -> tuple[TlcOutcome, float, Path]:
        cfg = self.out / f"{self.spec.module}.{label}.cfg"
        cfg.write_text(render_cfg(self.spec.module, self.spec.brokers, properties))
        log = self.out / f"tlc-{label}.log"
        metadir = self.out / "tlc-states" / label
        shutil.rmtree(metadir, ignore_errors=True)
        timeout = None if self.deadline is None else max(self.deadline - time.monotonic(), 0.1)
        run = run_tlc(self.out / f"{self.spec.module}.tla", cfg, metadir=metadir, log=log,
                      workers=self.workers, timeout=timeout)
        shutil.rmtree(metadir, ignore_errors=True)
        if run.timed_out:
            return _failure(f"TLC timed out after {run.seconds:.0f} s"), run.seconds, log
        try:
            outcome = parse_tlc_output(run.output)
        except TlcParseError as error:
            return _failure(f"cannot read TLC's output ({error}); see {log}"), run.seconds, log
        self.tlc_version = self.tlc_version or outcome.version
        return outcome, run.seconds, log

    def _decide_from(self, prop: Property, outcome: TlcOutcome, seconds: float,
                     log: Path) -> None:
        if outcome.status == "ok":
            self._decide(prop, "holds", outcome, seconds, log)
        elif outcome.status == "invariant" and INVARIANT_OF.get(outcome.violated or "") == prop:
            self._decide(prop, "violated", outcome, seconds, log)
        else:
            message = outcome.message or f"TLC ended with '{outcome.status}'"
            self._decide(prop, "unknown", outcome, seconds, log, f"{message} (see {log})")

    def _decide(self, prop: Property, verdict: Outcome, outcome: TlcOutcome, seconds: float,
                log: Path, message: str | None = None) -> None:
        violated = verdict == "violated"
        self.results[prop] = PropertyResult(
            name=prop,
            verdict=verdict,
            expected=self.expect.get(prop),
            trace=outcome.trace if violated else (),
            loop_to=outcome.loop_to if violated else None,
            distinct_states=outcome.distinct_states,
            depth=outcome.depth,
            seconds=seconds,
            log=log,
            message=message,
        )


def _failure(message: str) -> TlcOutcome:
    return TlcOutcome(status="error", violated=None, message=message, trace=(), loop_to=None,
                      stuttering=False, distinct_states=None, states_generated=None,
                      depth=None, version=None)
