"""The config file and the Python DSL: loading, every kind of error, resolving, round trips."""
from __future__ import annotations

import dataclasses
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kafkamc.config import Bounds, Faults, Model, Producer, Semantics, Topic
from kafkamc.errors import ConfigError
from kafkamc.resolved import DEFAULT_CHECK, FaultBudget, ProducerModel, Resolved, Rules

MINIMAL = """\
topic:
  replication.factor: 3
"""


def write(tmp_path: Path, text: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path: Path, text: str, name: str = "model.yaml") -> Model:
    return Model.from_yaml(write(tmp_path, text, name))


def error(tmp_path: Path, text: str, name: str = "model.yaml") -> ConfigError:
    path = write(tmp_path, text, name)
    with pytest.raises(ConfigError) as caught:
        Model.from_yaml(path)
    return caught.value


def expect_error(err: ConfigError, file: Path | None, line: int | None, key: str | None,
                 *fragments: str) -> None:
    """`FILE:LINE: KEY: message`, on one line, with each fragment in the message."""
    text = str(err)
    assert "\n" not in text, text
    assert (err.file, err.line, err.key) == (str(file) if file else None, line, key), text
    where = f"{file or '<model>'}" + (f":{line}" if line is not None else "")
    assert text.startswith(f"{where}: {key + ': ' if key else ''}"), text
    for fragment in fragments:
        assert fragment in err.detail, text
    for noise in ("pydantic", "https://", "type=", "Traceback"):
        assert noise not in text, text


# -- files that cannot be read as YAML ------------------------------------------------

def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError) as caught:
        Model.from_yaml(path)
    expect_error(caught.value, path, None, None, "no such file")


def test_unreadable_file_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Model.from_yaml(tmp_path)
    expect_error(caught.value, tmp_path, None, None, "cannot read", "directory")


def test_unreadable_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_bytes(b"topic:\n  replication.factor: 3\nname: caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        Model.from_yaml(path)
    expect_error(caught.value, path, 3, None, "not UTF-8", "allowed: UTF-8 text")


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    err = error(tmp_path, """\
        topic:
          replication.factor: 3
           unclean.leader.election.enable: false
        """)
    expect_error(err, tmp_path / "model.yaml", 3, None, "YAML syntax error",
                 "mapping values are not allowed here")


def test_yaml_unclosed_list_names_where_it_started(tmp_path: Path) -> None:
    err = error(tmp_path, "topic:\n  replication.factor: 3\ncheck: [durability\n")
    assert err.line == 4 and "starts on line 3" in str(err)


def test_empty_file(tmp_path: Path) -> None:
    err = error(tmp_path, "# only a comment\n")
    expect_error(err, tmp_path / "model.yaml", 1, None, "empty", "replication.factor")


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    err = error(tmp_path, "- topic\n- faults\n")
    expect_error(err, tmp_path / "model.yaml", 1, None, "top level is a list",
                 "allowed: a mapping", "kafka_version")


# -- keys -------------------------------------------------------------------------

def test_duplicate_key_in_a_section(tmp_path: Path) -> None:
    err = error(tmp_path, """\
        topic:
          replication.factor: 3
          min.insync.replicas: 2
          replication.factor: 5
        """)
    expect_error(err, tmp_path / "model.yaml", 4, "topic.replication.factor", "duplicate key",
                 "first given on line 2")


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "faults:\n  crashes: 1\nfaults:\n  crashes: 2\n")
    expect_error(err, tmp_path / "model.yaml", 5, "faults", "duplicate key", "line 3")


def test_unknown_key_suggests_the_kafka_name(tmp_path: Path) -> None:
    err = error(tmp_path, """\
        kafka_version: "3.6"
        topic:
          replication_factor: 3
        """)
    expect_error(err, tmp_path / "model.yaml", 3, "topic.replication_factor", "unknown key",
                 "did you mean 'replication.factor'?")


def test_unknown_key_misspelt(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "faults:\n  crashs: 1\n")
    expect_error(err, tmp_path / "model.yaml", 4, "faults.crashs", "did you mean 'crashes'?")


def test_unknown_key_in_the_wrong_section(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "acks: all\n")
    expect_error(err, tmp_path / "model.yaml", 3, "acks", "did you mean 'producer.acks'?")


def test_unknown_key_without_a_likely_match_lists_the_allowed_keys(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "bounds:\n  zookeeper: true\n")
    expect_error(err, tmp_path / "model.yaml", 4, "bounds.zookeeper", "unknown key",
                 "allowed: records")
    assert "did you mean" not in str(err)


