"""Tests of kafkamc.tlc.output on real TLC 2.15 logs (tests/fixtures/tlc) and generated values."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kafkamc.errors import TlcParseError
from kafkamc.tlc.output import (
    Counterexample,
    FrozenDict,
    ModelValue,
    TlcOutcome,
    TlcState,
    last_progress,
    parse_tlc_output,
    parse_value,
)

FIXTURES = Path(__file__).parent / "fixtures" / "tlc"
NAMES = sorted(p.name[:-len(".log")] for p in FIXTURES.glob("*.log") if ".tool." not in p.name)
VERSION = "2.15 of Day Month 20?? (rev: d5b5a7f)"
# Hypothesis warns about the size of the recursive value strategy's repr; harmless.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


def log(name: str, tool: bool = False) -> str:
    return (FIXTURES / f"{name}{'.tool' if tool else ''}.log").read_text()


def outcome(name: str, tool: bool) -> TlcOutcome:
    return parse_tlc_output(log(name, tool))


def first(o: TlcOutcome) -> Counterexample:
    """The first counterexample TLC printed."""
    assert o.counterexamples, o.message
    return o.counterexamples[0]


def first_or_none(o: TlcOutcome) -> tuple[str | None, tuple[TlcState, ...], int | None, bool]:
    """(violated, trace, loop_to, stuttering) of the first counterexample, if any."""
    if not o.counterexamples:
        return None, (), None, False
    c = o.counterexamples[0]
    return c.violated, c.trace, c.loop_to, c.stuttering


both_modes = pytest.mark.parametrize("tool", [False, True], ids=["plain", "tool"])


# --- real logs ------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_plain_and_tool_mode_agree(name: str) -> None:
    assert outcome(name, False) == outcome(name, True)


@both_modes
def test_ok(tool: bool) -> None:
    o = outcome("ok", tool)
    assert o == TlcOutcome("ok", None, (), True, 6, 7, 6, VERSION, workers=1)


@both_modes
def test_invariant_single_variable(tool: bool) -> None:
    o = outcome("counter", tool)
    c = first(o)
    assert (o.status, c.violated) == ("invariant", "Small")
    assert o.message == "Invariant Small is violated."
    assert [s.values for s in c.trace] == [{"x": 0}, {"x": 1}, {"x": 2}, {"x": 3}]
    assert c.trace[0] == TlcState(1, None, "Initial predicate", {"x": 0})
    assert c.trace[3] == TlcState(4, "Inc", "Inc line 6, col 8 to line 6, col 17 of module Counter",
                                  {"x": 3})
    assert (o.states_generated, o.distinct_states, o.depth) == (4, 4, 4)
    assert (c.loop_to, c.stuttering, o.version) == (None, False, VERSION)


@both_modes
def test_value_shapes(tool: bool) -> None:
    o = outcome("values", tool)
    c = first(o)
    assert (o.status, c.violated, len(c.trace)) == ("invariant", "StepBound", 4)
    start, last = c.trace[0].values, c.trace[3].values
    b1, b2, b3 = ModelValue("b1"), ModelValue("b2"), ModelValue("b3")
    assert start["rec"] == {"epoch": 0, "isr": frozenset({b1, b2, b3}), "name": 't"q\\x'}
    assert start["fun"] == FrozenDict({b1: 0, b2: 0, b3: 0})
    assert start["str"] == "line1\nline2\ttab"
    assert start["neg"] == -5 and start["flag"] is True and start["empty"] == frozenset()
    assert start["seq"] == () and start["set"] == frozenset({1, 2, 3})
    assert type(start["leader"]) is ModelValue and start["leader"] == "b1"
    assert start["nested"] == {"p": (frozenset(), frozenset({(1, "a")})),
                               "q": FrozenDict({2: -2, 3: -3})}
    assert last["fun"][b1] == -21 and last["neg"] == -40 and last["flag"] is False
    assert last["set"] == frozenset({-1000, -900, -800, 1, 2, 3})
    assert last["seq"] == tuple({"off": n, "val": "v"} for n in range(3))
    assert last["str"] == "line1\nline2\ttab!!!"
    assert last["rec"]["isr"] == frozenset({b1})
    assert [s.action for s in c.trace] == [None, "Step", "Step", "Step"]
    assert list(start) == ["flag", "str", "empty", "neg", "nested", "rec", "seq", "step", "set",
                           "fun", "leader"]  # TLC's order, not the spec's


@both_modes
def test_wrapped_values(tool: bool) -> None:
    o = outcome("wrap", tool)
    c = first(o)
    assert (o.status, c.violated, len(c.trace)) == ("invariant", "Small", 2)
    s = c.trace[1].values
    assert s["i"] == 1 and len(s["msgs"]) == 9
    assert FrozenDict(offset=2, type="FetchRequest", **{"from": "broker3"}) in s["msgs"]
    assert s["replicas"]["broker1"] == {"leo": 1, "hw": 0, "state": "Follower",
                                        "isr": frozenset({"broker1", "broker2", "broker3"})}
    assert s["replicas"]["broker2"]["leo"] == 0
    assert len(s["log"]) == 6
    assert s["log"][5] == {"offset": 6, "epoch": -6, "tags": frozenset({6, 16}),
                           "payload": "record-payload-text"}


@both_modes
@pytest.mark.parametrize("name, status, violated, values", [
    ("initinv", "invariant", "APositive", {"a": 0, "b": "x"}),
    ("initprop", "property", "Positive", {"x": 0}),
])
def test_violated_by_initial_state(tool: bool, name: str, status: str, violated: str,
                                   values: dict[str, Any]) -> None:
    o = outcome(name, tool)
    assert (o.status, first(o).violated) == (status, violated)
    assert o.message == f"{status.capitalize()} {violated} is violated by the initial state:"
    assert first(o).trace == (TlcState(1, None, None, values),)
    assert (o.states_generated, o.distinct_states, o.depth) == (None, None, None)


@both_modes
def test_action_property(tool: bool) -> None:
    o = outcome("actionprop", tool)
    assert (o.status, first(o).violated, o.message) == ("property", "Monotone",
                                                        "Action property Monotone is violated.")
    assert [s.values["x"] for s in first(o).trace] == [0, 1, 2, 0]
    assert (o.states_generated, o.distinct_states, o.depth) == (4, 3, 3)


@both_modes
def test_lasso(tool: bool) -> None:
    o = outcome("lasso", tool)
    c = first(o)
    assert (o.status, c.violated) == ("property", None)
    assert o.message == "Temporal properties were violated."
    assert [s.values for s in c.trace] == [{"p": 0}, {"p": 1}, {"p": 2}]
    assert (c.loop_to, c.stuttering) == (1, False)
    assert (o.states_generated, o.distinct_states, o.depth) == (4, 3, None)


@both_modes
def test_stuttering(tool: bool) -> None:
    o = outcome("stutter", tool)
    c = first(o)
    assert (o.status, c.violated) == ("property", None)
    assert [s.values for s in c.trace] == [{"done": False, "n": n} for n in range(3)]
    assert (c.loop_to, c.stuttering) == (None, True)
    assert (o.states_generated, o.distinct_states) == (5, 4)


@both_modes
def test_deadlock(tool: bool) -> None:
    o = outcome("deadlock", tool)
    assert (o.status, first(o).violated, o.message) == ("deadlock", None, "Deadlock reached.")
    assert [s.values for s in first(o).trace] == [{"k": 0, "log": ()}, {"k": 1, "log": (0,)},
                                           {"k": 2, "log": (0, 1)}]
    assert o.depth == 3


@both_modes
def test_continue_keeps_every_counterexample_in_order(tool: bool) -> None:
    # TLC -continue ends with "No error has been found." despite the two violations.
    o = outcome("twice.continue", tool)
    assert (o.status, first(o).violated, o.completed) == ("invariant", "Below4", True)
    assert [s.values["c"] for s in first(o).trace] == [0, 1, 2, 3, 4]
    assert [[s.values["c"] for s in c.trace] for c in o.counterexamples] == [
        [0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5]]


@both_modes
def test_continue_reports_each_invariant(tool: bool) -> None:
    o = outcome("both.continue", tool)
    assert [c.violated for c in o.counterexamples] == ["Below2", "Below2", "Below4", "Below4"]
    assert o.completed and o.message == "Invariant Below2 is violated."
    first4 = o.counterexamples[2]
    assert first4.message == "Invariant Below4 is violated."
    assert [s.values["c"] for s in first4.trace] == [0, 1, 2, 3, 4]
    assert "Below9" not in {c.violated for c in o.counterexamples}


@both_modes
def test_a_run_that_stops_early_is_not_completed(tool: bool) -> None:
    assert not outcome("counter", tool).completed


@both_modes
def test_evaluation_error_with_trace(tool: bool) -> None:
    o = outcome("semantic", tool)
    assert o.status == "error" and first(o).violated is None
    assert o.message is not None
    assert o.message.startswith("TLC threw an unexpected exception.\n")
    assert "Cannot cast tlc2.value.impl.StringValue to tlc2.value.impl.IntValue" in o.message
    assert "0. Line 6, column 9 to line 6, column 23 in Semantic" in o.message
    assert first(o).trace == (TlcState(1, None, "Initial predicate", {"v": 0}),)
    assert (o.states_generated, o.distinct_states) == (1, 1)


@both_modes
@pytest.mark.parametrize("name, first_line, detail", [
    ("notbool", "TLC expected a boolean value, but did not find one. line 8, col 8 to line 8, "
                "col 12 of module NotBool", "0. Line 5, column 9 to line 5, column 13 in NotBool"),
    ("syntax", "Parsing or semantic analysis failed.",
     'Encountered "Beginning of definition" at line 5, column 9 and token "=="'),
    ("unknown", "Parsing or semantic analysis failed.",
     "line 6, col 14 to line 6, col 19 of module Unknown\nUnknown operator: `Append'."),
    ("assume", "Assumption line 5, col 8 to line 5, col 13 of module Assume is false.", ""),
    ("badcfg", "The invariant NoSuchInvariant specified in the configuration file",
     "is not defined in the specification."),
])
def test_errors(tool: bool, name: str, first_line: str, detail: str) -> None:
    o = outcome(name, tool)
    assert (o.status, o.counterexamples) == ("error", ())
    assert o.message is not None and o.message.splitlines()[0] == first_line
    assert detail in o.message and o.version == VERSION


# --- shapes not in the logs -----------------------------------------------------------

STATS_WITH_COMMAS = """\
Error: Invariant Inv is violated.
Error: The behavior up to this point is:
State 1: <Initial predicate>
/\\ x = 0
/\\ y = {}

