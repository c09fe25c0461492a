"""Traces, their Kafka events and stories, and trace.json, on real TLC logs.

The kafkamc logs are made by a real TLC run of a small scenario (once per
module); the foreign ones are the parser's fixtures (tests/fixtures/tlc)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SPECS
from hypothesis import given, settings
from test_tlc_output import FIXTURES, VALUES, canon

from kafkamc.check import check_model
from kafkamc.config import Model
from kafkamc.errors import TraceFileError
from kafkamc.tlc.output import parse_tlc_output
from kafkamc.trace.events import infer_params, step_events
from kafkamc.trace.narrative import tell
from kafkamc.trace.read_back import log_trace, log_traces, saved_traces
from kafkamc.trace.steps import (
    Change,
    Step,
    decode_value,
    encode_value,
    from_json,
    read_trace,
    to_json,
    trace_of,
)

# Hypothesis warns about the size of the recursive value strategy's repr; harmless.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
FOREIGN = sorted(p for p in FIXTURES.glob("*.log")
                 if parse_tlc_output(p.read_text()).counterexamples)


@pytest.fixture
def jepsen(jepsen_out: Path) -> Path:
    """The Jepsen 2013 scenario checked by real TLC: its out dir."""
    return jepsen_out


# --- values and trace.json ----------------------------------------------------------

@settings(max_examples=300, deadline=1000)
@given(VALUES)
def test_encoded_values_decode_to_the_same_value(value: Any) -> None:
    encoded = json.loads(json.dumps(encode_value(value)))
    assert canon(decode_value(encoded)) == canon(value)


@pytest.mark.parametrize("log", FOREIGN, ids=lambda p: p.name)
def test_foreign_traces_round_trip_through_json(log: Path) -> None:
    trace = log_trace(log)
    assert from_json(json.loads(json.dumps(to_json(trace)))) == trace


@pytest.mark.tlc
def test_kafkamc_traces_round_trip_and_keep_their_story(jepsen: Path) -> None:
    for file in sorted(jepsen.glob("trace-*.json")):
        data = json.loads(file.read_text())
        trace = from_json(data)
        assert to_json(trace, tell(trace).to_json()) == data
        assert data["narrative"] == list(tell(trace).lines)


@pytest.mark.parametrize("content", [
    "{", "[]", '{"schema": "something-else"}', '{"schema": "kafkamc-trace/1"}',
    '{"schema": "kafkamc-trace/1", "property": null, "violated": null, "loop_to": null, '
    '"stuttering": false, "config": {}, "steps": [{"number": 1, "action": null, '
    '"params": {}, "changed": [], "state": {"x": {"bogus": 1}}}]}',
])
def test_a_malformed_trace_file_is_a_clear_error(content: str, tmp_path: Path) -> None:
    file = tmp_path / "trace-durability.json"
    file.write_text(content)
    with pytest.raises(TraceFileError) as error:
        read_trace(file)
    assert str(error.value).startswith(f"{file}: ") and "\n" not in str(error.value)


# --- Kafka events -------------------------------------------------------------------

@pytest.mark.tlc
def test_every_step_of_a_kafkamc_trace_has_an_event_and_its_parameters(jepsen: Path) -> None:
    for trace in saved_traces(jepsen):
        for index, step in enumerate(trace.steps):
            events = step_events(step, trace.steps[index - 1] if index else None)
            assert events, f"{trace.property} step {step.number} ({step.action}) tells nothing"
            if step.action and step.action not in ("Elect", "Settle", "ProbeRetry"):
                assert step.params, f"{step.action} at step {step.number} has no parameters"
                for broker in step.params.values():
                    assert broker in step.state["log"], step.params


@pytest.mark.tlc
def test_jepsen_story_names_the_loss(jepsen: Path) -> None:
    """Kingsbury's 2013 finding, as kafkamc tells it: the leader alone in the ISR
    acknowledges r1, is cut off (a crash, or a partition: TLC's breadth-first search
    may reach either shortest counterexample first), and an unclean election makes
    a replica without r1 the leader."""
    trace = read_trace(jepsen / "trace-durability.json")
    story = tell(trace)
    kinds = [e.kind for step in story.events for e in step]
    # A crash comes after the acknowledgement; a partition may come before it (the
    # leader cut off from its followers shrinks the ISR to itself and acks alone).
    fault = "crash" if "crash" in kinds else "partition"
    assert kinds.index("ack") < kinds.index("election_unclean")
    assert kinds.index(fault) < kinds.index("election_unclean")
    if fault == "crash":
        assert kinds.index("ack") < kinds.index("crash")
    assert "isr_shrink" in kinds[:kinds.index("ack")]
    last = trace.last.state
    assert story.violation.step == trace.last.number
    assert (f"record r1, acknowledged at step {_first(trace, 'acked')}, is missing from the "
            f"log of leader {last['leader']}, elected at step {trace.last.number}"
            ) in story.violation.reason


@pytest.mark.tlc
def test_kafka_7128_story_tells_the_leadership_changes_without_failure(tmp_path: Path) -> None:
    """KAFKA-7128 as its JIRA tells it: a controlled shutdown moves leadership away
    (request, move, then the stop, in that order within the step), the broker starts
    again, and the controller moves leadership back to the preferred replica."""
    model = Model.from_yaml(next(s for s in SPECS if s.stem == "kafka-7128-2.0.0")).resolve()
    check_model(model, out_dir=tmp_path / "out", properties=["durability"])
    trace = read_trace(tmp_path / "out" / "trace-durability.json")
    story = tell(trace)
    shutdown = next(step for step in story.events
                    if any(e.kind == "controlled_shutdown" for e in step))
    assert [e.kind for e in shutdown] == ["shutdown_request", "election_shutdown",
                                          "controlled_shutdown"]
    kinds = [e.kind for step in story.events for e in step]
    assert kinds.index("controlled_shutdown") < kinds.index("start") < \
        kinds.index("ack") < kinds.index("election_preferred")
    preferred = next(e for step in story.events for e in step if e.kind == "election_preferred")
    assert "back to the preferred replica b1" in preferred.text
    assert "stays in the ISR" in preferred.text


def test_params_come_from_the_broker_that_changed() -> None:
    before = _state(log={"b1": (), "b2": ()}, isr={"b1", "b2"})
    after = _state(log={"b1": (), "b2": ({"id": 1, "epoch": 1},)}, isr={"b1", "b2"})
    assert infer_params("Fetch", before, after) == {"f": "b2"}
    shrunk = _state(log={"b1": (), "b2": ()}, isr={"b1"})
    assert infer_params("ShrinkIsr", before, shrunk) == {"l": "b1", "f": "b2"}
    assert infer_params("Fetch", {"x": 1}, {"x": 2}) == {}


@pytest.mark.parametrize(("pending", "text"), [
    (False, "b2 learns that b1 leads epoch 3; it already follows b1, so it fetches on "
            "without truncating its log"),
    (True, "b2 learns that b1 leads epoch 3 and follows it"),
])
def test_a_notice_with_the_same_leader_says_whether_the_follower_truncates(
        pending: bool, text: str) -> None:
    """KAFKA-7164: before 2.1 a follower told of a later epoch of the leader it follows
    skips the follower steps (its log and pending truncation stay); from 2.1, having
    missed epoch 2, it truncates again (pending)."""
    log = {"b1": ({"id": 2, "epoch": 3},), "b2": ({"id": 1, "epoch": 1},)}
    before = {**_state(log, {"b1"}), "epoch": 3, "needsTruncation": {"b1": False, "b2": False}}
    after = {**before, "knownEpoch": {"b1": 1, "b2": 3},
             "needsTruncation": {"b1": False, "b2": pending}}
    step = Step(number=2, action="Learn", params={"b": "b2"}, state=after,
                changed={"knownEpoch": Change(before["knownEpoch"], after["knownEpoch"])})
    previous = Step(number=1, action=None, params={}, state=before, changed={})
    assert [e.text for e in step_events(step, previous) if e.kind == "learn"] == [text]


def _state(log: dict[str, tuple[Any, ...]], isr: set[str]) -> dict[str, Any]:
    brokers = sorted(log)
    return {"log": log, "hw": {b: 0 for b in brokers}, "status": {b: "up" for b in brokers},
            "cut": {b: "none" for b in brokers}, "knownLeader": {b: "b1" for b in brokers},
            "knownEpoch": {b: 1 for b in brokers}, "leader": "b1", "epoch": 1,
            "isr": frozenset(isr), "registered": {b: True for b in brokers}}


def _first(trace: Any, variable: str) -> int:
    return next(s.number for s in trace.steps if s.state[variable])


# --- foreign logs -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "ending"), [
    ("counter", "So Small is violated at step 4: Small is false in this state."),
    ("deadlock", "So TLC reached a deadlock at step 3: no action is enabled in this state."),
    ("lasso", "So a temporal property is violated at step 3"),
    ("stutter", "So a temporal property is violated at step 3"),
    ("initinv", "So APositive is violated at step 1: APositive is false in this state."),
])
def test_any_tlc_log_gets_a_plain_story(name: str, ending: str) -> None:
    for mode in ("", ".tool"):
        story = tell(log_trace(FIXTURES / f"{name}{mode}.log"))
        assert story.lines[-1].startswith(ending), story.lines
        assert story.lines[0].startswith("1. initially "), story.lines


def test_every_counterexample_of_a_continue_log_is_read() -> None:
    """-continue with one worker: the first report of each invariant is a shortest
    counterexample, a later report of the same invariant need not be."""
    traces = log_traces(FIXTURES / "both.continue.log")
    assert [(t.violated, len(t.steps), t.shortest) for t in traces] == \
        [("Below2", 3, True), ("Below2", 4, False), ("Below4", 5, True), ("Below4", 6, False)]
    assert [s.action for s in traces[0].steps] == [None, "Next", "Next"]


def test_a_log_without_a_counterexample_is_a_clear_error() -> None:
    with pytest.raises(TraceFileError, match="holds no counterexample"):
        log_trace(FIXTURES / "ok.log")


def test_trace_of_keeps_tlc_lasso_and_stuttering() -> None:
    lasso = parse_tlc_output((FIXTURES / "lasso.log").read_text())
    trace = trace_of(lasso.counterexamples[0], infer=infer_params)
    assert trace.loop_to == lasso.counterexamples[0].loop_to and not trace.stuttering
    stutter = trace_of(parse_tlc_output((FIXTURES / "stutter.log").read_text()).counterexamples[0],
                       infer=infer_params)
    assert stutter.stuttering and stutter.loop_to is None
