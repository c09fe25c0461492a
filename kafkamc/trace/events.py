"""Kafka events in a kafkamc trace: what each step did, in Kafka's words.

The generated module (templates/kafka.tla.j2) keeps one partition's state in
named variables: per-broker maps (log, hw, status, cut, knownLeader, ...) and the
controller's (leader, epoch, isr, elr, registered). An event is read off the
change of those variables, not off the action's name, so each sentence says what
actually happened in that step. States of other specs get one plain event per
changed variable, after TLC's name of the step's action.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kafkamc.tlc.output import format_value
from kafkamc.trace.producer import has_requests, request_events, send_verb
from kafkamc.trace.steps import Step

# Variables every kafkamc module has; a state without them is not Kafka's.
KAFKA_VARS = frozenset({"log", "hw", "status", "cut", "knownLeader", "knownEpoch", "leader",
                        "epoch", "isr", "registered"})
NONE = "none"          # the module's None: no broker
PROBE_ID = 0           # the id of the availability check's own write
PRODUCER, CONTROLLER, FAULTS = "producer", "controller", "faults"

# action -> (parameter name, the per-broker variables whose change names the broker)
_BROKER_PARAM: dict[str, tuple[str, tuple[str, ...]]] = {
    "Produce": ("l", ("log",)), "ProbeAppend": ("l", ("log",)),
    "Fetch": ("f", ("log", "hw")), "AdvanceHw": ("l", ("hw",)),
    "Truncate": ("b", ("log", "needsTruncation")),
    "Learn": ("b", ("knownEpoch", "knownLeader", "leaderIsr", "log", "needsTruncation")),
    "Register": ("b", ("registered",)), "Detect": ("b", ("registered",)),
    "Crash": ("b", ("status",)), "PowerLoss": ("b", ("status",)),
    "DiskLoss": ("b", ("status",)), "Restart": ("b", ("status",)),
    "ControlledShutdown": ("b", ("status",)), "StartAfterShutdown": ("b", ("status",)),
    "Cut": ("b", ("cut",)), "Heal": ("b", ("cut",)),
}


@dataclass(frozen=True)
class Event:
    kind: str                       # produce, fetch, truncate, hw, ack, isr_shrink, ...
    text: str                       # a clause in Kafka's words
    actors: tuple[str, ...]         # lanes: producer, controller, faults, brokers
    source: str | None = None       # a message's sender and receiver, for diagrams
    target: str | None = None
    records: tuple[int, ...] = ()   # record ids involved
    label: str = ""                 # a few words for a diagram, where the kind is not enough

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "label": self.label,
                "actors": list(self.actors), "source": self.source, "target": self.target,
                "records": list(self.records)}


def is_kafka_state(state: Mapping[str, Any]) -> bool:
    return KAFKA_VARS <= set(state)


def infer_params(action: str, before: Mapping[str, Any],
                 after: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a kafkamc action, from the broker whose state it changed."""
    if not is_kafka_state(after):
        return {}
    if action in ("ShrinkIsr", "ExpandIsr"):
        moved = before["isr"] ^ after["isr"]
        return {"l": after["leader"], "f": min(moved)} if moved else {}
    if action not in _BROKER_PARAM:
        return {}
    name, variables = _BROKER_PARAM[action]
    for variable in variables:
        changed = changed_brokers(variable, before, after)
        if changed:
            return {name: changed[0]}
    return {}


def changed_brokers(variable: str, before: Mapping[str, Any],
                    after: Mapping[str, Any]) -> list[Any]:
    """Brokers whose entry in a per-broker map changed, in the map's order."""
    if variable not in after or variable not in before:
        return []
    return [b for b in after[variable] if before[variable].get(b) != after[variable][b]]


def record_name(record_id: int) -> str:
    return "the availability write" if record_id == PROBE_ID else f"r{record_id}"


def entry_name(entry: Mapping[str, Any]) -> str:
    return f"{record_name(entry['id'])} (epoch {entry['epoch']})"


def brokers(value: Any) -> str:
    return "{" + ", ".join(sorted(str(b) for b in value)) + "}"


