"""`kafkamc check --distributed` end to end on loopback: a TLC server and two local
worker JVMs give the verdicts and distinct-state counts of a single-process run, and
a remote-style `kafkamc worker` serves every TLC round of a check."""
from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import SPEC_BY_NAME, json_stdout, kafkamc_script, run_kafkamc, write_config

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


def test_a_remote_worker_serves_every_round_of_a_check(tmp_path: Path) -> None:
    """Issue 19: a TLCWorker exits when its server finishes, and a check runs a server
    per round. `kafkamc worker`, started as on another machine (its own process,
    through the CLI, before the check), must serve every round: here the check has
    no local workers, so a round it missed would never end."""
    port = _free_port()
    log = tmp_path / "worker.err"
    env = dict(os.environ, KAFKAMC_CACHE_DIR=str(tmp_path / "cache"))
    with log.open("w") as sink:
        worker = subprocess.Popen([kafkamc_script(), "worker", "127.0.0.1", "--port", str(port),
                                   "--threads", "1", "--connect-timeout", "120"],
                                  cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                  text=True)
        try:
            # Two runs (the safety run, availability's own), each a distributed round.
            spread = _check(tmp_path, SPEC_BY_NAME["jepsen-2013"], "--property", "durability",
                            "--property", "availability", "--distributed",
                            "--local-workers", "0", "--port", str(port),
                            "--hostname", "127.0.0.1", "--timeout", "240")
            status = worker.wait(timeout=60)   # told that the check is over
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    said = log.read_text()
    assert status == 0, said
    assert {p: v["verdict"] for p, v in spread.items()} == \
        {"durability": "violated", "availability": "violated"}
    out = tmp_path / "out0"
    rounds = sorted(out.glob("tlc-*.distributed.log"))
    assert [r.name for r in rounds] == ["tlc-availability.distributed.log",
                                        "tlc-durability.distributed.log"]
    for server_log in rounds:   # the server's own report: one worker thread registered
        assert server_log.read_text().count("Registration for worker at ") == 1, server_log
    assert re.findall(r"kafkamc worker: joining TLC round (\d+)", said) == ["1", "2"], said
    assert said.count("Thank you!") == 2, said   # each round's server dismissed it
    assert f"the check at 127.0.0.1:{port} is over; served 2 TLC rounds" in said, said
