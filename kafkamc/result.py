"""What a check found: a verdict per property, with its counterexample and files.

The data every later stage reads: the artifacts writer, the terminal, the HTML
page, JUnit and the sweep. It imports nothing that draws or runs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kafkamc.resolved import Property, Verdict
from kafkamc.trace.narrative import Story
from kafkamc.trace.steps import Trace

# not_found: TLC's random simulation, run when exhaustive search could not finish,
# drew no violation; not a proof, so it never counts as holds (kafkamc.check).
Outcome = Literal["holds", "violated", "unknown", "not_found"]
UNDECIDED: tuple[Outcome, ...] = ("unknown", "not_found")


def said(verdict: str) -> str:
    """A verdict as reports write it: `not found` for not_found (JSON keeps not_found)."""
    return verdict.replace("_", " ")


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
    message: str | None = None   # why unknown; what not_found searched; a simulated seed
    # TLC's action coverage of the run that decided it: action -> states generated
    # (None: not measured, a run cached from before kafkamc asked TLC for coverage).
    coverage: Mapping[str, int] | None = None
    # The seeds of TLC's random simulation runs that decided it (violated: the one
    # that drew its trace; not_found: every run's), to draw them again (--seed).
    seeds: tuple[int, ...] = ()

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
            "coverage": dict(self.coverage) if self.coverage is not None else None,
        }
        if self.message:
            data["message"] = self.message
        if self.seeds:
            data["seeds"] = list(self.seeds)
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
    interrupted: bool = False        # Ctrl-C (or SIGTERM) stopped a TLC run of it
    bounds: str = ""                 # what every verdict assumes (kafkamc.assumptions)
    warnings: tuple[str, ...] = ()   # why a "holds" may say little (config_warnings)

    @property
    def failed(self) -> bool:
        """TLC could not decide some property (unknown, or not_found by simulation)."""
        return any(p.verdict in UNDECIDED for p in self.properties.values())

    @property
    def matches(self) -> bool:
        return all(p.matches for p in self.properties.values())

    @property
    def expects(self) -> bool:
        """The config's `expect:` names some checked property: only then do reports
        show expected verdicts."""
        return any(p.expected is not None for p in self.properties.values())

    def bounds_line(self) -> str:
        """What the verdicts assume: "durability holds for 3 brokers, ≤ 2 records, ..."."""
        holding = [p.name for p in self.properties.values() if p.verdict == "holds"]
        if not holding:
            return f"Checked for {self.bounds}."
        verb = "holds" if len(holding) == 1 else "hold"
        return f"{' and '.join(holding)} {verb} for {self.bounds}."

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kafka_version": self.kafka_version,
            "bounds": self.bounds,
            "warnings": list(self.warnings),
            "properties": {name: p.to_json() for name, p in self.properties.items()},
            "tlc": {"version": self.tlc_version},
            **({"unsaved": list(self.unsaved)} if self.unsaved else {}),
            **({"interrupted": True} if self.interrupted else {}),
        }
