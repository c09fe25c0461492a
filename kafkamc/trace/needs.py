"""What a counterexample needed: the faults it injected and the followers that fell
behind, counted separately ("needs: 1 crash, 2 followers falling behind").

Faults are counted from the trace's fault events (kafkamc.trace.events), lags from
the ISR shrinks of followers that were still fetching (events.lagged_out), so the
line says what a user would have to see happen in a real cluster.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kafkamc.trace.events import Event, is_kafka_state, lagged_out
from kafkamc.trace.steps import Trace

# Event kind -> the faults: key that budgets it, and its name (one, many).
_FAULTS: dict[str, tuple[str, str, str]] = {
    "crash": ("crashes", "crash", "crashes"),
    "power_loss": ("power_losses", "power loss", "power losses"),
    "disk_loss": ("disk_losses", "disk loss", "disk losses"),
    "partition": ("network_partitions", "network partition", "network partitions"),
    "controlled_shutdown": ("clean_restarts", "clean restart", "clean restarts"),
}


@dataclass(frozen=True)
class Needs:
    faults: dict[str, int]         # faults: key -> how many the trace injected (0 left out)
    lagging_followers: int         # followers dropped from the ISR for lag

    def sentence(self) -> str:
        """E.g. "1 crash, 2 followers falling behind"; "no fault" for none at all."""
        names = {key: (one, many) for key, one, many in _FAULTS.values()}
        parts = [f"{count} {names[key][0] if count == 1 else names[key][1]}"
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
                key = _FAULTS[event.kind][0]
                counts[key] = counts.get(key, 0) + 1
    lags = sum(len(lagged_out(before.state, after.state))
               for before, after in zip(trace.steps, trace.steps[1:]))
    order = [key for key, _, _ in _FAULTS.values()]
    return Needs({key: counts[key] for key in order if key in counts}, lags)
