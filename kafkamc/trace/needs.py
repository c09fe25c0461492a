"""What a counterexample needed: the faults it injected and the followers that fell
behind, counted separately ("needs: 1 crash, 2 followers falling behind").

Faults are counted from the trace's fault events (kafkamc.trace.events), lags from
the ISR shrinks of followers that were still fetching (events.lagged_out), so the
line says what a user would have to see happen in a real cluster.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kafkamc.assumptions import FAULT_NAMES
from kafkamc.trace.events import Event, is_kafka_state, lagged_out
from kafkamc.trace.steps import Trace

# Event kind -> the faults: key that budgets it.
_FAULTS: dict[str, str] = {"crash": "crashes", "power_loss": "power_losses",
                           "disk_loss": "disk_losses", "partition": "network_partitions",
                           "controlled_shutdown": "clean_restarts",
                           "lost_response": "lost_responses"}


@dataclass(frozen=True)
class Needs:
    faults: dict[str, int]         # faults: key -> how many the trace injected (0 left out)
    lagging_followers: int         # followers dropped from the ISR for lag

    def sentence(self) -> str:
        """E.g. "1 crash, 2 followers falling behind"; "no fault" for none at all."""
        parts = self._fault_parts()
        if self.lagging_followers:
            lags = self.lagging_followers
            parts.append(f"{lags} follower{'s' if lags > 1 else ''} falling behind")
        return ", ".join(parts) if parts else "no fault and no follower falling behind"

    def fault_words(self) -> str:
        """"1 power loss", "2 crashes and 1 network partition"; "" without faults."""
        return and_list(self._fault_parts())

    def lag_words(self, followers: int | None) -> str:
        """"a follower falls behind", "both followers fall behind" (of `followers`, the
        partition's RF - 1, where known); "" when none does."""
        n = self.lagging_followers
        if n == 0:
            return ""
        if n == 1:
            return "a follower falls behind"
        if n == followers:
            return "both followers fall behind" if n == 2 else f"all {n} followers fall behind"
        return f"{n} followers fall behind"

    def _fault_parts(self) -> list[str]:
        return [f"{count} {FAULT_NAMES[key][0 if count == 1 else 1]}"
                for key, count in self.faults.items()]

    def to_json(self) -> dict[str, Any]:
        return {"faults": dict(self.faults), "lagging_followers": self.lagging_followers,
                "text": self.sentence()}


def needs(trace: Trace, events: tuple[tuple[Event, ...], ...]) -> Needs | None:
    """The needs of a kafkamc trace; None for another spec's trace."""
    if not is_kafka_state(trace.last.state):
        return None
    counts: dict[str, int] = {}
    for step_events in events:
        for event in step_events:
            if event.kind in _FAULTS:
                counts[_FAULTS[event.kind]] = counts.get(_FAULTS[event.kind], 0) + 1
    lags = sum(len(lagged_out(before.state, after.state))
               for before, after in zip(trace.steps, trace.steps[1:]))
    return Needs({key: counts[key] for key in FAULT_NAMES if key in counts}, lags)


def and_list(parts: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
