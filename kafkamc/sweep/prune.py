"""Monotonic pruning: which budgets of one settings row to check, and what the others inherit.

Why a verdict carries over between budgets. A row's cells differ only in their
budgets (`faults.*` and `bounds.records`), and the generated module uses them only
as upper bounds (templates/kafka.tla.j2):

- a fault of kind k may be injected only while `faultsUsed[k] < MaxFaults[k]`
  (MayInject), and nothing else reads MaxFaults;
- the producer may send only while `nextRecord <= Records` (Produce), and nothing
  else reads Records;
- a fault kind with budget 0 leaves its action out of Next, which is the same as
  the action never being enabled; Restart and Heal, added with the first fault
  kind, need a broken broker or a cut link, so they are never enabled without one.

Nothing forces a fault or a write to happen, so with budgets B <= B'
(componentwise) every behaviour allowed under B is allowed under B', through the
very same states: the reachable states under B are a subset of those under B'.
Every property kafkamc checks is an invariant, a predicate on single reachable
states. Durability, consistency and read stability read only the state.
Availability is checked as AvailabilityWhenQuiet, `phase = "settled" /\\ ~ENABLED
ClusterStep => probe.stage = "acked"`: the settle step and the probe are in both
specs alike, and ClusterStep holds no fault, no Produce and no budget, so whether
it is enabled in a state does not depend on the budgets either. Hence:

- a property violated under B is violated under every B' >= B: the bad state is
  still reachable (the counterexample found under B is one under B' as well);
- a property that holds under B' holds under every B <= B': fewer states to check.

Symmetry reduction does not change a verdict (it is sound for invariants), and an
`unknown` (TLC failed or timed out) says nothing, nor does `not_found` (random
simulation drew no violation, which proves nothing): neither is ever carried over.
`kafkamc sweep --no-prune` checks every cell; tests/test_sweep.py checks that both
give the same matrix, and `contradictions` finds any pair that breaks the rule.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from kafkamc.resolved import Property
from kafkamc.result import Outcome

Budget = tuple[int, ...]

How = Literal["checked", "inferred"]


@dataclass(frozen=True)
class Decision:
    verdict: Outcome
    how: How
    source: int          # the column whose check decided it (itself, when checked)


def at_most(a: Budget, b: Budget) -> bool:
    """a <= b componentwise: every fault kind and the records bound."""
    return all(x <= y for x, y in zip(a, b))


class RowPlan:
    """What is known of one settings row, cell by cell and property by property, and
    which cells to check next. Pruning checks one cell at a time, the one whose
    verdicts decide the most other cells whichever way they come out; without
    pruning every cell is checked at once, for every property."""

    def __init__(self, columns: Sequence[Budget], properties: Sequence[Property],
                 skipped: set[int], *, prune: bool) -> None:
        self.columns, self.properties, self.prune = list(columns), list(properties), prune
        self.open = [c for c in range(len(columns)) if c not in skipped]
        self.known: dict[tuple[int, Property], Decision] = {}
        self.in_flight: set[int] = set()

    def ready(self) -> list[tuple[int, list[Property]]]:
        """The cells to check now and, for each, the properties still undecided there."""
        if self.prune:
            if self.in_flight:
                return []    # wait: its verdicts may decide what would be checked next
            best = self._most_telling()
            chosen = [] if best is None else [best]
        else:
            chosen = [c for c in self.open if c not in self.in_flight and self.undecided(c)]
        self.in_flight.update(chosen)
        return [(c, self.undecided(c)) for c in chosen]

    def record(self, column: int, verdicts: Mapping[Property, Outcome]) -> None:
        """The verdicts a check of `column` gave, and, when pruning, what they imply."""
        self.in_flight.discard(column)
        for prop, verdict in verdicts.items():
            self.known[column, prop] = Decision(verdict, "checked", column)
            if self.prune and verdict in ("holds", "violated"):
                for other in self._implied(column, prop, verdict):
                    self.known[other, prop] = Decision(verdict, "inferred", column)

    def undecided(self, column: int) -> list[Property]:
        return [p for p in self.properties if (column, p) not in self.known]

    @property
    def done(self) -> bool:
        return not self.in_flight and not any(self.undecided(c) for c in self.open)

    def _implied(self, column: int, prop: Property, verdict: Outcome) -> list[int]:
        here = self.columns[column]
        if verdict == "holds":
            return [c for c in self._open_for(prop) if at_most(self.columns[c], here)]
        return [c for c in self._open_for(prop) if at_most(here, self.columns[c])]

    def _open_for(self, prop: Property) -> list[int]:
        return [c for c in self.open if (c, prop) not in self.known]

    def _most_telling(self) -> int | None:
        """The cell whose check decides the most (cell, property) pairs in the worst
        case: per property, the fewer of the open cells at or below it (decided if it
        holds) and at or above it (if violated). On a chain of budgets this is
        bisection. Ties go to the smaller budget, which TLC checks faster."""
        def score(column: int) -> int:
            total = 0
            for prop in self.undecided(column):
                below = len(self._implied(column, prop, "holds"))
                above = len(self._implied(column, prop, "violated"))
                total += min(below, above)
            return total
        candidates = [c for c in self.open if self.undecided(c)]
        if not candidates:
            return None
        return max(candidates, key=lambda c: (score(c), -sum(self.columns[c]), -c))


def contradictions(columns: Sequence[Budget], known: Mapping[tuple[int, Property], Decision],
                   ) -> list[tuple[Property, int, int]]:
    """Pairs of checked cells that break monotonicity: violated under a budget, yet
    holding under a larger one. Empty unless the model stopped using its budgets as
    upper bounds; `--no-prune` runs report them."""
    found = []
    for (low, prop), lower in known.items():
        for (high, other), upper in known.items():
            if (other == prop and low != high and lower.verdict == "violated"
                    and upper.verdict == "holds" and at_most(columns[low], columns[high])):
                found.append((prop, low, high))
    return sorted(found)