def test_python_field_names_are_not_file_keys(tmp_path: Path) -> None:
    # `check` is the file's name for the Model.properties field.
    err = error(tmp_path, MINIMAL + "properties: [durability]\n")
    expect_error(err, tmp_path / "model.yaml", 3, "properties", "unknown key")


def test_missing_replication_factor(tmp_path: Path) -> None:
    err = error(tmp_path, "name: x\ntopic:\n  min.insync.replicas: 2\n")
    expect_error(err, tmp_path / "model.yaml", 2, "topic.replication.factor",
                 "required key missing", "an integer from 1 to 5")


def test_missing_topic(tmp_path: Path) -> None:
    err = error(tmp_path, "name: x\nfaults:\n  crashes: 1\n")
    expect_error(err, tmp_path / "model.yaml", 1, "topic", "required key missing",
                 "replication.factor")


# -- types and ranges ---------------------------------------------------------------

def test_wrong_type_word_for_an_integer(tmp_path: Path) -> None:
    err = error(tmp_path, "topic:\n  replication.factor: three\n")
    expect_error(err, tmp_path / "model.yaml", 2, "topic.replication.factor",
                 "'three' (a string) is not an integer", "allowed: an integer from 1 to 5")


def test_true_is_not_an_integer(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "faults:\n  crashes: yes\n")
    expect_error(err, tmp_path / "model.yaml", 4, "faults.crashes",
                 "yes (a boolean) is not an integer", "from 0 to 3")


def test_quoted_number_is_not_an_integer(tmp_path: Path) -> None:
    err = error(tmp_path, 'topic:\n  replication.factor: "3"\n')
    expect_error(err, tmp_path / "model.yaml", 2, "topic.replication.factor",
                 "without quotes")


def test_boolean_given_as_a_string(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + '  unclean.leader.election.enable: "false"\n')
    expect_error(err, tmp_path / "model.yaml", 3, "topic.unclean.leader.election.enable",
                 "'false' (a string) is not a boolean", "without quotes",
                 "allowed: true or false")


def test_section_that_is_not_a_mapping(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "faults: 3\n")
    expect_error(err, tmp_path / "model.yaml", 3, "faults", "3 (an integer) is not a mapping",
                 "crashes, power_losses, disk_losses, network_partitions")


def test_check_that_is_not_a_list(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "check: durability\n")
    expect_error(err, tmp_path / "model.yaml", 3, "check", "is not a list", "durability")


@pytest.mark.parametrize("section, key, value, allowed", [
    ("topic", "replication.factor", 9, "an integer from 1 to 5"),
    ("topic", "replication.factor", 0, "an integer from 1 to 5"),
    ("topic", "min.insync.replicas", 0, "an integer >= 1"),
    ("faults", "crashes", 4, "an integer from 0 to 3"),
    ("faults", "power_losses", -1, "an integer from 0 to 3"),
    ("faults", "disk_losses", 7, "an integer from 0 to 3"),
    ("faults", "network_partitions", 4, "an integer from 0 to 3"),
    ("faults", "clean_restarts", 4, "an integer from 0 to 3"),
    ("bounds", "records", 5, "an integer from 1 to 4"),
    ("bounds", "records", 0, "an integer from 1 to 4"),
    ("faults", "lost_responses", 4, "an integer from 0 to 3"),
    ("bounds", "in_flight", 6, "an integer from 1 to 5"),
    ("bounds", "in_flight", 0, "an integer from 1 to 5"),
    ("bounds", "retries", 4, "an integer from 0 to 3"),
    ("producer", "retries", -1, "an integer from 0 to 2147483647"),
    ("producer", "max.in.flight.requests.per.connection", 0, "an integer >= 1"),
])
def test_value_out_of_range(tmp_path: Path, section: str, key: str, value: int,
                            allowed: str) -> None:
    text = f"name: x\ntopic:\n  replication.factor: 2\n{section}:\n  {key}: {value}\n"
    if section == "topic":
        text = f"name: x\ntopic:\n  {key}: {value}\n" + ("" if key == "replication.factor"
                                                       else "  replication.factor: 2\n")
    err = error(tmp_path, text)
    line = 3 if section == "topic" else 5
    expect_error(err, tmp_path / "model.yaml", line, f"{section}.{key}",
                 f"{value} (an integer) is out of range", f"allowed: {allowed}")


def test_min_insync_replicas_may_exceed_the_replication_factor(tmp_path: Path) -> None:
    model = load(tmp_path, MINIMAL + "  min.insync.replicas: 4\n")
    assert model.resolve().min_insync_replicas == 4


