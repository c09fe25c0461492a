"""`kafkamc diff`: two configs, or one against another release, checked by real TLC;
what differs between the models, and the one rule that flips a verdict."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import (
    SPEC_BY_NAME,
    assert_no_traceback,
    assert_one_line_error,
    describe,
    json_stdout,
    run_kafkamc,
)

from kafkamc.config import Model
from kafkamc.diff import against_version, differences

LRS_36 = SPEC_BY_NAME["last-replica-standing-3.6"]
LRS_41 = SPEC_BY_NAME["last-replica-standing-4.1"]
ELR = "semantics.eligible_leader_replicas"


def test_the_models_of_3_6_and_4_1_differ_in_two_rules() -> None:
    """Same settings, two releases: the era table's rules between them, nothing else."""
    found = differences(Model.from_yaml(LRS_36), Model.from_yaml(LRS_41))
    assert [(d.key, d.a, d.b, d.source) for d in found] == [
        ("semantics.strict_min_isr", False, True, "KAFKA-15583"),
        (ELR, False, True, "KIP-966")]


def test_against_version_is_the_same_config_on_the_other_release() -> None:
    """3.6's last replica standing on 4.1 is the shipped 4.1 scenario, expect aside; a
    pinned protocol version of the old release is dropped (B speaks its own)."""
    moved = against_version(Model.from_yaml(LRS_36), "4.1").resolve()
    shipped = Model.from_yaml(LRS_41).resolve()
    fields = ("replication_factor", "min_insync_replicas", "unclean_leader_election",
              "flush_every_append", "acks", "rules", "faults", "records")
    assert all(getattr(moved, f) == getattr(shipped, f) for f in fields)
    assert moved.expect == {} and moved.name == "last-replica-standing-3.6-on-4.1"
    pinned = against_version(Model.from_yaml(SPEC_BY_NAME["ibp-2.0-on-2.1"]), "3.6").resolve()
    assert pinned.protocol is None and pinned.rules.truncation == "kip320"


@pytest.mark.parametrize("args, fragments", [
    ((LRS_36,), ("give two configs, or one config and --against-version V",)),
    ((LRS_36, LRS_41, "--against-version", "4.1"), ("give two configs",)),
    ((LRS_36, "--against-version", "4.x"), ("--against-version", "'4.x' is not a Kafka release")),
    ((LRS_36, "--against-version", "0.8.0"), ("with --against-version 0.8.0",
                                               "topic.min.insync.replicas")),
])
def test_bad_use_is_one_line(args: tuple[object, ...], fragments: tuple[str, ...],
                             tmp_path: Path) -> None:
    proc = run_kafkamc("diff", *args, cwd=tmp_path)
    assert_one_line_error(proc, 2, *fragments)


@pytest.mark.tlc
def test_diff_of_last_replica_standing_3_6_and_4_1_names_elr(tmp_path: Path) -> None:
    """Durability breaks on 3.6 and holds on 4.1; of the two rules between them, only
    ELR set back on 4.1 breaks it again, so ELR is the difference, and the story is 3.6's."""
    cache = tmp_path / "cache"
    args = ("diff", LRS_36, LRS_41, "--property", "durability", "--workers", "1",
            "--out", tmp_path / "out")
    proc = run_kafkamc(*args, "--json", cwd=tmp_path, cache=cache)
    assert proc.returncode == 1, describe(proc)          # a verdict differs
    data = json_stdout(proc)
    durability = data["properties"]["durability"]
    assert (durability["a"], durability["b"], durability["broken_on"]) == \
        ("violated", "holds", "a"), durability
    assert durability["decisive"] == [ELR], durability
    assert {t["key"]: t["verdict"] for t in durability["tried"]} == \
        {"semantics.strict_min_isr": "holds", ELR: "violated"}, durability
    # The same, told (the run cache replays every check).
    told = run_kafkamc(*args, cwd=tmp_path, cache=cache)
    assert told.returncode == 1, describe(told)
    assert_no_traceback(told)
    first = told.stdout.splitlines()[0]
    assert first.startswith("Durability is violated with A, last-replica-standing-3.6 "
                            "(Kafka 3.6), and holds with B"), describe(told)
    assert "eligible leader replicas" in first and "KIP-966" in first, first
    assert "KAFKA-15583" not in first, first
    assert "durability is broken in 12 steps" in told.stdout, describe(told)
    assert str(tmp_path / "out" / "a" / "trace-durability.json") in told.stdout


@pytest.mark.tlc
def test_against_version_4_1_names_elr_too(tmp_path: Path) -> None:
    proc = run_kafkamc("diff", LRS_36, "--against-version", "4.1", "--property", "durability",
                       "--workers", "1", "--json", "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 1, describe(proc)
    data = json_stdout(proc)
    assert data["b"]["kafka_version"] == "4.1", data["b"]
    assert data["properties"]["durability"]["decisive"] == [ELR], data["properties"]
