"""A counterexample as a sequence graph (networkx): lifelines, actions and messages.

One lane per actor: the producer, each broker and the controller. A row per step
that has something to show, then an end row. Each (lane, row) is a node carrying
what that actor did in that step and, for brokers and the controller, the state
that changed; lifeline edges join a lane's nodes top to bottom, message edges
join a sender's node to its receiver's within the step the message takes effect
(in kafkamc's model a message is sent and takes effect in one step). A fault is
a marker on the lifeline of the broker it hits (no arrow crosses the other
lanes), and a broker's lifeline is marked down from the step it fails until the
step it comes back. The end row restates every broker's log and the
controller's view, and for a violation of availability draws what becomes of
the client's acks=all write at rest (refused, unanswered, or no leader to send
it to). Long traces keep their first and last rows and say how many they leave out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx

from kafkamc.trace.events import CONTROLLER, NONE, PROBE_ID, PRODUCER, Event, is_kafka_state
from kafkamc.trace.narrative import Story
from kafkamc.trace.steps import Step, Trace

MAX_ROWS = 60          # above this, the middle rows are left out (and the diagram says so)
KEEP_HEAD, KEEP_TAIL = 10, 45

# Events drawn as a message from `source` to `target`; the rest sit on their lane.
MESSAGES = {"produce", "fetch", "ack", "probe_ack", "probe_retry", "learn", "register",
            "isr_shrink", "isr_expand", "shutdown_request",
            # The producer model's (kafkamc.trace.producer): a lost answer is drawn
            # towards the producer but never arrives (kafkamc.render.diagram).
            "duplicate", "refused", "request_failed", "lost_response"}
# Events drawn as a marker on the lifeline of the broker they hit: faults in red,
# recoveries in a neutral colour (a restart is no fault).
FAULT_KINDS = {"crash", "power_loss", "disk_loss", "partition"}
RECOVERY_KINDS = {"restart", "heal"}
END = "end"            # the row after the last step
CUT_FROM = {"brokers": "the brokers", "controller": "the controller", "both": "all"}


@dataclass(frozen=True)
class Row:
    step: Step
    events: tuple[Event, ...]
    violating: bool


def lanes_of(trace: Trace) -> list[str]:
    """The actors, left to right."""
    if not is_kafka_state(trace.steps[0].state):
        return ["spec"]
    brokers = sorted(str(b) for b in trace.steps[0].state["log"])
    return [PRODUCER, *brokers, CONTROLLER]


def rows_of(trace: Trace, story: Story) -> tuple[list[Row], int]:
    """The rows worth drawing, and how many were left out to keep the diagram legible."""
    rows = [Row(step, events, step.number == story.violation.step)
            for step, events in zip(trace.steps, story.events) if events]
    if len(rows) <= MAX_ROWS:
        return rows, 0
    return rows[:KEEP_HEAD] + rows[-KEEP_TAIL:], len(rows) - KEEP_HEAD - KEEP_TAIL


def sequence_graph(trace: Trace, story: Story) -> nx.DiGraph:
    lanes = lanes_of(trace)
    rows, omitted = rows_of(trace, story)
    graph = nx.DiGraph(lanes=lanes, rows=[r.step.number for r in rows], omitted=omitted,
                       title=story.title, reason=story.violation.reason,
                       missing=story.violation.record, property=trace.property,
                       violation_step=story.violation.step, row_notes={})
    for lane in lanes:
        graph.add_node(("head", lane), lane=lane, kind="head")
    culprits = blamed(lanes, story.violation.brokers)
    for index, row in enumerate(rows):
        for lane in lanes:
            graph.add_node((lane, index), lane=lane, row=index, step=row.step.number,
                           kind="idle", notes=[], markers=[], state=None, violating=False,
                           down=_down(row.step, lane))
        _place_events(graph, lanes, index, row)
        _place_state(graph, index, row, culprits)
        if row.violating:
            for lane in culprits:
                graph.nodes[(lane, index)]["violating"] = True
    # Another spec's trace has no logs to restate: it ends at its last step.
    tail = _place_probe_fate(graph, trace) + [END] if is_kafka_state(trace.last.state) else []
    if tail:
        _place_end(graph, trace)
    graph.graph["tail"] = tail
    for lane in lanes:
        chain = [("head", lane)] + [(lane, i) for i in range(len(rows))] + \
            [(lane, key) for key in tail]
        nx.add_path(graph, chain, kind="lifeline", cut="none", down=False)
        for source, target in zip(chain[1:], chain[2:]):
            # A broker's lifeline is drawn down from the step it fails until the step
            # it comes back, and cut from the step it is partitioned until it heals.
            step = rows[source[1]].step if isinstance(source[1], int) else trace.last
            edge = graph.edges[source, target]
            edge["down"] = graph.nodes[source]["down"]
            edge["cut"] = step.state.get("cut", {}).get(lane, "none")
    return graph


def _down(step: Step, lane: str) -> bool:
    """Whether the broker of `lane` is down (crashed, lost or stopped) after `step`."""
    status = {str(b): s for b, s in step.state.get("status", {}).items()}
    return status.get(lane, "up") != "up"


def _add_tail_row(graph: nx.DiGraph, trace: Trace, key: str) -> None:
    """A row after the last step: the state the trace ends in."""
    for lane in graph.graph["lanes"]:
        graph.add_node((lane, key), lane=lane, row=key, step=trace.last.number,
                       kind="end" if key == END else "idle", notes=[], markers=[],
                       state=None, violating=False, down=_down(trace.last, lane))


def _place_end(graph: nx.DiGraph, trace: Trace) -> None:
    """The end row: every broker's log (a down one's greyed), the controller's view
    and the records the producer had acknowledged."""
    _add_tail_row(graph, trace, END)
    state = trace.last.state
    leader = str(state["leader"])
    for broker in state["log"]:
        node = graph.nodes[(str(broker), END)]
        node["state"] = {"log": [(e["id"], e["epoch"]) for e in state["log"][broker]],
                         "hw": state["hw"][broker], "status": state["status"][broker]}
        if str(broker) == leader:
            node["notes"] += _leader_notes(state, broker)
    graph.nodes[(CONTROLLER, END)]["state"] = _controller_view(state)
    acked = sorted(r["id"] for r in state.get("acked", ()) if r["id"] != PROBE_ID)
    notes = graph.nodes[(PRODUCER, END)]["notes"]
    notes.append("acknowledged: " + (", ".join(f"r{r}" for r in acked) if acked else "nothing"))
    probe = state.get("probe") or {}
    if trace.property == "availability" and probe.get("stage") == "pending":
        notes.append(f"waits for the ack of its acks=all write (on {probe['leader']})")


def _leader_notes(state: Any, broker: Any) -> list[str]:
    """The leader's end box: whether it leads, or only the controller says so (short
    lines: a wide box pushes the lanes beside it off their column)."""
    epoch = state["epoch"]
    if state["status"][broker] != "up":
        return [f"named leader (epoch {epoch})", "(but it is down)"]
    if state["knownLeader"][broker] != broker:
        # Not told yet, or it missed the news (a restart the controller did not see, a cut).
        return [f"named leader (epoch {epoch})", "(it has not learnt so)"]
    return [f"leader of epoch {epoch}"]


def _place_probe_fate(graph: nx.DiGraph, trace: Trace) -> list[str]:
    """For a violation of availability, what becomes of the client's acks=all write
    in the state the cluster rests in, as messages, one row each (the model has no
    step for them: a refusal changes no state). Returns the rows' keys."""
    state = trace.last.state
    probe = state.get("probe") or {}
    if trace.property != "availability" or state.get("phase") != "settled" \
            or probe.get("stage") not in ("idle", "retry"):
        return []
    leader, name = state["leader"], str(state["leader"])
    if leader == NONE:
        # The metadata names no leader (LEADER_NOT_AVAILABLE): nothing to send to.
        return _fate_rows(graph, trace, [(CONTROLLER, PRODUCER, "metadata: no leader",
                                          "refusal")])
    write = (PRODUCER, name, "acks=all write", "produce")
    min_isr = trace.config.get("min_insync_replicas")
    isr = state.get("leaderIsr", {}).get(leader, state["isr"])
    if state["status"][leader] != "up":
        keys = _fate_rows(graph, trace, [write])
        graph.nodes[(name, keys[0])]["notes"].append("down: no answer (the request times out)")
        return keys
    if state["knownLeader"][leader] != leader:
        # The broker does not know it leads: Partition.appendRecordsToLeader finds no
        # local leader log and the answer is NOT_LEADER_OR_FOLLOWER
        # (NOT_LEADER_FOR_PARTITION before 2.6, KAFKA-10223).
        return _fate_rows(graph, trace, [write, (name, PRODUCER, "not leader", "refusal")])
    if min_isr is not None and len(isr) < min_isr:
        # Partition.appendRecordsToLeader: `inSyncSize < minIsr && requiredAcks == -1`
        # throws NotEnoughReplicasException (KAFKA-1555); here the ISR is the leader's
        # own view of it, as in Kafka.
        return _fate_rows(graph, trace, [write, (name, PRODUCER, f"NotEnoughReplicas (ISR "
                                                 f"{len(isr)} < min.insync.replicas {min_isr})",
                                                 "refusal")])
    return []


