"""How check schedules TLC runs: all safety properties in one run (with -continue,
each reported once), availability in a run of its own.

The expectation in a config schedules nothing; the verdicts are TLC's."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SPEC_BY_NAME, json_stdout, run_kafkamc, write_config

pytestmark = pytest.mark.tlc


def _logs(out: Path) -> set[str]:
    return {p.name for p in out.glob("tlc-*.log")}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_one_run_reports_every_violated_safety_property(tmp_path: Path, workers: str) -> None:
    out = tmp_path / "out"
    proc = run_kafkamc("check", SPEC_BY_NAME["jepsen-2013"], "--out", out, "--json",
                       "--workers", workers, cwd=tmp_path)
    result = json_stdout(proc)["properties"]
    assert {k: v["verdict"] for k, v in result.items()} == dict.fromkeys(
        ["durability", "consistency", "read_stability", "availability"], "violated")
    assert _logs(out) == {"tlc-safety.log", "tlc-availability.log"}
    log = (out / "tlc-safety.log").read_text()
    # Each property is reported once, alone or with others broken in the same state.
    reported = re.findall(r"Invariant Once_(\w+) is violated", log)
    named = [name for names in reported for name in names.split("_")]
    assert sorted(set(named)) == ["Consistency", "Durability", "ReadStability"]
    # Once all three are reported the run stops, with states still queued.
    assert "Model checking completed" in log
    left = re.findall(r"([\d,]+) states left on queue", log)[-1]
    assert int(left.replace(",", "")) > 0
    for prop in ("durability", "consistency", "read_stability"):
        assert result[prop]["trace_length"] > 0 and (out / f"trace-{prop}.json").is_file()


def test_a_wrong_expectation_changes_no_verdict(tmp_path: Path) -> None:
    text = SPEC_BY_NAME["kip101-scenario1-0.11"].read_text().replace(
        "durability: holds", "durability: violated")
    config = write_config(tmp_path, text)
    out = tmp_path / "out"
    proc = run_kafkamc("check", config, "--out", out, "--json", cwd=tmp_path)
    assert proc.returncode == 1   # a verdict differs from the expectation
    result = json_stdout(proc)["properties"]
    assert {k: v["verdict"] for k, v in result.items()} == dict.fromkeys(
        ["durability", "consistency", "read_stability"], "holds")
    assert _logs(out) == {"tlc-safety.log"}


def test_violations_alongside_a_property_that_holds(tmp_path: Path) -> None:
    """KAFKA-6361 on 2.0.1, all three safety properties: consistency holds (KIP-279),
    durability and read stability break (acks=1). One run reports both violations
    and goes on to exhaust the space for consistency; each trace is as short as a
    run of that property alone finds."""
    spec = SPEC_BY_NAME["kafka-6361-2.0.1"]
    safety = ["durability", "consistency", "read_stability"]

    def check(out: str, *properties: str) -> dict[str, dict[str, object]]:
        options = [arg for p in properties for arg in ("--property", p)]
        proc = run_kafkamc("check", spec, *options, "--out", tmp_path / out, "--json",
                           "--workers", "1", "--no-cache", cwd=tmp_path)
        return json_stdout(proc)["properties"]

    together = check("together", *safety)
    assert {k: v["verdict"] for k, v in together.items()} == {
        "durability": "violated", "consistency": "holds", "read_stability": "violated"}
    log = (tmp_path / "together" / "tlc-safety.log").read_text()
    assert re.findall(r"([\d,]+) states left on queue", log)[-1] == "0"
    for prop in ("durability", "read_stability"):
        alone = check(prop, prop)[prop]
        assert alone["verdict"] == "violated"
        assert together[prop]["trace_length"] == alone["trace_length"], prop
