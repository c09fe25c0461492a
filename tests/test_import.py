"""`kafkamc import`: Kafka's own files (tests/fixtures/kafka/) in, a kafkamc config out.

The expected values are written out here as Kafka resolves them (a topic's override,
else a dynamic broker config, else server.properties, else the release's default), not
computed by kafkamc, so a wrong precedence or a lost setting fails a test. The CLI tests
run the installed console script; the last one checks an imported config with real TLC.
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import (
    ALL_PROPERTIES,
    VERDICTS,
    assert_no_traceback,
    assert_one_line_error,
    describe,
    json_stdout,
    run_kafkamc,
)

from kafkamc.compile import compile_model
from kafkamc.config import Model
from kafkamc.errors import ConfigError
from kafkamc.kafka_import.describe import read_topic_file
from kafkamc.kafka_import.properties import parse_properties
from kafkamc.kafka_import.resolve import Imported, import_files
from kafkamc.kafka_import.settings import ImportWarning, Layer

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "kafka"
ZK_36 = FIXTURES / "server-3.6-zookeeper.properties"
KRAFT_41 = FIXTURES / "server-4.1-kraft.properties"
TOPICS_DESCRIBE = FIXTURES / "topics-describe.txt"          # orders, clicks, audit
CLICKS_TOPICS = FIXTURES / "clicks-topics-describe.txt"      # kafka-topics.sh, RF 2
EVENTS_ALL = FIXTURES / "events-describe-all.txt"            # kafka-configs.sh --all
TOPIC_PROPERTIES = FIXTURES / "topic.properties"
PRODUCER = FIXTURES / "producer.properties"


def line_of(path: Path, text: str) -> int:
    """The number of the first line of `path` that starts with `text` (after blanks)."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.lstrip().startswith(text):
            return number
    raise AssertionError(f"{text!r} not in {path}")


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


def round_trip(imported: Imported, tmp_path: Path) -> Model:
    """The written YAML, read back as a user's config file is read."""
    path = tmp_path / "imported.yaml"
    path.write_text(imported.to_yaml())
    model = Model.from_yaml(path)
    assert model == imported.model
    return model


def warned(imported: Imported) -> dict[tuple[str | None, int | None, str | None], str]:
    return {(w.file, w.line, w.key): w.message for w in imported.warnings}


# ---------------------------------------------------------------------------------
# Java .properties, as java.util.Properties.load reads them.

def test_properties_separators_comments_and_blanks() -> None:
    text = ("# a comment\n"
            "! another comment\n"
            "\n"
            "   \t\n"
            "a=1\n"
            "b: 2\n"
            "c 3\n"
            "  d = 4 \n"
            "e\t:\t5\n"
            "f\n"
            "g=\n"
            "h==x\n"
            "i = a = b\n")
    settings = parse_properties(text, "f.properties")
    assert [(s.key, s.value, s.line) for s in settings] == [
        ("a", "1", 5), ("b", "2", 6), ("c", "3", 7), ("d", "4 ", 8), ("e", "5", 9),
        ("f", "", 10), ("g", "", 11), ("h", "=x", 12), ("i", "a = b", 13)]
    # Kafka's ConfigDef trims what Properties.load keeps.
    assert settings[3].text == "4"


def test_properties_line_continuations() -> None:
    text = ("zookeeper.connect=zk-1:2181,\\\n"
            "                  zk-2:2181,\\\n"
            "   # not a comment: a continued line\n"
            "# a comment line ending in a backslash does not continue \\\n"
            "even=a\\\\\n"
            "next=b\n"
            "last=c\\")
    settings = parse_properties(text, "f.properties")
    assert [(s.key, s.value, s.line) for s in settings] == [
        ("zookeeper.connect", "zk-1:2181,zk-2:2181,# not a comment: a continued line", 1),
        ("even", "a\\", 5), ("next", "b", 6), ("last", "c", 7)]


def test_properties_escapes_and_line_endings() -> None:
    text = "a=x\\ty\r\nb=\\u0041\\u00e9\rkey\\=with\\:seps\\ x=1\nd=C:\\\\kafka\\data\n"
    settings = parse_properties(text, "f.properties")
    assert [(s.key, s.value, s.line) for s in settings] == [
        ("a", "x\ty", 1), ("b", "A\u00e9", 2), ("key=with:seps x", "1", 3),
        ("d", "C:\\kafkadata", 4)]


def test_malformed_unicode_escape_names_file_and_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_properties("a=1\nmin.insync.replicas=\\u12G4\n", "s.properties")
    error = caught.value
    assert (error.file, error.line, error.key) == ("s.properties", 2, "min.insync.replicas")
    assert "malformed" in error.detail and "allowed" in error.detail


# ---------------------------------------------------------------------------------
# Describe outputs.

def test_kafka_configs_describe_has_every_topic_and_its_overrides() -> None:
    topics = read_topic_file(str(TOPICS_DESCRIBE))
    assert list(topics) == ["orders", "clicks", "audit"]
    orders = topics["orders"]
    assert {key: [(s.text, s.layer) for s in values]
            for key, values in orders.settings.items()} == {
        "flush.messages": [("1", Layer.TOPIC)],
        "min.insync.replicas": [("3", Layer.TOPIC)],
        "retention.ms": [("604800000", Layer.TOPIC)]}
    # STATIC_BROKER_CONFIG synonyms are kept apart: they are server.properties' values.
    assert {k: s.text for k, s in orders.cluster_static.items()} == {"min.insync.replicas": "2"}
    # A value that holds commas (cleanup.policy=compact,delete) stays whole.
    assert topics["clicks"].settings["cleanup.policy"][0].text == "compact,delete"
    assert topics["audit"].settings == {}


def test_describe_all_counts_only_values_that_were_set() -> None:
    events = read_topic_file(str(EVENTS_ALL))["events"]
    # Every other entry is Kafka's default (DEFAULT_CONFIG or no synonym at all) or
    # server.properties' (STATIC_BROKER_CONFIG).
    assert {key: [(s.key, s.text, s.layer) for s in values]
            for key, values in events.settings.items()} == {
        "min.insync.replicas": [("min.insync.replicas", "3", Layer.DYNAMIC_DEFAULT_BROKER)],
        "retention.ms": [("retention.ms", "86400000", Layer.TOPIC)]}


