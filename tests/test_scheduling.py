"""How check schedules TLC runs: which properties share a run, which run alone.

The expectation in a config only schedules runs (a property expected to be
violated gets a run of its own); the verdicts must be TLC's either way."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SPEC_BY_NAME, json_stdout, run_kafkamc, write_config

pytestmark = pytest.mark.tlc


def _logs(out: Path) -> set[str]:
    return {p.name for p in out.glob("tlc-*.log")}


def test_expected_violations_run_alone_and_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_kafkamc("check", SPEC_BY_NAME["jepsen-2013"], "--out", out, "--json",
                       cwd=tmp_path)
    verdicts = {k: v["verdict"] for k, v in json_stdout(proc)["properties"].items()}
    assert verdicts == dict.fromkeys(
        ["durability", "consistency", "read_stability", "availability"], "violated")
    assert _logs(out) == {"tlc-durability.log", "tlc-consistency.log",
                          "tlc-read_stability.log", "tlc-availability.log"}


def test_a_wrong_expectation_changes_the_schedule_not_the_verdict(tmp_path: Path) -> None:
    text = SPEC_BY_NAME["kip101-scenario1-0.11"].read_text().replace(
        "durability: holds", "durability: violated")
    config = write_config(tmp_path, text)
    out = tmp_path / "out"
    # One worker: the two runs then explore the same states in the same order.
    proc = run_kafkamc("check", config, "--out", out, "--json", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 1   # a verdict differs from the expectation
    result = json_stdout(proc)["properties"]
    assert {k: v["verdict"] for k, v in result.items()} == dict.fromkeys(
        ["durability", "consistency", "read_stability"], "holds")
    # durability ran alone; the other two shared one run, over the same states.
    assert _logs(out) == {"tlc-durability.log", "tlc-safety.log"}
    assert result["durability"]["distinct_states"] == result["consistency"]["distinct_states"]
