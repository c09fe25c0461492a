"""Issue 18: follower lag as a stated fault, and the bounds every verdict carries.

Real TLC on the done-when cluster: Kafka 3.6, RF 3, min.insync.replicas 2,
acks=all, one crash. specs/followers-keep-up-3.6.yaml (lagging_followers: 0:
availability and durability hold) and specs/lagging-followers-3.6.yaml (the
default: availability violated) are checked against their `expect:` by
test_specs; here their stories, budgets and bounds.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, json_stdout, run_kafkamc

from kafkamc.compile import compile_model
from kafkamc.config import Model

LAGGING = REPO / "specs" / "lagging-followers-3.6.yaml"


def check_availability(config: Path, work: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """result.json of an availability check, and its counterexample's trace.json."""
    proc = run_kafkamc("check", config, "-p", "availability", "--json", "--workers", "1",
                       "--format", "dot", "--out", work / "out", cwd=work)
    result = json_stdout(proc)
    availability = result["properties"]["availability"]
    assert availability["verdict"] == "violated", proc.stderr
    return result, json.loads(Path(availability["trace"]).read_text())


def with_lags(tmp_path: Path, lags: str) -> Path:
    text = LAGGING.read_text().replace("  crashes: 1\n",
                                       f"  crashes: 1\n  lagging_followers: {lags}\n")
    config = tmp_path / f"lags-{lags}.yaml"
    config.write_text(text)
    return config


@pytest.mark.tlc
def test_the_default_story_names_the_followers_that_fell_behind(tmp_path: Path) -> None:
    result, trace = check_availability(LAGGING, tmp_path)
    story = "\n".join(trace["narrative"])
    assert "(b2 out: it fetches, but fell behind the leader's log end for " \
           "replica.lag.time.max.ms)" in story
    assert "(b3 out: it fetches, but fell behind" in story
    assert trace["narrative"][-1] == "Needs: 1 crash, 2 followers falling behind."
    assert trace["needs"] == {"faults": {"crashes": 1}, "lagging_followers": 2,
                              "text": "1 crash, 2 followers falling behind"}
    assert result["bounds"] == ("3 brokers, ≤ 2 records, ≤ 1 crash, followers may fall behind "
                                "any number of times, Kafka 3.6 rules")
    assert result["warnings"] == []
    assert result["properties"]["availability"]["coverage"] is None   # not asked for


@pytest.mark.tlc
def test_a_lag_budget_is_spent_and_counted(tmp_path: Path) -> None:
    """A number adds a counter: two lags are what the offline partition needs."""
    result, trace = check_availability(with_lags(tmp_path, "2"), tmp_path)
    last = trace["steps"][-1]["state"]["faultsUsed"]["record"]
    assert last["lagging_followers"] == 2
    assert trace["needs"]["lagging_followers"] == 2
    assert "followers fall behind ≤ 2 times" in result["bounds"]


def test_any_adds_nothing_to_the_module_and_a_number_adds_a_counter(tmp_path: Path) -> None:
    default = Model.from_yaml(LAGGING).resolve()
    counted = Model.from_yaml(with_lags(tmp_path, "0")).resolve()
    assert default.faults.lagging_followers is None and counted.faults.lagging_followers == 0
    default_tla, counted_tla = compile_model(default).tla, compile_model(counted).tla
    assert "lagging_followers |->" not in default_tla and "FallBehind" not in default_tla
    assert "lagging_followers |-> 0]" in counted_tla
    assert "InSync(f, l) /\\ MayLagOut(l, f) /\\ FallBehind" in counted_tla


@pytest.mark.parametrize("value", ["-1", "4", "some", "true", "1.5"])
def test_a_bad_lag_budget_is_one_line_naming_the_key(tmp_path: Path, value: str) -> None:
    proc = run_kafkamc("check", with_lags(tmp_path, value), cwd=tmp_path)
    assert proc.returncode == 2
    line, = proc.stderr.strip().splitlines()
    assert f"lags-{value}.yaml:" in line and "faults.lagging_followers:" in line
    assert "allowed: an integer from 0 to 3, or any" in line


@pytest.mark.tlc
def test_a_config_without_faults_or_with_one_record_warns(tmp_path: Path) -> None:
    config = tmp_path / "calm.yaml"
    config.write_text('kafka_version: "3.6"\ntopic:\n  replication.factor: 2\n'
                      "bounds:\n  records: 1\ncheck: [durability]\n")
    proc = run_kafkamc("check", config, "--json", "--out", tmp_path / "out", cwd=tmp_path)
    result = json_stdout(proc)
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if line.startswith("kafkamc: warning:")]
    assert warned == [f"kafkamc: warning: {w}" for w in result["warnings"]]
    assert [w.split(": ", 2)[1] for w in result["warnings"]] == ["faults", "bounds.records"]
    assert result["bounds"].startswith("2 brokers, ≤ 1 record, no faults, ")
    page = (tmp_path / "out" / "report.html").read_text()
    assert "warning: " in page and "durability holds for 2 brokers, ≤ 1 record" in page


@pytest.mark.tlc
def test_a_vacuous_hold_warns_from_tlcs_coverage(tmp_path: Path) -> None:
    """min.insync.replicas above the replication factor refuses every acks=all write
    before 3.7: durability "holds" because nothing was ever written."""
    config = tmp_path / "refused.yaml"
    config.write_text('kafka_version: "3.6"\ntopic:\n  replication.factor: 2\n'
                      "  min.insync.replicas: 3\nproducer:\n  acks: all\n"
                      "faults:\n  crashes: 1\ncheck: [durability]\n")
    proc = run_kafkamc("check", config, "--json", "--workers", "1", "--coverage",
                       "--out", tmp_path / "out", cwd=tmp_path)
    result = json_stdout(proc)
    durability = result["properties"]["durability"]
    assert durability["verdict"] == "holds", proc.stderr
    assert durability["coverage"]["Produce"] == 0 and durability["coverage"]["Crash"] > 0
    assert result["warnings"] == ["refused: durability holds, but Produce never fired (TLC's "
                                  "action coverage): the verdict may be vacuous"]
    assert f"kafkamc: warning: {result['warnings'][0]}" in proc.stderr.splitlines()
    page = (tmp_path / "out" / "report.html").read_text()
    assert "TLC&#x27;s action coverage" in page and "Produce never fired" in page