def test_invalid_acks(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "producer:\n  acks: 2\n")
    expect_error(err, tmp_path / "model.yaml", 4, "producer.acks", "2 (an integer)",
                 "allowed: 0, 1, all or -1")


def test_acks_suggestion(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "producer:\n  acks: ALL\n")
    expect_error(err, tmp_path / "model.yaml", 4, "producer.acks", "did you mean 'all'?")


@pytest.mark.parametrize("written, acks", [
    ("0", "0"), ("1", "1"), ("-1", "all"), ("all", "all"),
    ('"0"', "0"), ('"1"', "1"), ('"-1"', "all"), ('"all"', "all"),
])
def test_acks_forms_are_normalised(tmp_path: Path, written: str, acks: str) -> None:
    model = load(tmp_path, MINIMAL + f"producer:\n  acks: {written}\n")
    assert model.producer.acks == acks
    assert model.resolve().acks == acks


def test_acks_boolean_is_an_error(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "producer:\n  acks: true\n")
    expect_error(err, tmp_path / "model.yaml", 4, "producer.acks", "true (a boolean)")


def test_invalid_truncation(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "semantics:\n  truncation: kip-320\n")
    expect_error(err, tmp_path / "model.yaml", 4, "semantics.truncation",
                 "did you mean 'kip320'?", "high_watermark, kip101, kip279 or kip320")


@pytest.mark.parametrize("value", [2, 100, 0])
def test_flush_messages_other_than_1_is_not_supported(tmp_path: Path, value: int) -> None:
    err = error(tmp_path, MINIMAL + f"  flush.messages: {value}\n")
    expect_error(err, tmp_path / "model.yaml", 3, "topic.flush.messages", "not supported",
                 "allowed: 1, or leave the key out")


def test_flush_messages_1(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL + "  flush.messages: 1\n").resolve().flush_every_append
    assert not load(tmp_path, MINIMAL).resolve().flush_every_append


def test_name_with_bad_characters(tmp_path: Path) -> None:
    err = error(tmp_path, "name: jepsen 2013\n" + MINIMAL)
    expect_error(err, tmp_path / "model.yaml", 1, "name", "'jepsen 2013'", "[A-Za-z0-9._-]")


# -- kafka_version ----------------------------------------------------------------------

@pytest.mark.parametrize("written, version", [
    ("0.10", "0.10"), ("4.1", "4.1"), ('"0.8.0"', "0.8.0"), ("0.8.2.2", "0.8.2.2"),
    ("2.0.1", "2.0.1"), ("'3.6'", "3.6"), ("3.9", "3.9"),
])
def test_kafka_version_is_the_text_as_written(tmp_path: Path, written: str, version: str) -> None:
    model = load(tmp_path, f"kafka_version: {written}\n" + MINIMAL)
    assert model.kafka_version == version
    assert model.resolve().kafka_version == version


def test_kafka_version_0_10_is_not_0_1(tmp_path: Path) -> None:
    # YAML reads an unquoted 0.10 as the number 0.1, a release before replication.
    rules = load(tmp_path, "kafka_version: 0.10\n" + MINIMAL).resolve().rules
    assert rules.truncation == "high_watermark"


@pytest.mark.parametrize("written, fragment", [
    ("4", "'4' is not a Kafka release"),
    ("latest", "'latest' is not a Kafka release"),
    ("0.7.2", "older than 0.8.0"),
    ("0.7", "older than 0.8.0"),
])
def test_invalid_kafka_version(tmp_path: Path, written: str, fragment: str) -> None:
    err = error(tmp_path, MINIMAL + f"kafka_version: {written}\n")
    expect_error(err, tmp_path / "model.yaml", 3, "kafka_version", fragment,
                 "MAJOR.MINOR[.PATCH[.X]] from 0.8.0 to 4.1")


@pytest.mark.parametrize("key, source", [
    ("min.insync.replicas: 2", "KAFKA-1555"),
    ("unclean.leader.election.enable: true", "KAFKA-1028"),
])
@pytest.mark.parametrize("version", ["0.8.0", "0.8.1"])
def test_key_the_version_did_not_have(tmp_path: Path, key: str, source: str,
                                      version: str) -> None:
    err = error(tmp_path, f"kafka_version: {version}\ntopic:\n  replication.factor: 3\n  {key}\n")
    expect_error(err, tmp_path / "model.yaml", 4, "topic." + key.split(":")[0],
                 f"Kafka {version} has no such key", f"introduced in 0.8.2 ({source})")