def test_old_zookeeper_describe_and_broker_sections(tmp_path: Path) -> None:
    synonym = "DYNAMIC_DEFAULT_BROKER_CONFIG:min.insync.replicas=3"
    path = write(tmp_path, "describe.txt", f"""\
        Configs for topic 'legacy' are min.insync.replicas=2,cleanup.policy=compact,delete
        Default configs for brokers in the cluster are:
          min.insync.replicas=3 sensitive=false synonyms={{{synonym}}}
        """)
    imported = import_files(ZK_36, path)
    assert imported.model.topic.min_insync_replicas == 2
    assert imported.model.name == "legacy"
    assert any("ignored the section 'Default configs for brokers" in w.message and w.line == 2
               for w in imported.warnings), imported.warnings


def test_kafka_topics_output_whose_tabs_became_spaces(tmp_path: Path) -> None:
    copied = CLICKS_TOPICS.read_text().replace("\t", "    ")
    topics = read_topic_file(str(write(tmp_path, "clicks.txt", copied)))
    clicks = topics["clicks"]
    assert clicks.replication_factor is not None and clicks.replication_factor.text == "2"
    assert clicks.settings["unclean.leader.election.enable"][0].text == "true"


# ---------------------------------------------------------------------------------
# Round trips: what Kafka would resolve, through the written YAML.

# (files, options) -> the resolved values Kafka runs with, written out by hand.
ROUND_TRIPS: dict[str, tuple[tuple[Path, ...], dict[str, Any], dict[str, Any]]] = {
    # orders overrides min ISR (3, above the brokers' 2) and fsyncs every append; the
    # brokers' unclean election setting and default.replication.factor apply; acks=1.
    "zk-orders": ((ZK_36, TOPICS_DESCRIBE, PRODUCER), {"topic": "orders"}, {
        "name": "orders", "kafka_version": "3.6", "replication_factor": 3,
        "min_insync_replicas": 3, "unclean_leader_election": False,
        "flush_every_append": True, "acks": "1", "fenced_isr_exclusion": False,
        "eligible_leader_replicas": False}),
    # clicks overrides downwards: a topic's 1 beats the brokers' 2 (precedence, not max).
    "zk-clicks": ((ZK_36, TOPICS_DESCRIBE), {"topic": "clicks"}, {
        "name": "clicks", "kafka_version": "3.6", "replication_factor": 3,
        "min_insync_replicas": 1, "unclean_leader_election": True,
        "flush_every_append": False, "acks": "all", "fenced_isr_exclusion": False,
        "eligible_leader_replicas": False}),
    # audit overrides nothing: server.properties throughout.
    "zk-audit": ((ZK_36, TOPICS_DESCRIBE), {"topic": "audit"}, {
        "name": "audit", "kafka_version": "3.6", "replication_factor": 3,
        "min_insync_replicas": 2, "unclean_leader_election": False,
        "flush_every_append": False, "acks": "all", "fenced_isr_exclusion": False,
        "eligible_leader_replicas": False}),
    # kafka-topics.sh gives the existing topic's replication factor.
    "zk-clicks-kafka-topics": ((ZK_36, CLICKS_TOPICS), {}, {
        "name": "clicks", "kafka_version": "3.6", "replication_factor": 2,
        "min_insync_replicas": 1, "unclean_leader_election": True,
        "flush_every_append": False, "acks": "all", "fenced_isr_exclusion": False,
        "eligible_leader_replicas": False}),
    # A plain topic .properties; --topic names it.
    "zk-payments": ((ZK_36, TOPIC_PROPERTIES), {"topic": "payments"}, {
        "name": "payments", "kafka_version": "3.6", "replication_factor": 3,
        "min_insync_replicas": 3, "unclean_leader_election": False,
        "flush_every_append": False, "acks": "all", "fenced_isr_exclusion": False,
        "eligible_leader_replicas": False}),
    # KRaft 4.1: the cluster-wide dynamic default (3) beats server.properties (2); the
    # misspelt unclean key is ignored, so 4.1's default (false) applies; fsync every
    # append from log.flush.interval.messages=1; ELR on by default in 4.1.
    "kraft-events": ((KRAFT_41, EVENTS_ALL), {"kafka_version": "4.1"}, {
        "name": "events", "kafka_version": "4.1", "replication_factor": 3,
        "min_insync_replicas": 3, "unclean_leader_election": False,
        "flush_every_append": True, "acks": "all", "fenced_isr_exclusion": True,
        "eligible_leader_replicas": True}),
    # The same brokers on 4.0: ELR available but off by default; no topic file.
    "kraft-4.0-brokers-only": ((KRAFT_41,), {"kafka_version": "4.0"}, {
        "name": "imported", "kafka_version": "4.0", "replication_factor": 3,
        "min_insync_replicas": 2, "unclean_leader_election": False,
        "flush_every_append": True, "acks": "all", "fenced_isr_exclusion": True,
        "eligible_leader_replicas": False}),
}


@pytest.mark.parametrize("case", list(ROUND_TRIPS))
def test_round_trip_gives_what_kafka_resolves(case: str, tmp_path: Path) -> None:
    files, options, expected = ROUND_TRIPS[case]
    model = round_trip(import_files(*files, **options), tmp_path)
    resolved = model.resolve()
    assert {
        "name": resolved.name, "kafka_version": resolved.kafka_version,
        "replication_factor": resolved.replication_factor,
        "min_insync_replicas": resolved.min_insync_replicas,
        "unclean_leader_election": resolved.unclean_leader_election,
        "flush_every_append": resolved.flush_every_append, "acks": resolved.acks,
        "fenced_isr_exclusion": resolved.rules.fenced_isr_exclusion,
        "eligible_leader_replicas": resolved.rules.eligible_leader_replicas,
    } == expected
    # Faults and bounds are the starting values, to be edited.
    assert (resolved.faults.crashes, resolved.faults.power_losses, resolved.records) == (1, 0, 2)
    # And `kafkamc check` can compile it (the end-to-end test below runs one with TLC).
    assert "MODULE" in compile_model(resolved).tla


def test_acks_minus_one_is_all(tmp_path: Path) -> None:
    producer = write(tmp_path, "producer.properties", "acks = -1\n")
    imported = import_files(ZK_36, producer=producer)
    assert round_trip(imported, tmp_path).producer.acks == "all"


def test_settings_no_file_gives_stay_unset_for_the_era_default(tmp_path: Path) -> None:
    server = write(tmp_path, "server.properties", "inter.broker.protocol.version=2.8-IV1\n")
    imported = import_files(server)
    model = round_trip(imported, tmp_path)
    # Unset, not frozen: the era's default applies, and the file says so only in comments.
    assert model.topic.min_insync_replicas is None
    assert model.topic.unclean_leader_election_enable is None
    assert model.topic.flush_messages is None
    assert model.producer.acks is None
    data = yaml.safe_load(imported.to_yaml())
    assert data["topic"] == {"replication.factor": 1}      # Kafka's default.replication.factor
    assert "producer" not in data
    assert model.resolve().acks == "1"                      # 2.8's default
    assert "acks 1" in imported.to_yaml()