def step_events(step: Step, previous: Step | None) -> list[Event]:
    """The events of one step, in the order a reader follows them: faults, the
    controller, brokers, then the producer."""
    state = step.state
    if not is_kafka_state(state):
        if previous is None:
            return [Event("initial", "initially " + ", ".join(
                f"{name} = {format_value(value)}" for name, value in state.items()), ())]
        # A spec kafkamc did not write has no Kafka events to read off: TLC's name
        # of the action (its author's word for the step) leads, then what changed.
        named = [Event("action", step.action, ())] if step.action else []
        return named + [Event("change", f"{name} becomes {format_value(change.after)}", ())
                        for name, change in step.changed.items()]
    if previous is None:
        return [_initial(state)]
    before = previous.state
    events: list[Event] = []
    faults = _faults(before, state)
    # A controlled shutdown asks the controller first and stops last.
    stops = [e for e in faults if e.kind == "controlled_shutdown"]
    events += [e for e in faults if e.kind != "controlled_shutdown"]
    events += _controller(before, state)
    events += stops
    events += _brokers(step, before, state)
    events += _producer(step, before, state)
    return events


def _initial(state: Mapping[str, Any]) -> Event:
    return Event("initial", f"{state['leader']} leads epoch {state['epoch']} with ISR "
                 f"{brokers(state['isr'])}; every log is empty",
                 (CONTROLLER, *sorted(map(str, state["log"]))))


def _faults(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Event]:
    events = []
    for b in changed_brokers("status", before, after):
        now, lost = after["status"][b], _lost_entries(before["log"][b], after["log"][b])
        if now == "crashed":
            events.append(Event("crash", f"{b} crashes (its log survives in the page cache)",
                                (FAULTS, b)))
        elif now == "lost" and _spent(before, after, "disk_losses"):
            events.append(Event("disk_loss",
                                f"{b} loses its disk and its whole log{_dropping(lost)}",
                                (FAULTS, b), records=_ids(lost)))
        elif now == "lost":
            kept = "keeps every record (all were on disk)" if not lost else \
                f"its unflushed records are gone{_dropping(lost)}"
            events.append(Event("power_loss", f"{b} loses power and {kept}", (FAULTS, b),
                                records=_ids(lost)))
        elif now == "stopped":
            events.append(Event("controlled_shutdown", f"{b} completes its controlled shutdown: "
                                "it flushes its log and stops (a clean shutdown; every record "
                                "survives)", (str(b),), label="controlled shutdown"))
        elif now == "up" and before["status"][b] == "stopped":
            events.append(Event("start", f"{b} starts again after its controlled shutdown with "
                                f"{_log_words(after['log'][b])}, knowing no leader until the "
                                "controller tells it", (str(b),), label="starts again"))
        elif now == "up":
            events.append(Event("restart", f"{b} restarts with {_log_words(after['log'][b])}, "
                                "knowing no leader until the controller tells it",
                                (FAULTS, b)))
    for b in changed_brokers("cut", before, after):
        side = after["cut"][b]
        if side == "none":
            events.append(Event("heal", f"the network partition around {b} heals",
                                (FAULTS, b)))
        else:
            away = {"brokers": "the other brokers", "controller": "the controller",
                    "both": "the other brokers and the controller"}[side]
            events.append(Event("partition", f"the network cuts {b} off from {away}",
                                (FAULTS, b), label=f"{b} cut from {away}"))
    return events


def _controller(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Event]:
    events = []
    for b in changed_brokers("registered", before, after):
        if after["registered"][b]:
            events.append(Event("register", f"{b} registers with the controller again",
                                (CONTROLLER, b), source=str(b), target=CONTROLLER))
        elif after["status"][b] == "stopped":
            events.append(Event("shutdown_request", f"{b} asks the controller for a controlled "
                                "shutdown", (CONTROLLER, b), source=str(b), target=CONTROLLER,
                                label="controlled shutdown request"))
        else:
            events.append(Event("fence", f"the controller notices that {b} is gone and "
                                "fences it", (CONTROLLER, b)))
    if (before["leader"], before["epoch"]) != (after["leader"], after["epoch"]):
        events.append(_election(before, after))
    elif before["isr"] != after["isr"]:
        events.append(_isr_change(before, after))
    if before.get("elr") != after.get("elr") and "elr" in after:
        events.append(Event("elr", f"the eligible leader replicas become "
                            f"{brokers(after['elr'])}", (CONTROLLER,),
                            label=f"ELR {brokers(after['elr'])}"))
    return events


