"""A counterexample as a sequence graph (networkx): lifelines, actions and messages.

One lane per actor: the producer, each broker, the controller, and a faults lane.
A row per step that has something to show. Each (lane, row) is a node carrying
what that actor did in that step and, for brokers and the controller, the state
that changed; lifeline edges join a lane's nodes top to bottom, message edges
join a sender's node to its receiver's within the step the message takes effect
(in kafkamc's model a message is sent and takes effect in one step). Long traces
keep their first and last rows and say how many they leave out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx

from kafkamc.trace.events import CONTROLLER, FAULTS, PRODUCER, Event, is_kafka_state
from kafkamc.trace.narrative import Story
from kafkamc.trace.steps import Step, Trace

MAX_ROWS = 60          # above this, the middle rows are left out (and the diagram says so)
KEEP_HEAD, KEEP_TAIL = 10, 45

# Events drawn as a message from `source` to `target`; the rest sit on their lane.
MESSAGES = {"produce", "fetch", "ack", "probe_ack", "learn", "register", "isr_shrink",
            "isr_expand", "shutdown_request"}
FAULT_KINDS = {"crash", "power_loss", "disk_loss", "restart", "partition", "heal"}


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
    return [PRODUCER, *brokers, CONTROLLER, FAULTS]


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
                       missing=story.violation.record,
                       violation_step=story.violation.step)
    for lane in lanes:
        graph.add_node(("head", lane), lane=lane, kind="head")
    culprits = blamed(lanes, story.violation.brokers)
    for index, row in enumerate(rows):
        for lane in lanes:
            graph.add_node((lane, index), lane=lane, row=index, step=row.step.number,
                           kind="idle", notes=[], state=None, violating=False)
        _place_events(graph, lanes, index, row)
        _place_state(graph, index, row, culprits)
        if row.violating:
            for lane in culprits:
                graph.nodes[(lane, index)]["violating"] = True
    for lane in lanes:
        chain = [("head", lane)] + [(lane, i) for i in range(len(rows))]
        nx.add_path(graph, chain, kind="lifeline", cut="none")
        for index, row in enumerate(rows[:-1]):
            # A partitioned broker's lifeline is drawn cut from the step it is cut off
            # until the step it heals.
            side = row.step.state.get("cut", {}).get(lane, "none")
            graph.edges[(lane, index), (lane, index + 1)]["cut"] = side
    return graph


def _place_events(graph: nx.DiGraph, lanes: list[str], index: int, row: Row) -> None:
    for event in row.events:
        if event.kind in MESSAGES and event.source in lanes and event.target in lanes \
                and event.source != event.target:
            graph.add_edge((event.source, index), (event.target, index), kind="message",
                           label=short_label(event), event=event.kind)
            for lane in (event.source, event.target):
                graph.nodes[(lane, index)]["kind"] = "event"
        elif event.kind in FAULT_KINDS and FAULTS in lanes:
            target = next((a for a in event.actors if a != FAULTS), FAULTS)
            graph.add_edge((FAULTS, index), (target, index), kind="fault",
                           label=short_label(event), event=event.kind)
            graph.nodes[(FAULTS, index)]["kind"] = "event"
            graph.nodes[(target, index)]["kind"] = "event"
        else:
            lane = _home_lane(event, lanes)
            node = graph.nodes[(lane, index)]
            node["kind"] = "event"
            node["notes"].append(short_label(event))


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
        graph.nodes[(CONTROLLER, index)]["state"] = {
            "leader": str(state["leader"]), "epoch": state["epoch"],
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
        "produce": f"produce {records}", "fetch": f"fetch {records}",
        "ack": f"ack {records}", "probe_ack": "ack (acks=all write)",
        "register": "register", "crash": "crash", "restart": "restart",
        "power_loss": f"power loss{lost}", "disk_loss": f"disk loss{lost}",
        "heal": "partition heals",
        "truncate": f"truncate (drop {records})" if records else "keeps its log",
        "fence": " ".join(["fence", *event.actors[1:]]), "offline": "offline",
        "settle": "faults stop", "probe_retry": "retry",
    }
    return labels.get(event.kind, event.text)
