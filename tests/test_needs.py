"""Which ISR shrinks are lags, and the "needs:" line, on states as TLC prints them."""
from __future__ import annotations

from typing import Any

import pytest

from kafkamc.trace.events import lagged_out
from kafkamc.trace.needs import Needs

B = ("b1", "b2", "b3")


def state(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "log": {b: ({"id": 1, "epoch": 1},) if b == "b1" else () for b in B},
        "hw": dict.fromkeys(B, 0), "status": dict.fromkeys(B, "up"),
        "cut": dict.fromkeys(B, "none"), "knownLeader": dict.fromkeys(B, "b1"),
        "knownEpoch": dict.fromkeys(B, 1), "needsTruncation": dict.fromkeys(B, False),
        "registered": dict.fromkeys(B, True), "leader": "b1", "epoch": 1,
        "isr": frozenset(B), "faultsUsed": {"crashes": 0}}
    for key, value in changes.items():
        base[key] = {**base[key], **value} if isinstance(base[key], dict) else value
    return base


def test_a_fetching_follower_dropped_by_the_leader_lagged() -> None:
    assert lagged_out(state(), state(isr=frozenset({"b1", "b3"}))) == ["b2"]


@pytest.mark.parametrize("before", [
    state(status={"b2": "crashed"}),                 # down
    state(cut={"b2": "brokers"}),                    # cut off from the leader
    state(knownLeader={"b2": "none"}),               # restarted, follows no one yet
    state(needsTruncation={"b2": True}),             # not fetching until it truncates
    state(knownEpoch={"b2": 0}),                     # fenced by KIP-320's epoch check
])
def test_a_follower_that_stopped_fetching_did_not_lag(before: dict[str, Any]) -> None:
    assert lagged_out(before, {**before, "isr": frozenset({"b1", "b3"})}) == []


def test_the_controller_fencing_a_follower_is_no_lag() -> None:
    before = state(cut={"b2": "controller"})
    after = {**before, "isr": frozenset({"b1", "b3"}),
             "registered": {**before["registered"], "b2": False}}
    assert lagged_out(before, after) == []


def test_a_lag_budget_in_the_module_is_the_count() -> None:
    before = state(faultsUsed={"lagging_followers": 0})
    spent = {**before, "isr": frozenset({"b1", "b3"}),
             "faultsUsed": {"crashes": 0, "lagging_followers": 1}}
    assert lagged_out(before, spent) == ["b2"]
    assert lagged_out(before, {**before, "isr": frozenset({"b1", "b3"})}) == []


@pytest.mark.parametrize("needs, text", [
    (Needs({"crashes": 1}, 2), "1 crash, 2 followers falling behind"),
    (Needs({"crashes": 2, "power_losses": 1}, 0), "2 crashes, 1 power loss"),
    (Needs({}, 1), "1 follower falling behind"),
    (Needs({}, 0), "no fault and no follower falling behind"),
])
def test_needs_sentence(needs: Needs, text: str) -> None:
    assert needs.sentence() == text
