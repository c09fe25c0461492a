"""Parse TLC's console output, plain or ``-tool`` mode, into a verdict and its
counterexamples.

kafkamc.tlc.dialect splits the log into messages and tells each one's code (from
the ``-tool`` envelope, or in plain mode from its first line); this module reads
the sequence of codes as a verdict. TLA+ values and trace states go through the
LALR grammar in ``tlc_output.lark``. Both modes therefore share one interpreter.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from lark import Lark, Transformer
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
)

from kafkamc.errors import TlcParseError
from kafkamc.tlc.dialect import (
    EC,
    Message,
    MessageReader,
    Severity,
    action_name,
    progress,
    run_numbers,
    sany_errors,
    split_messages,
    state_variables,
    violated_name,
)

__all__ = ["Counterexample", "FrozenDict", "ModelValue", "TlcOutcome",
           "TlcState", "format_value", "last_progress", "parse_tlc_output", "parse_value"]

Status = Literal["ok", "invariant", "property", "deadlock", "error"]


class ModelValue(str):
    """A TLC model value such as ``b1``.

    It equals (and hashes like) the plain string with the same name, so
    ``state.values["leader"] == "b1"`` works; its type tells it apart from a TLA+
    string when that matters. A set holding both ``"b1"`` and ``b1`` would collapse,
    which TLA+ allows but kafkamc's specs never do.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ModelValue({str.__repr__(self)})"


class FrozenDict(Mapping[Any, Any]):
    """An immutable, hashable mapping: a TLA+ record or function.

    Equal to any mapping (a plain dict included) with the same items; keeps TLC's
    print order.
    """

    __slots__ = ("_items", "_hash")

    def __init__(self, items: Mapping[Any, Any] | Iterable[tuple[Any, Any]] = (), /,
                 **fields: Any) -> None:
        self._items: dict[Any, Any] = dict(items, **fields)
        self._hash: int | None = None

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._items.items()))
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenDict({self._items!r})"


@dataclass(frozen=True)
class TlcState:
    number: int
    action: str | None
    location: str | None
    values: dict[str, Any]


@dataclass(frozen=True)
class Counterexample:
    """One violation TLC reported, with the behaviour that leads to it."""
    status: Status               # "invariant", "property" or "deadlock"
    violated: str | None         # the invariant or property TLC names, if it names one
    message: str                 # TLC's first line: "Invariant X is violated."
    trace: tuple[TlcState, ...]
    loop_to: int | None          # a liveness counterexample's loop: back to this state
    stuttering: bool             # ... or it stutters forever after its last state


@dataclass(frozen=True)
class TlcOutcome:
    """What a TLC run found. A run with -continue may report several violations, one
    counterexample each, in the order TLC printed them; `status` is that of the first
    (or "ok" / "error"). `completed`: TLC said "Model checking completed", having
    explored every reachable state or been told to stop (TLCSet("exit", TRUE))."""
    status: Status
    message: str | None
    counterexamples: tuple[Counterexample, ...]
    completed: bool
    distinct_states: int | None
    states_generated: int | None
    depth: int | None
    version: str | None
    workers: int | None = None   # TLC's worker threads: with one, breadth-first search is strict
    # TLC's action coverage (-coverage): action -> states it generated; None when the
    # output has none (a run made without -coverage, or one stopped before its end).
    coverage: Mapping[str, int] | None = None


# --- values and trace items (the grammar) -------------------------------------------

# TLC prints a lazy interval such as 0..N as is; enumerating a huge one would hang.
_MAX_INTERVAL = 1_000_000
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}
_ESCAPE = re.compile(r"\\(.)", re.S)
_BOOLEANS = {"TRUE": True, "FALSE": False}


class _Interval(ValueError):
    pass


