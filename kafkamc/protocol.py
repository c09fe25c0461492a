"""The protocol version a cluster speaks decides some rules, not its binaries' release.

A ZooKeeper-mode cluster is upgraded in two rolling steps: new binaries first, then
`inter.broker.protocol.version` (IBP). Until the IBP is bumped the brokers keep
sending the old requests, so the rules those requests carry stay off. In KRaft the
`metadata.version` (MV) and the feature levels finalized with it play that part.
Checked against Apache Kafka's source (ReplicaFetcherThread, EligibleLeaderReplicasVersion):

- KIP-101 truncation: the follower sends OffsetsForLeaderEpoch only from IBP 0.11.0-IV2
  (`shouldSendLeaderEpochRequest`); before, it truncates to its HW.
- KIP-279: OffsetsForLeaderEpoch v1, whose answer carries the leader's epoch, from IBP
  2.0-IV0 (`offsetForLeaderEpochRequestVersion`); v0 gives KIP-101's answer.
- KIP-320: Fetch v10, which carries the follower's current leader epoch, from IBP
  2.1-IV2 (`fetchRequestVersion`); older fetches cannot be fenced.
- KIP-966: `eligible.leader.replicas.version` 1 needs MV 4.0-IV1 and is on by default
  for clusters at MV 4.1-IV0 or later.
- KAFKA-7128's rejoin rule is not gated: Partition.makeLeader records the epoch's
  start offset whatever the IBP, so it follows the binaries.
- Neither is KAFKA-7164's: Partition.makeFollower decides whether a notice makes the
  replica a follower again without sending any request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kafkamc.eras import at_least, parse_version
from kafkamc.errors import ConfigError
from kafkamc.resolved import Rules, Truncation

IBP_KEY = "inter.broker.protocol.version"
MV_KEY = "metadata.version"
ELR_FEATURE = "eligible.leader.replicas.version"
KRAFT_FROM = "3.3"           # kafkamc models ZooKeeper mode before 3.3, KRaft from 3.3
ACCEPTED = 'a release, optionally with its inter-version, e.g. "2.0", "2.1-IV2", "0.11.0-IV2"'

_FORM = re.compile(r"(?P<release>\d+\.\d+(?:\.\d+)?)(?:-IV(?P<iv>\d+))?")


@dataclass(frozen=True)
class Protocol:
    """A protocol version: a release and, if given, its inter-version (IV); a release
    without one means its last inter-version, as in Kafka."""

    release: str
    iv: int | None

    def at_least(self, release: str, iv: int) -> bool:
        if at_least(self.release, release) and not at_least(release, self.release):
            return True     # a later release
        if not at_least(self.release, release):
            return False    # an earlier release
        return self.iv is None or self.iv >= iv


def parse_protocol(text: str, key: str) -> Protocol:
    """`"2.1-IV2"` -> Protocol("2.1", 2); a ConfigError naming `key` if malformed."""
    match = _FORM.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(f"{text!r} is not a protocol version; allowed: {ACCEPTED}", key=key)
    try:
        parse_version(match["release"])
    except ConfigError as error:
        raise ConfigError(error.detail, key=key) from None
    return Protocol(match["release"], int(match["iv"]) if match["iv"] is not None else None)


# The first IBP of each truncation rule, newest first, and the request that carries it.
TRUNCATION_GATES: tuple[tuple[str, int, Truncation, str], ...] = (
    ("2.1", 2, "kip320", "Fetch v10 carries the current leader epoch (KIP-320)"),
    ("2.0", 0, "kip279", "OffsetsForLeaderEpoch v1 answers with the leader's epoch (KIP-279)"),
    ("0.11.0", 2, "kip101", "the follower asks OffsetsForLeaderEpoch (KIP-101)"),
)
ELR_NEEDS = ("4.0", 1)       # eligible.leader.replicas.version 1 depends on MV 4.0-IV1
ELR_DEFAULT_FROM = ("4.1", 0)  # ... and is finalized by default from MV 4.1-IV0


def truncation_for(ibp: Protocol) -> Truncation:
    for release, iv, truncation, _ in TRUNCATION_GATES:
        if ibp.at_least(release, iv):
            return truncation
    return "high_watermark"


def problem(version: str, ibp: str | None, mv: str | None) -> tuple[str, str] | None:
    """The key and message of an impossible combination with `kafka_version`, if any."""
    kraft = at_least(version, KRAFT_FROM)
    if ibp is not None and kraft:
        return IBP_KEY, (f"Kafka {version} runs in KRaft mode here (kafkamc models KRaft from "
                         f"{KRAFT_FROM}), where {MV_KEY} takes this key's place; allowed: "
                         f"leave it out, or set {MV_KEY}")
    if mv is not None and not kraft:
        return MV_KEY, (f"Kafka {version} runs in ZooKeeper mode here (kafkamc models KRaft "
                        f"from {KRAFT_FROM}), which has no {MV_KEY}; allowed: leave it out, "
                        f"or set {IBP_KEY}")
    for key, text in ((IBP_KEY, ibp), (MV_KEY, mv)):
        if text is None:
            continue
        protocol = parse_protocol(text, key)
        if not at_least(version, protocol.release):
            return key, (f"{text!r} is newer than kafka_version {version}: a broker cannot "
                         f"speak a newer protocol than its own release (Kafka refuses to "
                         f"start); allowed: {version} or older")
        if key == MV_KEY and not at_least(protocol.release, KRAFT_FROM):
            return key, (f"{text!r} is older than {KRAFT_FROM}, where kafkamc's KRaft starts; "
                         f"allowed: {KRAFT_FROM} to {version}")
    return None


def elr_possible(mv: str | None) -> bool:
    """Whether the ELR feature can be finalized at this metadata.version (None: the binary's)."""
    return mv is None or parse_protocol(mv, MV_KEY).at_least(*ELR_NEEDS)


def protocol_rules(rules: Rules, ibp: str | None, mv: str | None) -> Rules:
    """The era's default rules under the protocol the cluster speaks (None: the binary's)."""
    if ibp is not None:
        rules = replace(rules, truncation=truncation_for(parse_protocol(ibp, IBP_KEY)))
    if mv is not None:
        on = parse_protocol(mv, MV_KEY).at_least(*ELR_DEFAULT_FROM)
        rules = replace(rules, eligible_leader_replicas=rules.eligible_leader_replicas and on)
    return rules


def protocol_column(version: str) -> str:
    """For `kafkamc eras`: the key that sets an era's protocol, and the protocol version
    that the era's newest gated rule needs."""
    if at_least(version, KRAFT_FROM):
        if at_least(version, ELR_DEFAULT_FROM[0]):
            return f"{MV_KEY} (ELR by default from {ELR_DEFAULT_FROM[0]}-IV{ELR_DEFAULT_FROM[1]})"
        if at_least(version, ELR_NEEDS[0]):
            return f"{MV_KEY} (ELR needs {ELR_NEEDS[0]}-IV{ELR_NEEDS[1]})"
        return MV_KEY
    for release, iv, truncation, _ in TRUNCATION_GATES:
        if at_least(version, release):
            return f"{IBP_KEY} ({truncation} needs {release}-IV{iv})"
    return IBP_KEY
