"""`kafkamc check --distributed` end to end on loopback: a TLC server and two local
worker JVMs give the verdicts and distinct-state counts of a single-process run."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest
from conftest import SPEC_BY_NAME, json_stdout, run_kafkamc, write_config

pytestmark = pytest.mark.tlc

# Every safety property holds. With no broker ever down and one leader change at
# most, the spec's VIEW merges no states, so the distinct-state count is the same
# whichever states TLC's workers reach first (with SYMMETRY and VIEW together it
# may differ by a few; tests/test_distributed.py shows that case without the VIEW).
PARTITION = """\
name: one-partition
kafka_version: "4.1"
topic:
  replication.factor: 3
  min.insync.replicas: 2
producer:
  acks: all
faults:
  network_partitions: 1
bounds:
  records: 1
check: [durability, consistency, read_stability]
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _check(tmp_path: Path, config: Path, *args: str) -> dict[str, dict[str, object]]:
    out = tmp_path / f"out{len(list(tmp_path.glob('out*')))}"
    proc = run_kafkamc("check", config, "--out", out, "--json", *args, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return json_stdout(proc)["properties"]


def test_distributed_holds_with_the_single_process_state_count(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", PARTITION)
    single = _check(tmp_path, config)
    spread = _check(tmp_path, config, "--distributed", "--local-workers", "2",
                    "--port", str(_free_port()), "--hostname", "127.0.0.1")
    assert {k: v["verdict"] for k, v in spread.items()} == \
        {k: v["verdict"] for k, v in single.items()} == dict.fromkeys(single, "holds")
    assert {v["distinct_states"] for v in spread.values()} == \
        {v["distinct_states"] for v in single.values()}
    assert (tmp_path / "out1" / "tlc-safety.distributed.worker2.log").is_file()


def test_distributed_violation_gets_the_shortest_counterexample(tmp_path: Path) -> None:
    single = _check(tmp_path, SPEC_BY_NAME["jepsen-2013"], "--property", "durability")
    spread = _check(tmp_path, SPEC_BY_NAME["jepsen-2013"], "--property", "durability",
                    "--distributed",
                    "--port", str(_free_port()), "--hostname", "127.0.0.1")
    assert spread["durability"]["verdict"] == single["durability"]["verdict"] == "violated"
    assert spread["durability"]["trace_length"] == single["durability"]["trace_length"]
    # The server found it; single-process TLC then named it and traced it.
    assert (tmp_path / "out1" / "tlc-durability.distributed.log").is_file()
    assert Path(str(spread["durability"]["trace"])).is_file()