def test_keys_exist_from_0_8_2(tmp_path: Path) -> None:
    model = load(tmp_path, """\
        kafka_version: 0.8.2
        topic:
          replication.factor: 3
          min.insync.replicas: 2
          unclean.leader.election.enable: false
        """)
    resolved = model.resolve()
    assert (resolved.min_insync_replicas, resolved.unclean_leader_election) == (2, False)


@pytest.mark.parametrize("version", ["0.8.0", "3.7", "3.9"])
def test_eligible_leader_replicas_before_4_0(tmp_path: Path, version: str) -> None:
    err = error(tmp_path, f"kafka_version: {version}\n" + MINIMAL
                + "semantics:\n  eligible_leader_replicas: true\n")
    expect_error(err, tmp_path / "model.yaml", 5, "semantics.eligible_leader_replicas",
                 "4.0", "KIP-966", "allowed: false or absent")


def test_eligible_leader_replicas_switches(tmp_path: Path) -> None:
    off = load(tmp_path, "kafka_version: 3.9\n" + MINIMAL
               + "semantics:\n  eligible_leader_replicas: false\n")
    on = load(tmp_path, "kafka_version: 4.0\n" + MINIMAL
              + "semantics:\n  eligible_leader_replicas: true\n")
    assert not off.resolve().rules.eligible_leader_replicas
    assert on.resolve().rules.eligible_leader_replicas


# -- leadership changes without a failure ---------------------------------------------

def test_clean_restarts_and_auto_leader_rebalance(tmp_path: Path) -> None:
    default = load(tmp_path, MINIMAL + "faults:\n  clean_restarts: 3\n").resolve()
    assert default.faults.clean_restarts == 3
    assert default.auto_leader_rebalance            # Kafka's default in every era
    off = load(tmp_path, MINIMAL + "  auto.leader.rebalance.enable: false\n").resolve()
    assert not off.auto_leader_rebalance


def test_auto_leader_rebalance_given_as_a_string(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + '  auto.leader.rebalance.enable: "false"\n')
    expect_error(err, tmp_path / "model.yaml", 3, "topic.auto.leader.rebalance.enable",
                 "is not a boolean (write it without quotes)", "allowed: true or false")


# -- the protocol version --------------------------------------------------------------

@pytest.mark.parametrize("version, key, value, truncation, elr", [
    ("2.1", "inter.broker.protocol.version", "2.0", "kip279", False),
    ("2.1", "inter.broker.protocol.version", "2.1-IV1", "kip279", False),
    ("2.1", "inter.broker.protocol.version", "2.1-IV2", "kip320", False),
    ("2.0.1", "inter.broker.protocol.version", "0.11.0-IV1", "high_watermark", False),
    ("1.1", "inter.broker.protocol.version", "0.11.0-IV2", "kip101", False),
    ("4.1", "metadata.version", "4.0-IV3", "kip320", False),
    ("4.1", "metadata.version", "4.1", "kip320", True),
])
def test_protocol_version_decides_the_rules(tmp_path: Path, version: str, key: str, value: str,
                                            truncation: str, elr: bool) -> None:
    rules = load(tmp_path, f'kafka_version: "{version}"\n{key}: {value}\n' + MINIMAL) \
        .resolve().rules
    assert (rules.truncation, rules.eligible_leader_replicas) == (truncation, elr)


def test_protocol_version_is_the_text_as_written(tmp_path: Path) -> None:
    model = load(tmp_path, 'kafka_version: "1.0"\ninter.broker.protocol.version: 0.10\n'
                 + MINIMAL)
    assert model.inter_broker_protocol_version == "0.10"
    assert model.resolve().protocol == "inter.broker.protocol.version 0.10"


def test_absent_protocol_is_the_binarys_own(tmp_path: Path) -> None:
    resolved = load(tmp_path, 'kafka_version: "2.1"\n' + MINIMAL).resolve()
    assert resolved.protocol is None and resolved.rules.truncation == "kip320"


@pytest.mark.parametrize("version, setting, key, fragments", [
    ("2.1", "inter.broker.protocol.version: 2.2", "inter.broker.protocol.version",
     ("newer than kafka_version 2.1", "allowed: 2.1 or older")),
    ("3.6", "inter.broker.protocol.version: 3.6", "inter.broker.protocol.version",
     ("KRaft", "allowed: leave it out, or set metadata.version")),
    ("2.8", "metadata.version: 2.8", "metadata.version",
     ("ZooKeeper", "allowed: leave it out, or set inter.broker.protocol.version")),
    ("4.1", "metadata.version: 3.0-IV1", "metadata.version",
     ("older than 3.3", "allowed: 3.3 to 4.1")),
    ("4.0", "metadata.version: 4.1", "metadata.version", ("newer than kafka_version 4.0",)),
    ("4.1", "metadata.version: 4.2", "metadata.version", ("'4.2' is not a Kafka release",)),
    ("2.1", "inter.broker.protocol.version: latest", "inter.broker.protocol.version",
     ("is not a protocol version", 'e.g. "2.0", "2.1-IV2"')),
])
def test_impossible_protocol_versions(tmp_path: Path, version: str, setting: str, key: str,
                                      fragments: tuple[str, ...]) -> None:
    err = error(tmp_path, f'kafka_version: "{version}"\n{setting}\n' + MINIMAL)
    expect_error(err, tmp_path / "model.yaml", 2, key, *fragments)


