"""TLC 2.15's console dialect: its message codes, its message envelopes, and the
patterns of the numbers it prints. The one module that knows TLC's text.

With ``-tool`` (kafkamc's own runs) TLC wraps each message in
``@!@!@STARTMSG code:severity @!@!@`` ... ``@!@!@ENDMSG code @!@!@``; the code
says what the message is, so kafkamc classifies by it. Without ``-tool`` (a log
someone hands ``kafkamc render``) the same texts come bare, errors prefixed
``Error: `` and trace states ``State N:``; there the first line tells the code,
by the plain-mode patterns of the table below.

Codes are named as in TLC's ``tlc2.output.EC`` (and the vscode-tlaplus extension's
``tlcCodes.ts``), severities as in ``tlc2.output.MP``. Only codes kafkamc reads are
named; each is checked against the real logs in tests/fixtures.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum

from kafkamc.errors import TlcParseError

__all__ = [
    "CODES",
    "EC",
    "WORKER_DISMISSED",
    "WORKER_FAILED",
    "WORKER_UNREACHABLE",
    "Message",
    "MessageReader",
    "Progress",
    "RunNumbers",
    "Severity",
    "Statistics",
    "action_name",
    "has_temporal_property",
    "port_in_use",
    "progress",
    "run_numbers",
    "sany_errors",
    "simulated_states",
    "split_messages",
    "state_variables",
    "statistics",
    "violated_name",
]


class Severity(IntEnum):
    """tlc2.output.MP's message classes: the number after the colon of STARTMSG."""
    NONE = 0
    ERROR = 1
    TLCBUG = 2
    WARNING = 3
    STATE = 4


class EC(IntEnum):
    """The message codes of tlc2.output.EC that kafkamc reads."""
    UNKNOWN = -1                                # EC's own name for "no code"
    TLC_INVARIANT_VIOLATED_INITIAL = 2107
    TLC_PROPERTY_VIOLATED_INITIAL = 2108
    TLC_INVARIANT_VIOLATED_BEHAVIOR = 2110
    TLC_ACTION_PROPERTY_VIOLATED_BEHAVIOR = 2112
    TLC_DEADLOCK_REACHED = 2114
    TLC_TEMPORAL_PROPERTY_VIOLATED = 2116
    TLC_BEHAVIOR_UP_TO_THIS_POINT = 2121
    TLC_BACK_TO_STATE = 2122
    TLC_STARTING = 2185
    TLC_FINISHED = 2186
    TLC_MODE_MC = 2187
    TLC_COMPUTING_INIT = 2189
    TLC_INIT_GENERATED1 = 2190
    TLC_CHECKING_TEMPORAL_PROPS = 2192
    TLC_SUCCESS = 2193
    TLC_SEARCH_DEPTH = 2194
    TLC_STATS = 2199
    TLC_PROGRESS_STATS = 2200
    TLC_LIVE_IMPLIED = 2212
    TLC_STATE_PRINT2 = 2217
    TLC_STATE_PRINT3 = 2218
    TLC_SANY_END = 2219
    TLC_SANY_START = 2220
    TLC_VERSION = 2262
    TLC_COUNTER_EXAMPLE = 2264
    TLC_CHECKING_TEMPORAL_PROPS_END = 2267
    TLC_STATE_GRAPH_OUTDEGREE = 2268
    TLC_DISTRIBUTED_SERVER_RUNNING = 7000
    TLC_DISTRIBUTED_WORKER_REGISTERED = 7001


