"""A counterexample told the way an engineer tells it on a whiteboard.

One numbered sentence per step, made of the step's Kafka events
(kafkamc.trace.events), then why the property is broken, naming the record, the
brokers and the steps involved. The reason is read off the last state with the
property's own definition (templates/kafka.tla.j2, Properties), so it names the
very record and broker that break it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kafkamc.compile import BROKEN_BY
from kafkamc.trace.events import (
    NONE,
    Event,
    brokers,
    entry_name,
    is_kafka_state,
    record_name,
    step_events,
)
from kafkamc.trace.needs import Needs, needs
from kafkamc.trace.producer import duplicate_reason, order_reason
from kafkamc.trace.steps import Step, Trace


@dataclass(frozen=True)
class Violation:
    """Why the property fails, as data: what the story, the diagram, the page and
    trace.json render. `reason` is its sentence; nothing reads facts out of it."""
    step: int                       # the step at which the property is broken
    reason: str
    record: int | None = None       # the record that `brokers` lack, if one is lost
    offset: int | None = None       # the offset it is about
    brokers: tuple[str, ...] = ()   # the brokers it involves, the one at fault first
    steps: tuple[int, ...] = ()     # the earlier steps it cites (acknowledged, elected...)

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "reason": self.reason, "record": self.record,
                "offset": self.offset, "brokers": list(self.brokers),
                "steps": list(self.steps)}


@dataclass(frozen=True)
class Story:
    title: str                               # one line: what broke, in how many steps
    events: tuple[tuple[Event, ...], ...]    # per step
    violation: Violation
    numbers: tuple[int, ...]                 # per step, its number
    sentences: tuple[str, ...]               # per step, what it did, unnumbered
    ending: tuple[str, ...]                  # after the steps: the loop, why it broke, needs
    needs: Needs | None = None               # the faults and lags it took (kafkamc traces)

    @property
    def lines(self) -> tuple[str, ...]:
        """The narrative, ready to print: the numbered sentences, then the ending."""
        return (*(f"{n}. {text}" for n, text in zip(self.numbers, self.sentences)),
                *self.ending)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title,
                "events": [[e.to_json() for e in step] for step in self.events],
                "violation": self.violation.to_json(),
                "needs": self.needs.to_json() if self.needs else None,
                "narrative": list(self.lines)}


def tell(trace: Trace) -> Story:
    events = tuple(tuple(step_events(step, trace.steps[i - 1] if i else None))
                   for i, step in enumerate(trace.steps))
    violation = find_violation(trace)
    sentences = tuple(_sentence(step, step_events_)
                      for step, step_events_ in zip(trace.steps, events))
    ending: list[str] = []
    if trace.loop_to is not None:
        ending.append(f"From here the behaviour goes back to step {trace.loop_to}, and round "
                      "again, forever.")
    elif trace.stuttering:
        ending.append("From here nothing more happens, forever.")
    broken = _broken(trace)
    ending.append(f"So {broken} at step {violation.step}: {violation.reason}.")
    needed = needs(trace, events)
    if needed is not None:
        ending.append(f"Needs: {needed.sentence()}.")
    return Story(_title(trace, broken), events, violation,
                 tuple(step.number for step in trace.steps), sentences, tuple(ending), needed)


def _title(trace: Trace, broken: str) -> str:
    count = len(trace.steps)
    steps = f"{count} step{'s' if count > 1 else ''}"
    if not _property(trace):
        return f"{broken[0].upper()}{broken[1:]} in {steps}"
    if trace.shortest:
        # A strictly breadth-first search (one TLC worker): no counterexample is shorter.
        return f"{broken} in {steps} (the shortest way)"
    if trace.seed is not None:
        return (f"{broken}: a counterexample of {steps}, found by random simulation "
                f"(seed {trace.seed}); not the shortest")
    return f"{broken}: a counterexample of {steps}"


def _broken(trace: Trace) -> str:
    name = _property(trace)
    if name:
        return f"{name} is broken"
    if trace.violated == "deadlock":
        return "TLC reached a deadlock"
    if trace.violated in (None, "property"):
        return "a temporal property is violated"
    return f"{trace.violated} is violated"


def _property(trace: Trace) -> str | None:
    """kafkamc's property, when the trace is of a kafkamc module."""
    if not is_kafka_state(trace.last.state):
        return None
    # A counterexample that breaks several properties at once is told as the first.
    broken = BROKEN_BY.get(trace.violated or "", ())
    return trace.property or (broken[0] if broken else None)