State 2: <Fetch(b1) line 120, col 5 to line 131, col 40 of module M>
/\\ x = 1
/\\ y = {b1}

1,234,567 states generated, 12,345 distinct states found, 0 states left on queue.
The depth of the complete state graph search is 1,024.
"""


def test_commas_in_numbers_crlf_and_parameterised_actions() -> None:
    o = parse_tlc_output(STATS_WITH_COMMAS.replace("\n", "\r\n"))
    assert (o.states_generated, o.distinct_states, o.depth) == (1234567, 12345, 1024)
    assert first(o).trace[1].action == "Fetch(b1)"
    assert first(o).trace[1].values == {"x": 1, "y": {"b1"}}
    assert o.version is None


@pytest.mark.parametrize("text, complaint", [
    ("", "no verdict"),
    ("hello\nworld\n", "no verdict"),
    (log("counter").split("4 states generated")[0], "ends inside the counterexample"),
    (log("counter", True).split("@!@!@STARTMSG 2200")[0], "ends inside the counterexample"),
    (log("counter", True).split("@!@!@ENDMSG 2217")[0], "message 2217 is never closed"),
    ("@!@!@ENDMSG 2262 @!@!@\n", "without a matching STARTMSG"),
    (STATS_WITH_COMMAS.replace("State 2:", "State 3:"), "numbered 3 where state 2 was expected"),
    (STATS_WITH_COMMAS.replace("/\\ y = {b1}", "/\\ y = {b1"),
     "line 9, column 9: cannot parse state variable: unexpected end of text"),
    (STATS_WITH_COMMAS.replace("State 2: <", "State 2: ("), "cannot parse trace header"),
    ("Error: Deadlock reached.\nFinished in 00s\n", "but no counterexample"),
    (log("lasso").replace("Back to state 1", "Back to the state 1"), "neither 'Back to state'"),
])
def test_bad_output(text: str, complaint: str) -> None:
    with pytest.raises(TlcParseError, match="^[^\n]*$") as e:
        parse_tlc_output(text)
    assert complaint in str(e.value)


@pytest.mark.parametrize("name", NAMES)
@both_modes
def test_truncated_at_any_line(name: str, tool: bool) -> None:
    # Cut anywhere, a log either fails or keeps its whole counterexample: never a
    # shorter trace that looks real.
    text = log(name, tool)
    full = parse_tlc_output(text)
    lines = text.splitlines(keepends=True)
    for n in range(len(lines)):
        try:
            o = parse_tlc_output("".join(lines[:n]))
        except TlcParseError:
            continue
        if o.status != "error":
            assert (o.status, *first_or_none(o)) == (full.status, *first_or_none(full))


@settings(max_examples=300, deadline=1000)
@given(st.sampled_from(NAMES), st.booleans(), st.floats(0, 1))
def test_truncated_anywhere(name: str, tool: bool, where: float) -> None:
    text = log(name, tool)
    full = parse_tlc_output(text)
    try:
        o = parse_tlc_output(text[:int(where * len(text))])
    except TlcParseError:
        return
    if o.status != "error":
        assert (o.status, *first_or_none(o)) == (full.status, *first_or_none(full))


# --- values ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("42", 42), ("-7", -7), ("TRUE", True), ("FALSE", False),
    ('"a\\"b\\\\c\\nd\\te\\rf\\fg"', 'a"b\\c\nd\te\rf\fg'), ('""', ""),
    ("b1", ModelValue("b1")), ("12ab", ModelValue("12ab")),
    ("{}", frozenset()), ("<<>>", ()), ("{1, {2}}", frozenset({1, frozenset({2})})),
    ("<<1, <<>>, \"x\">>", (1, (), "x")),
    ("[a |-> 1, b |-> <<2>>]", {"a": 1, "b": (2,)}),
    ("(b1 :> 0 @@ b2 :> [x |-> -1])", {"b1": 0, "b2": {"x": -1}}),
    ("((1 :> 2) :> {3})", {FrozenDict({1: 2}): frozenset({3})}),
    ("1..3", frozenset({1, 2, 3})), ("-2..0", frozenset({-2, -1, 0})), ("3..1", frozenset()),
    ("{ [a |-> 1],\n  [a |-> 2] }", frozenset({FrozenDict(a=1), FrozenDict(a=2)})),
])
def test_parse_value(text: str, value: Any) -> None:
    assert parse_value(text) == value


@pytest.mark.parametrize("text", ["", "{1,", "[a |-> ]", '"open', "<<1>", "1..", "(1 :> 2 @@)",
                                  "[]", "a b", "0..10000000", "9" * 5000, "{1}}"])
def test_parse_value_rejects(text: str) -> None:
    with pytest.raises(TlcParseError, match="^[^\n]+$"):
        parse_value(text)


def test_frozen_dict_and_model_value() -> None:
    d = FrozenDict({"a": 1, "b": frozenset({2})})
    assert d == {"a": 1, "b": {2}} and {"a": 1, "b": {2}} == d and d != {"a": 1}
    assert hash(d) == hash(FrozenDict([("b", frozenset({2})), ("a", 1)]))
    assert {d: "hashable"}[FrozenDict(d)] == "hashable"
    with pytest.raises(TypeError):
        d["a"] = 2  # type: ignore[index]
    assert repr(d) == "FrozenDict({'a': 1, 'b': frozenset({2})})"
    mv = ModelValue("b1")
    assert isinstance(mv, str) and mv == "b1" and hash(mv) == hash("b1")
    assert repr(mv) == "ModelValue('b1')"


# --- property tests -------------------------------------------------------------------

IDENTS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
MODEL_VALUES = IDENTS.filter(lambda s: s not in ("TRUE", "FALSE")).map(ModelValue)
STRINGS = st.text(st.sampled_from('ab Z09-_"\\\n\t\r\f{}<>[]|,:@.'), max_size=8)
SCALARS = st.one_of(st.integers(-10**12, 10**12), st.booleans(), STRINGS, MODEL_VALUES)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.frozensets(inner, max_size=4),
    st.lists(inner, max_size=4).map(tuple),
    st.dictionaries(IDENTS, inner, min_size=1, max_size=4).map(FrozenDict),  # records
    st.dictionaries(inner, inner, min_size=1, max_size=3).map(FrozenDict),   # functions
), max_leaves=20)


def tla(v: Any, gap: str = " ") -> str:
    """Print v as TLC does; gap is the whitespace after commas, where TLC wraps lines."""
    join = ("," + gap).join
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, ModelValue):
        return str(v)
    if isinstance(v, str):
        escaped = v.replace("\\", "\\\\").replace('"', '\\"')
        for char, esc in [("\n", "\\n"), ("\t", "\\t"), ("\r", "\\r"), ("\f", "\\f")]:
            escaped = escaped.replace(char, esc)
        return f'"{escaped}"'
    if isinstance(v, frozenset):
        return "{" + join(tla(x, gap) for x in v) + "}"
    if isinstance(v, tuple):
        return "<<" + join(tla(x, gap) for x in v) + ">>"
    if all(type(k) is str and k.isidentifier() for k in v):
        return "[ " + join(f"{k} |-> {tla(x, gap)}" for k, x in v.items()) + " ]"
    return "(" + (gap + "@@ ").join(f"{tla(k, gap)} :> {tla(x, gap)}" for k, x in v.items()) + ")"


def canon(v: Any) -> Any:
    """A form that tells a model value from a string and True from 1, for exact comparison."""
    if isinstance(v, (bool, int, ModelValue, str)):
        return (type(v).__name__, str(v))
    if isinstance(v, tuple):
        return ("seq", tuple(canon(x) for x in v))
    if isinstance(v, frozenset):
        return ("set", tuple(sorted((canon(x) for x in v), key=repr)))
    return ("fun", tuple(sorted(((canon(k), canon(x)) for k, x in v.items()), key=repr)))


@settings(max_examples=300, deadline=1000)
@given(VALUES, st.sampled_from([" ", "\n  ", "\n        ", "\r\n "]))
def test_printed_values_parse_back(value: Any, gap: str) -> None:
    assert canon(parse_value(tla(value, gap))) == canon(value)


@settings(max_examples=100, deadline=1000)
@given(st.integers(-50, 50), st.integers(0, 20))
def test_intervals(low: int, size: int) -> None:
    assert parse_value(f"{low}..{low + size - 1}") == frozenset(range(low, low + size))


@settings(max_examples=50, deadline=2000)
@given(st.lists(st.dictionaries(IDENTS, VALUES, min_size=1, max_size=3), min_size=1, max_size=5))
def test_printed_traces_parse_back(states: list[dict[str, Any]]) -> None:
    names = sorted({k for s in states for k in s})
    full = [{k: s.get(k, 0) for k in names} for s in states]
    where = ["Initial predicate"] + ["A line 1, col 1 to line 1, col 2 of module M"] * len(full)
    blocks = [f"State {n}: <{where[n - 1]}>\n"
              + "\n".join(f"/\\ {k} = {tla(v, chr(10) + '  ')}" for k, v in s.items()) + "\n"
              for n, s in enumerate(full, 1)]
    text = ("Error: Deadlock reached.\nError: The behavior up to this point is:\n"
            + "\n".join(blocks)
            + "\n3 states generated, 3 distinct states found, 0 states left on queue.\n")
    o = parse_tlc_output(text)
    trace = first(o).trace
    assert [canon(FrozenDict(s.values)) for s in trace] == [canon(FrozenDict(s)) for s in full]
    assert [s.action for s in trace] == [None] + ["A"] * (len(full) - 1)


MUTATIONS = st.tuples(st.sampled_from(["cut", "delete", "insert", "duplicate"]),
                      st.floats(0, 1), st.integers(1, 200),
                      st.text(st.sampled_from("@!STARTMSGEND 0123:\n/\\=<>{}[]()\",.State"),
                              max_size=30))


@settings(max_examples=400, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NAMES), st.booleans(), st.lists(MUTATIONS, min_size=1, max_size=3))
def test_mutated_logs_never_crash(name: str, tool: bool,
                                  mutations: list[tuple[str, float, int, str]]) -> None:
    text = log(name, tool)
    for kind, where, length, junk in mutations:
        at = int(where * len(text))
        if kind == "cut":
            text = text[:at]
        elif kind == "delete":
            text = text[:at] + text[at + length:]
        elif kind == "insert":
            text = text[:at] + junk + text[at:]
        else:
            text = text[:at] + text[at:at + length] + text[at:]
    try:
        o = parse_tlc_output(text)
    except TlcParseError as e:
        assert "\n" not in str(e)
        return
    assert o.status in ("ok", "invariant", "property", "deadlock", "error")


def test_long_trace() -> None:
    # One variable changes per step, as in real traces; bench/parse.py times this.
    replicas = {ModelValue(f"b{i}"): FrozenDict(leo=0, hw=0, isr=frozenset({1, 2, 3}),
                                                state="Follower") for i in range(3)}
    big = tla(FrozenDict(replicas), "\n  ")
    states = "".join(f"@!@!@STARTMSG 2217:4 @!@!@\n"
                     f"{n}: <Next line 1, col 1 to line 1, col 9 of module M>\n"
                     f"/\\ step = {n}\n/\\ replicas = {big}\n/\\ log = <<{n // 100}>>\n\n"
                     "@!@!@ENDMSG 2217 @!@!@\n" for n in range(1, 10001))
    text = ("@!@!@STARTMSG 2110:1 @!@!@\nInvariant Inv is violated.\n@!@!@ENDMSG 2110 @!@!@\n"
            + states + "@!@!@STARTMSG 2186:0 @!@!@\nFinished in 1s\n@!@!@ENDMSG 2186 @!@!@\n")
    o = parse_tlc_output(text)
    trace = first(o).trace
    assert len(trace) == 10000 and trace[-1].values["step"] == 10000
    assert trace[-1].values["log"] == (100,)


def test_last_progress_says_how_far_a_stopped_run_got() -> None:
    # A run killed mid-search: two minutely reports, no verdict, no statistics.
    text = (FIXTURES / "ok.tool.log").read_text().split("Progress(")[0] + (
        "Progress(10) at 2026-12-02 01:25:37: 57,477 states generated (57,477 s/min), "
        "20,131 distinct states found (20,131 ds/min), 8,659 states left on queue.\n"
        "Progress(14) at 2026-12-02 01:26:37: 957,477 states generated (900,000 s/min), "
        "220,131 distinct states found (200,000 ds/min), 18,659 states left on queue.\n")
    assert last_progress(text) == (220131, 14)
    assert last_progress((FIXTURES / "ok.tool.log").read_text()) == (6, 6)
    assert last_progress("TLC2 Version 2.15\n") is None


@pytest.mark.parametrize("name", ["twice.continue", "both.continue"])
def test_a_stopped_run_keeps_each_whole_counterexample(name: str) -> None:
    """Cut anywhere, as a timeout or Ctrl-C cuts a -continue run, the output keeps every
    counterexample TLC had finished printing (a later message follows it) and never a
    cut one; so a violation reported before the cut survives one cut in a later trace."""
    text = log(name, tool=True)
    full = parse_tlc_output(text).counterexamples
    kept: list[int] = []
    for end in range(len(text) + 1):
        try:
            o = parse_tlc_output(text[:end], stopped=True)
        except TlcParseError:
            continue
        assert o.counterexamples == full[:len(o.counterexamples)]
        kept.append(len(o.counterexamples))
    assert kept == sorted(kept)
    assert set(range(1, len(full) + 1)) <= set(kept)
