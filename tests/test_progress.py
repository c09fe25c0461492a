"""Live progress: what each TLC line tells the board, and the board on a real terminal."""
from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import REPO, kafkamc_script

from kafkamc.tlc.progress import RunProgress

FIXTURES = Path(__file__).parent / "fixtures" / "tlc"


def tool(code: int, text: str, severity: int = 0) -> list[str]:
    """One message as TLC prints it with -tool, line by line."""
    return [f"@!@!@STARTMSG {code}:{severity} @!@!@\n", f"{text}\n", f"@!@!@ENDMSG {code} @!@!@\n"]


def feed(run: RunProgress, lines: list[str]) -> None:
    for line in lines:
        run.read(line)


def test_progress_follows_tlc_stages_and_counts_of_a_real_run() -> None:
    run = RunProgress("x: safety")
    assert run.stage == "starting Java"
    stages = [run.stage]
    for line in (FIXTURES / "ok.tool.log").read_text().splitlines(keepends=True):
        run.read(line)
        if run.stage != stages[-1]:
            stages.append(run.stage)
    assert stages == ["starting Java", "parsing", "starting", "initial states", "exploring",
                      "finishing", "done"]
    assert (run.depth, run.generated, run.distinct, run.queue) == (6, 7, 6, 0)


def test_progress_reads_counts_with_thousands_separators() -> None:
    run = RunProgress("x: safety")
    feed(run, tool(2200, "Progress(12) at 2026-12-01 21:00:00: 1,234,567 states generated "
                         "(600,000 s/min), 234,567 distinct states found (120,000 ds/min), "
                         "3,456 states left on queue."))
    assert (run.depth, run.generated, run.distinct, run.queue, run.per_second) == \
        (12, 1234567, 234567, 3456, 10000)
    feed(run, tool(2199, "1300000 states generated, 250000 distinct states found, "
                         "0 states left on queue."))
    assert (run.generated, run.distinct, run.queue, run.depth) == (1300000, 250000, 0, 12)


def test_progress_lists_the_properties_reported_so_far() -> None:
    run = RunProgress("x: safety")
    feed(run, tool(2190, "Finished computing initial states: 1 distinct state generated at "
                         "2026-12-02."))
    feed(run, tool(2110, "Invariant Once_Durability_ReadStability is violated.", severity=1))
    # TLC goes on exploring after a report (-continue): the stage stays.
    assert (run.stage, run.violated) == ("exploring", ["durability", "read_stability"])
    feed(run, tool(2110, "Invariant Once_Durability is violated.", 1))  # another worker's
    feed(run, tool(2110, "Invariant Once_Consistency is violated.", 1))
    assert run.violated == ["durability", "read_stability", "consistency"]
    alone = RunProgress("x: availability")
    feed(alone, tool(2107, "Invariant AvailabilityWhenQuiet is violated by the initial state:",
                     1))
    assert alone.violated == ["availability"]


def _run_on_terminal(args: list[str], cwd: Path, seconds: float) -> tuple[str, int | None]:
    """Run kafkamc with a pseudo-terminal as stderr (stdout a pipe); return what the
    terminal showed within `seconds`, and the exit status if it ended."""
    leader, follower = pty.openpty()
    env = dict(os.environ, KAFKAMC_CACHE_DIR=str(cwd / "cache"), COLUMNS="160")
    process = subprocess.Popen([kafkamc_script(), *args], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                shown += os.read(leader, 65536)
            except OSError:
                break
    status = process.poll()
    if status is None:
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=30)
    process.stdout.close()  # type: ignore[union-attr]
    os.close(leader)
    return shown.decode(errors="replace"), status


@pytest.mark.tlc
def test_live_progress_on_a_terminal_and_sigterm_stops_tlc(tmp_path: Path) -> None:
    out = tmp_path / "out"
    shown, status = _run_on_terminal(
        ["check", str(REPO / "specs" / "kreps-tradeoff.yaml"), "--out", str(out), "--no-cache"],
        tmp_path, 12)
    assert "TLC run" in shown and "kreps-tradeoff: safety" in shown
    assert "exploring" in shown or "parsing" in shown
    _assert_stopped(status, out)


@pytest.mark.tlc
def test_sigterm_stops_the_tlc_runs_of_regress_jobs(tmp_path: Path) -> None:
    # regress runs configs in threads; the signal must reach their TLC runs too.
    out = tmp_path / "out"
    _, status = _run_on_terminal(
        ["regress", str(REPO / "specs" / "kreps-tradeoff.yaml"),
         str(REPO / "specs" / "kip320-fencing-2.1.yaml"), "--out", str(out), "--no-cache",
         "--jobs", "2"], tmp_path, 8)
    _assert_stopped(status, out)


@pytest.mark.tlc
def test_sigterm_during_a_single_tlc_run_stops_it(tmp_path: Path) -> None:
    # One run: the signal arrives while kafkamc waits for that very TLC process.
    out = tmp_path / "out"
    _, status = _run_on_terminal(
        ["check", str(REPO / "specs" / "kreps-tradeoff.yaml"), "-p", "durability",
         "--out", str(out), "--no-cache"], tmp_path, 6)
    _assert_stopped(status, out)


def _assert_stopped(status: int | None, out: Path) -> None:
    """Stopped part-way by SIGTERM: exit 130, and no TLC left running."""
    assert status == 130
    time.sleep(1)
    left = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True,
                          check=False).stdout
    assert left == ""


@pytest.mark.tlc
def test_quiet_shows_no_progress(tmp_path: Path) -> None:
    shown, status = _run_on_terminal(
        ["check", str(REPO / "specs" / "jepsen-2013.yaml"), "--out", str(tmp_path / "out"),
         "--property", "availability", "--quiet"], tmp_path, 120)
    assert status == 1 or status == 0
    assert "TLC run" not in shown
