"""The cheapest swept settings that satisfy a requirement, and why each cheaper one fails.

The order of cost, cheapest first, on the settings as the cell applies them (era
defaults filled in):

1. fewer replicas (`replication.factor`): each one is another copy of every write
   to store and ship;
2. then a lower `min.insync.replicas`: fewer replicas must be up for acks=all
   writes to be accepted;
3. then weaker acks, 0 before 1 before all: the producer waits for less;
4. then the producer's (issue 20): retries before none (a producer that does not
   retry gives up on writes), then more requests in flight before fewer (each one
   fewer waits for another round trip), then idempotence off before on (its
   sequence numbers and the broker's duplicate check).

Swept settings outside these three (`kafka_version`, unclean election, fsync,
`semantics.*`) are not costs but circumstances: the answer is given for each of
their combinations separately ("on 4.1 ...; on 3.6 ..."). A setting with
`min.insync.replicas` above `replication.factor` is not a candidate: before 3.7
every acks=all write is refused (it would "keep" every acknowledged write by
acknowledging none), and from 3.7 it is capped to the replication factor
(KAFKA-15583), so it is the same as min ISR = RF, which comes first anyway.

A setting satisfies the requirement when every required property holds (checked
or inferred) in every cell of the requirement's budgets. One that does not is
ruled out by the first required property violated there, under the smallest such
budget; its counterexample (story and diagram) is that of the check that found it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from kafkamc.resolved import Property, Resolved
from kafkamc.sweep.plan import Requirement, SweepPlan, Value
from kafkamc.sweep.run import CellVerdict, SweepResult

COST_KEYS = ("topic.replication.factor", "topic.min.insync.replicas", "producer.acks",
             "producer.retries", "producer.max.in.flight.requests.per.connection",
             "producer.enable.idempotence")
Cost = tuple[int, int, int, int, int, int]
ACKS_ORDER = {"0": 0, "1": 1, "all": 2}
Standing = Literal["satisfies", "ruled out", "undecided", "not a candidate"]


@dataclass(frozen=True)
class Candidate:
    row: int
    cost: Cost                                 # replicas, min ISR, acks, producer ranks
    standing: Standing
    because: tuple[CellVerdict, ...] = ()      # the violations (or unknowns) that decide it
    note: str | None = None                    # why it is not a candidate


@dataclass(frozen=True)
class Answer:
    """The recommendation for one combination of the swept non-cost settings."""

    circumstances: tuple[tuple[str, Value], ...]     # e.g. (("kafka_version", "4.1"),)
    cheapest: Candidate | None
    weaker: tuple[Candidate, ...]              # cheaper than the answer (all, if none)
    undecided: tuple[Candidate, ...]           # cheaper, but TLC could not decide them
    not_candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Recommendation:
    requirement: Requirement
    columns: tuple[int, ...]                   # the budgets the requirement names
    answers: tuple[Answer, ...]

    @property
    def unmet(self) -> bool:
        """Some circumstance has no swept setting that satisfies the requirement."""
        return any(answer.cheapest is None for answer in self.answers)


def recommend(result: SweepResult) -> Recommendation | None:
    plan = result.plan
    requirement = plan.requirement
    if requirement is None:
        return None
    columns = against_columns(plan, requirement)
    groups: dict[tuple[tuple[str, Value], ...], list[int]] = {}
    for row in range(len(plan.rows)):
        groups.setdefault(_circumstances(plan, row), []).append(row)
    answers = tuple(_answer(result, requirement.properties, columns, circumstances, rows)
                    for circumstances, rows in groups.items())
    return Recommendation(requirement, columns, answers)


def against_columns(plan: SweepPlan, requirement: Requirement) -> tuple[int, ...]:
    """The budgets named by `against` (every budget when it names none)."""
    pinned = dict(requirement.against)
    return tuple(column for column in range(len(plan.columns))
                 if all(plan.column_budget(column).get(key, value) == value
                        for key, value in pinned.items()))


def cost(model: Resolved) -> Cost:
    producer = model.producer
    return (model.replication_factor, model.min_insync_replicas, ACKS_ORDER[model.acks],
            int(producer.retries == 0), -producer.max_in_flight, int(producer.idempotence))


def _circumstances(plan: SweepPlan, row: int) -> tuple[tuple[str, Value], ...]:
    return tuple((key, value) for key, value in plan.row_settings(row).items()
                 if key not in COST_KEYS)


def _answer(result: SweepResult, properties: Sequence[Property], columns: Sequence[int],
            circumstances: tuple[tuple[str, Value], ...], rows: list[int]) -> Answer:
    candidates = sorted((_judge(result, properties, columns, row) for row in rows),
                        key=lambda c: (c.cost, c.row))
    ranked = [c for c in candidates if c.standing != "not a candidate"]
    cheapest = next((c for c in ranked if c.standing == "satisfies"), None)
    cheaper = ranked if cheapest is None else ranked[:ranked.index(cheapest)]
    return Answer(circumstances=circumstances, cheapest=cheapest,
                  weaker=tuple(c for c in cheaper if c.standing == "ruled out"),
                  undecided=tuple(c for c in cheaper if c.standing == "undecided"),
                  not_candidates=tuple(c for c in candidates
                                       if c.standing == "not a candidate"))


def _judge(result: SweepResult, properties: Sequence[Property], columns: Sequence[int],
           row: int) -> Candidate:
    plan = result.plan
    cells = [plan.cells[row, column] for column in columns]
    skipped = next((cell.skipped for cell in cells if cell.skipped is not None), None)
    if skipped is not None:
        return Candidate(row, (0, 0, 0, 0, 0, 0), "not a candidate", note=f"skipped: {skipped}")
    model = cells[0].resolved()
    here = cost(model)
    if model.min_insync_replicas > model.replication_factor:
        return Candidate(row, here, "not a candidate",
                         note="min.insync.replicas exceeds replication.factor: before 3.7 "
                              "every acks=all write is refused, from 3.7 it is capped to the "
                              "replication factor (KAFKA-15583)")
    # Per property, its verdict under the smallest budget where it fails.
    failing = [_first_failure(result, row, prop, columns) for prop in properties]
    violated = tuple(v for v in failing if v is not None and v.verdict == "violated")
    if violated:
        return Candidate(row, here, "ruled out", violated)
    unknown = tuple(v for v in failing if v is not None)
    return Candidate(row, here, "undecided" if unknown else "satisfies", unknown)


def _first_failure(result: SweepResult, row: int, prop: Property,
                   columns: Sequence[int]) -> CellVerdict | None:
    smallest_first = sorted(columns, key=lambda c: (sum(result.plan.columns[c]), c))
    verdicts = [result.verdicts[row, column, prop] for column in smallest_first]
    return (next((v for v in verdicts if v.verdict == "violated"), None)
            or next((v for v in verdicts if v.verdict != "holds"), None))