def _election(before: Mapping[str, Any], after: Mapping[str, Any]) -> Event:
    leader, epoch, isr = after["leader"], after["epoch"], brokers(after["isr"])
    if leader == NONE:
        return Event("offline", f"no broker may lead: the partition goes offline (epoch "
                     f"{epoch}, ISR {isr})", (CONTROLLER,))
    old = before["leader"]
    if old != NONE and after["status"].get(old) == "stopped" and leader in before["isr"]:
        return Event("election_shutdown", f"the controller moves leadership away from {old} "
                     f"for its controlled shutdown: {leader} leads epoch {epoch}, with ISR "
                     f"{isr}", (CONTROLLER, leader),
                     label=f"{leader} leads epoch {epoch} ({old} shutting down)")
    if leader == after.get("preferred") and old != NONE and after["registered"].get(old) \
            and after["status"].get(old) == "up" and before["isr"] == after["isr"]:
        return Event("election_preferred", f"the controller moves leadership back to the "
                     f"preferred replica {leader} (auto.leader.rebalance.enable; {old} stays "
                     f"in the ISR): {leader} leads epoch {epoch}, with ISR {isr}",
                     (CONTROLLER, leader), label=f"preferred {leader} leads epoch {epoch}")
    if leader in before["isr"]:
        kind, how, short = "election_clean", "a clean election", ""
    elif leader in before.get("elr", frozenset()):
        kind, how, short = ("election_elr", "an election from the eligible leader replicas",
                            ", from ELR")
    elif leader == before.get("lastLeader") and not before.get("elr"):
        # KIP-966 elects the last known leader only with the ELR empty; otherwise it
        # was an unclean election that happened to pick it.
        kind, how, short = ("election_last_leader", "the last known leader's election",
                            ", last leader")
    else:
        kind, how, short = ("election_unclean", f"an unclean election ({leader} was not in "
                            f"the ISR {brokers(before['isr'])})", ", unclean")
    return Event(kind, f"the controller elects {leader} leader of epoch {epoch} in {how}, "
                 f"with ISR {isr}", (CONTROLLER, leader),
                 label=f"elect {leader} (epoch {epoch}{short})")


def _isr_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> Event:
    removed, added = before["isr"] - after["isr"], after["isr"] - before["isr"]
    leader = str(after["leader"])
    stopping = sorted(str(b) for b in removed if after["status"].get(b) == "stopped")
    if stopping and not added:
        return Event("isr_shrink", f"the controller takes {', '.join(stopping)} out of the ISR "
                     f"for its controlled shutdown: the ISR becomes {brokers(after['isr'])}",
                     (CONTROLLER,), label=f"ISR - {', '.join(stopping)}")
    if removed and not added:
        out = ", ".join(sorted(map(str, removed)))
        lagged = bool(lagged_out(before, after))
        return Event("isr_shrink", f"{leader} shrinks the ISR to {brokers(after['isr'])} "
                     f"({out} out{_shrink_reason(before, after, removed, lagged)})",
                     (CONTROLLER, leader), source=leader, target=CONTROLLER,
                     label=f"ISR - {out}{' (lag)' if lagged else ''}")
    if added and not removed:
        back = ", ".join(sorted(map(str, added)))
        return Event("isr_expand", f"{leader} expands the ISR to {brokers(after['isr'])} "
                     f"({back} back in sync)", (CONTROLLER, leader), source=leader,
                     target=CONTROLLER, label=f"ISR + {back}")
    return Event("isr_change", f"the ISR becomes {brokers(after['isr'])}", (CONTROLLER,))


def lagged_out(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Any]:
    """The followers this step dropped from the ISR for lag: still fetching from the
    leader (up, following it in its epoch, connected to it) yet dropped because they
    fell behind for replica.lag.time.max.ms (faults.lagging_followers counts these).
    A module with a lag budget counts them itself; without one (`any`) the state says
    whether the follower was fetching (the template's InSync; before KIP-320, 2.1, a
    follower one epoch behind the same leader was fetching too, and is not counted)."""
    removed = before["isr"] - after["isr"]
    # The leader's ShrinkIsr changes the ISR alone: no election, no fencing (Detect).
    if len(removed) != 1 or (after["leader"], after["epoch"], after["registered"]) != \
            (before["leader"], before["epoch"], before["registered"]):
        return []
    if "lagging_followers" in after.get("faultsUsed", {}):
        return list(removed) if _spent(before, after, "lagging_followers") else []
    leader, (follower,) = before["leader"], tuple(removed)
    cut = before["cut"]
    fetching = (before["status"][follower] == "up" and before["status"].get(leader) == "up"
                and before["knownLeader"][follower] == leader
                and before["knownLeader"][leader] == leader
                and before["knownEpoch"][follower] == before["knownEpoch"][leader]
                and not before["needsTruncation"][follower]
                and cut[follower] not in ("brokers", "both")
                and cut[leader] not in ("brokers", "both"))
    return [follower] if fetching else []


