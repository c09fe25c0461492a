"""The catalogue of Kafka keys: which `import` maps onto kafkamc's config, and why
it ignores each of the others (the warnings a user reads)."""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from kafkamc.kafka_import.describe import TopicConfigs
from kafkamc.kafka_import.settings import ImportWarning, Setting

# ---------------------------------------------------------------------------------
# What kafkamc maps, and why it ignores the rest.

# Broker key -> the topic config it is the default of (LogConfig's synonyms).
BROKER_TO_TOPIC: dict[str, str] = {
    "min.insync.replicas": "min.insync.replicas",
    "unclean.leader.election.enable": "unclean.leader.election.enable",
    "log.flush.interval.messages": "flush.messages",
}
TOPIC_TO_BROKER: dict[str, str] = {topic: broker for broker, topic in BROKER_TO_TOPIC.items()}
# Keys `import` reads from server.properties besides the topic defaults.
BROKER_READ = ("default.replication.factor", "inter.broker.protocol.version", "process.roles",
               "auto.leader.rebalance.enable")
PRODUCER_READ = ("acks", "retries", "max.in.flight.requests.per.connection",
                 "enable.idempotence")

_ISR_TIMING = ("kafkamc lets a lagging follower leave the ISR at any moment, which covers "
               "every value of this timeout (faults.lagging_followers bounds how often)")
_FETCH_TUNING = ("fetch tuning: kafkamc's followers fetch any number of records at any "
                 "moment, which covers every value")
_DETECTION = ("failure detection timing: kafkamc's controller notices a failed or cut-off "
              "broker after any delay")
_TIMED_FLUSH = ("a timed fsync is not modelled: kafkamc knows an fsync on every append "
                "(flush.messages=1) or none, and without one the OS writes data back at any "
                "moment, which covers a timed flush")
_REBALANCE_TIMING = ("rebalance timing: with auto.leader.rebalance.enable kafkamc's controller "
                     "moves leadership back to the preferred replica at any moment, which "
                     "covers every interval and every imbalance percentage below 100")
_GRACEFUL = ("kafkamc's clean restarts (faults.clean_restarts) are controlled shutdowns, as "
             "with Kafka's default controlled.shutdown.enable=true; retries are not modelled")
_INTERNAL_TOPIC = "applies to Kafka's internal topic {}, not to the modelled topic"
_THROTTLE = "throttling only slows fetches, and kafkamc's followers may lag by any amount"
_CHECKPOINT = "checkpoint lag is not modelled: a restarted broker keeps what it wrote"
_RESEND_TIMING = ("resend timing: kafkamc's producer resends up to bounds.retries times and any "
                  "request may time out (faults.lost_responses), which covers every timeout "
                  "and backoff")

# Settings that bear on replication but that kafkamc does not model: each one ignored is
# a warning of its own, with the reason.
BROKER_UNMODELLED: dict[str, str] = {
    "replica.lag.time.max.ms": _ISR_TIMING,
    "replica.lag.max.messages": "removed in Kafka 0.9; " + _ISR_TIMING,
    "num.replica.fetchers": _FETCH_TUNING,
    "replica.fetch.max.bytes": _FETCH_TUNING,
    "replica.fetch.min.bytes": _FETCH_TUNING,
    "replica.fetch.wait.max.ms": _FETCH_TUNING,
    "replica.fetch.backoff.ms": _FETCH_TUNING,
    "replica.fetch.response.max.bytes": _FETCH_TUNING,
    "replica.socket.timeout.ms": _FETCH_TUNING,
    "replica.socket.receive.buffer.bytes": _FETCH_TUNING,
    "replica.high.watermark.checkpoint.interval.ms": _CHECKPOINT,
    "log.flush.interval.ms": _TIMED_FLUSH,
    "log.flush.scheduler.interval.ms": _TIMED_FLUSH,
    "log.flush.offset.checkpoint.interval.ms": _CHECKPOINT,
    "log.flush.start.offset.checkpoint.interval.ms": _CHECKPOINT,
    "leader.imbalance.check.interval.seconds": _REBALANCE_TIMING,
    "leader.imbalance.per.broker.percentage": _REBALANCE_TIMING,
    "controlled.shutdown.enable": _GRACEFUL,
    "controlled.shutdown.max.retries": _GRACEFUL,
    "controlled.shutdown.retry.backoff.ms": _GRACEFUL,
    "zookeeper.session.timeout.ms": _DETECTION,
    "zookeeper.connection.timeout.ms": _DETECTION,
    "broker.session.timeout.ms": _DETECTION,
    "broker.heartbeat.interval.ms": _DETECTION,
    "offsets.topic.replication.factor": _INTERNAL_TOPIC.format("__consumer_offsets"),
    "transaction.state.log.replication.factor": _INTERNAL_TOPIC.format("__transaction_state"),
    "transaction.state.log.min.isr": _INTERNAL_TOPIC.format("__transaction_state"),
    "num.partitions": "kafkamc models one partition, and each partition replicates on its own",
    "broker.rack": "rack-aware placement is not modelled: kafkamc's faults may hit any broker",
    "replica.selector.class": ("reading from followers (KIP-392) is not modelled: kafkamc's "
                               "readers read from the leader"),
    "leader.replication.throttled.rate": _THROTTLE,
    "follower.replication.throttled.rate": _THROTTLE,
    "zookeeper.metadata.migration.enable": "a ZooKeeper-to-KRaft migration is not modelled",
    "unclean.leader.election.interval.ms": ("election timing: kafkamc's controller holds an "
                                            "unclean election after any delay"),
    "remote.log.storage.system.enable": "tiered storage (KIP-405) is not modelled",
}
TOPIC_UNMODELLED: dict[str, str] = {
    "flush.ms": _TIMED_FLUSH,
    "leader.replication.throttled.replicas": _THROTTLE,
    "follower.replication.throttled.replicas": _THROTTLE,
    "remote.storage.enable": "tiered storage (KIP-405) is not modelled",
}
PRODUCER_UNMODELLED: dict[str, str] = {
    "delivery.timeout.ms": _RESEND_TIMING,
    "request.timeout.ms": _RESEND_TIMING,
    "retry.backoff.ms": _RESEND_TIMING,
    "retry.backoff.max.ms": _RESEND_TIMING,
    "transactional.id": "transactions are not modelled: kafkamc checks plain writes",
    "transaction.timeout.ms": "transactions are not modelled: kafkamc checks plain writes",
    "metadata.max.age.ms": ("kafkamc's producer may act on stale metadata at any moment (a "
                            "zombie leader takes writes), which covers every refresh interval"),
}