def test_yaml_says_where_each_value_came_from_and_to_edit_faults(tmp_path: Path) -> None:
    imported = import_files(ZK_36, TOPICS_DESCRIBE, PRODUCER, topic="orders")
    text = imported.to_yaml()
    by_key = {line.split(":")[0].strip(): line for line in text.splitlines()
              if not line.startswith("#")}
    assert f"{TOPICS_DESCRIBE}:{line_of(TOPICS_DESCRIBE, 'min.insync.replicas=3')}" \
           in by_key["min.insync.replicas"]
    assert "the topic's override" in by_key["min.insync.replicas"]
    assert f"{ZK_36}:{line_of(ZK_36, 'unclean.leader.election.enable')}" \
           in by_key["unclean.leader.election.enable"]
    assert f"{ZK_36}:{line_of(ZK_36, 'inter.broker.protocol.version')}" in by_key["kafka_version"]
    assert f"{PRODUCER}:{line_of(PRODUCER, 'acks')}" in by_key["acks"]
    lines = text.splitlines()
    faults = lines.index("faults:")
    assert "edit" in " ".join(lines[faults - 6:faults]).lower()
    # Issue 18: import says which lag budget it assumed, in the comment and the config.
    assert "lagging_followers: any assumes" in " ".join(lines[faults - 3:faults])
    assert "  lagging_followers: any" in lines[faults + 1:faults + 8]
    assert imported.model.resolve().faults.lagging_followers is None


def test_replication_factor_and_version_options_win(tmp_path: Path) -> None:
    imported = import_files(ZK_36, CLICKS_TOPICS, replication_factor=3, kafka_version="3.7")
    model = round_trip(imported, tmp_path)
    assert (model.topic.replication_factor, model.kafka_version) == (3, "3.7")
    messages = warned(imported)
    assert "kafkamc uses --replication-factor 3" in \
        messages[(str(CLICKS_TOPICS), line_of(CLICKS_TOPICS, "Topic: clicks"), "ReplicationFactor")]
    # Brokers on 3.7 still speaking 3.6: a rolling upgrade, which Kafka allows.
    assert "mid-upgrade" in messages[(str(ZK_36), line_of(ZK_36, "inter.broker"),
                                      "inter.broker.protocol.version")]


def test_older_protocol_than_the_release_is_the_configs_protocol(tmp_path: Path) -> None:
    server = write(tmp_path, "server.properties",
                   "inter.broker.protocol.version=2.0-IV1\nauto.leader.rebalance.enable=false\n")
    imported = import_files(server, kafka_version="2.1", replication_factor=3)
    model = round_trip(imported, tmp_path)
    assert model.inter_broker_protocol_version == "2.0-IV1"
    assert model.topic.auto_leader_rebalance_enable is False
    resolved = model.resolve()
    # KIP-320's fencing waits for the protocol bump (Fetch v10 from 2.1-IV2).
    assert (resolved.rules.truncation, resolved.auto_leader_rebalance) == ("kip279", False)
    assert "applies the rules of protocol 2.0" in \
        warned(imported)[(str(server), 1, "inter.broker.protocol.version")]


def test_protocol_of_the_release_sets_no_protocol_key(tmp_path: Path) -> None:
    server = write(tmp_path, "server.properties", "inter.broker.protocol.version=2.1\n")
    model = round_trip(import_files(server, replication_factor=3), tmp_path)
    assert model.inter_broker_protocol_version is None and model.kafka_version == "2.1"
    assert model.topic.auto_leader_rebalance_enable is None       # Kafka's default, true


FEATURES_41 = FIXTURES / "features-describe-4.1.txt"   # MV 4.0-IV3, ELR level 1


def test_kafka_features_describe_gives_metadata_version_and_elr(tmp_path: Path) -> None:
    """A 4.1 cluster created at 4.0 keeps ELR off by default; the finalized levels
    that kafka-features.sh prints say what it really runs."""
    imported = import_files(KRAFT_41, kafka_version="4.1", features=FEATURES_41)
    model = round_trip(imported, tmp_path)
    assert model.metadata_version == "4.0-IV3"
    assert model.semantics.eligible_leader_replicas is True
    assert model.resolve().rules.eligible_leader_replicas is True
    warnings = warned(imported)
    assert "does not model this feature" in warnings[(str(FEATURES_41), 2, "group.version")]
    # Given by the file, so no note that ELR is assumed.
    assert not any("eligible leader replicas (KIP-966) are a cluster feature" in str(w)
                   for w in imported.warnings)
    assert f"{FEATURES_41}:1 eligible.leader.replicas.version" in imported.to_yaml()


def test_elr_finalized_on_a_metadata_version_without_it_names_the_line(tmp_path: Path) -> None:
    features = write(tmp_path, "features.txt",
                     "Feature: metadata.version\tSupportedMinVersion: 3.3-IV3\t"
                     "SupportedMaxVersion: 3.9-IV0\tFinalizedVersionLevel: 3.9-IV0\tEpoch: 3\n"
                     "Feature: eligible.leader.replicas.version\tSupportedMinVersion: 0\t"
                     "SupportedMaxVersion: 1\tFinalizedVersionLevel: 1\tEpoch: 3\n")
    with pytest.raises(ConfigError) as raised:
        import_files(KRAFT_41, kafka_version="4.1", features=features)
    assert (raised.value.file, raised.value.line) == (str(features), 2)
    assert "needs metadata.version 4.0-IV1" in str(raised.value)


def test_a_file_that_is_not_features_output_is_refused_with_its_line(tmp_path: Path) -> None:
    features = write(tmp_path, "features.txt", "\nmetadata.version=4.0\n")
    with pytest.raises(ConfigError) as raised:
        import_files(KRAFT_41, kafka_version="4.1", features=features)
    assert (raised.value.file, raised.value.line) == (str(features), 2)


def test_flush_interval_other_than_1_is_no_fsync_with_a_warning(tmp_path: Path) -> None:
    server = write(tmp_path, "server.properties", """\
        inter.broker.protocol.version=3.6
        log.flush.interval.messages=10000
        """)
    imported = import_files(server)
    assert imported.model.topic.flush_messages is None
    assert "modelled as no fsync" in warned(imported)[(str(server), 2,
                                                       "log.flush.interval.messages")]


