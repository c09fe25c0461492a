"""Era defaults at every boundary named in docs/kafka-replication.md."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from conftest import run_kafkamc

from kafkamc.eras import (
    ACCEPTED,
    ELR_AVAILABLE,
    KEY_INTRODUCED,
    Era,
    at_least,
    era_boundaries,
    era_for,
    era_table,
    idempotent_in_flight,
    parse_version,
)
from kafkamc.errors import ConfigError
from kafkamc.protocol import protocol_column, protocol_rules
from kafkamc.resolved import Rules


@pytest.mark.parametrize("text, expected", [
    ("0.8.0", (0, 8, 0)),
    ("0.8.2.2", (0, 8, 2, 2)),
    ("0.10.2", (0, 10, 2)),
    ("2.0.1", (2, 0, 1)),
    ("3.6", (3, 6)),
    ("4.1.0", (4, 1, 0)),
    ("3.9.1", (3, 9, 1)),
    ("0.11", (0, 11)),
])
def test_parse_version_accepts_releases(text: str, expected: tuple[int, ...]) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["", "4", "latest", "3.x", "v3.6", "3.6.0.1.2", "3..6", "-1.0",
                                  "3.6-rc1"])
def test_parse_version_rejects_malformed(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_version(text)
    assert caught.value.key == "kafka_version"
    assert "is not a Kafka release" in str(caught.value)
    assert ACCEPTED in str(caught.value)


@pytest.mark.parametrize("text", ["0.7.2", "0.7", "0.1.0", "0.0.9"])
def test_parse_version_rejects_releases_before_replication(text: str) -> None:
    with pytest.raises(ConfigError, match=r"older than 0\.8\.0"):
        parse_version(text)


def test_version_comparison_pads_missing_parts() -> None:
    assert at_least("2.0.1", "2.0.1") and not at_least("2.0", "2.0.1")
    assert at_least("0.11", "0.11.0") and at_least("0.11.0.3", "0.11")
    assert not at_least("0.10.2.2", "0.11")
    assert at_least("0.8.2.2", "0.8.2") and not at_least("0.8.1.1", "0.8.2")


def _defaults(era: Era) -> dict[str, object]:
    values = dataclasses.asdict(era)
    del values["version"]
    return values


# (version, acks, unclean default, truncation, rejoin, bounce, fenced, strict, elr, metadata)
BOUNDARIES = [
    ("0.8.0", "0", True, "high_watermark", False, False, False, False, False, "zookeeper"),
    ("0.8.1", "0", True, "high_watermark", False, False, False, False, False, "zookeeper"),
    ("0.8.1.1", "0", True, "high_watermark", False, False, False, False, False, "zookeeper"),
    ("0.8.2", "1", True, "high_watermark", False, False, False, False, False, "zookeeper"),
    ("0.8.2.2", "1", True, "high_watermark", False, False, False, False, False, "zookeeper"),
    ("0.10.2", "1", True, "high_watermark", False, False, False, False, False, "zookeeper"),
    ("0.11.0", "1", False, "kip101", False, False, False, False, False, "zookeeper"),
    ("1.1", "1", False, "kip101", False, False, False, False, False, "zookeeper"),
    ("2.0", "1", False, "kip279", False, False, False, False, False, "zookeeper"),
    ("2.0.0", "1", False, "kip279", False, False, False, False, False, "zookeeper"),
    ("2.0.1", "1", False, "kip279", True, False, False, False, False, "zookeeper"),
    ("2.1", "1", False, "kip320", True, False, False, False, False, "zookeeper"),
    ("2.2", "1", False, "kip320", True, True, False, False, False, "zookeeper"),
    ("2.8", "1", False, "kip320", True, True, False, False, False, "zookeeper"),
    ("3.0", "all", False, "kip320", True, True, False, False, False, "zookeeper"),
    ("3.2", "all", False, "kip320", True, True, False, False, False, "zookeeper"),
    ("3.3", "all", False, "kip320", True, True, True, False, False, "kraft"),
    ("3.6", "all", False, "kip320", True, True, True, False, False, "kraft"),
    ("3.7", "all", False, "kip320", True, True, True, True, False, "kraft"),
    ("4.0", "all", False, "kip320", True, True, True, True, False, "kraft"),
    ("4.1", "all", False, "kip320", True, True, True, True, True, "kraft"),
    ("4.1.0", "all", False, "kip320", True, True, True, True, True, "kraft"),
]


@pytest.mark.parametrize("version, acks, unclean, truncation, rejoin, bounce, fenced, strict, elr, "
                         "metadata", BOUNDARIES)
def test_era_defaults_at_boundaries(version: str, acks: str, unclean: bool, truncation: str,
                                    rejoin: bool, bounce: bool, fenced: bool, strict: bool,
                                    elr: bool, metadata: str) -> None:
    era = era_for(version)
    assert era.version == version
    assert era.acks == acks
    assert era.unclean_leader_election is unclean
    assert era.min_insync_replicas == 1
    assert era.rules.truncation == truncation
    assert era.rules.rejoin_after_epoch_start is rejoin
    assert era.rules.bounce_detection is bounce
    assert era.rules.fenced_isr_exclusion is fenced
    assert era.rules.strict_min_isr is strict
    assert era.rules.eligible_leader_replicas is elr
    assert era.metadata == metadata


def test_era_rules_are_the_semantics_defaults() -> None:
    assert era_for("2.0.1").rules == Rules(
        truncation="kip279", rejoin_after_epoch_start=True, strict_min_isr=False,
        eligible_leader_replicas=False, bounce_detection=False, fenced_isr_exclusion=False,
        epoch_cache_on_election=True, caught_up_kept_in_isr=False,
        truncate_on_missed_epoch=False)


@pytest.mark.parametrize("version, on", [
    ("0.11.0", False), ("1.1", False), ("1.1.1", False), ("2.0.0", False), ("2.0.1", True),
    ("2.1", True), ("4.1", True)])
def test_epoch_cache_on_election_from_2_0_1(version: str, on: bool) -> None:
    """KAFKA-7415 shipped in 2.0.1 (its release notes); 1.1 had no release after 1.1.1."""
    assert era_for(version).rules.epoch_cache_on_election is on


@pytest.mark.parametrize("version, on", [
    ("0.8.0", False), ("0.11.0", False), ("2.0.1", False), ("2.1", True), ("4.1", True)])
def test_caught_up_kept_in_isr_from_2_1(version: str, on: bool) -> None:
    """KAFKA-7152 shipped in 2.1.0 (its release notes)."""
    assert era_for(version).rules.caught_up_kept_in_isr is on


@pytest.mark.parametrize("version, on", [
    ("0.8.0", False), ("0.11.0", False), ("2.0.1", False), ("2.0.2", False), ("2.1", True),
    ("4.1", True)])
def test_truncate_on_missed_epoch_from_2_1(version: str, on: bool) -> None:
    """KAFKA-7164 (PR #5436) shipped in 2.1.0 (its release notes); it is broker code
    (Partition.makeFollower), so no inter.broker.protocol.version gates it."""
    assert era_for(version).rules.truncate_on_missed_epoch is on
    assert protocol_rules(era_for(version).rules, "2.0", None).truncate_on_missed_epoch is on


@pytest.mark.parametrize("text", ["5.0", "2.10", "3.10", "4.2", "9.0.1", "1.2", "0.12", "0.9.1"])
def test_parse_version_rejects_releases_kafka_never_made_or_kafkamc_does_not_know(
        text: str) -> None:
    """Issue 18: a version outside Kafka's release lines is an error, not the newest rules."""
    with pytest.raises(ConfigError) as caught:
        parse_version(text)
    assert caught.value.key == "kafka_version"
    assert f"'{text}' is not a Kafka release kafkamc knows" in str(caught.value)
    assert "0.8.0, 0.8.1" in str(caught.value) and "3.9, 4.0, 4.1" in str(caught.value)


def test_unknown_release_exits_2_naming_the_file_and_the_releases(tmp_path: Path) -> None:
    config = tmp_path / "future.yaml"
    config.write_text('kafka_version: "5.0"\ntopic:\n  replication.factor: 3\n')
    result = run_kafkamc("check", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "future.yaml:1: kafka_version: '5.0' is not a Kafka release kafkamc knows" in \
        result.stderr
    assert "Traceback" not in result.stderr


def test_keys_introduced_in_0_8_2() -> None:
    assert KEY_INTRODUCED == {
        "topic.min.insync.replicas": ("0.8.2", "KAFKA-1555"),
        "topic.unclean.leader.election.enable": ("0.8.2", "KAFKA-1028"),
        "producer.retries": ("0.8.2", "the Java producer"),
        "producer.max.in.flight.requests.per.connection": ("0.8.2", "the Java producer"),
        "producer.enable.idempotence": ("0.11.0", "KIP-98"),
    }
    for key in KEY_INTRODUCED:
        assert not era_for("0.8.1").has_key(key)
        assert era_for(KEY_INTRODUCED[key][0]).has_key(key)
    assert era_for("0.8.0").has_key("producer.acks")
    assert not era_for("0.10.2").has_key("producer.enable.idempotence")


@pytest.mark.parametrize(("version", "retries", "idempotence"), [
    ("0.8.2", 0, False), ("2.0.1", 0, False),
    ("2.1", 2147483647, False),                   # KIP-91: retries forever, delivery.timeout.ms
    ("2.8", 2147483647, False),
    ("3.0", 2147483647, False),                   # KIP-679's default not applied: KAFKA-13598
    ("3.0.1", 2147483647, True), ("3.0.2", 2147483647, True),
    ("3.1", 2147483647, False), ("3.1.0", 2147483647, False),
    ("3.1.1", 2147483647, True), ("3.2", 2147483647, True), ("3.6", 2147483647, True),
    ("4.1", 2147483647, True),
])
def test_producer_defaults(version: str, retries: int, idempotence: bool) -> None:
    era = era_for(version)
    assert (era.retries, era.enable_idempotence) == (retries, idempotence)


def test_idempotent_in_flight_limit() -> None:
    assert idempotent_in_flight("0.11.0") == (1, "KIP-98")
    assert idempotent_in_flight("1.0") == (5, "KAFKA-5494")
    assert idempotent_in_flight("3.6") == (5, "KAFKA-5494")


def test_eligible_leader_replicas_available_from_4_0() -> None:
    assert ELR_AVAILABLE == ("4.0", "KIP-966")
    assert not era_for("3.9").eligible_leader_replicas_available
    assert era_for("4.0").eligible_leader_replicas_available
    assert not era_for("4.0").rules.eligible_leader_replicas


def test_era_table_has_one_row_per_boundary_of_string_values() -> None:
    table = era_table()
    assert [row["versions"].split("–")[0].rstrip("+") for row in table] == era_boundaries()
    assert table[0]["versions"] == "0.8.0–0.8.1"
    assert table[-1]["versions"] == "4.1+"
    for row in table:
        assert all(isinstance(value, str) and value for value in row.values())
        assert set(row) == set(table[0])


def test_era_table_rows_match_era_for() -> None:
    rows = {row["versions"].split("–")[0].rstrip("+"): row for row in era_table()}
    assert rows["0.8.0"]["unclean.leader.election.enable"] == "always on (no key)"
    assert rows["0.8.0"]["min.insync.replicas"] == "no key"
    assert rows["0.8.2"]["unclean.leader.election.enable"] == "true"
    assert rows["0.11.0"]["unclean.leader.election.enable"] == "false"
    assert rows["2.0.1"]["rejoin_after_epoch_start"] == "on"
    assert rows["2.0.0"]["epoch_cache_on_election"] == "off"
    assert rows["2.0.1"]["epoch_cache_on_election"] == "on"
    assert rows["2.0.1"]["caught_up_kept_in_isr"] == "off"
    assert rows["2.1"]["caught_up_kept_in_isr"] == "on"
    assert rows["2.0.1"]["truncate_on_missed_epoch"] == "off"
    assert rows["2.1"]["truncate_on_missed_epoch"] == "on"
    assert "KAFKA-7164" in rows["2.1"]["source"]
    assert rows["3.3"]["metadata"] == "kraft"
    assert rows["3.7"]["eligible_leader_replicas"] == "n/a"
    assert rows["4.0"]["eligible_leader_replicas"] == "off"
    assert rows["4.1"]["eligible_leader_replicas"] == "on"
    assert "KIP-966" in rows["4.1"]["source"] and "KAFKA-7128" in rows["2.0.1"]["source"]
    # KIP-360's broker side (KAFKA-7190): a leader without the producer's state
    # appends any sequence from 2.4; idempotence itself starts in 0.11 (KIP-98).
    assert [rows[v]["unknown_producer"] for v in ("0.8.2", "0.11.0", "2.2", "2.4", "4.1")] == \
        ["n/a", "refused", "refused", "accepted", "accepted"]
    assert "KIP-360" in rows["2.4"]["source"]


def test_every_boundary_changes_something_and_nothing_changes_between() -> None:
    firsts = era_boundaries()
    for before, after in zip(firsts, firsts[1:]):
        assert _defaults(era_for(before)) != _defaults(era_for(after)), after
    releases = ["0.8.1.1", "0.9.0", "0.10.0", "0.10.1", "0.10.2.2", "1.0", "1.1.1", "2.0.0",
                "2.0.2", "2.1.1", "2.3.1", "2.5", "2.8.2", "3.1", "3.2.3", "3.4", "3.5", "3.6.2",
                "3.8", "3.9.1", "4.0.1", "4.1.1"]
    for release in releases:
        first = max((f for f in firsts if at_least(release, f)), key=parse_version)
        assert _defaults(era_for(release)) == _defaults(era_for(first)), release


@pytest.mark.parametrize("version, shown", [
    ("0.10.2", "inter.broker.protocol.version"),
    ("1.1", "inter.broker.protocol.version (kip101 needs 0.11.0-IV2)"),
    ("2.0.1", "inter.broker.protocol.version (kip279 needs 2.0-IV0)"),
    ("2.8", "inter.broker.protocol.version (kip320 needs 2.1-IV2)"),
    ("3.6", "metadata.version"),
    ("4.0", "metadata.version (ELR needs 4.0-IV1)"),
    ("4.1", "metadata.version (ELR by default from 4.1-IV0)"),
])
def test_protocol_column_names_the_key_and_its_gate(version: str, shown: str) -> None:
    assert protocol_column(version) == shown


def test_eras_command_shows_the_protocol(tmp_path: Path) -> None:
    proc = run_kafkamc("eras", cwd=tmp_path, env={**os.environ, "COLUMNS": "400"})
    assert proc.returncode == 0, proc.stderr
    assert "protocol" in proc.stdout
    # Cells fold, so look for the keys and the gates' versions, not whole phrases.
    for text in ("inter.broker.protocol.version", "metadata.version", "2.1-IV2", "4.0-IV1"):
        assert text in proc.stdout, text
