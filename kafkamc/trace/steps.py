"""A counterexample as a typed trace, and its file form, trace.json.

A Trace holds TLC's states as Steps: the action TLC names, its parameters (which
TLC 2.15 does not print; kafkamc.trace.events infers them from what changed), the full
state and the difference from the step before. Nothing here knows Kafka: any
TLC log becomes a Trace. trace.json stores a Trace with TLA+ values tagged so that
they read back to the same Python values (docs/trace-json.md gives the schema).
"""
from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafkamc.errors import TraceFileError
from kafkamc.tlc.output import Counterexample, FrozenDict, ModelValue, TlcState

SCHEMA = "kafkamc-trace/1"

# (action, state before, state after) -> the action's parameters.
ParamInference = Callable[[str, Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Change:
    before: Any
    after: Any


@dataclass(frozen=True)
class Step:
    number: int                         # TLC's state number, from 1
    action: str | None                  # None for the initial state
    params: Mapping[str, Any]
    state: Mapping[str, Any]
    changed: Mapping[str, Change]       # empty for the initial state

    @property
    def title(self) -> str:
        if self.action is None:
            return "initial state"
        args = ", ".join(str(v) for v in self.params.values())
        return f"{self.action}({args})" if args else self.action


@dataclass(frozen=True)
class Trace:
    property: str | None               # kafkamc's property, when kafkamc ran the check
    violated: str | None               # what TLC reports violated (invariant, property...)
    steps: tuple[Step, ...]
    loop_to: int | None = None         # a lasso goes back to this step
    stuttering: bool = False           # a liveness counterexample that stutters at the end
    config: Mapping[str, Any] = field(default_factory=dict)   # settings the story may cite
    # Found by a strictly breadth-first search (TLC with one worker): no
    # counterexample of the same check is shorter. With several workers TLC may
    # reach a state a level late, so a trace may be longer than the shortest.
    shortest: bool = False
    # Drawn by TLC's random simulation from this seed (and not shortened): a random
    # behaviour, which its story says is not the shortest.
    seed: int | None = None

    @builtins.property   # the field `property` shadows the builtin in this class
    def last(self) -> Step:
        return self.steps[-1]


def build_trace(states: tuple[TlcState, ...], *, infer: ParamInference,
                property: str | None = None, violated: str | None = None,
                loop_to: int | None = None, stuttering: bool = False,
                config: Mapping[str, Any] | None = None, shortest: bool = False) -> Trace:
    steps: list[Step] = []
    previous: TlcState | None = None
    for state in states:
        if previous is None:
            changed: dict[str, Change] = {}
            params: dict[str, Any] = {}
        else:
            changed = {name: Change(previous.values.get(name), value)
                       for name, value in state.values.items()
                       if previous.values.get(name) != value}
            params = infer(state.action or "", previous.values, state.values)
        steps.append(Step(state.number, state.action if previous else None, params,
                          state.values, changed))
        previous = state
    return Trace(property, violated, tuple(steps), loop_to, stuttering, dict(config or {}),
                 shortest)


def trace_of(found: Counterexample, *, infer: ParamInference, property: str | None = None,
             violated: str | None = None, config: Mapping[str, Any] | None = None,
             shortest: bool = False) -> Trace:
    """One counterexample of a TLC run; `violated` overrides the name TLC gave;
    `shortest`: the run searched strictly breadth-first (one TLC worker)."""
    return build_trace(found.trace, infer=infer, property=property,
                       violated=violated or found.violated or found.status,
                       loop_to=found.loop_to, stuttering=found.stuttering, config=config,
                       shortest=shortest)


# --- trace.json -------------------------------------------------------------------

def to_json(trace: Trace, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The trace as a JSON object; `extra` adds derived fields (events, narrative)
    that readers may use but that from_json does not need."""
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "property": trace.property,
        "violated": trace.violated,
        "loop_to": trace.loop_to,
        "stuttering": trace.stuttering,
        "shortest": trace.shortest,
        "seed": trace.seed,
        "config": {k: encode_value(v) for k, v in trace.config.items()},
        "steps": [{
            "number": step.number,
            "action": step.action,
            "params": {k: encode_value(v) for k, v in step.params.items()},
            "changed": sorted(step.changed),
            "state": {k: encode_value(v) for k, v in step.state.items()},
        } for step in trace.steps],
    }
    data.update(extra or {})
    return data


def from_json(data: Any, *, source: str = "trace.json") -> Trace:
    """A Trace read back from to_json's object; a clear error on anything else."""
    try:
        if data.get("schema") != SCHEMA:
            raise TraceFileError(f"not a {SCHEMA} file (schema: {data.get('schema')!r})",
                                 file=source)
        steps: list[Step] = []
        previous: Mapping[str, Any] | None = None
        for item in data["steps"]:
            state = {k: decode_value(v) for k, v in item["state"].items()}
            changed = {} if previous is None else {
                name: Change(previous.get(name), state.get(name)) for name in item["changed"]}
            steps.append(Step(int(item["number"]), item["action"],
                              {k: decode_value(v) for k, v in item["params"].items()},
                              state, changed))
            previous = state
        return Trace(data["property"], data["violated"], tuple(steps), data["loop_to"],
                     bool(data["stuttering"]),
                     {k: decode_value(v) for k, v in data["config"].items()},
                     data.get("shortest") is True, _seed(data.get("seed")))
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise TraceFileError(f"malformed trace ({type(error).__name__}: {error})",
                             file=source) from None
    except RecursionError:
        raise TraceFileError("malformed trace: a value is nested too deeply",
                             file=source) from None


def _seed(value: Any) -> int | None:
    """A trace file's simulation seed: absent in files written before it had one."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"seed {value!r} is not an integer")
    return value


def write_trace(trace: Trace, path: Path, extra: Mapping[str, Any] | None = None) -> None:
    path.write_text(json.dumps(to_json(trace, extra), indent=1) + "\n")


def read_trace(path: Path) -> Trace:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TraceFileError(f"cannot read it ({error})", file=str(path)) from None
    except RecursionError:
        raise TraceFileError("cannot read it: JSON nested too deeply", file=str(path)) from None
    try:
        # JSON's "\ud800" escape gives a lone surrogate, which no terminal can print.
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError as error:
        raise TraceFileError(f"cannot read it: it holds {error.object[error.start]!r}, a lone "
                             "surrogate; allowed: Unicode text", file=str(path)) from None
    return from_json(data, source=str(path))


def encode_value(value: Any) -> Any:
    """A TLA+ value in JSON. Integers, booleans and strings stay themselves; the
    rest is tagged: {"model": name}, {"seq": [...]}, {"set": [...]}, and
    {"record": {field: value}} or {"function": [[key, value], ...]}."""
    if isinstance(value, ModelValue):
        return {"model": str(value)}
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, tuple):
        return {"seq": [encode_value(v) for v in value]}
    if isinstance(value, frozenset):
        items = [encode_value(v) for v in value]
        return {"set": sorted(items, key=lambda v: json.dumps(v, sort_keys=True))}
    if isinstance(value, Mapping):
        if all(type(k) is str for k in value):
            return {"record": {k: encode_value(v) for k, v in value.items()}}
        return {"function": [[encode_value(k), encode_value(v)] for k, v in value.items()]}
    raise TypeError(f"not a TLA+ value: {value!r}")


def decode_value(data: Any) -> Any:
    if isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, dict) and len(data) == 1:
        (tag, body), = data.items()
        if tag == "model":
            return ModelValue(body)
        if tag == "seq":
            return tuple(decode_value(v) for v in body)
        if tag == "set":
            return frozenset(decode_value(v) for v in body)
        if tag == "record":
            return FrozenDict({k: decode_value(v) for k, v in body.items()})
        if tag == "function":
            return FrozenDict((decode_value(k), decode_value(v)) for k, v in body)
    raise ValueError(f"not an encoded TLA+ value: {data!r}")