def test_key_the_release_did_not_have_is_ignored_as_kafka_ignores_it(tmp_path: Path) -> None:
    server = write(tmp_path, "server.properties", """\
        inter.broker.protocol.version=0.8.1
        min.insync.replicas=2
        """)
    imported = import_files(server)
    assert imported.model.topic.min_insync_replicas is None
    assert "came in 0.8.2" in warned(imported)[(str(server), 2, "min.insync.replicas")]
    round_trip(imported, tmp_path)


def test_describe_disagreeing_with_the_server_properties_given(tmp_path: Path) -> None:
    server = write(tmp_path, "server.properties", """\
        inter.broker.protocol.version=3.6
        min.insync.replicas=1
        """)
    imported = import_files(server, TOPICS_DESCRIBE, topic="clicks")
    line = line_of(TOPICS_DESCRIBE, "min.insync.replicas=1")
    assert "runs with '2' in its server.properties" in \
        warned(imported)[(str(TOPICS_DESCRIBE), line, "min.insync.replicas")]


# ---------------------------------------------------------------------------------
# Warnings for what import ignores.

def test_every_ignored_replication_setting_is_its_own_warning() -> None:
    imported = import_files(ZK_36, TOPICS_DESCRIBE, PRODUCER, topic="clicks")
    found = warned(imported)
    individually = {
        (ZK_36, "replica.lag.time.max.ms"): "ISR",
        (ZK_36, "num.replica.fetchers"): "fetch",
        (ZK_36, "log.flush.interval.ms"): "fsync",
        (ZK_36, "zookeeper.connection.timeout.ms"): "failure detection",
        (ZK_36, "num.partitions"): "one partition",
        (ZK_36, "offsets.topic.replication.factor"): "__consumer_offsets",
        (ZK_36, "transaction.state.log.replication.factor"): "__transaction_state",
        (ZK_36, "transaction.state.log.min.isr"): "__transaction_state",
        (TOPICS_DESCRIBE, "leader.replication.throttled.replicas"): "throttling",
        (PRODUCER, "delivery.timeout.ms"): "resends",
    }
    for (path, key), why in individually.items():
        message = found.get((str(path), line_of(path, key), key))
        assert message is not None, f"no warning for {key}: {imported.warnings}"
        assert message.startswith("ignored: ") and why in message, message
    # The mapped keys are used, not ignored.
    for key in ("min.insync.replicas", "unclean.leader.election.enable", "acks",
                "inter.broker.protocol.version", "retries", "enable.idempotence",
                "max.in.flight.requests.per.connection"):
        assert not any(w.key == key and "ignored" in w.message for w in imported.warnings)


def test_the_producer_model_keys_are_read() -> None:
    imported = import_files(ZK_36, TOPICS_DESCRIBE, PRODUCER, topic="orders")
    producer = imported.model.producer
    assert (producer.retries, producer.max_in_flight_requests_per_connection,
            producer.enable_idempotence) == (2147483647, 5, False)
    assert imported.model.resolve().producer.modelled


def test_settings_irrelevant_to_replication_are_one_line_per_file() -> None:
    imported = import_files(ZK_36, TOPICS_DESCRIBE, PRODUCER, topic="orders")
    summaries = {w.file: w.message for w in imported.warnings if w.line is None and w.file}
    assert summaries[str(ZK_36)].startswith("ignored 15 other server.properties settings")
    assert "listeners" in summaries[str(ZK_36)] and "and 9 more" in summaries[str(ZK_36)]
    assert summaries[str(TOPICS_DESCRIBE)] == (
        "ignored 1 other topic setting, which does not change how a partition replicates: "
        "retention.ms")
    assert "ignored 6 other producer settings" in summaries[str(PRODUCER)]
    # One warning per key at most: no key of the 15 is listed on a line of its own.
    keys = [w.key for w in imported.warnings if w.key is not None]
    assert "listeners" not in keys and "log.dirs" not in keys


def test_misspelt_key_is_called_out() -> None:
    imported = import_files(KRAFT_41, kafka_version="4.1")
    key = "unclean.leader.election.enabled"
    message = warned(imported)[(str(KRAFT_41), line_of(KRAFT_41, key), key)]
    assert "did you mean 'unclean.leader.election.enable'?" in message


# Keys of a real 3.9 broker's "KafkaConfig values" log that kafkamc does not read: none
# may be mistaken for a misspelling of a key it does read.
REAL_BROKER_KEYS = (
    "advertised.listeners", "auto.create.topics.enable", "background.threads", "broker.id",
    "compression.type", "connections.max.idle.ms", "controller.listener.names",
    "controller.quorum.retry.backoff.ms", "controller.socket.timeout.ms",
    "delete.topic.enable", "fetch.max.bytes", "group.initial.rebalance.delay.ms",
    "inter.broker.listener.name", "listeners", "log.cleaner.enable", "log.cleanup.policy",
    "log.dirs", "log.index.interval.bytes", "log.message.format.version",
    "log.retention.check.interval.ms", "log.retention.hours", "log.roll.hours",
    "log.segment.bytes", "message.max.bytes", "metadata.log.dir", "node.id", "num.io.threads",
    "num.network.threads", "num.recovery.threads.per.data.dir",
    "num.replica.alter.log.dirs.threads", "offsets.commit.required.acks",
    "offsets.topic.num.partitions", "replication.quota.window.num", "request.timeout.ms",
    "socket.receive.buffer.bytes", "socket.send.buffer.bytes", "transaction.max.timeout.ms",
    "transaction.state.log.num.partitions", "transaction.state.log.segment.bytes",
    "zookeeper.connect", "zookeeper.metadata.migration.min.batch.size", "zookeeper.set.acl",
)


def test_real_kafka_keys_are_not_taken_for_misspellings(tmp_path: Path) -> None:
    lines = ["inter.broker.protocol.version=3.6"] + [f"{key}=x" for key in REAL_BROKER_KEYS]
    server = write(tmp_path, "server.properties", "\n".join(lines) + "\n")
    imported = import_files(server)
    assert not [w for w in imported.warnings if "did you mean" in w.message]
    summary = [w for w in imported.warnings if w.line is None and w.file == str(server)]
    assert summary[0].message.startswith(f"ignored {len(REAL_BROKER_KEYS)} other")


def test_a_controllers_file_is_flagged(tmp_path: Path) -> None:
    server = write(tmp_path, "controller.properties", """\
        process.roles=controller
        node.id=3000
        default.replication.factor=3
        """)
    imported = import_files(server, kafka_version="4.1")
    assert "this is a controller, not a broker" in \
        warned(imported)[(str(server), 1, "process.roles")]


