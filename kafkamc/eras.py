"""Kafka eras: which replication rules and defaults apply to a given `kafka_version`.

Every boundary below comes from kafkamc's reference, docs/kafka-replication.md in
this repository, which names the KIP or JIRA ticket that changed the behaviour
(its section "Eras at a glance" lists them). `era_for` is the single source of
truth for the rules; `era_table` only labels its boundaries for the `kafkamc eras`
command, and the tests check that the two agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kafkamc.errors import ConfigError
from kafkamc.resolved import Acks, Rules, Truncation

Metadata = Literal["zookeeper", "kraft"]
Version = tuple[int, ...]

OLDEST = "0.8.0"        # the first release with replication (and the Jepsen 2013 seed)
# Apache Kafka's release lines that kafkamc knows the rules of: MAJOR.MINOR, and for the
# 0.x releases, whose lines had three parts, 0.MINOR.PATCH. A version is one of them with
# an optional patch ("3.6.1"). A line missing here is refused rather than given another
# line's rules: "2.10" and "5.0" were never released, and a release after the newest one
# may change a rule that kafkamc does not know yet.
RELEASES = ("0.8.0", "0.8.1", "0.8.2", "0.9.0", "0.10.0", "0.10.1", "0.10.2", "0.11.0",
            "1.0", "1.1", *(f"2.{minor}" for minor in range(9)),
            *(f"3.{minor}" for minor in range(10)), "4.0", "4.1")
NEWEST = RELEASES[-1]
ACCEPTED = (f"a Kafka release MAJOR.MINOR[.PATCH[.X]] from {OLDEST} to {NEWEST}, written as a "
            f'string of ASCII digits without leading zeros, e.g. "0.8.2.2", "2.0.1", "3.6", '
            f'"4.1"')

# Config keys that did not exist in every era: key -> (first version, source).
# Setting one of them for an older kafka_version is a ConfigError.
KEY_INTRODUCED: dict[str, tuple[str, str]] = {
    "topic.min.insync.replicas": ("0.8.2", "KAFKA-1555"),
    "topic.unclean.leader.election.enable": ("0.8.2", "KAFKA-1028"),
    # The Java producer (0.8.2) has retries and requests in flight; kafkamc models the
    # old Scala producer before it, which resends nothing.
    "producer.retries": ("0.8.2", "the Java producer"),
    "producer.max.in.flight.requests.per.connection": ("0.8.2", "the Java producer"),
    "producer.enable.idempotence": ("0.11.0", "KIP-98"),
}

# Integer.MAX_VALUE: the producer's retries default from 2.1 (KIP-91), which bounds
# resending by delivery.timeout.ms instead.
RETRIES_FOREVER = 2147483647
# max.in.flight.requests.per.connection: 5 in every era (ProducerConfig).
MAX_IN_FLIGHT_DEFAULT = 5
# The idempotent producer keeps order with this many requests in flight from 1.0
# (KAFKA-5494); in 0.11 it needed exactly one (KafkaProducer threw a ConfigException).
IDEMPOTENT_IN_FLIGHT: tuple[tuple[str, int, str], ...] = (
    ("0.11.0", 1, "KIP-98"), ("1.0", 5, "KAFKA-5494"))

# KIP-966 is not a key but a rule that cannot be switched on before its code shipped:
# `semantics.eligible_leader_replicas: true` needs this version (false is always fine).
ELR_AVAILABLE: tuple[str, str] = ("4.0", "KIP-966")

# ASCII digits only (`\d` would take "٤.١" and "３.６"), no leading zeros ("0.08.0" is no
# release), and nothing around it: a newline would reach the generated module's comments.
# Four parts, for the 0.x releases that had them (0.8.2.2, 0.10.2.1).
_NUMBER = r"(?:0|[1-9][0-9]{0,3})"
_VERSION = re.compile(rf"{_NUMBER}\.{_NUMBER}(?:\.{_NUMBER}){{0,2}}", re.ASCII)


def parse_version(text: str) -> Version:
    """`"0.8.2.2"` -> (0, 8, 2, 2); a ConfigError (key kafka_version) if malformed or too old."""
    if not isinstance(text, str) or not _VERSION.fullmatch(text):
        shown = ascii(text[:40]) if isinstance(text, str) else repr(text)
        raise ConfigError(f"{shown} is not a Kafka release; allowed: {ACCEPTED}",
                          key="kafka_version")
    version = tuple(int(part) for part in text.split("."))
    if _padded(version) < _padded(_parse(OLDEST)):
        raise ConfigError(f"{text!r} is older than {OLDEST}, the first release with "
                          f"replication; allowed: {ACCEPTED}", key="kafka_version")
    if release_line(version) not in RELEASES:
        raise ConfigError(f"{text!r} is not a Kafka release kafkamc knows; allowed: one of "
                          f"{', '.join(RELEASES)}, optionally with a patch number",
                          key="kafka_version")
    return version


def release_line(version: Version) -> str:
    """The release line a version belongs to: (3, 6, 1) -> "3.6", (0, 10, 2, 1) -> "0.10.2"."""
    parts = 3 if version[0] == 0 else 2
    return ".".join(str(part) for part in _padded(version)[:parts])


def _parse(text: str) -> Version:
    return tuple(int(part) for part in text.split("."))


def _padded(version: Version) -> Version:
    # "2.0" means 2.0.0.0: pad so that (2, 0) < (2, 0, 1) and (0, 11) == (0, 11, 0).
    return version + (0,) * (4 - len(version))


def at_least(version: Version | str, first: str) -> bool:
    """Whether `version` is `first` or a later release."""
    if isinstance(version, str):
        version = parse_version(version)
    return _padded(version) >= _padded(_parse(first))


@dataclass(frozen=True)
class Era:
    """The defaults of one Kafka release; `rules` are the `semantics:` defaults."""

    version: str
    acks: Acks
    unclean_leader_election: bool
    min_insync_replicas: int
    auto_leader_rebalance: bool
    retries: int                  # producer retries (KIP-91: Integer.MAX_VALUE from 2.1)
    # enable.idempotence as a producer that leaves it unset applies it: KIP-679 made it
    # true in 3.0, but 3.0.0 and 3.1.0 did not apply the default (KAFKA-13598, fixed in
    # 3.0.1, 3.1.1 and 3.2.0).
    enable_idempotence: bool
    rules: Rules
    metadata: Metadata
    # KIP-966 can be switched on from 4.0 even though it is on by default only from 4.1.
    eligible_leader_replicas_available: bool
    # KIP-360's broker side (2.4, KAFKA-7190): a leader without state for an idempotent
    # producer appends its batch whatever the sequence number; before, a sequence other
    # than 0 was refused (UNKNOWN_PRODUCER_ID from 1.0, KAFKA-5793).
    unknown_producer_accepted: bool

    def has_key(self, key: str) -> bool:
        """Whether this release knows the dotted config key (see KEY_INTRODUCED)."""
        introduced = KEY_INTRODUCED.get(key)
        return introduced is None or at_least(self.version, introduced[0])


def era_for(version: str) -> Era:
    """The era of a release string (one of RELEASES, see parse_version)."""
    v = parse_version(version)
    return Era(
        version=version.strip(),
        acks=_default_acks(v),
        # KIP-106 (0.11): unclean election off by default; before 0.8.2 it had no key
        # and was always possible.
        unclean_leader_election=not at_least(v, "0.11"),
        min_insync_replicas=1,
        auto_leader_rebalance=True,   # auto.leader.rebalance.enable: true by default (KafkaConfig)
        retries=RETRIES_FOREVER if at_least(v, "2.1") else 0,        # KIP-91
        enable_idempotence=_default_idempotence(v),
        rules=Rules(
            truncation=_truncation(v),
            rejoin_after_epoch_start=at_least(v, "2.0.1"),   # KAFKA-7128
            strict_min_isr=at_least(v, "3.7"),               # KAFKA-15583
            eligible_leader_replicas=at_least(v, "4.1"),     # KIP-966 on by default
            bounce_detection=at_least(v, "2.2"),             # KIP-380
            fenced_isr_exclusion=at_least(v, "3.3"),         # KIP-841
            epoch_cache_on_election=at_least(v, "2.0.1"),    # KAFKA-7415
            caught_up_kept_in_isr=at_least(v, "2.1"),        # KAFKA-7152
            truncate_on_missed_epoch=at_least(v, "2.1"),     # KAFKA-7164
        ),
        metadata="kraft" if at_least(v, "3.3") else "zookeeper",   # KIP-833
        eligible_leader_replicas_available=at_least(v, ELR_AVAILABLE[0]),
        unknown_producer_accepted=at_least(v, "2.4"),   # KIP-360, KAFKA-7190
    )


def _default_acks(v: Version) -> Acks:
    if at_least(v, "3.0"):
        return "all"    # KIP-679
    if at_least(v, "0.8.2"):
        return "1"      # the Java producer, assumed from 0.8.2 on
    return "0"          # the old Scala producer


def _default_idempotence(v: Version) -> bool:
    # KIP-679 (3.0); KAFKA-13598: 3.0.0 and 3.1.0 left it off unless set explicitly.
    if not at_least(v, "3.0"):
        return False
    return at_least(v, "3.0.1") and (not at_least(v, "3.1") or at_least(v, "3.1.1"))


def idempotent_in_flight(version: str) -> tuple[int, str]:
    """The most requests in flight an idempotent producer of `version` accepts, and the
    change that set it (0.11: 1, KIP-98; 1.0: 5, KAFKA-5494)."""
    most, source = IDEMPOTENT_IN_FLIGHT[0][1:]
    for first, limit, change in IDEMPOTENT_IN_FLIGHT:
        if at_least(version, first):
            most, source = limit, change
    return most, source


def _truncation(v: Version) -> Truncation:
    if at_least(v, "2.1"):
        return "kip320"
    if at_least(v, "2.0"):
        return "kip279"
    if at_least(v, "0.11"):
        return "kip101"
    return "high_watermark"


# (first release, last release of the era as a label, what changed and its source).
# The last label is text only: "2.0.x" or "" (open-ended) are not parsed.
_BOUNDARIES: tuple[tuple[str, str, str], ...] = (
    ("0.8.0", "0.8.1", "replication (Jepsen 2013); old Scala producer"),
    ("0.8.2", "0.10.2", "KAFKA-1028, KAFKA-1555; Java producer"),
    ("0.11.0", "1.1", "KIP-101, KIP-106; KIP-98 (enable.idempotence)"),
    ("2.0.0", "2.0.0", "KIP-279"),
    ("2.0.1", "2.0.x", "KAFKA-7128, KAFKA-7415"),
    ("2.1", "2.1", "KIP-320, KAFKA-7152, KAFKA-7164; KIP-91 (retries forever)"),
    ("2.2", "2.3", "KIP-380"),
    ("2.4", "2.8", "KIP-360: a leader without the producer's state accepts any sequence "
                   "(KAFKA-7190)"),
    ("3.0.0", "3.0.0", "KIP-679; its enable.idempotence default not applied (KAFKA-13598)"),
    ("3.0.1", "3.0.x", "KAFKA-13598 (the enable.idempotence default applied)"),
    ("3.1.0", "3.1.0", "KAFKA-13598 again: enable.idempotence default not applied"),
    ("3.1.1", "3.2", "KAFKA-13598 (the enable.idempotence default applied)"),
    ("3.3", "3.6", "KIP-841; KRaft (KIP-833)"),
    ("3.7", "3.9", "KAFKA-15583"),
    ("4.0", "4.0", "KIP-966 available (off by default); ZooKeeper removed"),
    ("4.1", "", "KIP-966 on by default"),
)


# Each rule of `Rules` (a `semantics:` switch) in a few words and the KIP or JIRA that
# brought it, for whoever names a rule to a user (`kafkamc diff`).
RULE_NAMES: dict[str, tuple[str, str]] = {
    "truncation": ("how a follower truncates its log when it follows a new leader",
                   "KIP-101, KIP-279, KIP-320"),
    "rejoin_after_epoch_start": ("a follower rejoins the ISR only from the start offset of "
                                 "the leader's epoch", "KAFKA-7128"),
    "epoch_cache_on_election": ("a new leader caches its epoch when elected", "KAFKA-7415"),
    "caught_up_kept_in_isr": ("a follower at the leader's LEO is never dropped for lag",
                              "KAFKA-7152"),
    "bounce_detection": ("the controller notices a broker that restarted quickly", "KIP-380"),
    "fenced_isr_exclusion": ("a fenced replica cannot join the ISR", "KIP-841"),
    "strict_min_isr": ("the high watermark advances only while the ISR has "
                       "min.insync.replicas members", "KAFKA-15583"),
    "eligible_leader_replicas": ("eligible leader replicas, ELR", "KIP-966"),
}
# Settings whose default changed between eras, and the change that did it.
DEFAULT_SOURCES: dict[str, str] = {
    "producer.acks": "the Java producer (acks=1 from 0.8.2) and KIP-679 (acks=all from 3.0)",
    "topic.unclean.leader.election.enable": "KIP-106 (off by default from 0.11)",
    "producer.retries": "KIP-91 (0 before 2.1, 2147483647 from 2.1)",
    "producer.enable.idempotence": "KIP-679 (true from 3.0; applied from 3.0.1, 3.1.1 and "
                                   "3.2, KAFKA-13598)",
}


def era_boundaries() -> list[str]:
    """The first release of each era, oldest first."""
    return [first for first, _, _ in _BOUNDARIES]


def era_table() -> list[dict[str, str]]:
    """One row per era, oldest first, every value a string, for `kafkamc eras`."""
    return [_row(first, last, source) for first, last, source in _BOUNDARIES]


def _row(first: str, last: str, source: str) -> dict[str, str]:
    era = era_for(first)
    has_unclean = era.has_key("topic.unclean.leader.election.enable")
    return {
        "versions": _range(first, last),
        "acks": era.acks,
        "unclean.leader.election.enable": (kafka_bool(era.unclean_leader_election)
                                           if has_unclean
                                           else "always on (no key)"),
        "min.insync.replicas": (str(era.min_insync_replicas)
                                if era.has_key("topic.min.insync.replicas") else "no key"),
        "retries": (str(era.retries) if era.has_key("producer.retries")
                    else "none (old Scala producer)"),
        "enable.idempotence": (kafka_bool(era.enable_idempotence)
                               if era.has_key("producer.enable.idempotence") else "no key"),
        "max.in.flight.requests.per.connection": _in_flight_words(era),
        "unknown_producer": (("accepted" if era.unknown_producer_accepted else "refused")
                              if era.has_key("producer.enable.idempotence") else "n/a"),
        "truncation": era.rules.truncation,
        "rejoin_after_epoch_start": _on(era.rules.rejoin_after_epoch_start),
        "bounce_detection": _on(era.rules.bounce_detection),
        "fenced_isr_exclusion": _on(era.rules.fenced_isr_exclusion),
        "epoch_cache_on_election": _on(era.rules.epoch_cache_on_election),
        "caught_up_kept_in_isr": _on(era.rules.caught_up_kept_in_isr),
        "truncate_on_missed_epoch": _on(era.rules.truncate_on_missed_epoch),
        "strict_min_isr": _on(era.rules.strict_min_isr),
        "eligible_leader_replicas": (_on(era.rules.eligible_leader_replicas)
                                     if era.eligible_leader_replicas_available else "n/a"),
        "metadata": era.metadata,
        "source": source,
    }


def _in_flight_words(era: Era) -> str:
    if not era.has_key("producer.max.in.flight.requests.per.connection"):
        return "1 (old Scala producer)"
    if not era.has_key("producer.enable.idempotence"):
        return str(MAX_IN_FLIGHT_DEFAULT)
    most, source = idempotent_in_flight(era.version)
    return f"{MAX_IN_FLIGHT_DEFAULT} (idempotent: at most {most}, {source})"


def _range(first: str, last: str) -> str:
    if not last:
        return f"{first}+"
    return first if last == first else f"{first}–{last}"


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def kafka_bool(flag: bool) -> str:
    """A boolean as Kafka writes it in its configs."""
    return "true" if flag else "false"