def _fate_rows(graph: nx.DiGraph, trace: Trace,
               messages: list[tuple[str, str, str, str]]) -> list[str]:
    keys = []
    for number, (source, target, label, event) in enumerate(messages, 1):
        key = f"rest{number}"
        _add_tail_row(graph, trace, key)
        graph.add_edge((source, key), (target, key), kind="message", label=label, event=event)
        for lane in (source, target):
            graph.nodes[(lane, key)]["kind"] = "event"
        keys.append(key)
    return keys


def _place_events(graph: nx.DiGraph, lanes: list[str], index: int, row: Row) -> None:
    for event in row.events:
        # A lost answer leaves its broker for the producer and never gets there.
        target = PRODUCER if event.kind == "lost_response" else event.target
        if event.kind in MESSAGES and event.source in lanes and target in lanes \
                and event.source != target:
            graph.add_edge((event.source, index), (target, index), kind="message",
                           label=short_label(event), event=event.kind)
            for lane in (event.source, target):
                graph.nodes[(lane, index)]["kind"] = "event"
        elif event.kind in FAULT_KINDS | RECOVERY_KINDS and \
                any(a in lanes for a in event.actors):
            lane = _home_lane(event, lanes)
            node = graph.nodes[(lane, index)]
            node["kind"] = "event"
            node["markers"].append({"label": _marker_label(event, row, lane),
                                    "event": event.kind,
                                    "fault": event.kind in FAULT_KINDS})
        elif event.kind == "settle":
            # Faults stop for the whole cluster: said beside the step number.
            graph.graph["row_notes"].setdefault(index, []).append(short_label(event))
        else:
            lane = _home_lane(event, lanes)
            node = graph.nodes[(lane, index)]
            node["kind"] = "event"
            node["notes"].append(short_label(event))


