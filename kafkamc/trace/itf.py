"""A counterexample in the Informal Trace Format (ITF), which Apalache and Quint load.

ITF is JSON: `vars` names the state variables, `states` lists one object per
state (its `#meta` gives the index, from 0), and `loop` the index a lasso goes
back to. Values: booleans and strings are themselves, integers `{"#bigint": "N"}`,
sequences arrays, sets `{"#set": [...]}`, records objects, other functions
`{"#map": [[key, value], ...]}`. ITF has no model values: a TLC model value such
as `b1` is written as the string "b1", and `#meta` lists the names that were
model values so that a reader can tell them from TLA+ strings. TLC's action name
of each step goes in the state's `#meta` as `action`.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kafkamc.tlc.output import ModelValue
from kafkamc.trace.steps import Trace

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"


def to_itf(trace: Trace, source: str) -> dict[str, Any]:
    """The trace as an ITF object; `source` names the module it is a trace of."""
    variables = list(trace.steps[0].state) if trace.steps else []
    model_values: set[str] = set()
    states = []
    for index, step in enumerate(trace.steps):
        meta: dict[str, Any] = {"index": index}
        if step.action is not None:
            meta["action"] = step.action
        states.append({"#meta": meta,
                       **{name: _value(step.state[name], model_values) for name in variables}})
    data: dict[str, Any] = {
        "#meta": {"format": "ITF", "format-description": FORMAT_DESCRIPTION,
                  "source": source, "description": _description(trace),
                  "model_values": sorted(model_values)},
        "vars": variables,
        "states": states,
    }
    if trace.loop_to is not None:
        data["loop"] = trace.loop_to - 1   # ITF counts states from 0, TLC from 1
    return data


def write_itf(trace: Trace, path: Path, source: str) -> None:
    path.write_text(json.dumps(to_itf(trace, source), indent=1) + "\n")


def _description(trace: Trace) -> str:
    what = trace.property or trace.violated or "a property"
    return f"kafkamc counterexample: {what} is violated"


def _value(value: Any, model_values: set[str]) -> Any:
    if isinstance(value, ModelValue):
        model_values.add(str(value))
        return str(value)
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, int):
        return {"#bigint": str(value)}
    if isinstance(value, tuple):
        return [_value(v, model_values) for v in value]
    if isinstance(value, frozenset):
        items = [_value(v, model_values) for v in value]
        return {"#set": sorted(items, key=lambda v: json.dumps(v, sort_keys=True))}
    if isinstance(value, Mapping):
        if all(type(k) is str for k in value):
            return {k: _value(v, model_values) for k, v in value.items()}
        return {"#map": [[_value(k, model_values), _value(v, model_values)]
                         for k, v in value.items()]}
    raise TypeError(f"not a TLA+ value: {value!r}")