# Each named code: the severity TLC prints it with, and how its first line starts
# in plain mode (after "Error: "; the verdicts' group 1 is the name TLC reports).
CODES: dict[EC, tuple[Severity, re.Pattern[str]]] = {code: (severity, re.compile(pattern))
                                                     for code, severity, pattern in [
    (EC.TLC_VERSION, Severity.NONE, r"TLC2 (?:TLC Server )?Version "),
    (EC.TLC_MODE_MC, Severity.NONE, r"Running "),
    (EC.TLC_SANY_START, Severity.NONE, r"Starting SANY\.\.\."),
    (EC.TLC_SANY_END, Severity.NONE, r"SANY finished\."),
    (EC.TLC_STARTING, Severity.NONE, r"Starting\.\.\."),
    (EC.TLC_LIVE_IMPLIED, Severity.NONE, r"Implied-temporal "),
    (EC.TLC_COMPUTING_INIT, Severity.NONE, r"Computing initial states"),
    (EC.TLC_INIT_GENERATED1, Severity.NONE, r"Finished computing "),
    (EC.TLC_DISTRIBUTED_SERVER_RUNNING, Severity.NONE, r"TLC server at \S+ is ready"),
    (EC.TLC_DISTRIBUTED_WORKER_REGISTERED, Severity.NONE, r"Registration for worker at "),
    (EC.TLC_PROGRESS_STATS, Severity.NONE, r"Progress\("),
    (EC.TLC_CHECKING_TEMPORAL_PROPS, Severity.NONE, r"Checking "),
    (EC.TLC_CHECKING_TEMPORAL_PROPS_END, Severity.NONE, r"Finished checking "),
    (EC.TLC_SUCCESS, Severity.NONE, r"Model checking completed\. No error has been found\.$"),
    (EC.TLC_STATS, Severity.NONE, r"[\d,]+ states generated"),
    (EC.TLC_SEARCH_DEPTH, Severity.NONE, r"The depth of "),
    (EC.TLC_STATE_GRAPH_OUTDEGREE, Severity.NONE, r"The average outdegree "),
    (EC.TLC_FINISHED, Severity.NONE, r"Finished in "),
    (EC.TLC_INVARIANT_VIOLATED_INITIAL, Severity.ERROR,
     r"Invariant (\S+) is violated by the initial state:$"),
    (EC.TLC_PROPERTY_VIOLATED_INITIAL, Severity.ERROR,
     r"Property (\S+) is violated by the initial state:$"),
    (EC.TLC_INVARIANT_VIOLATED_BEHAVIOR, Severity.ERROR, r"Invariant (\S+) is violated\.$"),
    (EC.TLC_ACTION_PROPERTY_VIOLATED_BEHAVIOR, Severity.ERROR,
     r"Action property (\S+) is violated\.$"),
    (EC.TLC_TEMPORAL_PROPERTY_VIOLATED, Severity.ERROR, r"Temporal properties were violated\.$"),
    (EC.TLC_DEADLOCK_REACHED, Severity.ERROR, r"Deadlock reached\.$"),
    (EC.TLC_BEHAVIOR_UP_TO_THIS_POINT, Severity.ERROR, r"The behavior up to this point is:$"),
    (EC.TLC_COUNTER_EXAMPLE, Severity.ERROR,
     r"The following behavior constitutes a counter-example:$"),
    (EC.TLC_STATE_PRINT2, Severity.STATE, r"State \d+: <"),
    (EC.TLC_STATE_PRINT3, Severity.STATE, r"State \d+: Stuttering"),
    (EC.TLC_BACK_TO_STATE, Severity.STATE, r"Back to state \d+: "),
]}

# Plain-mode lines that stand alone but carry no named code: SANY prints outside
# TLC's messages even with -tool; TLC_CHECKPOINT_START comes every 30 minutes
# and no fixture has one.
_UNCODED = re.compile(r"Parsing file |Semantic processing |Checkpointing")


def _plain_code(first_line: str, severity: Severity) -> EC:
    """The code of a plain-mode message, from its first line."""
    first_line = first_line.rstrip()
    return next((code for code, (sev, pattern) in CODES.items()
                 if sev == severity and pattern.match(first_line)), EC.UNKNOWN)