def _marker_label(event: Event, row: Row, lane: str) -> str:
    """A fault's words on its broker's lifeline: the broker's name goes without saying,
    and a long label would push the lanes apart."""
    if event.kind == "partition":
        side = {str(b): s for b, s in row.step.state["cut"].items()}[lane]
        return f"cut off from {CUT_FROM[side]}"
    return short_label(event)


def _home_lane(event: Event, lanes: list[str]) -> str:
    """Where an event that is no message is drawn: the controller's decisions on its
    lane, a broker's own steps on the broker's."""
    if event.kind.startswith("election") or event.kind in ("offline", "fence", "elr",
                                                            "isr_change"):
        return CONTROLLER
    return next((a for a in event.actors if a in lanes), lanes[0])


def _place_state(graph: nx.DiGraph, index: int, row: Row, blamed_lanes: list[str]) -> None:
    """The state that changed: a broker's log and HW, the controller's leadership."""
    state = row.step.state
    if not is_kafka_state(state):
        if row.step.changed or index == 0:
            graph.nodes[(graph.graph["lanes"][0], index)]["kind"] = "event"
        return
    changed = set(row.step.changed)
    first = index == 0
    for broker in state["log"]:
        name = str(broker)
        moved = any(_differs(row.step, var, broker) for var in ("log", "hw"))
        if first or moved or (row.violating and name in blamed_lanes):
            graph.nodes[(name, index)]["state"] = {
                "log": [(e["id"], e["epoch"]) for e in state["log"][broker]],
                "hw": state["hw"][broker], "status": state["status"][broker]}
    if first or changed & {"leader", "epoch", "isr", "elr"}:
        graph.nodes[(CONTROLLER, index)]["state"] = _controller_view(state)


def _controller_view(state: Any) -> dict[str, Any]:
    return {"leader": str(state["leader"]), "epoch": state["epoch"],
            "isr": sorted(map(str, state["isr"])),
            "elr": sorted(map(str, state.get("elr", ())))}


def _differs(step: Step, variable: str, broker: Any) -> bool:
    change = step.changed.get(variable)
    return change is not None and change.before.get(broker) != change.after.get(broker)


def blamed(lanes: list[str], brokers: tuple[str, ...]) -> list[str]:
    """The lanes the violation is about: the brokers it involves, else the
    controller (an offline partition is the controller's state)."""
    named = [lane for lane in lanes if lane in brokers]
    return named or [lane for lane in lanes if lane == CONTROLLER] or lanes[:1]


def short_label(event: Event) -> str:
    """A few words for the diagram; the story has the full sentence."""
    if event.label:
        return event.label
    records = ", ".join(f"r{r}" if r else "probe" for r in event.records)
    lost = f" (lost {records})" if records else ""
    labels = {
        "produce": "acks=all write (probe)" if event.records == (PROBE_ID,)
        else f"produce {records}", "fetch": f"fetch {records}",
        "ack": f"ack {records}", "probe_ack": "ack (acks=all write)",
        "register": "register", "crash": "crash", "restart": "restart",
        "power_loss": f"power loss{lost}", "disk_loss": f"disk loss{lost}",
        "heal": "partition heals",
        "truncate": f"truncate (drop {records})" if records else "keeps its log",
        "fence": " ".join(["fence", *event.actors[1:]]), "offline": "offline",
        "settle": "faults stop", "probe_retry": "no ack: retry",
    }
    return labels.get(event.kind, event.text)
