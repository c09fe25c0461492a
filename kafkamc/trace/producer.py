"""The producer's requests in a kafkamc trace (issue 20): their events, and why
no_duplicates or order is broken.

A module with the producer model (templates/producer/requests.tla.j2) keeps
`requests`, record i's latest request at index i - 1 (a stage, the leader it went
to, that leader's epoch, the offset and the leader's verdict), `resends` and
`lostResponses`. Each event is read off the change of a request's stage, so it
says what the producer saw; the broker's side (the append, the acknowledgement)
is told by kafkamc.trace.events as for the one-shot producer.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kafkamc.trace.steps import Trace

State = Mapping[str, Any]
PRODUCER = "producer"
# The leader's refusals of a sequence number, by Kafka's error names.
REFUSALS = {"out_of_order": "OUT_OF_ORDER_SEQUENCE_NUMBER",
            "unknown_producer": "UNKNOWN_PRODUCER_ID"}


@dataclass(frozen=True)
class RequestEvent:
    """One change of a record's request, as events.Event needs it."""
    kind: str
    text: str
    source: str | None
    target: str | None
    record: int
    label: str = ""


def has_requests(state: State) -> bool:
    return "requests" in state


def request(state: State, record_id: int) -> Mapping[str, Any]:
    return state["requests"][record_id - 1]


def send_verb(before: State, record_id: int) -> str:
    """"resends" for a record the producer sends again, else "sends"."""
    if has_requests(before) and 0 < record_id <= len(before["requests"]) \
            and request(before, record_id)["stage"] == "retry":
        return "resends"
    return "sends"


def request_events(before: State, after: State) -> list[RequestEvent]:
    """What the producer saw in this step, one event per record whose request changed."""
    if not has_requests(after) or not has_requests(before):
        return []
    events = []
    for index, (old, new) in enumerate(zip(before["requests"], after["requests"])):
        if old != new:
            event = _event(index + 1, old, new, before, after)
            if event is not None:
                events.append(event)
    return events


def _event(record_id: int, old: Mapping[str, Any], new: Mapping[str, Any], before: State,
           after: State) -> RequestEvent | None:
    name, leader = f"r{record_id}", str(old["leader"])
    if new["stage"] == "inflight":
        return _sent(record_id, old, new)
    if old["stage"] != "inflight":
        return None    # acks=0: counted as acknowledged when sent (the append tells it)
    if new["stage"] == "acked":
        return RequestEvent("receive", f"the producer gets {leader}'s acknowledgement of "
                            f"{name}", leader, PRODUCER, record_id, f"{name} acknowledged")
    then = _then(record_id, new, before, after)
    timed_out = _timed_out(before, after, old["leader"])
    if timed_out is not None and timed_out != record_id:
        return RequestEvent("request_failed", f"the producer's request for {name} fails as "
                            f"well: the timeout closed the connection to {leader}, with every "
                            f"request in flight on it (NetworkClient.handleTimedOutRequests)"
                            f"{then}", leader, PRODUCER, record_id, f"{name} failed")
    if timed_out is not None:
        return RequestEvent("lost_response", f"the producer never gets the answer to its "
                            f"request for {name}, which times out (request.timeout.ms), so it "
                            f"cannot tell whether {leader} appended {name}{then}", leader, None,
                            record_id, "response lost")
    why = _why_failed(record_id, old, before)
    return RequestEvent("request_failed", f"the producer's request for {name} fails ({why})"
                        f"{then}", leader, PRODUCER, record_id, f"{name} failed")


def _sent(record_id: int, old: Mapping[str, Any], new: Mapping[str, Any]) -> RequestEvent | None:
    name, to = f"r{record_id}", str(new["leader"])
    verb = "resends" if old["stage"] == "retry" else "sends"
    if new["verdict"] == "duplicate":
        return RequestEvent("duplicate", f"the producer {verb} {name} to {to}, which already has "
                            f"it at offset {new['offset']}: a duplicate (DUPLICATE_SEQUENCE), "
                            f"answered as a success and not appended again", PRODUCER, to,
                            record_id, f"{name} duplicate")
    if new["verdict"] in REFUSALS:
        return RequestEvent("refused", f"the producer {verb} {name} to {to}, which refuses its "
                            f"sequence number ({REFUSALS[new['verdict']]})", PRODUCER, to,
                            record_id, f"{name} refused")
    return None    # appended: the log's change tells it


def _timed_out(before: State, after: State, leader: object) -> int | None:
    """In a step that loses a response, the record whose request to `leader` timed out:
    the oldest in flight there (the others fail with the connection it closes)."""
    if after["lostResponses"] <= before["lostResponses"]:
        return None
    waiting = [(r["sent"], index + 1) for index, r in enumerate(before["requests"])
               if r["stage"] == "inflight" and r["leader"] == leader]
    return min(waiting)[1] if waiting else None