def test_elr_needs_metadata_version_4_0(tmp_path: Path) -> None:
    err = error(tmp_path, 'kafka_version: "4.1"\nmetadata.version: 3.9\n' + MINIMAL
                + "semantics:\n  eligible_leader_replicas: true\n")
    expect_error(err, tmp_path / "model.yaml", 6, "semantics.eligible_leader_replicas",
                 "needs metadata.version 4.0-IV1", "allowed: false or absent")


# -- check and expect -------------------------------------------------------------------

def test_unknown_property_in_check(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "check:\n  - durability\n  - durabilty\n")
    expect_error(err, tmp_path / "model.yaml", 5, "check[1]", "did you mean 'durability'?",
                 "durability, consistency, read_stability, availability")


def test_duplicate_property_in_check(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "check:\n  - consistency\n  - durability\n  - consistency\n")
    expect_error(err, tmp_path / "model.yaml", 6, "check[2]", "'consistency' is listed twice")


def test_empty_check(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "check: []\n")
    expect_error(err, tmp_path / "model.yaml", 3, "check", "empty", "durability")


def test_expect_names_a_property_not_in_check(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "check: [durability]\nexpect:\n  durability: violated\n"
                "  availability: holds\n")
    expect_error(err, tmp_path / "model.yaml", 6, "expect.availability",
                 "not in check (durability)", "allowed: a property listed in check")


def test_expect_names_no_property(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "expect:\n  durabilty: violated\n")
    expect_error(err, tmp_path / "model.yaml", 4, "expect.durabilty",
                 "did you mean 'durability'?", "read_stability")


def test_invalid_verdict(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "expect:\n  durability: fails\n")
    expect_error(err, tmp_path / "model.yaml", 4, "expect.durability", "'fails'",
                 "allowed: holds or violated")


def test_the_error_first_in_the_file_is_reported(tmp_path: Path) -> None:
    err = error(tmp_path, "bounds:\n  records: 9\ntopic:\n  replication.factor: 9\n")
    assert err.line == 2 and err.key == "bounds.records"


# -- resolving ----------------------------------------------------------------------

JEPSEN = """\
    name: jepsen-2013
    description: Kingsbury's partition of the leader
    kafka_version: "0.8.0"
    topic:
      replication.factor: 3
    producer:
      acks: all
    faults:
      network_partitions: 1
    expect:
      durability: violated
    """


def test_resolve_fills_the_era_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, JEPSEN)
    assert Model.from_yaml(path).resolve() == Resolved(
        name="jepsen-2013", description="Kingsbury's partition of the leader",
        kafka_version="0.8.0", replication_factor=3, min_insync_replicas=1,
        unclean_leader_election=True, flush_every_append=False, auto_leader_rebalance=True,
        acks="all",
        rules=Rules(truncation="high_watermark", rejoin_after_epoch_start=False,
                    strict_min_isr=False, eligible_leader_replicas=False,
                    bounce_detection=False, fenced_isr_exclusion=False,
                    epoch_cache_on_election=False, caught_up_kept_in_isr=False,
                    truncate_on_missed_epoch=False),
        faults=FaultBudget(network_partitions=1), records=2, check=DEFAULT_CHECK,
        expect={"durability": "violated"}, source=str(path),
        # The old Scala producer of 0.8.0 resends nothing; nothing asks for the model.
        producer=ProducerModel(retries=0, max_in_flight=5, idempotence=False,
                               lost_responses=0, in_flight_bound=2, retry_bound=2,
                               unknown_accepted=False, modelled=False))


def test_defaults_of_a_minimal_file(tmp_path: Path) -> None:
    resolved = load(tmp_path, MINIMAL, name="min-isr.yaml").resolve()
    assert resolved.name == "min-isr"          # the file's stem
    assert resolved.description == ""
    assert resolved.kafka_version == "4.1"
    assert (resolved.acks, resolved.unclean_leader_election) == ("all", False)
    assert resolved.rules.eligible_leader_replicas and resolved.rules.truncation == "kip320"
    assert resolved.faults == FaultBudget() and resolved.records == 2
    assert resolved.check == DEFAULT_CHECK and resolved.expect == {}


