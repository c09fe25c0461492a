"""Parse TLC's console output, plain or ``-tool`` mode, into a verdict and a trace.

Python splits the log into messages (the ``@!@!@STARTMSG`` envelopes of -tool mode,
the ``Error:`` / ``State N:`` line conventions of plain mode) and classifies each by
its first line; TLA+ values and trace states go through the LALR grammar in
``tlc_output.lark``. Both modes therefore share one interpreter.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from lark import Lark, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from kafkamc.errors import TlcParseError

__all__ = ["PROGRESS_LINE", "Counterexample", "FrozenDict", "ModelValue", "TlcOutcome",
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

    @property
    def violated(self) -> str | None:
        return self.counterexamples[0].violated if self.counterexamples else None

    @property
    def trace(self) -> tuple[TlcState, ...]:
        return self.counterexamples[0].trace if self.counterexamples else ()

    @property
    def loop_to(self) -> int | None:
        return self.counterexamples[0].loop_to if self.counterexamples else None

    @property
    def stuttering(self) -> bool:
        return bool(self.counterexamples) and self.counterexamples[0].stuttering


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


# --- splitting the log into messages -------------------------------------------------

@dataclass
class _Msg:
    text: str
    line: int           # where text starts in the log, for error messages
    error: bool = False  # "Error: ..." in plain mode, severity 1 in -tool mode
    trace: bool = False  # a state, "Stuttering" or "Back to state" item
    known: bool = True   # False for a plain line TLC does not print after a trace


_ENVELOPE = re.compile(r"@!@!@(?:STARTMSG (\d+):(\d+)|ENDMSG (\d+)) @!@!@\n?")
# Group 1 is set when a state's variables follow on the next lines.
_TRACE_LINE = re.compile(r"State \d+: (<)?|Back to state \d+: ")
# Plain-mode lines that never continue an error message or a state.
_INFO_LINE = re.compile(
    r"Error:|Finished in |Starting\.\.\.|Progress\(|[\d,]+ states generated|The depth of |"
    r"The average outdegree |Computing initial states|Finished computing |Checking |"
    r"Finished checking |Model checking completed|Implied-temporal |Checkpointing|"
    r"TLC2 Version |Running |Parsing file |Semantic processing ")


def _messages(text: str) -> list[_Msg]:
    """Split a log into messages; -tool envelopes nest (1000 wraps 2154), so flatten."""
    msgs: list[_Msg] = []
    open_: list[tuple[int, int, int, list[str]]] = []  # code, severity, line, parts
    pos, line = 0, 1
    for m in _ENVELOPE.finditer(text):
        chunk = text[pos:m.start()]
        if open_:
            open_[-1][3].append(chunk)
        else:
            msgs.extend(_plain_messages(chunk, line))
        line += text.count("\n", pos, m.end())
        pos = m.end()
        if m[1] is not None:
            open_.append((int(m[1]), int(m[2]), line, []))
            continue
        if not open_ or open_[-1][0] != int(m[3]):
            raise TlcParseError(f"line {line - 1}: ENDMSG {m[3]} without a matching STARTMSG")
        _, severity, start, parts = open_.pop()
        if open_:
            open_[-1][3].append("".join(parts))
        else:
            msgs.append(_Msg("".join(parts), start, error=severity == 1, trace=severity == 4))
    if open_:
        code, _, start, _ = open_[-1]
        raise TlcParseError(f"line {start - 1}: message {code} is never closed (truncated output?)")
    msgs.extend(_plain_messages(text[pos:], line))
    return msgs


def _plain_messages(chunk: str, first_line: int) -> Iterator[_Msg]:
    """Plain mode: "Error: " and "State N:" start multi-line messages, other lines stand alone."""
    lines = chunk.split("\n")
    i = 0
    while i < len(lines):
        text = lines[i]
        trace = _TRACE_LINE.match(text)
        error = text.startswith("Error:")
        if not (trace or error):
            if text.strip():
                yield _Msg(text, first_line + i, known=bool(_INFO_LINE.match(text)))
            i += 1
            continue
        end = i + 1
        if error or (trace and trace[1]):
            while end < len(lines) and lines[end].strip() and not (
                    _TRACE_LINE.match(lines[end]) or _INFO_LINE.match(lines[end])):
                end += 1
        if error:
            text = text[len("Error:"):].lstrip()
        yield _Msg("\n".join([text, *lines[i + 1:end]]), first_line + i, error=error,
                   trace=bool(trace))
        i = end


# --- interpreting the messages -------------------------------------------------------

# (first line of an error message, status, what follows: the initial state in the
# same message, a trace, or a trace ending in a loop or stuttering)
_VERDICTS: list[tuple[re.Pattern[str], Status, Literal["init", "trace", "lasso"]]] = [
    (re.compile(r"Invariant (\S+) is violated by the initial state:"), "invariant", "init"),
    (re.compile(r"Property (\S+) is violated by the initial state:"), "property", "init"),
    (re.compile(r"Invariant (\S+) is violated\."), "invariant", "trace"),
    (re.compile(r"Action property (\S+) is violated\."), "property", "trace"),
    (re.compile(r"Temporal properties were violated\."), "property", "lasso"),
    (re.compile(r"Deadlock reached\."), "deadlock", "trace"),
]
_TRACE_INTRO = re.compile(r"The behavior up to this point is:|"
                          r"The following behavior constitutes a counter-example:|"
                          r"The error state is:")
_OK = "Model checking completed. No error has been found."
_VERSION = re.compile(r"^TLC2 Version (.*?)[ \t]*$", re.M)
_STATS = re.compile(r"^([\d,]+) states generated, ([\d,]+) distinct states found\b", re.M)
# TLC's report at the start of the search and then once a minute.
PROGRESS_LINE = re.compile(
    r"Progress\((?P<depth>[\d,]+)\) at .*?: (?P<generated>[\d,]+) states generated "
    r"\((?P<rate>[\d,]+) s/min\), (?P<distinct>[\d,]+) distinct states found .*?"
    r"(?P<queue>[\d,]+) states left on queue")
_DEPTH = re.compile(r"^The depth of the complete state graph search is ([\d,]+)\.", re.M)
# SANY reports parse and semantic errors outside any message, before "Starting...".
_SANY = re.compile(r"^(?:\*\*\*Parse Error\*\*\*|Semantic errors:|Fatal errors while parsing)"
                   r".*?(?=^Starting\.\.\.|^@!@!@|\Z)", re.M | re.S)
# The action name is what precedes the position in a header's location.
_LOCATION = re.compile(r"(.*?) line \d+, col \d+ to line \d+, col \d+ of module \S+")
# Each variable of a state starts a line with "/\ "; wrapped values are indented.
_CONJUNCT = re.compile(r"\n(?=/\\ )")


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _action(location: str) -> str | None:
    if location == "Initial predicate":
        return None
    m = _LOCATION.fullmatch(location)
    return m[1] if m else location


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
        for chunk in _CONJUNCT.split(text.strip("\n")):
            parsed = self._cache.get(chunk)
            if parsed is None:
                parsed = _parse(chunk, "assign", "cannot parse state variable", line)
                self._cache[chunk] = parsed
            values[parsed[0]] = parsed[1]
            line += chunk.count("\n") + 1
        return values

    def add(self, msg: _Msg) -> None:
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
            self.states.append(TlcState(number, _action(location), location, values))
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


def parse_tlc_output(text: str) -> TlcOutcome:
    """Parse TLC's whole console output (stdout, plain or -tool mode) into its verdict
    and every counterexample it printed (several with -continue).

    Raises TlcParseError when the output holds no verdict, is truncated inside a
    counterexample, or has a trace TLC could not have printed.
    """
    text = text.replace("\r\n", "\n")
    msgs = _messages(text)
    status: Status | None = None
    message = None
    completed = False
    details: list[str] = []
    cache: dict[str, tuple[str, Any]] = {}
    found: list[Counterexample] = []
    current: _Trace | None = None
    last_trace_msg = -1
    generated = distinct = depth = None
    version = None

    for index, msg in enumerate(msgs):
        if msg.trace:
            if current is not None:
                current.add(msg)
                last_trace_msg = index
            continue
        first, _, rest = msg.text.rstrip().partition("\n")
        if not msg.error:
            if first == _OK:
                completed = True
                status = status or "ok"
            if m := _VERSION.search(msg.text):
                version = version or m[1]
            if m := _STATS.search(msg.text):
                generated, distinct = _number(m[1]), _number(m[2])
            if m := _DEPTH.search(msg.text):
                depth = _number(m[1])
            continue
        if _TRACE_INTRO.fullmatch(first):
            continue
        verdict = next(((m, s, f) for p, s, f in _VERDICTS if (m := p.fullmatch(first))), None)
        if verdict is not None and status in (None, "invariant", "property", "deadlock"):
            _close(current, found)
            m, kind, follows = verdict
            current = _Trace(kind, m.group(1) if m.groups() else None, first, follows, cache)
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
        raise TlcParseError("TLC output ends inside the counterexample (truncated output?)")
    if status == "error":
        if m := _SANY.search(text):
            details.insert(0, "\n".join(s.strip() for s in m[0].splitlines() if s.strip()))
        message = "\n".join([message or "", *details])
    return TlcOutcome(status, message, tuple(found), completed, distinct, generated, depth,
                      version)


def last_progress(text: str) -> tuple[int, int] | None:
    """(distinct states, depth) of TLC's last progress report in a log, complete or
    not: how far a run had got when it was stopped."""
    reports = [m for line in text.splitlines() if (m := PROGRESS_LINE.match(line))]
    if not reports:
        return None
    return _number(reports[-1]["distinct"]), _number(reports[-1]["depth"])


def _close(trace: _Trace | None, found: list[Counterexample]) -> None:
    if trace is not None and (counterexample := trace.done()) is not None:
        found.append(counterexample)