def _then(record_id: int, new: Mapping[str, Any], before: State, after: State) -> str:
    if new["stage"] == "retry":
        # A timeout queues every request of its connection for a resend in one step,
        # counted in record order (ResendAll): this one's number is the count less the
        # later records queued with it.
        later = sum(1 for k, (old, now) in enumerate(zip(before["requests"], after["requests"]),
                                                     start=1)
                    if k > record_id and old["stage"] != "retry" and now["stage"] == "retry")
        return f"; it will resend r{record_id} (resend {after['resends'] - later})"
    if new["stage"] == "failed":
        return f"; its retries are spent, so the producer gives up on r{record_id}"
    return ("; the producer cannot retry a sequence error for its first unacknowledged "
            "record, and stops")


def _why_failed(record_id: int, old: Mapping[str, Any], state: State) -> str:
    leader, verdict = old["leader"], old["verdict"]
    if verdict in REFUSALS:
        return f"{leader} refused its sequence number ({REFUSALS[verdict]})"
    if state["status"][leader] != "up":
        return f"{leader} is down"
    if state["knownLeader"][leader] != leader or state["knownEpoch"][leader] != old["epoch"]:
        return f"{leader} no longer leads epoch {old['epoch']} (NOT_LEADER_OR_FOLLOWER)"
    if state["leader"] != leader:
        return (f"{leader} is no longer the leader the controller names, and the request "
                "times out (request.timeout.ms)")
    log = state["log"][leader]
    offset = old["offset"]
    if offset >= len(log) or log[offset]["id"] != record_id:
        return f"{leader} no longer has it at offset {offset}"
    return ("the high watermark passed it while the ISR was smaller than "
            "min.insync.replicas (NOT_ENOUGH_REPLICAS_AFTER_APPEND)")


# ---------------------------------------------------------------------------------
# Why no_duplicates or order is broken: (reason, record, offset, brokers, steps), as
# narrative.Violation takes them; no record is missing, so `record` is None.

Reason = tuple[str, int | None, int | None, tuple[str, ...], tuple[int, ...]]


def committed(state: State) -> list[Mapping[str, Any]]:
    """The committed log: the current leader's log below its HW (Committed in the spec)."""
    leader = state["leader"]
    if leader == "none" or state["status"][leader] != "up":
        return []
    log = state["log"][leader]
    return list(log[:min(state["hw"][leader], len(log))])


def duplicate_reason(trace: Trace) -> Reason:
    state = trace.last.state
    log = committed(state)
    leader = str(state["leader"])
    seen: dict[int, int] = {}
    for offset, entry in enumerate(log):
        if entry["id"] in seen:
            record = entry["id"]
            resent, why = _resend_steps(trace, record)
            return (f"r{record} is at offsets {seen[record]} and {offset} of leader {leader}'s "
                    f"log, both below its high watermark ({state['hw'][state['leader']]}): "
                    f"{why}", None, offset, (leader,), resent)
        seen[entry["id"]] = offset
    return "a record appears twice in the committed log", None, None, (leader,), ()


def order_reason(trace: Trace) -> Reason:
    state = trace.last.state
    log = committed(state)
    leader = str(state["leader"])
    first: dict[int, int] = {}
    for offset, entry in enumerate(log):
        first.setdefault(entry["id"], offset)
    acked = sorted(i for i in first if 0 < i <= len(state["requests"])
                   and request(state, i)["stage"] == "acked")
    for a in acked:
        for b in acked:
            if a < b and first[a] > first[b]:
                resent, why = _resend_steps(trace, a)
                return (f"the producer sent r{a} before r{b} and got both acknowledged, but "
                        f"leader {leader}'s committed log has r{b} at offset {first[b]} and "
                        f"r{a} only at offset {first[a]}: {why}", None, first[a], (leader,),
                        resent)
    return ("two acknowledged records are committed out of the order they were sent", None,
            None, (leader,), ())


def _resend_steps(trace: Trace, record: int) -> tuple[tuple[int, ...], str]:
    """The steps at which the record's request failed or lost its answer, and at
    which the producer resent it, in words."""
    failed: list[tuple[int, str]] = []
    resent: list[int] = []
    for previous, step in zip(trace.steps, trace.steps[1:]):
        old, new = request(previous.state, record), request(step.state, record)
        if old["stage"] == "inflight" and new["stage"] == "retry":
            lost = step.state["lostResponses"] > previous.state["lostResponses"]
            failed.append((step.number, "its answer was lost" if lost else "its request failed"))
        if old["stage"] == "retry" and new["stage"] == "inflight":
            resent.append(step.number)
    if not failed or not resent:
        return (), "the producer sent it more than once"
    number, cause = failed[0]
    return ((number, resent[-1]),
            f"the producer resent r{record} at step {resent[-1]} after {cause} at step {number}")