def test_default_name_keeps_only_allowed_characters(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL, name="my model.yaml").resolve().name == "my_model"


def test_semantics_override_the_era(tmp_path: Path) -> None:
    rules = load(tmp_path, 'kafka_version: "0.10.2"\n' + MINIMAL + textwrap.dedent("""\
        semantics:
          truncation: kip320
          rejoin_after_epoch_start: true
          strict_min_isr: true
          bounce_detection: true
          fenced_isr_exclusion: true
          epoch_cache_on_election: true
          caught_up_kept_in_isr: true
          truncate_on_missed_epoch: true
        """)).resolve().rules
    assert rules == Rules(truncation="kip320", rejoin_after_epoch_start=True, strict_min_isr=True,
                          eligible_leader_replicas=False, bounce_detection=True,
                          fenced_isr_exclusion=True, epoch_cache_on_election=True,
                          caught_up_kept_in_isr=True, truncate_on_missed_epoch=True)


def test_empty_sections_mean_defaults(tmp_path: Path) -> None:
    model = load(tmp_path, MINIMAL + "faults:\nsemantics:\n")
    assert model.faults == Faults() and model.semantics == Semantics()


def test_dsl_and_yaml_resolve_to_the_same(tmp_path: Path) -> None:
    dsl = Model(name="jepsen-2013", description="Kingsbury's partition of the leader",
                kafka_version="0.8.0", topic=Topic(replication_factor=3),
                producer=Producer(acks="all"), faults=Faults(network_partitions=1),
                expect={"durability": "violated"})
    from_file = Model.from_yaml(write(tmp_path, JEPSEN))
    assert dsl == from_file
    assert dsl.resolve() == dataclasses.replace(from_file.resolve(), source=None)


def test_dsl_example_from_the_docs(tmp_path: Path) -> None:
    dsl = Model(name="x", kafka_version="3.6",
                topic=Topic(replication_factor=3, min_insync_replicas=2),
                producer=Producer(acks="all"), faults=Faults(crashes=1), bounds=Bounds(records=2))
    same = load(tmp_path, """\
        name: x
        kafka_version: 3.6
        topic:
          replication.factor: 3
          min.insync.replicas: 2
        producer:
          acks: -1
        faults:
          crashes: 1
        """)
    assert dsl.resolve() == dataclasses.replace(same.resolve(), source=None)
    assert dsl.resolve().source is None and same.resolve().source is not None


def test_dsl_accepts_kafka_names_and_check() -> None:
    model = Model(topic={"replication.factor": 2, "unclean.leader.election.enable": True},
                  check=["durability"])
    assert model.topic.unclean_leader_election_enable is True
    assert model.properties == ("durability",)
    assert model.resolve().name == "model"


def test_from_dict(tmp_path: Path) -> None:
    data = {"kafka_version": "2.0.1", "topic": {"replication.factor": 3}}
    assert Model.from_dict(data).resolve().rules.rejoin_after_epoch_start
    with pytest.raises(ConfigError) as caught:
        Model.from_dict({"topic": {"replication.factor": 6}}, source="api.yaml")
    expect_error(caught.value, Path("api.yaml"), None, "topic.replication.factor", "out of range")
    assert Model.from_dict(data, source="api.yaml").resolve().source == "api.yaml"


# -- DSL misuse ---------------------------------------------------------------------

