"""Every shipped example in specs/ through `kafkamc check --json`, with real TLC.

Each spec is checked once (a module-scoped fixture per spec); the tests below read
that one run from different sides: the exit status and the JSON, the verdicts
against the file's own `expect:`, and the files left in the out dir.
"""
from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    AVAILABILITY_VIOLATED,
    INVARIANT_OF,
    PROPERTY_KEYS,
    RESULT_KEYS,
    SPECS,
    VERDICTS,
    assert_no_traceback,
    checked_properties,
    config_name,
    describe,
    expected_verdicts,
    json_stdout,
    load_yaml,
    run_kafkamc,
    run_labels,
    spec_id,
)

from kafkamc.compile import BROKEN_BY
from kafkamc.config import DEFAULT_VERSION
from kafkamc.tlc.output import parse_tlc_output
from kafkamc.trace.steps import Trace, from_json


@dataclass(frozen=True)
class SpecRun:
    spec: Path
    out: Path
    proc: subprocess.CompletedProcess[str]

    @property
    def result(self) -> dict[str, Any]:
        return json_stdout(self.proc)


@pytest.fixture(scope="module", params=SPECS, ids=spec_id)
def spec_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             session_cache: Path) -> SpecRun:
    spec: Path = request.param
    work = tmp_path_factory.mktemp(spec.stem)
    out = work / "out"
    proc = run_kafkamc("check", spec, "--json", "--out", out, cwd=work, cache=session_cache)
    return SpecRun(spec=spec, out=out, proc=proc)


def test_the_specs_are_there_and_expect_verdicts() -> None:
    """Guards the test data: without specs or `expect:` the tests below prove nothing."""
    assert len(SPECS) >= 5, SPECS
    for spec in SPECS:
        expect = expected_verdicts(spec)
        assert expect, f"{spec} has no expect:"
        assert set(checked_properties(spec)) >= set(expect), spec
        assert set(expect.values()) <= VERDICTS, spec


@pytest.mark.tlc
def test_check_exits_0_and_prints_the_documented_json(spec_run: SpecRun) -> None:
    proc = spec_run.proc
    assert proc.returncode == 0, describe(proc)
    assert_no_traceback(proc)
    result = spec_run.result
    assert set(result) == RESULT_KEYS, result
    assert result["name"] == config_name(spec_run.spec)
    assert result["kafka_version"] == str(load_yaml(spec_run.spec).get("kafka_version",
                                                                       DEFAULT_VERSION))
    assert set(result["tlc"]) == {"version"}, result["tlc"]
    assert isinstance(result["tlc"]["version"], str) and result["tlc"]["version"], result["tlc"]
    assert list(result["properties"]) == checked_properties(spec_run.spec), result
    expect = expected_verdicts(spec_run.spec)
    for name, prop in result["properties"].items():
        assert set(prop) == PROPERTY_KEYS, (name, prop)
        assert prop["verdict"] in VERDICTS, (name, prop)
        assert prop["expected"] == expect.get(name), (name, prop)
        assert isinstance(prop["distinct_states"], int) and prop["distinct_states"] > 0, prop
        assert isinstance(prop["seconds"], (int, float)) and prop["seconds"] >= 0, prop
        assert isinstance(prop["trace_length"], int), prop
        assert isinstance(prop["depth"], int) and prop["depth"] >= 1, prop
        # A violation comes with its counterexample; a property that holds has none.
        if prop["verdict"] == "violated":
            assert prop["trace_length"] >= 1, (name, prop)
        else:
            assert prop["trace_length"] == 0, (name, prop)


@pytest.mark.tlc
def test_every_expected_verdict_is_the_verdict(spec_run: SpecRun) -> None:
    expect = expected_verdicts(spec_run.spec)
    properties = spec_run.result["properties"]
    got = {name: properties.get(name, {}).get("verdict") for name in expect}
    assert got == expect, describe(spec_run.proc)


