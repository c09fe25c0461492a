"""How check schedules TLC runs: all safety properties in one run (with -continue,
each reported once), availability in a run of its own.

Every run starts as a probe with one TLC worker and C1 (strict breadth-first, so
its counterexamples are shortest); a run that outlives the probe goes on with
every worker, or --workers, for the properties still open. A config's
expectation schedules nothing, and the verdicts are TLC's."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import SPEC_BY_NAME, json_stdout, run_kafkamc, write_config

pytestmark = pytest.mark.tlc


def _logs(out: Path) -> set[str]:
    return {p.name for p in out.glob("tlc-*.log")}


def test_one_run_reports_every_violated_safety_property(tmp_path: Path) -> None:
    # Without its expectations: they schedule nothing.
    text = SPEC_BY_NAME["jepsen-2013"].read_text()
    config = write_config(tmp_path, text[:text.index("expect:")])
    out = tmp_path / "out"
    proc = run_kafkamc("check", config, "--out", out, "--json", "--workers", "2",
                       cwd=tmp_path)
    result = json_stdout(proc)["properties"]
    assert {k: v["verdict"] for k, v in result.items()} == dict.fromkeys(
        ["durability", "consistency", "read_stability", "availability"], "violated")
    assert _logs(out) == {"tlc-safety.log", "tlc-availability.log"}
    log = (out / "tlc-safety.log").read_text()
    # Decided within the probe: one worker, whatever --workers says.
    assert _workers(out / "tlc-safety.log") == 1
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


@pytest.mark.parametrize("wrong", [["durability"], ["durability", "consistency",
                                                  "read_stability"]])
def test_a_wrong_expectation_changes_no_verdict(tmp_path: Path, wrong: list[str]) -> None:
    """With every property expected violated, the run still explores every state and
    finds that all hold."""
    text = SPEC_BY_NAME["kip101-scenario1-0.11"].read_text()
    for prop in wrong:
        text = text.replace(f"{prop}: holds", f"{prop}: violated")
    config = write_config(tmp_path, text)
    out = tmp_path / "out"
    proc = run_kafkamc("check", config, "--out", out, "--json", cwd=tmp_path)
    assert proc.returncode == 1   # a verdict differs from the expectation
    result = json_stdout(proc)["properties"]
    assert {k: v["verdict"] for k, v in result.items()} == dict.fromkeys(
        ["durability", "consistency", "read_stability"], "holds")
    assert "tlc-safety.log" in _logs(out) <= {"tlc-safety.log", "tlc-safety.probe.log"}


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


def test_a_timed_out_run_keeps_the_violations_it_reported(tmp_path: Path) -> None:
    """Every replica losing power on 4.1, three records: durability breaks within 7
    steps (a few thousand states, seconds even on a loaded machine), while proving
    consistency takes millions of states (minutes even on a fast one). Stopped after
    30 s, the shared run has reported durability and cannot have proven consistency.
    --mode exhaustive: breadth-first search alone, for the whole budget (auto would
    simulate consistency for the last third: tests/test_not_found.py)."""
    text = SPEC_BY_NAME["power-loss-all-4.1"].read_text().replace("records: 1", "records: 3")
    config = write_config(tmp_path, text)
    proc = run_kafkamc("check", config, "--property", "durability", "--property",
                       "consistency", "--out", tmp_path / "out", "--json", "--no-cache",
                       "--timeout", "30", "--mode", "exhaustive", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr   # TLC could not decide consistency
    result = json_stdout(proc)["properties"]
    assert result["durability"]["verdict"] == "violated"
    assert (tmp_path / "out" / "trace-durability.json").is_file()
    assert result["consistency"]["verdict"] == "unknown"
    assert "timed out" in result["consistency"]["message"]


def _workers(log: Path) -> int:
    return int(re.search(r" with (\d+) workers? on ", log.read_text())[1])


def test_every_run_starts_with_one_worker_and_only_a_long_one_gets_more(
        tmp_path: Path) -> None:
    """Jepsen's runs and kip101-scenario1-0.11's (all hold, a few thousand states) end
    within the probe, with one worker, whatever --workers says. With a probe too short
    to decide anything, the run goes on with --workers."""
    jepsen = tmp_path / "jepsen"
    run_kafkamc("check", SPEC_BY_NAME["jepsen-2013"], "--out", jepsen, "--workers", "2",
                "--no-cache", cwd=tmp_path)
    assert [_workers(jepsen / f"tlc-{run}.log") for run in ("safety", "availability")] == [1, 1]
    holds = tmp_path / "holds"
    run_kafkamc("check", SPEC_BY_NAME["kip101-scenario1-0.11"], "--out", holds,
                "--workers", "2", "--no-cache", cwd=tmp_path)
    assert _workers(holds / "tlc-safety.log") == 1
    later = tmp_path / "later"
    run_kafkamc("check", SPEC_BY_NAME["kip101-scenario1-0.11"], "--out", later,
                "--workers", "2", "--no-cache", cwd=tmp_path, env=_no_probe())
    assert _workers(later / "tlc-safety.log") == 2


def test_shortest_is_claimed_only_for_a_one_worker_search(tmp_path: Path) -> None:
    """With one worker TLC's breadth-first search is strict and the story says "the
    shortest way"; a counterexample of a multi-worker run is only "a counterexample"."""
    strict, spread = tmp_path / "strict", tmp_path / "spread"
    for out, env in ((strict, None), (spread, _no_probe())):
        proc = run_kafkamc("check", SPEC_BY_NAME["jepsen-2013"], "--property", "durability",
                           "--out", out, "--workers", "2", "--no-cache", cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
    assert _workers(strict / "tlc-durability.log") == 1
    assert _workers(spread / "tlc-durability.log") == 2
    told = {out: json.loads((out / "trace-durability.json").read_text())
            for out in (strict, spread)}
    assert told[strict]["shortest"] is True
    assert told[strict]["title"].endswith("(the shortest way)")
    assert told[spread]["shortest"] is False
    assert "shortest" not in told[spread]["title"]
    assert ": a counterexample of " in told[spread]["title"]


def _no_probe() -> dict[str, str]:
    return {**os.environ, "KAFKAMC_PROBE_SECONDS": "0"}