# ---------------------------------------------------------------------------------
# Warnings for what is ignored.

# Kafka logs "supplied but isn't a known config" for a misspelt key and goes on with the
# default, so a near miss of a key that matters deserves its own warning. Not
# config.closest(): its cutoff suits kafkamc's few keys, but Kafka's hundreds share long
# prefixes, and at that cutoff real keys (fetch.max.bytes, controller.socket.timeout.ms)
# would read as misspellings of modelled ones.
_TYPO_CUTOFF = 0.88


def ignored_server(server: Mapping[str, Setting], file: str,
                   kind: str = "server.properties") -> list[ImportWarning]:
    read = {*BROKER_TO_TOPIC, *BROKER_READ, "eligible.leader.replicas.enable"}
    return _ignored(server.values(), file, read, BROKER_UNMODELLED, kind)


def ignored_topic(topic: TopicConfigs) -> list[ImportWarning]:
    # Only what was set for the topic or dynamically counts: STATIC_BROKER_CONFIG values
    # are server.properties', warned about there, and DEFAULT_CONFIG ones are not set.
    latest = {key: values[-1] for key, values in topic.settings.items()
              if key not in TOPIC_TO_BROKER}
    warnings = list(topic.ignored_sections)
    warnings += _ignored(latest.values(), topic.file, set(TOPIC_TO_BROKER), TOPIC_UNMODELLED,
                         "topic")
    return warnings


def ignored_producer(producer: Mapping[str, Setting], file: str) -> list[ImportWarning]:
    return _ignored(producer.values(), file, set(PRODUCER_READ), PRODUCER_UNMODELLED,
                    "producer")


def _ignored(settings: Iterable[Setting], file: str, read: set[str],
             unmodelled: Mapping[str, str], what: str) -> list[ImportWarning]:
    warnings, others = [], []
    known = [*read, *unmodelled]
    for setting in settings:
        if setting.key in read:
            continue
        if setting.key in unmodelled:
            warnings.append(setting.warning(f"ignored: {unmodelled[setting.key]}"))
            continue
        near = difflib.get_close_matches(setting.key, known, n=1, cutoff=_TYPO_CUTOFF)
        if near:
            warnings.append(setting.warning(
                f"ignored: not a key kafkamc knows; did you mean '{near[0]}'? Kafka ignores "
                f"a misspelt key and uses the default"))
        else:
            others.append(setting.key)
    if others:
        shown = ", ".join(others[:6]) + (f" and {len(others) - 6} more" if len(others) > 6
                                         else "")
        many = len(others) > 1
        warnings.append(ImportWarning(
            f"ignored {len(others)} other {what} setting{'s' if many else ''}, which "
            f"{'do' if many else 'does'} not change how a partition replicates: {shown}",
            file=file))
    return warnings
