"""Counterexamples read back from disk: a check's trace files, or any TLC log."""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

from kafkamc.errors import TlcParseError, TraceFileError
from kafkamc.resolved import PROPERTIES
from kafkamc.tlc.output import Counterexample, parse_tlc_output
from kafkamc.trace.events import infer_params
from kafkamc.trace.narrative import tell
from kafkamc.trace.steps import Trace, read_trace, to_json, trace_of


def saved_traces(path: Path) -> list[Trace]:
    """The traces of a check: `path` is its out dir (every trace-*.json in it, in
    kafkamc's property order) or one trace file."""
    if path.is_file():
        return [_tellable(partial(read_trace, path), path)]
    if not path.is_dir():
        raise TraceFileError("no such file or directory", file=str(path))
    files = sorted(path.glob("trace-*.json"), key=_property_order)
    if not files:
        raise TraceFileError("no trace-*.json here: either no property was violated or "
                             "this is not the out dir of `kafkamc check`", file=str(path))
    return [_tellable(partial(read_trace, f), f) for f in files]


def log_trace(log: Path) -> Trace:
    """The first counterexample in a TLC log, kafkamc's or anyone's (plain or -tool)."""
    return log_traces(log)[0]


def log_traces(log: Path) -> list[Trace]:
    """Every counterexample in a TLC log, in the order TLC reported them (several
    with -continue, one per violation and worker), kafkamc's or anyone's."""
    try:
        text = log.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise TraceFileError(f"cannot read it ({error})", file=str(log)) from None
    try:
        outcome = parse_tlc_output(text)
    except TlcParseError as error:
        raise TraceFileError(f"not a TLC log kafkamc can read ({error})",
                             file=str(log)) from None
    if not outcome.counterexamples:
        said = outcome.message or f"TLC ended with '{outcome.status}'"
        raise TraceFileError(f"holds no counterexample ({said})", file=str(log))
    # A one-worker run searched strictly breadth-first: its first report of each
    # violation is a shortest counterexample (with -continue, later ones may not be).
    firsts: dict[str | None, Counterexample] = {}
    for found in outcome.counterexamples:
        firsts.setdefault(found.violated, found)
    return [_tellable(partial(trace_of, found, infer=infer_params,
                              shortest=outcome.workers == 1
                              and firsts[found.violated] is found), log)
            for found in outcome.counterexamples]


def _tellable(read: Callable[[], Trace], file: Path) -> Trace:
    """The trace `read` gives, if its story can be told, drawn and saved. A file read
    back is the user's input: states that kafkamc's steps, story, diagram or JSON
    cannot take (`isr = 5` where a set belongs, a set where a function belongs) are a
    TraceFileError here, not a crash in whichever of them meets it first."""
    from kafkamc.render.diagram import to_dot  # networkx and graphviz load only to draw
    from kafkamc.render.sequence import sequence_graph
    try:
        trace = read()
        story = tell(trace)
        to_dot(sequence_graph(trace, story))
        json.dumps(to_json(trace, story.to_json()))
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as error:
        raise TraceFileError(f"its states do not have the shape kafkamc tells of "
                             f"({type(error).__name__}: {error})", file=str(file)) from None
    except RecursionError:
        raise TraceFileError("a value in it is nested too deeply", file=str(file)) from None
    return trace


def _property_order(path: Path) -> int:
    name = path.stem.removeprefix("trace-")
    return PROPERTIES.index(name) if name in PROPERTIES else len(PROPERTIES)