def violated_name(code: int, first_line: str) -> str | None:
    """The invariant or property a verdict message names (None if it names none)."""
    if code not in CODES:
        return None
    m = CODES[EC(code)][1].match(first_line)
    return m[1] if m and m.groups() else None


# --- messages ------------------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    code: int            # an EC member if kafkamc names it; EC.UNKNOWN: plain, unnamed
    severity: Severity
    text: str            # without the envelope (-tool) or the "Error: " prefix (plain)
    line: int            # where text starts in the log, for error messages
    known: bool = True   # False for a plain line TLC does not print after a trace


_ENVELOPE = re.compile(r"@!@!@(?:STARTMSG (\d+):(\d+)|ENDMSG (\d+)) @!@!@\n?")
# Group 1 is set when a state's variables follow on the next lines.
_TRACE_LINE = re.compile(r"State \d+: (<)?|Back to state \d+: ")
_ERROR = "Error:"


def _severity(number: int) -> Severity:
    return Severity(number) if Severity.NONE <= number <= Severity.STATE else Severity.NONE


def _stands_alone(line: str) -> bool:
    """A plain line that never continues an error message or a state."""
    return line.startswith(_ERROR) or _plain_code(line, Severity.NONE) != EC.UNKNOWN \
        or bool(_UNCODED.match(line))


def split_messages(text: str) -> list[Message]:
    """Split a whole log into messages; -tool envelopes nest (GENERAL 1000 wraps
    TLC_MODULE_VALUE_JAVA_METHOD_OVERRIDE 2154), so flatten them into the outer one.
    Raises TlcParseError for envelopes that do not match."""
    msgs: list[Message] = []
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
        code, severity, start, parts = open_.pop()
        if open_:
            open_[-1][3].append("".join(parts))
        else:
            msgs.append(Message(code, _severity(severity), "".join(parts), start))
    if open_:
        code, _, start, _ = open_[-1]
        raise TlcParseError(f"line {start - 1}: message {code} is never closed (truncated output?)")
    msgs.extend(_plain_messages(text[pos:], line))
    return msgs


def _plain_messages(chunk: str, first_line: int) -> Iterator[Message]:
    """Plain mode: "Error: " and "State N:" start multi-line messages, other lines stand alone."""
    lines = chunk.split("\n")
    i = 0
    while i < len(lines):
        text = lines[i]
        trace = _TRACE_LINE.match(text)
        error = text.startswith(_ERROR)
        if not (trace or error):
            if text.strip():
                code = _plain_code(text, Severity.NONE)
                yield Message(code, Severity.NONE, text, first_line + i,
                              known=code != EC.UNKNOWN or bool(_UNCODED.match(text)))
            i += 1
            continue
        end = i + 1
        if error or (trace and trace[1]):
            while end < len(lines) and lines[end].strip() and not (
                    _TRACE_LINE.match(lines[end]) or _stands_alone(lines[end])):
                end += 1
        severity = Severity.ERROR if error else Severity.STATE
        if error:
            text = text[len(_ERROR):].lstrip()
        yield Message(_plain_code(text, severity), severity,
                      "\n".join([text, *lines[i + 1:end]]), first_line + i)
        i = end