class _ToPython(Transformer):  # type: ignore[type-arg]
    """Builds Python values while LALR parses, so no parse tree is ever kept."""

    def integer(self, c: list[Any]) -> int:
        return int(c[0])

    def interval(self, c: list[Any]) -> frozenset[int]:
        low, high = int(c[0]), int(c[1])
        if high - low >= _MAX_INTERVAL:
            raise _Interval(f"interval {low}..{high} has more than {_MAX_INTERVAL} elements")
        return frozenset(range(low, high + 1))

    def string(self, c: list[Any]) -> str:
        s = c[0][1:-1]
        return _ESCAPE.sub(lambda m: _ESCAPES.get(m[1], m[1]), s) if "\\" in s else str(s)

    def name(self, c: list[Any]) -> bool | ModelValue:
        return _BOOLEANS[c[0]] if c[0] in _BOOLEANS else ModelValue(c[0])

    def set(self, c: list[Any]) -> frozenset[Any]:
        return frozenset(c)

    def seq(self, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    def record(self, c: list[Any]) -> FrozenDict:
        return FrozenDict(c)

    function = record

    def field(self, c: list[Any]) -> tuple[str, Any]:
        return str(c[0]), c[1]

    def pair(self, c: list[Any]) -> tuple[Any, Any]:
        return c[0], c[1]

    assign = field

    def state(self, c: list[Any]) -> tuple[str, int, str]:
        return "state", int(c[0]), str(c[1][1:-1])

    def stuttering(self, c: list[Any]) -> tuple[str, int, None]:
        return "stuttering", int(c[0]), None

    def back_to(self, c: list[Any]) -> tuple[str, int, str]:
        return "back_to", int(c[0]), str(c[1][1:-1])


# No cache=True: Lark would unpickle its tables from a predictable file in the shared
# temp directory, which any local user can plant (issue 16). Building them costs
# ~20-35 ms of start-up on 2 cores (measured; ~2 ms with the cache).
_PARSER = Lark(
    resources.files("kafkamc").joinpath("tlc_output.lark").read_text(encoding="utf-8"),
    parser="lalr", start=["value", "header", "assign"], transformer=_ToPython())


def _parse(text: str, start: str, what: str, line: int = 1) -> Any:
    """Parse with the grammar; any failure becomes a one-line TlcParseError."""
    try:
        return _PARSER.parse(text, start=start)
    except _Interval as e:
        raise TlcParseError(f"line {line}: {what}: {e}") from None
    except UnexpectedInput as e:
        if isinstance(e, UnexpectedCharacters):
            found = repr(e.char)
        elif isinstance(e, UnexpectedToken) and e.token.type != "$END":
            found = repr(str(e.token)[:40])
        else:
            found = "end of text"
        where = max(getattr(e, "line", 1), 1) + line - 1
        col = getattr(e, "column", "?")
        raise TlcParseError(f"line {where}, column {col}: {what}: unexpected {found}") from None
    except (LarkError, ValueError) as e:  # ValueError: int() of a >4300-digit number
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise TlcParseError(f"line {line}: {what}: {first}") from None


def parse_value(text: str) -> Any:
    """Parse one TLA+ value as TLC prints it (see the module's value mapping)."""
    return _parse(text, "value", "cannot parse TLA+ value")


def format_value(value: Any) -> str:
    """A value written the way TLC prints it: the inverse of parse_value."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, ModelValue):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "<<" + ", ".join(format_value(v) for v in value) + ">>"
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(format_value(v) for v in value)) + "}"
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and not isinstance(k, ModelValue) for k in value):
            return "[" + ", ".join(f"{k} |-> {format_value(v)}" for k, v in value.items()) + "]"
        return "(" + " @@ ".join(f"{format_value(k)} :> {format_value(v)}"
                                 for k, v in value.items()) + ")"
    return str(value)


# --- interpreting the messages -------------------------------------------------------

# The verdict codes: the status, and what follows: the initial state in the same
# message, a trace, or a trace ending in a loop or stuttering.
_VERDICTS: dict[int, tuple[Status, Literal["init", "trace", "lasso"]]] = {
    EC.TLC_INVARIANT_VIOLATED_INITIAL: ("invariant", "init"),
    EC.TLC_PROPERTY_VIOLATED_INITIAL: ("property", "init"),
    EC.TLC_INVARIANT_VIOLATED_BEHAVIOR: ("invariant", "trace"),
    EC.TLC_ACTION_PROPERTY_VIOLATED_BEHAVIOR: ("property", "trace"),
    EC.TLC_TEMPORAL_PROPERTY_VIOLATED: ("property", "lasso"),
    EC.TLC_DEADLOCK_REACHED: ("deadlock", "trace"),
}
# The messages that introduce a verdict's trace.
_TRACE_INTROS = {EC.TLC_BEHAVIOR_UP_TO_THIS_POINT, EC.TLC_COUNTER_EXAMPLE}

class _Trace:
    """Collects one counterexample: TLC's verdict message, then its trace items.

    Caches each variable by its text (the cache is shared by all the counterexamples
    of a log), since most variables repeat from state to state.
    """

    def __init__(self, status: Status, violated: str | None, message: str,
                 follows: Literal["init", "trace", "lasso"] | None,
                 cache: dict[str, tuple[str, Any]]) -> None:
        self.status, self.violated, self.message, self.follows = status, violated, message, follows
        self.states: list[TlcState] = []
        self.loop_to: int | None = None
        self.stuttering = False
        self._cache = cache

    def variables(self, text: str, line: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for chunk in state_variables(text):
            parsed = self._cache.get(chunk)
            if parsed is None:
                parsed = _parse(chunk, "assign", "cannot parse state variable", line)
                self._cache[chunk] = parsed
            values[parsed[0]] = parsed[1]
            line += chunk.count("\n") + 1
        return values

    def add(self, msg: Message) -> None:
        header, _, body = msg.text.partition("\n")
        kind, number, location = _parse(header, "header", "cannot parse trace header", msg.line)
        expected = len(self.states) + 1
        if self.loop_to is not None or self.stuttering:
            raise TlcParseError(f"line {msg.line}: the trace goes on after its loop or stuttering")
        if kind == "back_to" and not 1 <= number < expected or \
                kind != "back_to" and number != expected:
            raise TlcParseError(f"line {msg.line}: trace item numbered {number} where "
                                f"state {expected} was expected")
        if kind == "state":
            values = self.variables(body, msg.line + 1)
            self.states.append(TlcState(number, action_name(location), location, values))
        elif kind == "stuttering":
            self.stuttering = True
        else:
            self.loop_to = number


    def done(self) -> Counterexample | None:
        """The counterexample; None for an error TLC printed no behaviour for."""
        if not self.states and self.status == "error":
            return None
        if not self.states:
            raise TlcParseError(f"TLC reports a violation ({self.message}) but no "
                                "counterexample (truncated output?)")
        if self.follows == "lasso" and self.loop_to is None and not self.stuttering:
            raise TlcParseError("the liveness counterexample has neither 'Back to state' nor "
                                "'Stuttering' (truncated output?)")
        return Counterexample(self.status, self.violated, self.message, tuple(self.states),
                              self.loop_to, self.stuttering)


def parse_tlc_output(text: str, *, stopped: bool = False) -> TlcOutcome:
    """Parse TLC's whole console output (stdout, plain or -tool mode) into its verdict
    and every counterexample it printed (several with -continue).

    `stopped`: TLC was stopped part-way (a timeout, Ctrl-C), so the output is what it
    had printed by then, -tool mode: a message cut in half is left out, and so is a
    last counterexample that no message follows (TLC may have been printing it).

    Raises TlcParseError when the output holds no verdict, is truncated inside a
    counterexample (unless `stopped`), or has a trace TLC could not have printed.
    """
    text = text.replace("\r\n", "\n")
    if stopped:
        text = _whole_messages(text)
    msgs = split_messages(text)
    status: Status | None = None
    message = None
    completed = False
    details: list[str] = []
    cache: dict[str, tuple[str, Any]] = {}
    found: list[Counterexample] = []
    current: _Trace | None = None
    last_trace_msg = -1

    for index, msg in enumerate(msgs):
        if msg.severity == Severity.STATE:
            if current is not None:
                current.add(msg)
                last_trace_msg = index
            continue
        if msg.severity != Severity.ERROR:
            if msg.code == EC.TLC_SUCCESS:
                completed = True
                status = status or "ok"
            continue
        if msg.code in _TRACE_INTROS:
            continue
        first, _, rest = msg.text.rstrip().partition("\n")
        verdict = _VERDICTS.get(msg.code)
        if verdict is not None and status in (None, "invariant", "property", "deadlock"):
            _close(current, found)
            kind, follows = verdict
            current = _Trace(kind, violated_name(msg.code, first), first, follows, cache)
            status, message = status or kind, message or first
            if follows == "init":
                current.states.append(TlcState(1, None, None,
                                               current.variables(rest, msg.line + 1)))
                last_trace_msg = index
        elif status is None:
            # An evaluation error may come with the behaviour that led to it.
            status, message = "error", msg.text.strip()
            current = _Trace("error", None, first, None, cache)
        elif status == "error":
            details.append(msg.text.strip())

    _close(current, found)
    if status is None:
        raise TlcParseError("TLC output has no verdict: neither 'Model checking completed' "
                            "nor an error (truncated, or not TLC's output?)")
    # TLC always prints statistics after a trace; without them it may be cut short.
    if last_trace_msg >= 0 and not any(m.known for m in msgs[last_trace_msg + 1:]):
        if not stopped:
            raise TlcParseError("TLC output ends inside the counterexample "
                                "(truncated output?)")
        found = found[:-1]
    if status == "error":
        if sany := sany_errors(text):
            details.insert(0, sany)
        message = "\n".join([message or "", *details])
    numbers = run_numbers(msgs)
    return TlcOutcome(status, message, tuple(found), completed, numbers.distinct,
                      numbers.generated, numbers.depth, numbers.version, numbers.workers,
                      action_coverage(msgs))


# tlc2.output.EC's coverage messages, printed with -coverage: a report starts with
# TLC_COVERAGE_START, then one line per action, "<Name line L, col C to ... of module
# M (...)>: DISTINCT:GENERATED", TLC_COVERAGE_INIT for Init, TLC_COVERAGE_NEXT for each
# action of the next-state relation, and per-expression counts (not read).
_COVERAGE_START, _COVERAGE_NEXT, _COVERAGE_INIT = 2201, 2772, 2773
_COVERAGE_ACTION = re.compile(r"<(\w+) line [^>]*>: (\d+):(\d+)\s*$")


def action_coverage(msgs: Iterable[Message]) -> dict[str, int] | None:
    """The last coverage report's states generated per action of the next-state
    relation (an action listed twice counts once per listing, summed)."""
    report: dict[str, int] | None = None
    for msg in msgs:
        if msg.code == _COVERAGE_START:
            report = {}
        elif msg.code == _COVERAGE_NEXT and report is not None \
                and (m := _COVERAGE_ACTION.match(msg.text.strip())):
            report[m[1]] = report.get(m[1], 0) + int(m[3])
    return report


def _whole_messages(text: str) -> str:
    """-tool output up to the end of its last complete message."""
    whole_lines = text[:text.rfind("\n") + 1]
    end = whole_lines.rfind("@!@!@ENDMSG ")
    return whole_lines[:whole_lines.find("\n", end) + 1] if end >= 0 else whole_lines


def last_progress(text: str) -> tuple[int, int] | None:
    """(distinct states, depth) of TLC's last progress report in a log, complete or
    not: how far a run had got when it was stopped."""
    reader = MessageReader()
    msgs = [m for line in text.splitlines(keepends=True) for m in reader.feed(line)]
    reports = [p for m in [*msgs, *reader.flush()]
               if m.code == EC.TLC_PROGRESS_STATS and (p := progress(m.text))]
    return (reports[-1].distinct, reports[-1].depth) if reports else None


def _close(trace: _Trace | None, found: list[Counterexample]) -> None:
    if trace is not None and (counterexample := trace.done()) is not None:
        found.append(counterexample)