def _sentence(step: Step, events: tuple[Event, ...]) -> str:
    if not events:
        return f"{step.title}: nothing a client or operator would see changes."
    if events[0].kind == "action":   # a spec kafkamc did not write: TLC's action name
        changes = "; ".join(e.text for e in events[1:]) or "no variable changes"
        return f"{events[0].text}: {changes}."
    text = "; ".join(e.text for e in events)
    # Names stay as written (b1, a variable); Kafka's sentences start with a capital.
    if events[0].kind in ("change", "initial") or re.match(r"b\d+\b", text):
        return text + "."
    return text[0].upper() + text[1:] + "."


def find_violation(trace: Trace) -> Violation:
    """Why the property fails, read off the last state."""
    name = _property(trace)
    if name is None:
        return Violation(trace.last.number, _generic_reason(trace))
    return {"durability": _durability, "consistency": _consistency,
            "read_stability": _read_stability, "availability": _availability,
            "no_duplicates": _no_duplicates, "order": _order}[name](trace)


def _generic_reason(trace: Trace) -> str:
    if trace.violated == "deadlock":
        return "no action is enabled in this state"
    if trace.loop_to is not None or trace.stuttering or trace.violated in (None, "property"):
        return "this behaviour never does what the property asks"
    return f"{trace.violated} is false in this state"


def _durability(trace: Trace) -> Violation:
    last = trace.last
    state = last.state
    leader = state["leader"]
    for record in sorted(state["acked"], key=lambda r: r["id"]):
        acked_at = _first_step(trace, lambda s, r=record: r in s["acked"])
        what = f"record {record_name(record['id'])}, acknowledged at step {acked_at},"
        cited = _steps(acked_at)
        if _leads(state, leader) and not _has(state, leader, record):
            elected = _elected_at(trace, leader)
            return Violation(
                last.number,
                f"{what} is missing from the log of leader {leader}, "
                f"{_since(elected)} ({_at(state, leader, record['offset'])})",
                record["id"], record["offset"], (str(leader),), cited + _steps(elected))
        if not any(_has(state, b, record) for b in state["log"]):
            return Violation(
                last.number, f"{what} is at offset {record['offset']} in no replica's log any more",
                record["id"], record["offset"], tuple(sorted(map(str, state["log"]))), cited)
    return Violation(last.number, "an acknowledged record is missing")


def _read_stability(trace: Trace) -> Violation:
    last = trace.last
    state = last.state
    leader = state["leader"]
    for record in sorted(state["readable"], key=lambda r: r["id"]):
        if _leads(state, leader) and not _has(state, leader, record):
            seen = _first_step(trace, lambda s, r=record: r in s["readable"])
            elected = _elected_at(trace, leader)
            return Violation(
                last.number,
                f"record {record_name(record['id'])}, readable by consumers since step "
                f"{seen} (below the high watermark), is missing from the log of leader "
                f"{leader}, {_since(elected)} ({_at(state, leader, record['offset'])})",
                record["id"], record["offset"], (str(leader),), _steps(seen) + _steps(elected))
    return Violation(last.number, "a record consumers could read is gone")


def _consistency(trace: Trace) -> Violation:
    last = trace.last
    state = last.state
    leader = state["leader"]
    hw, log = state["hw"][leader], state["log"]
    for member in sorted(state["isr"]):
        if state["status"][member] != "up":
            continue
        for offset in range(hw):
            mine, theirs = _entry(log[member], offset), _entry(log[leader], offset)
            if mine is None or mine != theirs:
                return Violation(
                    last.number,
                    f"offset {offset} is below leader {leader}'s high watermark ({hw}), "
                    f"but ISR member {member} holds {_describe(mine)} there and "
                    f"{leader} holds {_describe(theirs)}",
                    None, offset, (str(member), str(leader)))
    return Violation(last.number, "the ISR's logs disagree below the high watermark")


