"""What a counterexample needs: its faults counted, read off its Kafka events.

The one place that says how many crashes, power losses, ... a violation took, for
the headline (kafkamc.render.headline) and whoever else summarises a
counterexample. Faults are the events kafkamc.trace.events tells (a crash, a power
loss, ...). A follower that falls behind is no injected fault, yet it is what
many losses need: it is a step in which the leader drops a running, connected
follower from the ISR (ShrinkIsr, replica.lag.time.max.ms), counted per follower.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kafkamc.trace.narrative import Story
from kafkamc.trace.steps import Trace

# Event kinds that are injected faults, in the order a summary names them, with
# their nouns (singular, plural).
FAULT_NOUNS: dict[str, tuple[str, str]] = {
    "crash": ("crash", "crashes"),
    "power_loss": ("power loss", "power losses"),
    "disk_loss": ("disk loss", "disk losses"),
    "partition": ("network partition", "network partitions"),
    "controlled_shutdown": ("clean restart", "clean restarts"),
}
LAG_ACTION = "ShrinkIsr"    # the leader's ISR shrink (templates/kafka.tla.j2)


@dataclass(frozen=True)
class Needs:
    """The faults of one counterexample and the followers that fell behind in it."""
    faults: tuple[tuple[str, int], ...]   # (event kind, how many), in FAULT_NOUNS order
    lagging: tuple[str, ...]              # followers dropped for lag while running
    followers: int | None                 # the partition's followers (RF - 1), if known

    def fault_words(self) -> str:
        """"1 power loss", "2 crashes and 1 network partition"; "" without faults."""
        parts = [f"{n} {FAULT_NOUNS[kind][0 if n == 1 else 1]}" for kind, n in self.faults]
        return and_list(parts)

    def lag_words(self) -> str:
        """"a follower falls behind", "both followers fall behind"; "" if none does."""
        n = len(self.lagging)
        if n == 0:
            return ""
        if n == 1:
            return "a follower falls behind"
        if n == self.followers:
            return "both followers fall behind" if n == 2 else f"all {n} followers fall behind"
        return f"{n} followers fall behind"


def needs(trace: Trace, story: Story) -> Needs:
    """Count the fault events of `story` (told from `trace`) and the followers that
    the leader dropped for lag while they ran and were connected."""
    counts = dict.fromkeys(FAULT_NOUNS, 0)
    lagging: list[str] = []
    for step, events in zip(trace.steps, story.events):
        for event in events:
            if event.kind in counts:
                counts[event.kind] += 1
        follower = step.params.get("f")
        if step.action == LAG_ACTION and follower is not None and _running(step.state, follower):
            if str(follower) not in lagging:
                lagging.append(str(follower))
    rf = trace.config.get("replication_factor")
    return Needs(tuple((kind, n) for kind, n in counts.items() if n),
                 tuple(lagging), rf - 1 if isinstance(rf, int) else None)


def _running(state: Mapping[str, Any], broker: Any) -> bool:
    # A follower that crashed or is cut off also leaves the ISR this way: that is its
    # fault, already counted, not lag.
    return state.get("status", {}).get(broker) == "up" and \
        state.get("cut", {}).get(broker) not in ("brokers", "both")


def and_list(parts: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
