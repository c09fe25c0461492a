"""The producer model's events read off two states (kafkamc.trace.producer), without TLC."""
from __future__ import annotations

from typing import Any

from kafkamc.trace.producer import request_events, send_verb


def _request(stage: str, leader: str = "none", epoch: int = 0, offset: int = 0,
             verdict: str = "none", sent: int = 0) -> dict[str, Any]:
    return {"stage": stage, "leader": leader, "epoch": epoch, "offset": offset,
            "verdict": verdict, "sent": sent}


def _state(*requests: dict[str, Any], lost: int = 0, resends: int = 0) -> dict[str, Any]:
    return {"requests": tuple(requests), "lostResponses": lost, "resends": resends,
            "status": {"b1": "up", "b2": "up"}, "knownLeader": {"b1": "b1", "b2": "b1"},
            "knownEpoch": {"b1": 1, "b2": 1}, "leader": "b1",
            "log": {"b1": ({"id": 1, "epoch": 1},), "b2": ()}}


def test_a_lost_answer_leaves_its_broker_and_never_arrives() -> None:
    before = _state(_request("inflight", "b1", 1, 0, "appended"), _request("new"))
    after = _state(_request("retry"), _request("new"), lost=1, resends=1)
    (event,) = request_events(before, after)
    assert (event.kind, event.source, event.target, event.record) == \
        ("lost_response", "b1", None, 1)
    assert "cannot tell whether b1 appended r1; it will resend r1 (resend 1)" in event.text
    assert send_verb(after, 1) == "resends" and send_verb(before, 2) == "sends"


def test_a_timeout_fails_every_request_on_its_connection() -> None:
    """NetworkClient.handleTimedOutRequests closes the connection: the oldest request
    timed out, the later one fails with it."""
    before = _state(_request("inflight", "b1", 1, 0, "appended", sent=0),
                    _request("inflight", "b1", 1, 1, "appended", sent=1))
    after = _state(_request("retry"), _request("retry"), lost=1, resends=2)
    first, second = request_events(before, after)
    assert (first.kind, first.record, second.kind, second.record) == \
        ("lost_response", 1, "request_failed", 2)
    assert "which times out (request.timeout.ms)" in first.text
    assert "it will resend r1 (resend 1)" in first.text
    assert "the timeout closed the connection to b1" in second.text
    assert "it will resend r2 (resend 2)" in second.text


def test_a_duplicate_is_answered_without_an_append() -> None:
    before = _state(_request("retry"), _request("new"))
    after = _state(_request("inflight", "b1", 1, 0, "duplicate"), _request("new"))
    (event,) = request_events(before, after)
    assert event.kind == "duplicate" and (event.source, event.target) == ("producer", "b1")
    assert "already has it at offset 0" in event.text and "DUPLICATE_SEQUENCE" in event.text


def test_a_failed_request_says_why() -> None:
    before = _state(_request("inflight", "b1", 1, 0, "appended"))
    before["status"] = {"b1": "crashed", "b2": "up"}
    after = {**before, "requests": (_request("failed"),)}
    (event,) = request_events(before, after)
    assert event.kind == "request_failed"
    assert "(b1 is down); its retries are spent, so the producer gives up on r1" in event.text