def _availability(trace: Trace) -> Violation:
    state = trace.last.state
    settled = _first_step(trace, lambda s: s.get("phase") == "settled")
    when = f"the faults stopped at step {settled}" if settled else "the faults stopped"
    ending = "cycles forever" if trace.loop_to is not None else "comes to rest"
    leader = state["leader"]
    involved = (str(leader),) if leader != NONE else ()
    return Violation(
        trace.last.number,
        f"{when}, and the cluster {ending} without acknowledging the new acks=all "
        f"write: {_why_unavailable(trace, state)}",
        None, None, involved, _steps(settled))


def _no_duplicates(trace: Trace) -> Violation:
    return Violation(trace.last.number, *duplicate_reason(trace))


def _order(trace: Trace) -> Violation:
    return Violation(trace.last.number, *order_reason(trace))


def _steps(*numbers: int | None) -> tuple[int, ...]:
    return tuple(n for n in numbers if n is not None)


def _why_unavailable(trace: Trace, state: Mapping[str, Any]) -> str:
    leader = state["leader"]
    if leader == NONE:
        return (f"the partition has no leader, and no broker may be elected (ISR "
                f"{brokers(state['isr'])}{_down(state, state['isr'])})")
    if state["status"][leader] != "up":
        return f"its leader {leader} is down and the controller has not noticed"
    if state["knownLeader"][leader] != leader:
        if state["cut"][leader] in ("controller", "both"):
            return (f"the controller names {leader} leader of epoch {state['epoch']}, but "
                    f"{leader} is cut off from the controller and never learns it")
        return (f"the controller still names {leader} leader of epoch {state['epoch']}, but "
                f"{leader} came back from a restart the controller missed, does not act as "
                "leader, and is never told again (the missed bounce that KIP-380 fixed)")
    isr = state["leaderIsr"][leader]
    min_isr = trace.config.get("min_insync_replicas")
    if min_isr is not None and len(isr) < min_isr:
        return (f"leader {leader}'s ISR {brokers(isr)} is smaller than min.insync.replicas "
                f"({min_isr}), so it refuses acks=all writes (NotEnoughReplicas)")
    probe = state.get("probe", {})
    if probe.get("stage") == "pending":
        return (f"the write sits at offset {probe['offset']} on {probe['leader']}, whose "
                "high watermark cannot pass it")
    return "no step of the cluster can acknowledge it"


def _down(state: Mapping[str, Any], members: Any) -> str:
    gone = [f"{b} {state['status'][b]}" for b in sorted(members) if state["status"][b] != "up"]
    gone += [f"{b} fenced" for b in sorted(members)
             if state["status"][b] == "up" and not state["registered"][b]]
    return f": {', '.join(gone)}" if gone else ""


def _leads(state: Mapping[str, Any], leader: Any) -> bool:
    return leader != NONE and state["status"][leader] == "up"


def _has(state: Mapping[str, Any], broker: Any, record: Mapping[str, Any]) -> bool:
    entry = _entry(state["log"][broker], record["offset"])
    return entry is not None and entry["id"] == record["id"]


def _entry(log: tuple[Any, ...], offset: int) -> Mapping[str, Any] | None:
    return log[offset] if offset < len(log) else None


def _describe(entry: Mapping[str, Any] | None) -> str:
    return "nothing" if entry is None else entry_name(entry)


def _at(state: Mapping[str, Any], broker: Any, offset: int) -> str:
    log = state["log"][broker]
    entry = _entry(log, offset)
    if entry is not None:
        return f"it holds {entry_name(entry)} at offset {offset}"
    return "its log is empty" if not log else f"its log ends at offset {len(log) - 1}"


def _elected_at(trace: Trace, leader: Any) -> int | None:
    """The step at which `leader` last became leader; None if it led from the start."""
    elected = None
    for previous, step in zip(trace.steps, trace.steps[1:]):
        if step.state["leader"] == leader and (previous.state["leader"], previous.state["epoch"]) \
                != (leader, step.state["epoch"]):
            elected = step.number
    return elected


def _since(elected: int | None) -> str:
    return "the leader since the start" if elected is None else f"elected at step {elected}"


def _first_step(trace: Trace, holds: Any) -> int | None:
    return next((step.number for step in trace.steps if holds(step.state)), None)