def _shrink_reason(before: Mapping[str, Any], after: Mapping[str, Any], removed: Any,
                   lagged: bool) -> str:
    if before["registered"] != after["registered"]:
        return ""     # the controller fenced it: the fence event says why
    if not lagged:
        return f": it is not fetching from {before['leader']}"
    # A follower with every record lags out only by a stalled fetch (before KAFKA-7152,
    # 2.1): say so; otherwise it fell behind the leader's log end.
    logs, (follower,) = before["log"], tuple(removed)
    if len(logs[follower]) == len(logs[before["leader"]]):
        return ": it has every record but fetched nothing for replica.lag.time.max.ms"
    return ": it fetches, but fell behind the leader's log end for replica.lag.time.max.ms"


def _brokers(step: Step, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Event]:
    events = []
    lost = {b for b in changed_brokers("status", before, after) if after["status"][b] == "lost"}
    # A restart forgets what the broker knew; the restart event says so.
    restarted = {b for b in changed_brokers("status", before, after)
                 if after["status"][b] == "up"}
    learnt = set(changed_brokers("knownEpoch", before, after)) | \
        set(changed_brokers("knownLeader", before, after))
    for b in sorted(learnt - restarted):
        events.append(_learn(b, before, after))
    for b in changed_brokers("leaderIsr", before, after):
        if b not in learnt | restarted and before["isr"] == after["isr"]:
            events.append(Event("learn", f"{b} learns that the ISR is "
                                f"{brokers(after['leaderIsr'][b])}", (CONTROLLER, str(b)),
                                source=CONTROLLER, target=str(b), label="ISR update"))
    for b in changed_brokers("log", before, after):
        if b not in lost:
            events.append(_log_change(step, b, before, after))
    for b in changed_brokers("needsTruncation", before, after):
        if not after["needsTruncation"][b] and b not in changed_brokers("log", before, after):
            events.append(Event("truncate", f"{b} checks its log against the leader's epochs "
                                "and keeps all of it", (str(b),)))
    for b in changed_brokers("hw", before, after):
        if b not in lost:
            events.append(_hw_change(b, before, after))
    return events


def _learn(b: Any, before: Mapping[str, Any], after: Mapping[str, Any]) -> Event:
    leader, epoch = after["knownLeader"][b], after["knownEpoch"][b]
    if leader == b:
        text, label = f"{b} learns that it leads epoch {epoch}", f"leads epoch {epoch}"
    elif leader == NONE:
        text, label = f"{b} learns that the partition is offline (epoch {epoch})", "offline"
    else:
        text = f"{b} learns that {leader} leads epoch {epoch} and follows it"
        if _kept_following(b, before, after):
            # Partition.makeFollower skipped the follower steps (before 2.1, KAFKA-7164).
            text = (f"{b} learns that {leader} leads epoch {epoch}; it already follows "
                    f"{leader}, so it fetches on without truncating its log")
        label = f"{leader} leads epoch {epoch}"
    return Event("learn", text, (CONTROLLER, str(b)), source=CONTROLLER, target=str(b),
                 label=label)