def test_warning_reads_like_a_config_error() -> None:
    warning = ImportWarning("ignored: why", file="s.properties", line=3, key="k")
    assert str(warning) == "s.properties:3: k: ignored: why"
    assert str(ImportWarning("about the whole import")) == "about the whole import"


def test_bom_and_latin1_are_read_as_java_reads_them(tmp_path: Path) -> None:
    server = tmp_path / "server.properties"
    server.write_bytes(b"\xef\xbb\xbfmin.insync.replicas=2\n"
                       b"inter.broker.protocol.version=3.6\nlog.dirs=/data/\xe9t\xe9\n")
    imported = import_files(server)
    # Java reads the BOM into the first key, so Kafka never sees min.insync.replicas.
    assert imported.model.topic.min_insync_replicas is None
    assert any("byte order mark" in w.message for w in imported.warnings)


# ---------------------------------------------------------------------------------
# The command line.

def test_cli_prints_yaml_on_stdout_and_warnings_on_stderr(tmp_path: Path) -> None:
    proc = run_kafkamc("import", ZK_36, TOPICS_DESCRIBE, "--producer", PRODUCER,
                       "--topic", "orders", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert_no_traceback(proc)
    config = tmp_path / "orders.yaml"
    config.write_text(proc.stdout)
    assert Model.from_yaml(config) == import_files(ZK_36, TOPICS_DESCRIBE, PRODUCER,
                                                   topic="orders").model
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("kafkamc: warning: ") for line in lines), describe(proc)
    assert any(f"{ZK_36}:{line_of(ZK_36, 'replica.lag.time.max.ms')}: replica.lag.time.max.ms: "
               f"ignored" in line for line in lines), describe(proc)


def test_cli_out_never_overwrites_without_force(tmp_path: Path) -> None:
    out = tmp_path / "clicks.yaml"
    first = run_kafkamc("import", ZK_36, TOPICS_DESCRIBE, "--topic", "clicks", "--out", out,
                        cwd=tmp_path)
    assert first.returncode == 0, describe(first)
    assert first.stdout == f"wrote {out}\n"
    written = out.read_text()
    assert Model.from_yaml(out).name == "clicks"

    again = run_kafkamc("import", ZK_36, TOPICS_DESCRIBE, "--topic", "audit", "--out", out,
                        cwd=tmp_path)
    assert again.returncode == 2, describe(again)
    assert_no_traceback(again)
    errors = [line for line in again.stderr.splitlines() if line.startswith("kafkamc: error:")]
    assert len(errors) == 1 and str(out) in errors[0] and "--force" in errors[0], describe(again)
    assert out.read_text() == written

    forced = run_kafkamc("import", ZK_36, TOPICS_DESCRIBE, "--topic", "audit", "--out", out,
                         "--force", cwd=tmp_path)
    assert forced.returncode == 0, describe(forced)
    assert Model.from_yaml(out).name == "audit"


