"""One writer for every entry point, and violations as data.

`kafkamc check`, `regress`, `sweep` and the DSL's `Model.check()` end in the same
artifacts step (kafkamc.render.artifacts), so the same config leaves the same set
of files; `compile` then `check` overwrites nothing with other text; the diagram
marks the lost record from the violation's data, not from its sentence.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import describe, run_kafkamc, snapshot, write_config

from kafkamc.config import Model
from kafkamc.render.sequence import sequence_graph
from kafkamc.trace.narrative import tell
from kafkamc.trace.read_back import log_trace
from kafkamc.trace.steps import read_trace

# RF 2 with one crash and acks=1: durability breaks in a few steps, the rest is small.
CONFIG = """\
name: small
kafka_version: "3.6"
topic:
  replication.factor: 2
  min.insync.replicas: 1
  unclean.leader.election.enable: true
producer:
  acks: "1"
faults:
  crashes: 1
bounds:
  records: 1
check: [durability, availability]
"""


def _names(directory: Path) -> set[str]:
    return {name for name in snapshot(directory) if not name.startswith(".kafkamc")}


@pytest.mark.tlc
def test_every_entry_point_leaves_the_same_files(tmp_path: Path) -> None:
    config = write_config(tmp_path / "configs", CONFIG, "small.yaml")
    proc = run_kafkamc("check", config, "--out", tmp_path / "check", cwd=tmp_path)
    assert proc.returncode in (0, 1), describe(proc)
    proc = run_kafkamc("regress", config, "--out", tmp_path / "regress", cwd=tmp_path)
    assert proc.returncode in (0, 1), describe(proc)
    sweep = write_config(tmp_path / "sweeps", CONFIG + "sweep:\n  faults.crashes: [1]\n",
                         "small.yaml")
    proc = run_kafkamc("sweep", sweep, "--out", tmp_path / "sweep", cwd=tmp_path)
    assert proc.returncode in (0, 1), describe(proc)
    Model.from_yaml(config).check(out_dir=tmp_path / "dsl")

    files = _names(tmp_path / "check")
    assert {"config.yaml", "report.html", "result.json", "small.tla", "MC_small.tla",
            "trace-durability.json"} <= files, sorted(files)
    assert _names(tmp_path / "regress" / "small") == files
    (cell,) = [d for d in (tmp_path / "sweep").iterdir() if d.is_dir()]
    # A sweep cell is a config of its own, named for its place: small.ROW.COLUMN.
    module = "small_" + cell.name.replace(".", "_")
    assert {n.replace(module, "small") for n in _names(cell)} == files
    assert _names(tmp_path / "dsl") == files
    # The page shows the config that was checked: for the cell, the cell's own.
    assert "sweep:" not in (cell / "config.yaml").read_text()
    assert "sweep:" not in (cell / "report.html").read_text()


@pytest.mark.tlc
def test_compile_then_check_overwrites_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, CONFIG, "small.yaml")
    out = tmp_path / "out"
    assert run_kafkamc("compile", config, "--out", out, cwd=tmp_path).returncode == 0
    compiled = snapshot(out)
    proc = run_kafkamc("check", config, "--out", out, cwd=tmp_path)
    assert proc.returncode in (0, 1), describe(proc)
    after = snapshot(out)
    changed = [name for name, data in compiled.items() if after.get(name) != data]
    assert changed == [], changed


@pytest.mark.tlc
def test_the_diagram_marks_the_record_whatever_the_reason_says(tmp_path: Path) -> None:
    config = write_config(tmp_path, CONFIG, "small.yaml")
    out = tmp_path / "out"
    run_kafkamc("check", config, "--out", out, "--property", "durability", cwd=tmp_path)
    trace = read_trace(out / "trace-durability.json")
    story = tell(trace)
    assert story.violation.record is not None and story.violation.brokers
    reworded = replace(story, violation=replace(story.violation,
                                                reason="the write is gone (reworded)"))
    graph = sequence_graph(trace, reworded)
    assert graph.graph["missing"] == story.violation.record
    marked = [node for node, data in graph.nodes(data=True) if data.get("violating")]
    assert {node[0] for node in marked} == set(story.violation.brokers) & set(
        graph.graph["lanes"])


def test_networkx_and_graphviz_load_only_to_draw() -> None:
    """Every command starts without the diagram stack; drawing loads it."""
    code = ("import sys, kafkamc.cli, kafkamc.check, kafkamc.render.artifacts; "
            "print(sorted(m for m in ('networkx', 'graphviz') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


@pytest.mark.tlc
def test_run_sh_reproduces_each_run_and_itf_holds_the_trace(tmp_path: Path) -> None:
    """`sh run.sh` in an out dir runs TLC on the same modules and cfgs, and its log
    tells the same counterexample; the ITF file holds the same states."""
    config = write_config(tmp_path, CONFIG, "small.yaml")
    out = tmp_path / "out"
    run_kafkamc("check", config, "--out", out, "--property", "durability", cwd=tmp_path)
    subprocess.run(["sh", str(out / "run.sh")], check=True, capture_output=True, timeout=600)
    again = log_trace(out / "tlc-durability.rerun.log")
    kept = read_trace(out / "trace-durability.json")
    assert again.shortest and kept.shortest
    assert [s.state for s in again.steps] == [s.state for s in kept.steps]

    itf = json.loads((out / "counterexample-durability.itf.json").read_text())
    assert itf["#meta"]["format"] == "ITF" and itf["#meta"]["source"] == "MC_small.tla"
    assert len(itf["states"]) == len(kept.steps)
    last = itf["states"][-1]
    assert last["#meta"]["index"] == len(kept.steps) - 1
    assert last["epoch"] == {"#bigint": str(kept.last.state["epoch"])}
    assert last["leader"] == str(kept.last.state["leader"]) in itf["#meta"]["model_values"]
    assert "#map" in last["log"] and "#set" in last["isr"]