def _kept_following(b: Any, before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    # A notice with the leader the follower already had that left its log and its
    # pending truncation as they were: the follower steps were skipped.
    return (before["knownLeader"][b] == after["knownLeader"][b]
            and before["log"][b] == after["log"][b]
            and not after.get("needsTruncation", {}).get(b, False))


def _log_change(step: Step, b: Any, before: Mapping[str, Any],
                after: Mapping[str, Any]) -> Event:
    old, new = before["log"][b], after["log"][b]
    name = str(b)
    if new[:len(old)] == old:
        added = new[len(old):]
        where = f"offset {len(old)}" if len(added) == 1 else f"offsets {len(old)}-{len(new) - 1}"
        records = ", ".join(entry_name(e) for e in added)
        if step.action in ("Produce", "ProbeAppend"):
            verb = send_verb(before, added[0]["id"])
            return Event("produce", f"the producer {verb} {records} to {b}, which appends it "
                         f"at {where}", (PRODUCER, name), source=PRODUCER, target=name,
                         records=_ids(added),
                         label="resend " + records.split(" ")[0] if verb == "resends" else "")
        leader = str(after["knownLeader"][b])
        return Event("fetch", f"{b} fetches {records} from {leader} and appends it at {where}",
                     (leader, name), source=leader, target=name, records=_ids(added))
    if old[:len(new)] == new:
        dropped = old[len(new):]
        return Event("truncate", f"{b} truncates its log to offset {len(new)}, dropping "
                     f"{', '.join(entry_name(e) for e in dropped)}", (name,),
                     records=_ids(dropped))
    return Event("log", f"{b}'s log becomes {_log_words(new)}", (name,), records=_ids(new))


def _hw_change(b: Any, before: Mapping[str, Any], after: Mapping[str, Any]) -> Event:
    old, new = before["hw"][b], after["hw"][b]
    name = str(b)
    if after["knownLeader"][b] == b:
        covered = [e for e in after["log"][b][old:new] if e["id"] != PROBE_ID]
        names = ", ".join(record_name(e["id"]) for e in covered)
        return Event("hw", f"{b} moves the high watermark to {new}"
                     f"{f': {names} committed' if covered else ''}", (name,),
                     records=_ids(covered),
                     label=f"HW {new}{f' ({names} committed)' if covered else ''}")
    return Event("hw", f"{b} learns the high watermark {new}", (name,), label=f"HW {new}")


def _producer(step: Step, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Event]:
    events = []
    leader = str(next(iter(step.params.values()), after["leader"]))
    new_acks = sorted(after.get("acked", frozenset()) - before.get("acked", frozenset()),
                      key=lambda r: r["id"])
    if new_acks:
        names = ", ".join(f"{record_name(r['id'])} (offset {r['offset']})" for r in new_acks)
        # With the producer model the answer may still be lost: the producer's own
        # events say whether it arrives.
        text = (f"{leader} acknowledges {names}" if has_requests(after)
                else f"the producer gets the acknowledgement of {names}")
        events.append(Event("ack", text,
                            (PRODUCER, leader), source=leader, target=PRODUCER,
                            records=tuple(r["id"] for r in new_acks)))
    for change in request_events(before, after):
        actors = (PRODUCER, *(a for a in (change.source, change.target)
                              if a not in (None, PRODUCER)))
        events.append(Event(change.kind, change.text, actors, source=change.source,
                            target=change.target, records=(change.record,), label=change.label))
    if before.get("phase") != after.get("phase") and after.get("phase") == "settled":
        events.append(Event("settle", "faults stop: failed brokers stay down and partitions "
                            "stay in place; a client now writes with acks=all", (FAULTS,)))
    probe_before, probe_after = before.get("probe"), after.get("probe")
    if probe_before != probe_after and probe_after is not None:
        stage = probe_after["stage"]
        if stage == "acked":
            events.append(Event("probe_ack", "the client's acks=all write is acknowledged",
                                (PRODUCER, leader), source=leader, target=PRODUCER,
                                records=(PROBE_ID,)))
        elif stage == "retry":
            # The failure (an error or a timeout) comes from where the write waited.
            waited = str(probe_before["leader"]) if probe_before else PRODUCER
            events.append(Event("probe_retry", "the client's write fails or times out; it "
                                "refreshes its metadata and retries at the leader the "
                                "controller names",
                                (PRODUCER, waited), source=waited, target=PRODUCER))
    return events


def _spent(before: Mapping[str, Any], after: Mapping[str, Any], kind: str) -> bool:
    return after["faultsUsed"][kind] > before["faultsUsed"][kind]


def _lost_entries(old: tuple[Any, ...], new: tuple[Any, ...]) -> tuple[Any, ...]:
    return old[len(new):] if old[:len(new)] == new else old


def _dropping(lost: tuple[Any, ...]) -> str:
    return f": {', '.join(entry_name(e) for e in lost)}" if lost else ""


def _ids(entries: tuple[Any, ...] | list[Any]) -> tuple[int, ...]:
    return tuple(e["id"] for e in entries)


def _log_words(log: tuple[Any, ...]) -> str:
    if not log:
        return "an empty log"
    return "a log of " + ", ".join(entry_name(e) for e in log)