class MessageReader:
    """Reads TLC's output line by line as TLC prints it, for readers that follow a
    run live (or read a log cut anywhere): never raises. Outside an envelope, each
    line is a message of its own."""

    def __init__(self) -> None:
        self._open: list[tuple[int, int, list[str]]] = []  # code, severity, lines
        self._line = 0

    def feed(self, line: str) -> list[Message]:
        """The messages `line` completes."""
        self._line += 1
        done: list[Message] = []
        pos = 0
        for m in _ENVELOPE.finditer(line):   # a nested STARTMSG may follow text on its line
            self._take(line[pos:m.start()], done)
            pos = m.end()
            if m[1] is not None:
                self._open.append((int(m[1]), int(m[2]), []))
            elif self._open and self._open[-1][0] == int(m[3]):   # else nothing to close
                code, severity, parts = self._open.pop()
                if self._open:
                    self._open[-1][2].extend(parts)
                else:
                    done.append(Message(code, _severity(severity), "".join(parts), self._line))
        self._take(line[pos:], done)
        return done

    def _take(self, text: str, done: list[Message]) -> None:
        if self._open:
            self._open[-1][2].append(text)
        elif text.strip():
            done.append(self._plain(text.rstrip("\r\n")))

    def flush(self) -> list[Message]:
        """The messages still open where the output ends (a run stopped part-way)."""
        done = [Message(code, _severity(severity), "".join(lines), self._line)
                for code, severity, lines in self._open]
        self._open = []
        return done

    def _plain(self, line: str) -> Message:
        if line.startswith(_ERROR):
            text = line[len(_ERROR):].lstrip()
            return Message(_plain_code(text, Severity.ERROR), Severity.ERROR, text, self._line)
        severity = Severity.STATE if _TRACE_LINE.match(line) else Severity.NONE
        return Message(_plain_code(line, severity), severity, line, self._line)


# --- numbers -------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    """TLC_PROGRESS_STATS: TLC's report at the start of the search, then once a minute."""
    depth: int
    generated: int
    per_minute: int
    distinct: int
    queue: int


@dataclass(frozen=True)
class Statistics:
    """TLC_STATS: the counts at the end of a run (the queue is left out by some)."""
    generated: int
    distinct: int
    queue: int | None


# A liveness run's progress report has no rates: it is not read as progress.
_PROGRESS = re.compile(
    r"Progress\((?P<depth>[\d,]+)\) at .*?: (?P<generated>[\d,]+) states generated "
    r"\((?P<rate>[\d,]+) s/min\), (?P<distinct>[\d,]+) distinct states found .*?"
    r"(?P<queue>[\d,]+) states left on queue")
_STATS = re.compile(r"^(?P<generated>[\d,]+) states generated, (?P<distinct>[\d,]+) distinct "
                    r"states found\b(?:, (?P<queue>[\d,]+) states left on queue)?", re.MULTILINE)
# Random simulation (-simulate) counts only the states it generated, not distinct
# ones: in its progress reports (TLC_PROGRESS_SIMU, 2209, "Progress(-1) ...") and its
# TLC_STATS_SIMU (2210, "The number of states generated: N").
_SIMULATED = re.compile(r"(?:^Progress\(-1\) at .*?: |^The number of states generated: )"
                        r"([\d,]+)", re.MULTILINE)
_DEPTH = re.compile(r"^The depth of the complete state graph search is ([\d,]+)\.", re.MULTILINE)
_VERSION = re.compile(r"^TLC2 (?:TLC Server )?Version (.*?)[ \t]*$", re.MULTILINE)
# TLC_MODE_MC: "Running breadth-first search Model-Checking with fp 84 and seed 1 with
# 1 worker on 2 cores ...": with one worker the search is strictly breadth-first.
_WORKERS = re.compile(r"^Running breadth-first search .* with (\d+) workers? on ", re.MULTILINE)
# SANY reports parse and semantic errors outside any message, before "Starting...".
_SANY = re.compile(r"^(?:\*\*\*Parse Error\*\*\*|Semantic errors:|Fatal errors while parsing)"
                   r".*?(?=^Starting\.\.\.|^@!@!@|\Z)", re.MULTILINE | re.DOTALL)
_LOCATION = re.compile(r"(.*?) line \d+, col \d+ to line \d+, col \d+ of module \S+")
_CONJUNCT = re.compile(r"\n(?=/\\ )")
# The RMI registry of a TLCServer could not bind its port.
_PORT_IN_USE = re.compile(r"Port already in use: (\d+)")
# A temporal property in a cfg: TLC's config keywords PROPERTY and PROPERTIES.
_TEMPORAL = re.compile(r"^\s*(PROPERTY|PROPERTIES)\b", re.MULTILINE)