@pytest.mark.parametrize("build, key, fragment", [
    (lambda: Topic(replication_factor=9), "topic.replication.factor", "out of range"),
    (lambda: Topic(replication_factor=True), "topic.replication.factor", "not an integer"),
    (lambda: Topic(replication_factor=3, flush_messages=5), "topic.flush.messages",
     "not supported"),
    (lambda: Producer(acks="two"), "producer.acks", "allowed: 0, 1, all or -1"),
    (lambda: Faults(crashes=4), "faults.crashes", "from 0 to 3"),
    (lambda: Faults(crash=1), "faults.crash", "did you mean 'crashes'?"),
    (lambda: Bounds(records=0), "bounds.records", "from 1 to 4"),
    (lambda: Semantics(strict_min_isr="yes"), "semantics.strict_min_isr", "not a boolean"),
    (lambda: Model(name="x"), "topic", "required key missing"),
    (lambda: Model(topic=Topic(replication_factor=3), kafka_version=3.6), "kafka_version",
     "not a string"),
    (lambda: Model(topic=Topic(replication_factor=3), kafka_version="0.7"), "kafka_version",
     "older than 0.8.0"),
    (lambda: Model(topic={"replication_factor": 0}), "topic.replication.factor", "out of range"),
    (lambda: Model(topic=Topic(replication_factor=3, min_insync_replicas=2),
                   kafka_version="0.8.0"), "topic.min.insync.replicas", "KAFKA-1555"),
    (lambda: Model(topic=Topic(replication_factor=3), kafka_version="3.6",
                   semantics=Semantics(eligible_leader_replicas=True)),
     "semantics.eligible_leader_replicas", "KIP-966"),
    (lambda: Model(topic=Topic(replication_factor=3), check=["durability"],
                   expect={"consistency": "holds"}), "expect.consistency", "not in check"),
])
def test_dsl_misuse_raises_config_error(build: Any, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build()
    expect_error(caught.value, None, None, key, fragment)


def test_models_are_frozen() -> None:
    model = Model(topic=Topic(replication_factor=3))
    with pytest.raises(ValidationError):
        model.topic = Topic(replication_factor=2)  # type: ignore[misc]


# -- to_yaml ------------------------------------------------------------------------

ROUND_TRIPS = [
    Model(topic=Topic(replication_factor=1)),
    Model(name="jepsen-2013", description="partition: the leader alone\nsecond line",
          kafka_version="0.8.0", topic=Topic(replication_factor=3),
          producer=Producer(acks="all"), faults=Faults(network_partitions=1),
          expect={"durability": "violated"}),
    Model(name="2013", kafka_version="0.10",
          topic=Topic(replication_factor=5, min_insync_replicas=6,
                      unclean_leader_election_enable=True, flush_messages=1),
          producer=Producer(acks="0"),
          semantics=Semantics(truncation="kip101", rejoin_after_epoch_start=False,
                              strict_min_isr=True, bounce_detection=False,
                              fenced_isr_exclusion=False, eligible_leader_replicas=False),
          faults=Faults(crashes=3, power_losses=2, disk_losses=1, network_partitions=0),
          bounds=Bounds(records=4), check=["availability", "durability"],
          expect={"availability": "holds", "durability": "violated"}),
]


@pytest.mark.parametrize("model", ROUND_TRIPS)
def test_to_yaml_round_trips(tmp_path: Path, model: Model) -> None:
    again = Model.from_yaml(write(tmp_path, model.to_yaml()))
    assert again == model
    assert again.resolve() == dataclasses.replace(model.resolve(), source=again.resolve().source,
                                                  name=again.resolve().name)
    if model.name:
        assert again.resolve().name == model.name


def test_to_yaml_uses_the_file_names() -> None:
    text = ROUND_TRIPS[2].to_yaml()
    assert "replication.factor: 5" in text and "check:" in text and "properties" not in text
    assert "kafka_version: '0.10'" in text


# -- check --------------------------------------------------------------------------

def test_check_runs_the_checker_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Resolved, dict[str, Any]]] = []
    fake = types.ModuleType("kafkamc.check")
    fake.check_model = lambda resolved, **kwargs: calls.append((resolved, kwargs)) or "verdicts"
    monkeypatch.setitem(sys.modules, "kafkamc.check", fake)
    model = Model(topic=Topic(replication_factor=2))
    assert model.check(workers=2) == "verdicts"
    assert calls == [(model.resolve(), {"workers": 2})]


# -- the producer's keys (issue 20) -----------------------------------------------------

def test_producer_model_only_when_asked(tmp_path: Path) -> None:
    assert not load(tmp_path, MINIMAL).resolve().producer.modelled
    asked = load(tmp_path, MINIMAL + "check: [durability, order]\n").resolve()
    assert asked.producer.modelled and asked.check == ("durability", "order")
    keyed = load(tmp_path, MINIMAL + "producer:\n  retries: 1\n").resolve()
    assert keyed.producer.modelled and keyed.check == DEFAULT_CHECK


def test_producer_bounds_cap_the_settings(tmp_path: Path) -> None:
    producer = load(tmp_path, MINIMAL + "bounds:\n  in_flight: 3\n  retries: 1\n"
                    "producer:\n  retries: 5\n").resolve().producer
    assert (producer.in_flight, producer.resends) == (3, 1)
    default = load(tmp_path, MINIMAL + "faults:\n  lost_responses: 1\n").resolve().producer
    assert (default.in_flight, default.resends, default.retries) == (2, 2, 2147483647)
    assert default.idempotence       # 4.1's default