@pytest.mark.tlc
def test_out_dir_holds_spec_cfgs_logs_and_result_json(spec_run: SpecRun, tmp_path: Path) -> None:
    out, result = spec_run.out, spec_run.result
    tlas = sorted(out.glob("*.tla"))
    assert len(tlas) == 2, sorted(p.name for p in out.iterdir())
    (tla,) = [path for path in tlas if not path.name.startswith("MC_")]
    mc = tla.with_name(f"MC_{tla.name}")
    assert mc in tlas
    module = re.sub(r"[^A-Za-z0-9_]", "_", result["name"])
    assert tla.stem == module
    assert re.match(rf"^-+ MODULE {module} -+$", tla.read_text().splitlines()[0])
    for label in run_labels(spec_run.spec):
        assert (out / f"{module}.{label}.cfg").is_file(), label
    assert sorted(out.glob("tlc-*.log")), sorted(p.name for p in out.iterdir())
    assert json.loads((out / "result.json").read_text()) == result
    # The spec that TLC checked is the one `kafkamc compile` writes.
    compiled = tmp_path / "compiled"
    proc = run_kafkamc("compile", spec_run.spec, "--out", compiled, cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert (compiled / tla.name).read_bytes() == tla.read_bytes()
    assert (compiled / mc.name).read_bytes() == mc.read_bytes()
    # ... with the same configs: compiling then checking overwrites nothing.
    for label in run_labels(spec_run.spec):
        cfg = f"{module}.{label}.cfg"
        assert (compiled / cfg).read_bytes() == (out / cfg).read_bytes(), cfg


@pytest.mark.tlc
def test_one_tlc_log_per_run_and_each_verdict_keeps_its_log(
        spec_run: SpecRun) -> None:
    """`TLC's full log per property`: kafkamc checks the safety properties in one run
    that reports each violated one (check.py's docstring), and availability alone;
    every run leaves its own log, and each violation is readable in a log. A run that
    outlived its one-worker probe keeps the probe's log too (tlc-LABEL.probe.log)."""
    verdicts = {name: p["verdict"] for name, p in spec_run.result["properties"].items()}
    safety = [p for p in verdicts if p != "availability"]
    runs = bool(safety) + ("availability" in verdicts)
    logs = {log.name: log.read_text() for log in sorted(spec_run.out.glob("tlc-*.log"))}
    for name, text in logs.items():
        assert text.count("TLC2 Version") == 1, f"{name} is not the log of one TLC run"
    for prop in [p for p, verdict in verdicts.items() if verdict == "violated"]:
        assert _logs_reporting(logs, prop), \
            f"no log shows that {prop} is violated; logs: {sorted(logs)}"
    if any(v == "holds" for v in verdicts.values()):
        assert any("No error has been found" in text for text in logs.values()), sorted(logs)
    probes = [name for name in logs if name.endswith(".probe.log")]
    assert all(name.replace(".probe.log", ".log") in logs for name in probes), sorted(logs)
    assert len(logs) - len(probes) == runs, f"{runs} TLC runs, logs: {sorted(logs)}"


@pytest.mark.tlc
def test_every_violation_is_told_with_a_reason_the_states_confirm(spec_run: SpecRun) -> None:
    """Each violated property has a trace file whose story numbers every step and ends
    with a reason naming the record, brokers and steps involved; the reason is checked
    here against the trace's own states, not against kafkamc's wording alone."""
    for name, prop in spec_run.result["properties"].items():
        if prop["verdict"] != "violated":
            continue
        file = spec_run.out / f"trace-{name}.json"
        assert prop["trace"] == str(file)
        data = json.loads(file.read_text())
        trace = from_json(data)
        _assert_title_says_how_it_was_found(spec_run, name, data, len(trace.steps))
        numbered = [line for line in data["narrative"] if re.match(r"\d+\. ", line)]
        assert [int(line.split(".")[0]) for line in numbered] == \
            [s.number for s in trace.steps]
        assert data["violation"]["step"] == trace.last.number
        reason = data["violation"]["reason"]
        # The reason closes the story; what the counterexample needed follows it.
        assert data["narrative"][-2].endswith(f"{reason}.")
        assert data["narrative"][-1] == f"Needs: {data['needs']['text']}."
        CONFIRM[name](trace, reason)
        # ... and drawn: .dot, .svg (well-formed XML naming the reason) and .png.
        diagrams = [Path(d) for d in prop["diagrams"]]
        assert [d.suffix for d in diagrams] == [".dot", ".svg", ".png"]
        assert all(d.is_file() and d.stat().st_size > 0 for d in diagrams)
        svg_text = "".join(ET.parse(diagrams[1]).getroot().itertext())
        assert f"step {trace.last.number}:" in svg_text


def _assert_title_says_how_it_was_found(spec_run: SpecRun, name: str, data: dict[str, Any],
                                        count: int) -> None:
    """A counterexample from the one-worker probe is a shortest one and its title says so;
    one reported by the run after the probe (every worker, so breadth-first search is not
    strict) is titled as a counterexample only. Which of the two a spec gets depends on
    how far the probe came in its seconds on this machine, so the test reads it from the
    run's logs. A probe stopped at its limit just after printing a counterexample leaves
    that one out (nothing after it shows it was whole: parse_tlc_output with `stopped`),
    so what counts as the probe's report is what kafkamc's parser reads in its log."""
    steps = f"{count} step{'s' if count > 1 else ''}"
    logs = {log.name: log.read_text() for log in spec_run.out.glob("tlc-*.log")}
    reported = _logs_reporting(logs, name)
    assert reported, f"no log reports {name}"
    by_probe = any(name in BROKEN_BY.get(c.violated or "", ())
                   for log in reported if log.endswith(".probe.log")
                   for c in parse_tlc_output(logs[log], stopped=True).counterexamples)
    by_full = any(not log.endswith(".probe.log") for log in reported)
    if data["shortest"]:
        assert data["title"] == f"{name} is broken in {steps} (the shortest way)", data["title"]
    else:
        assert data["title"] == f"{name} is broken: a counterexample of {steps}", data["title"]
        assert by_full and not by_probe, "a probe's counterexample is a shortest one"


def _logs_reporting(logs: dict[str, str], prop: str) -> list[str]:
    """The names of the TLC logs (name -> text) that report prop violated: a Once_ form
    naming its invariant, or for availability TLC's message for it."""
    def reports(text: str) -> bool:
        if prop not in INVARIANT_OF:
            return any(message in text for message in AVAILABILITY_VIOLATED)
        return any(INVARIANT_OF[prop] in names.split("_")
                   for names in re.findall(r"Invariant Once_(\w+) is violated\.", text))
    return [name for name, text in logs.items() if reports(text)]


def _state_at(trace: Trace, number: int) -> dict[str, Any]:
    return next(s.state for s in trace.steps if s.number == number)


def _confirm_missing_record(trace: Trace, reason: str, history: str) -> None:
    found = re.search(r"record r(\d+), (?:acknowledged at|readable by consumers since) "
                      r"step (\d+)[^,]*, is missing from the log of leader (b\d+), "
                      r"(?:elected at step (\d+)|the leader since the start)", reason)
    assert found, reason
    record, since, leader = int(found[1]), int(found[2]), found[3]
    entries = [r for r in _state_at(trace, since)[history] if r["id"] == record]
    assert entries, f"r{record} is not in {history} at step {since}"
    if since > 1:
        assert not any(r["id"] == record for r in _state_at(trace, since - 1)[history])
    last = trace.last.state
    assert last["leader"] == leader and last["status"][leader] == "up"
    log, offset = last["log"][leader], entries[0]["offset"]
    assert offset >= len(log) or log[offset]["id"] != record, (reason, log)
    if found[4]:
        elected = int(found[4])
        assert _state_at(trace, elected)["leader"] == leader
        assert (_state_at(trace, elected - 1)["leader"], _state_at(trace, elected - 1)["epoch"]) \
            != (leader, _state_at(trace, elected)["epoch"])


def _confirm_durability(trace: Trace, reason: str) -> None:
    if "in no replica's log" in reason:
        found = re.search(r"record r(\d+), acknowledged at step (\d+), is at offset (\d+)",
                          reason)
        assert found, reason
        last = trace.last.state
        assert all(int(found[3]) >= len(log) or log[int(found[3])]["id"] != int(found[1])
                   for log in last["log"].values())
        return
    _confirm_missing_record(trace, reason, "acked")


def _confirm_consistency(trace: Trace, reason: str) -> None:
    found = re.search(r"offset (\d+) is below leader (b\d+)'s high watermark \((\d+)\), but ISR "
                      r"member (b\d+) holds", reason)
    assert found, reason
    offset, leader, hw, member = int(found[1]), found[2], int(found[3]), found[4]
    last = trace.last.state
    assert last["leader"] == leader and last["hw"][leader] == hw and offset < hw
    assert member in last["isr"] and last["status"][member] == "up"
    mine, theirs = last["log"][member], last["log"][leader]
    assert offset >= len(mine) or mine[offset] != theirs[offset]


def _confirm_availability(trace: Trace, reason: str) -> None:
    found = re.search(r"the faults stopped at step (\d+)", reason)
    assert found, reason
    settled = int(found[1])
    assert _state_at(trace, settled)["phase"] == "settled"
    assert settled == 1 or _state_at(trace, settled - 1)["phase"] == "running"
    assert trace.last.state["probe"]["stage"] != "acked"


def _committed(state: dict[str, Any]) -> list[int]:
    leader = state["leader"]
    log = state["log"][leader]
    return [entry["id"] for entry in log[:min(state["hw"][leader], len(log))]]


def _confirm_duplicate(trace: Trace, reason: str) -> None:
    found = re.match(r"r(\d+) is at offsets (\d+) and (\d+) of leader (b\d+)'s log", reason)
    assert found, reason
    record, first, second, leader = found.groups()
    assert str(trace.last.state["leader"]) == leader
    ids = _committed(trace.last.state)
    assert ids[int(first)] == ids[int(second)] == int(record), (ids, reason)


def _confirm_order(trace: Trace, reason: str) -> None:
    found = re.search(r"r(\d+) at offset (\d+) and r(\d+) only at offset (\d+)", reason)
    assert found, reason
    later, at_later, earlier, at_earlier = map(int, found.groups())
    ids = _committed(trace.last.state)
    assert earlier < later and at_later < at_earlier, reason
    assert ids.index(later) == at_later and ids.index(earlier) == at_earlier, (ids, reason)
    stages = [r["stage"] for r in trace.last.state["requests"]]
    assert stages[earlier - 1] == stages[later - 1] == "acked", stages


CONFIRM = {
    "durability": _confirm_durability,
    "no_duplicates": _confirm_duplicate,
    "order": _confirm_order,
    "read_stability": lambda trace, reason: _confirm_missing_record(trace, reason, "readable"),
    "consistency": _confirm_consistency,
    "availability": _confirm_availability,
}