# name -> (server.properties text or a fixture, topic file text or fixture or None,
#          producer text or None, extra options, fragments of the one error line)
BAD_INPUT: dict[str, tuple[Any, Any, str | None, list[str], list[str]]] = {
    "not an integer": ("inter.broker.protocol.version=3.6\nmin.insync.replicas=abc\n", None,
                       None, [], ["server.properties:2: min.insync.replicas:",
                                  "'abc' is not an integer", "allowed: an integer >= 1"]),
    "below the minimum": ("inter.broker.protocol.version=3.6\nmin.insync.replicas=0\n", None,
                          None, [], ["server.properties:2: min.insync.replicas:", "below 1",
                                     "allowed"]),
    "not a boolean": ("inter.broker.protocol.version=3.6\nunclean.leader.election.enable=yes\n",
                      None, None, [],
                      ["unclean.leader.election.enable: 'yes' is not a boolean",
                       "server.properties:2:", "allowed: true or false"]),
    "too many replicas for kafkamc": (
        "inter.broker.protocol.version=3.6\ndefault.replication.factor=7\n", None, None, [],
        ["server.properties:2: default.replication.factor: kafkamc cannot model this value",
         "allowed: an integer from 1 to 5"]),
    "malformed escape": ("inter.broker.protocol.version=3.6\nlog.dirs=\\uZZZZ\n", None, None,
                         [], ["server.properties:2: log.dirs: malformed", "allowed"]),
    "bad protocol version": ("inter.broker.protocol.version=three\n", None, None, [],
                             ["server.properties:1: inter.broker.protocol.version: 'three'",
                              "allowed"]),
    "protocol newer than the release": ("inter.broker.protocol.version=3.6-IV2\n", None, None,
                                        ["--kafka-version", "3.5"],
                                        ["server.properties:1: inter.broker.protocol.version:",
                                         "newer than the brokers' release 3.5"]),
    "no release": ("default.replication.factor=3\n", None, None, [],
                   ["server.properties: --kafka-version: which Kafka release do the brokers "
                    "run?", "no inter.broker.protocol.version",
                    "allowed: pass --kafka-version RELEASE, one of 0.8.0, 0.8.1", "3.9, 4.0, 4.1"]),
    "kraft without a release": (KRAFT_41, None, None, [],
                                ["server-4.1-kraft.properties:10: --kafka-version: which Kafka "
                                 "release", "a KRaft node", "allowed: pass --kafka-version"]),
    "zookeeper on 4.x": (ZK_36, None, None, ["--kafka-version", "4.1"],
                         ["process.roles: not set", "ZooKeeper was removed in 4.0"]),
    "bad --kafka-version": (ZK_36, None, None, ["--kafka-version", "3.x"],
                            ["--kafka-version: '3.x' is not a Kafka release", "allowed"]),
    "bad roles": ("process.roles=broker,observer\n", None, None, ["--kafka-version", "4.1"],
                  ["server.properties:1: process.roles:", "allowed: broker, controller"]),
    "several topics": (ZK_36, TOPICS_DESCRIBE, None, [],
                       ["topics-describe.txt: describes 3 topics (orders, clicks, audit)",
                        "--topic"]),
    "unknown topic": (ZK_36, TOPICS_DESCRIBE, None, ["--topic", "payments"],
                      ["--topic: no topic 'payments'", "orders, clicks, audit"]),
    "unreadable describe line": (
        ZK_36, "Dynamic configs for topic t are:\n  min.insync.replicas: 2 (or so)\n", None,
        [], ["topic.txt:2: cannot read this line", "allowed"]),
    "bad topic value": (ZK_36, "min.insync.replicas=two\n", None, [],
                        ["topic.txt:1: min.insync.replicas: 'two' is not an integer"]),
    "bad acks": (ZK_36, None, "acks=2\n", [],
                 ["producer.properties:1: acks: '2' is not a valid acks",
                  "allowed: all, -1, 0 or 1"]),
    "idempotence needs acks=all": (ZK_36, None, "enable.idempotence=true\nacks=1\n", [],
                                   ["producer.properties:2: acks: 1 with enable.idempotence",
                                    "allowed: all or -1"]),
    "idempotence needs retries": (ZK_36, None, "enable.idempotence=true\nretries=0\n", [],
                                  ["producer.properties:2: retries: 0 with enable.idempotence",
                                   "allowed: an integer >= 1"]),
    "idempotence allows 5 in flight": (
        ZK_36, None, "enable.idempotence=true\nmax.in.flight.requests.per.connection=6\n", [],
        ["producer.properties:2: max.in.flight.requests.per.connection: 6", "allowed: 1 to 5"]),
    "transactions need acks=all": (ZK_36, None, "transactional.id=tx-1\nacks=0\n", [],
                                   ["producer.properties:2: acks: 0 together with",
                                    "transactional.id", "allowed: all or -1"]),
    "kraft before 3.3": (KRAFT_41, None, None, ["--kafka-version", "3.2"],
                         ["process.roles: a KRaft node on 3.2", "allowed: --kafka-version 3.3"]),
    "replication factor option": (ZK_36, None, None, ["--replication-factor", "9"],
                                  ["--replication-factor: kafkamc cannot model this value",
                                   "1 to 5"]),
    "missing server file": (None, None, None, [], ["absent.properties: no such file"]),
    "rebalance not a boolean": ("inter.broker.protocol.version=2.1\n"
                                "auto.leader.rebalance.enable=maybe\n", None, None, [],
                                ["server.properties:2: auto.leader.rebalance.enable"]),
    "missing topic file": (ZK_36, "MISSING", None, [], ["missing-topic.txt: no such file"]),
    "unknown yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
        None, None, [], ["server.properties: kind: YAML that import does not know",
                         "Deployment web (line 1) of apps", "allowed: a server.properties",
                         "Strimzi's Kafka", "docker compose"]),
    "unknown yaml topic": (ZK_36, "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n", None, [],
                           ["topic.txt: kind: YAML that import does not know",
                            "ConfigMap (line 1)", "KafkaTopic resources"]),
    "more replicas than brokers": (
        FIXTURES / "compose-confluent.yaml", None, None, ["--replication-factor", "3"],
        ["--replication-factor: 3 replicas, but the cluster has 2 brokers",
         "2 broker services", "allowed: 2 replicas or fewer"]),
    "topic with more replicas than broker pools": (
        FIXTURES / "strimzi-kafka-kraft.yaml",
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n  name: t\n"
        "spec:\n  replicas: 5\n", None, [],
        ["topic.txt:6: spec.replicas: 5 replicas, but the cluster has 3 brokers",
         "spec.replicas of the broker KafkaNodePools"]),
    "flat resource": ("apiVersion: v1\nkind: Namespace\n", None, None, [],
                      ["kind: YAML that import does not know", "Namespace (line 1)"]),
    "yaml without kind": ("brokers:\n  - id: 1\n    min.insync.replicas: 2\n", None, None, [],
                          ["YAML that import does not know", "a document without a kind"]),
    "compose without kafka": ("services:\n  web:\n    image: nginx:1.25\n", None, None, [],
                              ["no service runs a Kafka image", "web (nginx:1.25)",
                               "bitnami/kafka"]),
    "strimzi kraft without broker pool": (
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata:\n  name: c\n"
        "spec:\n  kafka:\n    version: 3.9.0\n", None, None, [],
        ["KRaft mode, and no KafkaNodePool", "strimzi.io/cluster: c", "allowed"]),
    "strimzi release unknown": (
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata:\n  name: c\n"
        "spec:\n  kafka:\n    replicas: 3\n  zookeeper:\n    replicas: 3\n", None, None, [],
        ["--kafka-version: which Kafka release", "spec.kafka.version", "one of 0.8.0"]),
    "cfk computes min.insync.replicas": (
        FIXTURES / "cfk-kafka-computed.yaml", None, None, [],
        ["min.insync.replicas: spec.configOverrides.server of the CFK Kafka kafka",
         "CFK sets it from the broker count", "allowed: set min.insync.replicas there"]),
    "compose value from the shell": (
        "services:\n  kafka:\n    image: apache/kafka:3.8.0\n    environment:\n"
        "      KAFKA_MIN_INSYNC_REPLICAS: ${MIN_ISR:-2}\n", None, None, [],
        ["server.properties:5: KAFKA_MIN_INSYNC_REPLICAS (min.insync.replicas):",
         "filled in by docker compose"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_line_exit_2(case: str, tmp_path: Path) -> None:
    server, topic, producer, options, fragments = BAD_INPUT[case]
    args: list[str | Path] = ["import"]
    if server is None:
        args.append(tmp_path / "absent.properties")
    else:
        args.append(server if isinstance(server, Path) else
                    write(tmp_path, "server.properties", server))
    if topic == "MISSING":
        args.append(tmp_path / "missing-topic.txt")
    elif topic is not None:
        args.append(topic if isinstance(topic, Path) else write(tmp_path, "topic.txt", topic))
    if producer is not None:
        args += ["--producer", write(tmp_path, "producer.properties", producer)]
    proc = run_kafkamc(*args, *options, cwd=tmp_path)
    # Warnings may come first; the error is the one line after them.
    assert proc.returncode == 2, describe(proc)
    assert_no_traceback(proc)
    assert proc.stdout == "", describe(proc)
    not_warnings = [line for line in proc.stderr.splitlines()
                    if not line.startswith("kafkamc: warning: ")]
    error = subprocess.CompletedProcess(proc.args, proc.returncode, "", "\n".join(not_warnings))
    assert_one_line_error(error, 2, *fragments)


def test_help_documents_the_command(tmp_path: Path) -> None:
    proc = run_kafkamc("import", "--help", cwd=tmp_path, env={**os.environ, "COLUMNS": "300"})
    assert proc.returncode == 0, describe(proc)
    for word in ("--producer", "--topic", "--kafka-version", "--replication-factor", "--out",
                 "--force", "kafka-configs.sh", "server.properties", "Strimzi", "CFK",
                 "docker compose", "KafkaTopic"):
        assert word in proc.stdout, f"{word} missing\n{describe(proc)}"


# ---------------------------------------------------------------------------------
# End to end: Kafka's files in, TLC's verdicts out.

@pytest.mark.tlc
def test_imported_config_is_checked_by_tlc(tmp_path: Path) -> None:
    """clicks: two replicas, min.insync.replicas=1 and unclean leader election on (its
    overrides), acks=all (3.6's default). Kafka loses an acknowledged write when the
    leader, alone in the ISR, crashes and the out-of-sync follower is elected: kafkamc
    must say durability is violated."""
    config = tmp_path / "clicks.yaml"
    imported = run_kafkamc("import", ZK_36, CLICKS_TOPICS, "--out", config, cwd=tmp_path)
    assert imported.returncode == 0, describe(imported)
    proc = run_kafkamc("check", config, "--json", "--workers", "1", "--out", tmp_path / "out",
                       cwd=tmp_path)
    assert_no_traceback(proc)
    result = json_stdout(proc)
    assert result["name"] == "clicks" and result["kafka_version"] == "3.6", describe(proc)
    verdicts = {name: prop["verdict"] for name, prop in result["properties"].items()}
    assert set(verdicts) == set(ALL_PROPERTIES), describe(proc)
    assert set(verdicts.values()) <= VERDICTS, describe(proc)
    assert verdicts["durability"] == "violated", describe(proc)
    assert json.loads((tmp_path / "out" / "result.json").read_text())["properties"] \
        == result["properties"]
    # No expect: in an imported config, so a violation makes the exit status 1.
    assert proc.returncode == 1, describe(proc)


@pytest.mark.tlc
def test_config_imported_from_compose_is_checked_by_tlc(tmp_path: Path) -> None:
    """compose-confluent.yaml: cp-kafka 7.5.3 (Kafka 3.5, ZooKeeper mode), two replicas,
    min.insync.replicas=1 and unclean leader election on, from the brokers' KAFKA_*
    variables: an acknowledged write is lost as in the test above."""
    config = tmp_path / "compose.yaml"
    imported = run_kafkamc("import", COMPOSE_CONFLUENT, "--out", config, cwd=tmp_path)
    assert imported.returncode == 0, describe(imported)
    proc = run_kafkamc("check", config, "--json", "--workers", "1", "--property", "durability",
                       "--out", tmp_path / "out", cwd=tmp_path)
    assert_no_traceback(proc)
    result = json_stdout(proc)
    assert result["kafka_version"] == "3.5", describe(proc)
    assert result["properties"]["durability"]["verdict"] == "violated", describe(proc)


# ---------------------------------------------------------------------------------
# Where operators keep their configs (issue 19): Strimzi, Confluent for Kubernetes,
# docker compose. The fixtures are written from each project's documented format.

STRIMZI_KRAFT = FIXTURES / "strimzi-kafka-kraft.yaml"     # 3.9.0, pools, min ISR 2, RF 3
STRIMZI_TOPIC = FIXTURES / "strimzi-topic.yaml"           # orders: replicas 3, min ISR 2
STRIMZI_ZK = FIXTURES / "strimzi-kafka-zookeeper.yaml"    # 3.6.1 on IBP 3.5, a KafkaTopic
CFK_KAFKA = FIXTURES / "cfk-kafka.yaml"                   # cp-server 7.6.0, KRaft
CFK_TOPIC = FIXTURES / "cfk-topic.yaml"                   # clicks: replicas 3, min ISR 3
COMPOSE_BITNAMI = FIXTURES / "compose-bitnami.yaml"       # bitnami/kafka:3.7.0, KRaft
COMPOSE_CONFLUENT = FIXTURES / "compose-confluent.yaml"   # cp-kafka 7.5.3, ZooKeeper


def origins_of(imported: Imported) -> dict[str, str]:
    return dict(imported.origins)


def test_strimzi_topic_is_not_read_as_properties(tmp_path: Path) -> None:
    """Issue 19: the KafkaTopic's spec.replicas is the replication factor, its
    spec.config the topic's overrides; the cluster is KRaft, from its node pools."""
    imported = import_files(STRIMZI_KRAFT, STRIMZI_TOPIC)
    model = round_trip(imported, tmp_path)
    assert (model.kafka_version, model.metadata_version) == ("3.9.0", "3.9-IV0")
    assert (model.topic.replication_factor, model.topic.min_insync_replicas) == (3, 2)
    assert model.topic.unclean_leader_election_enable is False
    assert model.name == "orders"
    origins = origins_of(imported)
    assert origins["replication.factor"] == \
        f"{STRIMZI_TOPIC}:{line_of(STRIMZI_TOPIC, 'replicas:')} spec.replicas"
    assert origins["min.insync.replicas"].startswith(
        f"{STRIMZI_TOPIC}:{line_of(STRIMZI_TOPIC, 'min.insync.replicas')} min.insync.replicas")
    assert origins["kafka_version"] == \
        f"{STRIMZI_KRAFT}:{line_of(STRIMZI_KRAFT, 'version: 3.9.0')} spec.kafka.version"
    # KRaft: no ZooKeeper-mode semantics, and no "given twice" for the pools' keys.
    assert model.semantics.fenced_isr_exclusion is None
    assert not any("given twice" in w.message for w in imported.warnings)
    # The topic's ignored overrides are reported, as for a describe output.
    assert any("retention.ms" in w.message for w in imported.warnings
               if w.file == str(STRIMZI_TOPIC))


def test_strimzi_zookeeper_cluster_with_its_topic_in_the_same_file(tmp_path: Path) -> None:
    imported = import_files(STRIMZI_ZK)
    model = round_trip(imported, tmp_path)
    assert (model.kafka_version, model.inter_broker_protocol_version) == ("3.6.1", None)
    assert model.name == "payments.v1"                    # spec.topicName
    assert (model.topic.replication_factor, model.topic.min_insync_replicas) == (2, 2)
    assert (model.topic.unclean_leader_election_enable, model.topic.flush_messages) == (True, 1)
    assert model.semantics.fenced_isr_exclusion is False   # ZooKeeper mode on 3.6
    # A 3.5 protocol on 3.6.1 brokers: the release is spec.kafka.version, the IBP apart.
    assert "mid-upgrade" in warned(imported)[
        (str(STRIMZI_ZK), line_of(STRIMZI_ZK, "inter.broker"), "inter.broker.protocol.version")]


def test_cfk_kafka_and_topic(tmp_path: Path) -> None:
    imported = import_files(CFK_KAFKA, CFK_TOPIC)
    model = round_trip(imported, tmp_path)
    # cp-server 7.6.0 is Confluent Platform 7.6, which ships Kafka 3.6.
    assert model.kafka_version == "3.6"
    assert "Confluent Platform 7.6 ships Kafka 3.6" in imported.origins["kafka_version"]
    assert (model.topic.replication_factor, model.topic.min_insync_replicas) == (3, 3)
    assert model.topic.unclean_leader_election_enable is False
    assert model.semantics.fenced_isr_exclusion is None   # KRaft: dependencies.kRaftController
    assert imported.origins["unclean.leader.election.enable"] == \
        f"{CFK_KAFKA}:{line_of(CFK_KAFKA, '- unclean.leader')} unclean.leader.election.enable"
    assert any("Secret credential" in w.message for w in imported.warnings)


def test_compose_bitnami_variables_and_anchors(tmp_path: Path) -> None:
    imported = import_files(COMPOSE_BITNAMI)
    model = round_trip(imported, tmp_path)
    assert model.kafka_version == "3.7.0"                 # the image tag
    assert (model.topic.replication_factor, model.topic.min_insync_replicas) == (3, 2)
    assert model.topic.flush_messages == 1
    assert model.semantics.fenced_isr_exclusion is None   # KAFKA_CFG_PROCESS_ROLES
    assert imported.origins["min.insync.replicas"] == (
        f"{COMPOSE_BITNAMI}:{line_of(COMPOSE_BITNAMI, 'KAFKA_CFG_MIN_INSYNC')} "
        "KAFKA_CFG_MIN_INSYNC_REPLICAS (min.insync.replicas)")
    # bitnami's own variables (KAFKA_KRAFT_CLUSTER_ID) are not Kafka settings.
    assert not any("kraft.cluster.id" in w.message for w in imported.warnings)


def test_compose_confluent_variables_and_brokers_that_disagree(tmp_path: Path) -> None:
    imported = import_files(COMPOSE_CONFLUENT)
    model = round_trip(imported, tmp_path)
    assert model.kafka_version == "3.5"                   # cp-kafka 7.5.3
    assert (model.topic.replication_factor, model.topic.min_insync_replicas) == (2, 1)
    assert model.topic.unclean_leader_election_enable is True
    assert model.semantics.fenced_isr_exclusion is False  # ZooKeeper mode
    assert not any("heap" in w.message for w in imported.warnings)   # KAFKA_HEAP_OPTS
    changed = COMPOSE_CONFLUENT.read_text().replace(
        "      - KAFKA_MIN_INSYNC_REPLICAS=1\n      - KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE=true\n"
        "      - KAFKA_HEAP_OPTS=-Xmx1G\n", "      - KAFKA_MIN_INSYNC_REPLICAS=2\n", 2)
    changed = changed.replace("KAFKA_MIN_INSYNC_REPLICAS=2", "KAFKA_MIN_INSYNC_REPLICAS=1", 1)
    other = write(tmp_path, "compose.yaml", changed)
    messages = warned(import_files(other))
    line = line_of(other, "- KAFKA_MIN_INSYNC_REPLICAS=2")
    assert "service broker-2 sets '2', service broker-1 '1'" in \
        messages[(str(other), line, "min.insync.replicas")]


def test_confluent_variable_names_follow_the_images_rules(tmp_path: Path) -> None:
    """`_` is `.`, `__` is `_`, `___` is `-` (Confluent's and Apache's images)."""
    compose = write(tmp_path, "compose.yaml", """\
        services:
          kafka:
            image: apache/kafka:3.8.0
            environment:
              KAFKA_PROCESS_ROLES: broker,controller
              KAFKA_LOG_FLUSH_INTERVAL_MESSAGES: "1"
              KAFKA_LISTENER_NAME_CONTROLLER_SOME__THING___X: a
        """)
    imported = import_files(compose)
    assert imported.model.topic.flush_messages == 1
    assert imported.model.kafka_version == "3.8.0"
    assert any("listener.name.controller.some_thing-x" in w.message
               for w in imported.warnings)


def test_release_from_a_comment_of_server_properties(tmp_path: Path) -> None:
    server = write(tmp_path, "server.properties",
                   "# Apache Kafka 3.6.1, installed in /opt/kafka\n# Kafka 3.6.1\n"
                   "broker.id=0\nzookeeper.connect=localhost:2181\n")
    imported = import_files(server)
    assert imported.model.kafka_version == "3.6.1"
    assert imported.origins["kafka_version"] == f"{server}:2 comment '# Kafka 3.6.1'"
    # --kafka-version wins, and says what it overrides.
    overridden = import_files(server, kafka_version="3.7")
    assert overridden.model.kafka_version == "3.7"
    assert "kafkamc uses --kafka-version 3.7" in \
        warned(overridden)[(str(server), 2, "comment '# Kafka 3.6.1'")]


def test_protocol_alone_gives_the_release_with_a_warning(tmp_path: Path) -> None:
    server = write(tmp_path, "server.properties", "inter.broker.protocol.version=2.7\n")
    imported = import_files(server, replication_factor=3)
    assert imported.model.kafka_version == "2.7"
    assert "brokers of a later release may speak it too" in \
        warned(imported)[(str(server), 1, "inter.broker.protocol.version")]


def test_grepped_describe_lines_without_their_header(tmp_path: Path) -> None:
    # `kafka-configs.sh --describe --all ... | grep -E 'min.insync|unclean'`
    topic = write(tmp_path, "grepped.txt", "\n".join([
        "  min.insync.replicas=2 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:"
        "min.insync.replicas=2, STATIC_BROKER_CONFIG:min.insync.replicas=1, "
        "DEFAULT_CONFIG:min.insync.replicas=1}",
        "  unclean.leader.election.enable=false sensitive=false synonyms={DEFAULT_CONFIG:"
        "unclean.leader.election.enable=false}", ""]))
    imported = import_files(ZK_36, topic, topic="orders")
    assert imported.model.topic.min_insync_replicas == 2
    assert "the topic's override" in imported.origins["min.insync.replicas"]
    assert imported.model.name == "orders"


def test_release_from_the_default_protocol_in_a_broker_describe(tmp_path: Path) -> None:
    """kafka-configs.sh --describe --all of a broker prints the default of
    inter.broker.protocol.version: the protocol of the broker's own release."""
    describe = write(tmp_path, "describe.txt", "\n".join([
        "All configs for broker 1 are:",
        "  inter.broker.protocol.version=2.8-IV1 sensitive=false synonyms={DEFAULT_CONFIG:"
        "inter.broker.protocol.version=2.8-IV1}",
        "Dynamic configs for topic orders are:",
        "  min.insync.replicas=2 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:"
        "min.insync.replicas=2}", ""]))
    server = write(tmp_path, "server.properties", "broker.id=1\n")
    imported = import_files(server, describe, replication_factor=3)
    assert imported.model.kafka_version == "2.8"
    assert imported.origins["kafka_version"].startswith(f"{describe}:2 the default of "
                                                        "inter.broker.protocol.version")
