"""The validated model with every era default filled in: what the compiler reads.

A `Resolved` has no optional settings left: each rule is decided, either by the
user's `semantics:` overrides or by the defaults of the chosen `kafka_version`
(see `kafkamc.eras`). Compiling the same `Resolved` always gives the same TLA+.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Acks = Literal["0", "1", "all"]
Truncation = Literal["high_watermark", "kip101", "kip279", "kip320"]
Property = Literal["durability", "consistency", "read_stability", "availability",
                   "no_duplicates", "order"]
Verdict = Literal["holds", "violated"]

# Every property kafkamc checks, in the order it shows them.
PROPERTIES: tuple[Property, ...] = ("durability", "consistency", "read_stability", "availability",
                                    "no_duplicates", "order")
# The properties about the producer's retries (issue 20): checked only when a config asks,
# since they need the producer model, which costs states.
PRODUCER_PROPERTIES: tuple[Property, ...] = ("no_duplicates", "order")
# What a config without `check:` checks: the replication properties only, so that a config
# that does not ask about the producer pays nothing for it.
DEFAULT_CHECK: tuple[Property, ...] = tuple(p for p in PROPERTIES if p not in PRODUCER_PROPERTIES)


@dataclass(frozen=True)
class Rules:
    """Which of Kafka's replication rules apply (each a `semantics:` switch)."""

    truncation: Truncation
    # KAFKA-7128 (2.0.1): a follower rejoins the ISR only once it reached the start
    # offset of the leader's current epoch.
    rejoin_after_epoch_start: bool
    # KAFKA-15583 (3.7): the HW advances only while |ISR| >= min.insync.replicas.
    strict_min_isr: bool
    # KIP-966 (4.0, default from 4.1): eligible leader replicas.
    eligible_leader_replicas: bool
    # KIP-380 (2.2): the controller notices a broker that restarted quickly after a
    # process crash; before it, such a broker may stay in the ISR.
    bounce_detection: bool
    # KIP-841 (3.3, KRaft): a fenced replica cannot join the ISR.
    fenced_isr_exclusion: bool
    # KAFKA-7415 (2.0.1): a new leader caches its epoch on election and answers an
    # epoch older than its cache; before it the follower fell back to its HW.
    epoch_cache_on_election: bool
    # KAFKA-7152 (2.1): a follower at the leader's LEO is never dropped for lag;
    # before it a caught-up follower that stalled could be.
    caught_up_kept_in_isr: bool
    # KAFKA-7164 (2.1): a follower told of a newer epoch with the leader it already
    # follows truncates again if it missed an epoch; before it, it skipped the notice.
    truncate_on_missed_epoch: bool


@dataclass(frozen=True)
class FaultBudget:
    crashes: int = 0
    power_losses: int = 0
    disk_losses: int = 0
    network_partitions: int = 0
    clean_restarts: int = 0      # controlled shutdowns, each followed by a restart
    # How often a live, connected follower may fall behind for replica.lag.time.max.ms
    # and be dropped from the ISR; None: any number of times (no counter in the model).
    lagging_followers: int | None = None

    def injected(self) -> dict[str, int]:
        """The budgets of the faults kafkamc injects (lags aside), by config key."""
        return {key: count for key, count in vars(self).items() if key != "lagging_followers"}


@dataclass(frozen=True)
class ProducerModel:
    """The producer's side of the contract (issue 20): retries, requests in flight and
    idempotence, as Kafka's producer applies them, and the model's bounds on them. A
    config that neither checks no_duplicates or order nor sets one of these keys gets
    today's producer, which sends each record once (`modelled` False)."""

    retries: int              # producer.retries as the producer applies it
    max_in_flight: int        # producer.max.in.flight.requests.per.connection
    idempotence: bool         # producer.enable.idempotence as the producer applies it
    lost_responses: int       # faults.lost_responses: requests that time out
    in_flight_bound: int      # bounds.in_flight: the model's cap on requests in flight
    retry_bound: int          # bounds.retries: the model's cap on resends
    # A leader without the producer's state appends any sequence (KIP-360, from 2.4)
    # rather than refusing it with UNKNOWN_PRODUCER_ID.
    unknown_accepted: bool
    modelled: bool            # the module has the producer model (else the one-shot producer)

    @property
    def in_flight(self) -> int:
        """The requests in flight the model allows."""
        return min(self.max_in_flight, self.in_flight_bound)

    @property
    def resends(self) -> int:
        """The resends the model allows over the whole run."""
        return min(self.retries, self.retry_bound)


ONE_SHOT = ProducerModel(retries=0, max_in_flight=1, idempotence=False, lost_responses=0,
                         in_flight_bound=1, retry_bound=0, unknown_accepted=False,
                         modelled=False)


@dataclass(frozen=True)
class Resolved:
    name: str
    description: str
    kafka_version: str
    replication_factor: int
    min_insync_replicas: int
    unclean_leader_election: bool
    flush_every_append: bool          # flush.messages: 1
    auto_leader_rebalance: bool       # auto.leader.rebalance.enable
    acks: Acks
    rules: Rules
    faults: FaultBudget
    records: int
    check: tuple[Property, ...]
    expect: dict[Property, Verdict] = field(default_factory=dict)
    source: str | None = None         # the config file, for messages
    protocol: str | None = None       # e.g. "inter.broker.protocol.version 2.0"; None: the binary's
    producer: ProducerModel = ONE_SHOT
    # The config as checked, its file's text or YAML: shown, not compared.
    config_text: str = field(default="", compare=False)