# What a TLCWorker prints (plain, it has no -tool): dismissed by its server at the
# end; could not register; cannot reach the server, and retries.
WORKER_DISMISSED = "Thank you!"
WORKER_FAILED = "Error: Failed to start worker"
WORKER_UNREACHABLE = "unreachable, sleeping"


def _number(text: str) -> int:
    """A count as TLC prints it, with or without thousands separators."""
    return int(text.replace(",", ""))


def progress(text: str) -> Progress | None:
    """The last progress report in a TLC_PROGRESS_STATS message's text."""
    found = list(_PROGRESS.finditer(text))
    if not found:
        return None
    m = found[-1]
    return Progress(_number(m["depth"]), _number(m["generated"]), _number(m["rate"]),
                    _number(m["distinct"]), _number(m["queue"]))


def statistics(text: str) -> Statistics | None:
    """The counts of a TLC_STATS message."""
    if not (m := _STATS.search(text)):
        return None
    return Statistics(_number(m["generated"]), _number(m["distinct"]),
                      None if m["queue"] is None else _number(m["queue"]))


def simulated_states(text: str) -> int | None:
    """The most states a random simulation's output says it generated, if any."""
    counts = [_number(m[1]) for m in _SIMULATED.finditer(text)]
    return max(counts) if counts else None


def _search_depth(text: str) -> int | None:
    """The depth a TLC_SEARCH_DEPTH message reports."""
    return _number(m[1]) if (m := _DEPTH.search(text)) else None


def _version(text: str) -> str | None:
    """The version a TLC_VERSION message names (tlc2.TLC's or the TLCServer's)."""
    return m[1] if (m := _VERSION.search(text)) else None


@dataclass(frozen=True)
class RunNumbers:
    """What a whole log says about its run: TLC's version, its final counts, the
    depth of a complete breadth-first search, and how many workers searched."""
    version: str | None
    generated: int | None
    distinct: int | None
    depth: int | None
    workers: int | None


def run_numbers(msgs: Iterable[Message]) -> RunNumbers:
    """The first version TLC printed, and the last counts and depth."""
    found_version = generated = distinct = depth = workers = None
    for msg in msgs:
        if msg.code == EC.TLC_VERSION:
            found_version = found_version or _version(msg.text)
        elif msg.code == EC.TLC_MODE_MC and (m := _WORKERS.search(msg.text)):
            workers = int(m[1])
        elif msg.code == EC.TLC_STATS and (stats := statistics(msg.text)):
            generated, distinct = stats.generated, stats.distinct
        elif msg.code == EC.TLC_SEARCH_DEPTH and (reached := _search_depth(msg.text)) is not None:
            depth = reached
    return RunNumbers(found_version, generated, distinct, depth, workers)


def action_name(location: str) -> str | None:
    """The action of a trace state's location (None for the initial predicate):
    what precedes the position in "Fetch(b1) line 120, col 5 to ... of module M"."""
    if location == "Initial predicate":
        return None
    m = _LOCATION.fullmatch(location)
    return m[1] if m else location


def state_variables(text: str) -> list[str]:
    """A trace state's variables, one text each: each starts a line with "/\\ ",
    wrapped values are indented (a one-variable spec prints it without "/\\ ")."""
    return _CONJUNCT.split(text.strip("\n"))


def sany_errors(text: str) -> str | None:
    """SANY's parse or semantic errors in a whole log, one per line, if any."""
    if not (m := _SANY.search(text)):
        return None
    return "\n".join(s.strip() for s in m[0].splitlines() if s.strip())


def port_in_use(text: str) -> int | None:
    """The port a TLCServer found taken, if its output says so."""
    return int(m[1]) if (m := _PORT_IN_USE.search(text)) else None


def has_temporal_property(cfg: str) -> bool:
    """Whether a TLC config checks a temporal property (PROPERTY/PROPERTIES)."""
    return bool(_TEMPORAL.search(cfg))
