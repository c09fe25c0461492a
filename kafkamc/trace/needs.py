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
                           "controlled_shutdown": "clean_restarts"}


@dataclass(frozen=True)
class Needs:
    faults: dict[str, int]         # faults: key -> how many the trace injected (0 left out)
    lagging_followers: int         # followers dropped from the ISR for lag

    def sentence(self) -> str:
        """E.g. "1 crash, 2 followers falling behind"; "no fault" for none at all."""
        parts = [f"{count} {FAULT_NAMES[key][0 if count == 1 else 1]}"
                 for key, count in self.faults.items()]
        if self.lagging_followers:
            lags = self.lagging_followers
            parts.append(f"{lags} follower{'s' if lags > 1 else ''} falling behind")
        return ", ".join(parts) if parts else "no fault and no follower falling behind"

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
