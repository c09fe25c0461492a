"""`not_found`: past what breadth-first search finishes within the budget, TLC's random
simulation (-simulate) looks for violations of the properties still open. What it
draws is violated, with its trace; nothing drawn is not_found, never holds (exit 3).
Real simulation logs (tests/fixtures/tlc), the pieces on their own, then real runs."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import cast

import pytest
from conftest import (
    SPEC_BY_NAME,
    assert_no_traceback,
    describe,
    json_stdout,
    run_kafkamc,
    write_config,
)

from kafkamc.regress.junit import _property_case
from kafkamc.render.headline import headline
from kafkamc.resolved import Property, Verdict
from kafkamc.result import CheckResult, Outcome, PropertyResult
from kafkamc.sweep.prune import RowPlan
from kafkamc.tlc.dialect import simulated_states
from kafkamc.tlc.output import parse_tlc_output
from kafkamc.tlc.run import Simulation, tlc_command

FIXTURES = Path(__file__).parent / "fixtures" / "tlc" / "simulate"


# ---------------------------------------------------------------------------------
# TLC's simulation output and command line.

def test_a_simulated_violation_reads_as_a_counterexample() -> None:
    text = (FIXTURES / "counter.tool.log").read_text()
    outcome = parse_tlc_output(text, stopped=True)
    [found] = outcome.counterexamples
    assert found.violated == "Small"
    assert [s.values["x"] for s in found.trace] == [0, 1, 2, 3]
    assert outcome.workers is None       # not a breadth-first search: never "shortest"
    assert simulated_states(text) == 121


def test_a_simulation_that_finds_nothing_counts_its_states() -> None:
    text = (FIXTURES / "ok.tool.log").read_text()
    assert simulated_states(text) == 4_747_230
    assert simulated_states("Starting...\n") is None


def test_the_simulation_command_line() -> None:
    command = tlc_command(Path("MC_x.tla"), Path("x.cfg"), Path("meta"), 1, [],
                          keep_going=True, java="java", jar="tla2tools.jar",
                          simulation=Simulation(depth=100, seed=42, seconds=7))
    text = " ".join(command)
    assert "-simulate -depth 100 -seed 42" in text
    assert "-Dtlc2.TLC.stopAfter=7" in command
    # -continue would make TLC 2.15 print every violating behaviour it draws.
    assert "-continue" not in command


# ---------------------------------------------------------------------------------
# not_found in the reports, the sweep and JUnit.

def _prop(verdict: str, expected: Verdict | None = None,
          name: Property = "durability") -> PropertyResult:
    return PropertyResult(
        name=name, verdict=cast(Outcome, verdict), expected=expected,
        trace=None, story=None, trace_file=None, diagrams=(), distinct_states=10, depth=3,
        seconds=1.0, log=Path("tlc.log"),
        message="no violation in 9 states generated; not a proof" if verdict == "not_found"
        else None)


def test_not_found_never_passes_and_fails_the_check() -> None:
    for expected in ("holds", "violated", None):
        assert not _prop("not_found", expected).matches
    result = CheckResult(name="x", kafka_version="4.1", out_dir=Path("out"), spec=Path("x.tla"),
                         properties={"durability": _prop("not_found", "holds")})
    assert result.failed        # exit 3, as unknown
    assert headline(result) == ("No violation of durability was found by random simulation, "
                                "which is not a proof (see below).")
    both = CheckResult(name="x", kafka_version="4.1", out_dir=Path("out"), spec=Path("x.tla"),
                       properties={"durability": _prop("holds"),
                                   "consistency": _prop("not_found", name="consistency")})
    assert headline(both) == ("Durability holds within these bounds; no violation of "
                              "consistency was found by random simulation, which is not a "
                              "proof (see below).")


def test_the_sweep_infers_nothing_from_not_found() -> None:
    plan = RowPlan([(0,), (1,), (2,)], ["durability"], set(), prune=True)
    column, _ = plan.ready()[0]
    plan.record(column, {"durability": "not_found"})
    assert [(c, p) for (c, p) in plan.known] == [(column, "durability")]
    assert plan.ready(), "the other cells are still to check"


def test_junit_reports_not_found_as_an_error() -> None:
    case = _property_case("x", _prop("not_found", "holds"), interrupted=False)
    [error] = list(case)
    assert (error.tag, error.get("type")) == ("error", "NotFound")
    assert "not found, expected holds" in str(error.get("message"))
    assert ET.tostring(case)


# ---------------------------------------------------------------------------------
# Real runs.

# RF 3 with three faults and three records: far more states than breadth-first search
# explores in 15 seconds. acks=all with min.insync.replicas 2 and no power loss.
BIG = """\
name: big
kafka_version: "4.1"
topic:
  replication.factor: 3
  min.insync.replicas: 2
producer:
  acks: all
faults:
  crashes: 2
  network_partitions: 1
  clean_restarts: 1
bounds:
  records: 3
check: [durability, consistency]
expect:
  durability: holds
  consistency: holds
"""


@pytest.mark.tlc
def test_a_budget_too_small_gives_not_found_never_holds(tmp_path: Path) -> None:
    config = write_config(tmp_path, BIG)
    out = tmp_path / "out"
    proc = run_kafkamc("check", config, "--budget", "15", "--workers", "1", "--json",
                       "--out", out, cwd=tmp_path)
    assert proc.returncode == 3, describe(proc)    # expect: holds does not pass
    assert_no_traceback(proc)
    properties = json_stdout(proc)["properties"]
    for name, prop in properties.items():
        assert prop["verdict"] in ("not_found", "violated"), (name, prop)
    assert any(p["verdict"] == "not_found" for p in properties.values()), properties
    for prop in properties.values():
        if prop["verdict"] == "not_found":
            assert "random simulation" in prop["message"], prop
            assert "not a proof" in prop["message"], prop
            assert "seed" in prop["message"], prop
    assert list(out.glob("tlc-safety.simulate*.log")), sorted(out.iterdir())
    assert "not found" in (out / "report.html").read_text()


@pytest.mark.tlc
def test_a_violation_drawn_by_simulation_has_its_trace(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_kafkamc("check", SPEC_BY_NAME["jepsen-2013"], "-p", "durability",
                       "--mode", "simulate", "--budget", "20", "--workers", "1", "--json",
                       "--format", "dot", "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)    # violated, as expected
    durability = json_stdout(proc)["properties"]["durability"]
    assert durability["verdict"] == "violated", durability
    assert durability["trace_length"] > 0, durability
    assert Path(durability["trace"]).is_file(), durability
    assert "random simulation (seed " in durability["message"], durability
    logs = sorted(log.name for log in out.glob("tlc-*.log"))
    # simulate mode skips breadth-first search: every log is a simulation's.
    assert logs and all(".simulate" in log for log in logs), logs


def test_simulate_mode_needs_a_budget(tmp_path: Path) -> None:
    proc = run_kafkamc("check", SPEC_BY_NAME["jepsen-2013"], "--mode", "simulate",
                       "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 2, describe(proc)
    assert_no_traceback(proc)
    assert "--budget" in proc.stderr, describe(proc)
    assert not (tmp_path / "out").exists()