def test_idempotence_needs_acks_all(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "producer:\n  acks: 1\n  enable.idempotence: true\n")
    expect_error(err, tmp_path / "model.yaml", 5, "producer.enable.idempotence",
                 "true needs acks all", "allowed: false, or acks all")


def test_idempotence_needs_retries(tmp_path: Path) -> None:
    err = error(tmp_path, MINIMAL + "producer:\n  retries: 0\n  enable.idempotence: true\n")
    expect_error(err, tmp_path / "model.yaml", 5, "producer.enable.idempotence",
                 "true needs retries > 0")


def test_idempotence_in_0_11_needs_one_request_in_flight(tmp_path: Path) -> None:
    text = ('kafka_version: "0.11.0"\n' + MINIMAL +
            "producer:\n  acks: all\n  retries: 1\n  enable.idempotence: true\n")
    err = error(tmp_path, text + "  max.in.flight.requests.per.connection: 2\n")
    expect_error(err, tmp_path / "model.yaml", 8, "producer.max.in.flight.requests.per.connection",
                 "2 is more than Kafka 0.11.0's idempotent producer accepts (1, KIP-98",
                 "allowed: at most 1")
    # Left unset, 0.11's producer sets it to 1 itself (configureInflightRequests).
    producer = load(tmp_path, text).resolve().producer
    assert producer.idempotence and producer.max_in_flight == 1


@pytest.mark.parametrize(("version", "in_flight"), [("0.11.0", 1), ("1.0", 5), ("2.0.1", 5)])
def test_idempotence_before_3_0_overrides_unset_settings(tmp_path: Path, version: str,
                                                         in_flight: int) -> None:
    """KafkaProducer.configureAcks/configureRetries/configureInflightRequests (0.11 to
    2.8): with enable.idempotence set true, acks and retries left unset become all and
    2147483647 (the era defaults are 1 and 0), and in 0.11 one request in flight."""
    model = load(tmp_path, f'kafka_version: "{version}"\n' + MINIMAL +
                 "producer:\n  enable.idempotence: true\n").resolve()
    assert (model.acks, model.producer.retries, model.producer.max_in_flight,
            model.producer.idempotence) == ("all", 2147483647, in_flight, True)
    plain = load(tmp_path, f'kafka_version: "{version}"\n' + MINIMAL +
                 "producer:\n  enable.idempotence: false\n").resolve()
    assert (plain.acks, plain.producer.retries, plain.producer.max_in_flight) == ("1", 0, 5)


def test_idempotence_key_before_0_11(tmp_path: Path) -> None:
    err = error(tmp_path, 'kafka_version: "0.10.2"\n' + MINIMAL +
                "producer:\n  enable.idempotence: false\n")
    expect_error(err, tmp_path / "model.yaml", 5, "producer.enable.idempotence",
                 "introduced in 0.11.0 (KIP-98)")


@pytest.mark.parametrize(("settings", "idempotence"), [
    ("", True),                                  # KIP-679's default, applied from 3.0.1
    ("  acks: 1\n", False),                      # unset and conflicting: off (KAFKA-13673)
    ("  retries: 0\n", False),
    ("  max.in.flight.requests.per.connection: 6\n", False),
    ("  enable.idempotence: false\n", False),
])
def test_idempotence_default_gives_way_to_conflicts(tmp_path: Path, settings: str,
                                                    idempotence: bool) -> None:
    text = 'kafka_version: "3.6"\n' + MINIMAL + "producer:\n" + settings
    assert load(tmp_path, text).resolve().producer.idempotence is idempotence


def test_idempotence_default_with_too_many_in_flight_fails_from_4_0(tmp_path: Path) -> None:
    err = error(tmp_path, 'kafka_version: "4.0"\n' + MINIMAL +
                "producer:\n  max.in.flight.requests.per.connection: 6\n")
    assert err.key == "producer.max.in.flight.requests.per.connection"
    assert "KAFKA-5494" in err.detail


def test_module_without_the_producer_model_is_unchanged(tmp_path: Path) -> None:
    from kafkamc.compile import compile_model
    plain = compile_model(load(tmp_path, MINIMAL).resolve())
    asked = compile_model(load(tmp_path, MINIMAL + "check: [no_duplicates]\n").resolve())
    assert "resends" not in plain.tla and "NoDuplicates" not in plain.mc
    assert "Verdict(l, i)" in asked.tla and "Once_NoDuplicates" in asked.mc
    # --property order asks for it too.
    by_option = compile_model(load(tmp_path, MINIMAL).resolve(), ["order"])
    assert "Order ==" in by_option.tla and [run.label for run in by_option.runs] == ["order"]
