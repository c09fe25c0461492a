"""Ctrl-C keeps what is decided: check and regress stop TLC, write every report with
what they found, mark it interrupted, and exit 130, with no TLC left running.

Real TLC on a config whose durability breaks within seconds while proving its
consistency takes minutes (power loss of every replica on 4.1, three records). Each
test waits on output, never on a sleep: the SIGINT goes once TLC's log holds
durability's whole counterexample (TLC reports its progress right after a trace),
so the tests do not depend on the machine's load.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import HANG_GUARD_SECONDS, SPEC_BY_NAME, kafkamc_script, write_config
from lxml import etree

pytestmark = pytest.mark.tlc

SCHEMA = Path(__file__).resolve().parent / "fixtures" / "junit-schema.xsd"
PROGRESS = "@!@!@STARTMSG 2200:"   # TLC's progress report, which follows every error trace


def long_config(directory: Path) -> Path:
    text = SPEC_BY_NAME["power-loss-all-4.1"].read_text()
    text = text.replace("records: 1", "records: 3").replace(
        "check: [durability]", "check: [durability, consistency]")
    return write_config(directory, text, "long.yaml")


def start(*args: str | Path, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "KAFKAMC_CACHE_DIR": str(cwd / "cache")}
    return subprocess.Popen([kafkamc_script(), *map(str, args)], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def durability_reported(out: Path) -> bool:
    """TLC's log (the probe's, or the run's after it) holds durability's whole trace."""
    for log in out.glob("tlc-safety*.log"):
        try:
            text = log.read_text(errors="replace")
        except OSError:          # renamed from under us: the probe became the full run
            continue
        at = text.find("Invariant Once_Durability")
        if at >= 0 and PROGRESS in text[at:]:
            return True
    return False


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while not condition():
        assert process.poll() is None, f"kafkamc ended (exit {process.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} within {HANG_GUARD_SECONDS} s"
        time.sleep(0.2)


def assert_no_tlc_left(out: Path) -> None:
    left = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True,
                          check=False).stdout
    assert left == "", f"TLC still running: {left}"


def test_sigint_keeps_what_check_decided(tmp_path: Path) -> None:
    out = tmp_path / "out"
    process = start("check", long_config(tmp_path), "--out", out, "--json", "--no-cache",
                    cwd=tmp_path)
    wait_for(lambda: durability_reported(out), process, "durability's counterexample")
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=HANG_GUARD_SECONDS)

    assert process.returncode == 130, stderr
    assert "interrupted (SIGINT)" in stderr and "Traceback" not in stderr
    printed = json.loads(stdout)       # --json still prints its one object
    saved = json.loads((out / "result.json").read_text())
    for result in (printed, saved):
        assert result["interrupted"] is True
        assert result["properties"]["durability"]["verdict"] == "violated"
        assert result["properties"]["consistency"]["verdict"] == "unknown"
        assert result["properties"]["consistency"]["message"].startswith("interrupted after")
    assert (out / "trace-durability.json").is_file()
    assert "Interrupted" in (out / "report.html").read_text()
    assert_no_tlc_left(out)


def test_regress_streams_rows_and_sigint_keeps_finished_configs(tmp_path: Path) -> None:
    """One config at a time: Jepsen's row is printed while regress still runs (stdout a
    pipe), the long config is interrupted with durability decided, and the config after
    it never starts; the JUnit file has what finished."""
    configs = tmp_path / "configs"
    configs.mkdir()
    jepsen = configs / "jepsen-2013.yaml"
    jepsen.write_text(SPEC_BY_NAME["jepsen-2013"].read_text())
    long = long_config(configs)
    after = configs / "acks1-failover.yaml"
    after.write_text(SPEC_BY_NAME["acks1-failover"].read_text())
    out, junit = tmp_path / "out", tmp_path / "junit.xml"
    process = start("regress", jepsen, long, after, "--jobs", "1", "--out", out,
                    "--junit", junit, "--no-cache", cwd=tmp_path)
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()

    wait_for(lambda: any(" jepsen-2013 " in line for line in lines), process, "Jepsen's row")
    assert process.poll() is None       # streamed: the row came before the end
    wait_for(lambda: durability_reported(out / "long"), process,
             "the long config's durability counterexample")
    process.send_signal(signal.SIGINT)
    process.wait(timeout=HANG_GUARD_SECONDS)
    reader.join()
    stderr = process.stderr.read() if process.stderr else ""

    assert process.returncode == 130, "".join(lines) + stderr
    rows = {line.split()[1]: line.split()[0] for line in lines
            if line.split()[1:2] and line.split()[1] in ("jepsen-2013", "long")}
    assert rows == {"jepsen-2013": "pass", "long": "stopped"}, lines
    assert "interrupted before 1 more: acks1-failover" in "".join(lines)
    assert not (out / "acks1-failover").exists()
    result = json.loads((out / "long" / "result.json").read_text())
    assert result["interrupted"] is True
    assert result["properties"]["durability"]["verdict"] == "violated"

    tree = etree.parse(str(junit))
    assert etree.XMLSchema(etree.parse(str(SCHEMA))).validate(tree)
    suites = {s.get("name"): s for s in tree.findall("testsuite")}
    assert list(suites) == ["jepsen-2013", "long"]
    assert suites["jepsen-2013"].get("failures") == "0"
    cases = {c.get("name"): c for c in suites["long"].findall("testcase")}
    assert cases["durability"].find("failure") is None
    assert cases["consistency"].find("skipped") is not None
    assert_no_tlc_left(out)
