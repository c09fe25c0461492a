"""TLC's distributed mode (kafkamc.tlc.distributed) on loopback, against single-process TLC.

The TLC tests compile shipped specs with `kafkamc compile` and run the real
TLCServer with two real TLCWorkers: once as JVMs the server run starts itself, once
through `run_worker` (what `kafkamc worker HOST` runs on another machine). Each
picks a free port, so that they never meet another run's server on 10997.
"""
from __future__ import annotations

import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO, assert_one_line_error, describe, run_kafkamc

from kafkamc.compile import broker_names, render_cfg
from kafkamc.config import Model
from kafkamc.errors import CheckerError, TlcParseError
from kafkamc.tlc import worker as worker_module
from kafkamc.tlc.distributed import (
    advertised_address,
    distributed_outcome,
    run_tlc_distributed,
)
from kafkamc.tlc.lobby import GREETING, NEXT, OVER, Lobby
from kafkamc.tlc.output import TlcOutcome, parse_tlc_output
from kafkamc.tlc.run import run_tlc
from kafkamc.tlc.worker import run_worker

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "distributed"
SAFETY = ["Durability", "Consistency", "ReadStability"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def compiled(spec: str, tmp_path: Path) -> Path:
    """`kafkamc compile specs/SPEC.yaml`, and beside its modules MODULE.durability.cfg
    checking the plain Durability invariant, as a distributed round does; returns
    the module TLC checks (MC_MODULE.tla)."""
    out = tmp_path / spec
    proc = run_kafkamc("compile", REPO / "specs" / f"{spec}.yaml", "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    (tla,) = out.glob("MC_*.tla")
    module = tla.stem.removeprefix("MC_")
    brokers = broker_names(Model.from_yaml(REPO / "specs" / f"{spec}.yaml").topic
                           .replication_factor)
    tla.with_name(f"{tla.stem}.durability.cfg").write_text(
        render_cfg(module, brokers, ["durability"]))
    return tla


def without_view(cfg: Path) -> Path:
    """A copy of cfg without its VIEW. With both SYMMETRY and VIEW, TLC 2.15 counts a
    few more or fewer distinct states depending on which states its workers reach
    first (tlaplus/tlaplus#570: it picks the symmetric representative before applying
    the view), so two runs of the same cfg, distributed or not, may differ by a few
    states. Symmetry alone canonicalises each state, whatever the order."""
    lines = [line for line in cfg.read_text().splitlines() if not line.startswith("VIEW ")]
    copy = cfg.with_name(f"{cfg.stem}.noview.cfg")
    copy.write_text("\n".join(lines) + "\n")
    return copy


def single(tla: Path, cfg: Path, tmp_path: Path) -> TlcOutcome:
    run = run_tlc(tla, cfg, metadir=tmp_path / "single-states", log=tmp_path / "single.log",
                  workers=1, timeout=None)
    return parse_tlc_output(run.output)


def java_processes_of(path: Path) -> list[str]:
    """Command lines of running JVMs that name `path`: a run must leave none behind."""
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line for line in listing.stdout.splitlines()
            if "java" in line and str(path) in line]


# --- the same verdicts as single-process TLC ---------------------------------------------

@pytest.mark.tlc
def test_holds_with_two_local_workers_like_single_process(tmp_path: Path) -> None:
    tla = compiled("acksall-failover", tmp_path)
    cfg = without_view(tla.with_name(f"{tla.stem}.durability.cfg"))
    assert "SYMMETRY" in cfg.read_text()  # the workers must apply it as TLC does
    alone = single(tla, cfg, tmp_path)
    assert alone.status == "ok", alone.message

    ready: list[tuple[str, int]] = []
    lines: list[str] = []
    port = free_port()
    run = run_tlc_distributed(tla, cfg, metadir=tmp_path / "dist-states",
                              log=tmp_path / "dist.log", local_workers=2, timeout=600,
                              port=port, on_ready=lambda host, p: ready.append((host, p)),
                              on_line=lines.append)
    outcome = distributed_outcome(run.output, ["Durability"])

    assert not run.timed_out
    assert "TLC Server Version" in run.output  # it really was the distributed server
    assert run.output.count("Registration for worker at ") == 2
    assert ready == [(advertised_address(), port)]
    assert "".join(lines) == run.output  # live progress sees every line the log gets
    assert (outcome.status, outcome.counterexamples) == ("ok", ()), outcome.message
    assert outcome.distinct_states == alone.distinct_states
    assert outcome.distinct_states and outcome.distinct_states > 1000
    for n in (1, 2):  # each worker did some of the work and was dismissed at the end
        worker_log = (tmp_path / f"dist.worker{n}.log").read_text()
        assert "Thank you!" in worker_log, worker_log
    assert java_processes_of(tmp_path) == []


@pytest.mark.tlc
def test_violation_with_two_remote_style_workers_names_the_invariant(tmp_path: Path) -> None:
    tla = compiled("jepsen-2013", tmp_path)
    cfg = tla.with_name(f"{tla.stem}.durability.cfg")
    alone = single(tla, cfg, tmp_path)
    assert alone.status == "invariant", alone.message
    assert [c.violated for c in alone.counterexamples] == ["Durability"]

    port = free_port()
    lines: list[str] = []
    results: list[int | BaseException] = []

    def worker() -> None:
        try:
            results.append(run_worker("127.0.0.1", port=port, threads=1, connect_timeout=60,
                                      echo=lines.append))
        except CheckerError as error:
            results.append(error)

    # Started before the server, as on another machine: each waits for the port.
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    with Lobby(port) as lobby:   # the check's: it says when the check is over
        run = run_tlc_distributed(tla, cfg, metadir=tmp_path / "dist-states",
                                  log=tmp_path / "dist.log", local_workers=0, timeout=600,
                                  port=port, hostname="127.0.0.1", lobby=lobby)
    for thread in threads:
        thread.join(timeout=120)
    outcome = distributed_outcome(run.output, ["Durability"])

    assert results == [0, 0], "\n".join(lines)
    over = f"kafkamc worker: the check at 127.0.0.1:{port} is over; served 1 TLC round"
    assert lines.count(over) == 2, "\n".join(lines)
    assert run.output.count("Registration for worker at ") == 2
    assert outcome.status == "invariant", outcome.message
    assert outcome.message and "Invariant Durability is violated" in outcome.message
    assert outcome.counterexamples == ()  # distributed TLC's own trace is not a counterexample
    assert java_processes_of(tmp_path) == []


@pytest.mark.tlc
def test_timeout_stops_a_server_that_waits_for_workers(tmp_path: Path) -> None:
    tla = compiled("acksall-failover", tmp_path)
    cfg = tla.with_name(f"{tla.stem}.durability.cfg")
    ready: list[int] = []
    port = free_port()
    start = time.monotonic()
    run = run_tlc_distributed(tla, cfg, metadir=tmp_path / "dist-states",
                              log=tmp_path / "dist.log", local_workers=0, timeout=20,
                              port=port, hostname="127.0.0.1",
                              on_ready=lambda host, at: ready.append(at))
    assert run.timed_out
    # It was up, waiting for workers, when the deadline came; and said so once, though
    # it has no local workers to start.
    assert ready == [port], run.output
    assert time.monotonic() - start < 60
    assert java_processes_of(tmp_path) == []


# --- clear errors, no JVM needed ----------------------------------------------------------

def test_worker_without_a_server_fails_clearly() -> None:
    port = free_port()
    start = time.monotonic()
    with pytest.raises(CheckerError) as error:
        run_worker("127.0.0.1", port=port, connect_timeout=1)
    assert str(error.value).startswith(f"no TLC server answers at 127.0.0.1:{port} (")
    assert "\n" not in str(error.value)
    assert time.monotonic() - start < 10


def test_worker_command_without_a_server_fails_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    proc = run_kafkamc("worker", "127.0.0.1", "--port", str(port), "--connect-timeout", "1",
                       cwd=tmp_path)
    assert_one_line_error(proc, 3, f"no TLC server answers at 127.0.0.1:{port}")


# --- the lobby: the port between rounds, no JVM needed ---------------------------------------

def test_lobby_greets_then_sends_next_and_frees_the_port() -> None:
    port = free_port()
    with Lobby(port) as lobby:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as waiting:
            waiting.settimeout(5)
            assert waiting.recv(64) == GREETING
            lobby.release()
            assert waiting.recv(64) == NEXT
            assert waiting.recv(64) == b""   # and it hung up
        with socket.socket() as server:      # the next TLC server can bind at once
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("", port))
        lobby.open()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as waiting:
            waiting.settimeout(5)
            assert waiting.recv(64) == GREETING
            lobby.close()
            assert waiting.recv(64) == OVER


def test_lobby_waits_at_close_for_the_last_rounds_remote_workers() -> None:
    """A check may end right after its last server: the worker that server dismissed
    is still stopping its TLCWorker, and must still hear that the check is over."""
    port = free_port()
    lobby = Lobby(port)
    lobby.open(returning=1)   # the round that just ended had one remote worker
    heard: list[bytes] = []

    def come_back() -> None:
        time.sleep(1.5)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.settimeout(5)
            data = b""
            while chunk := connection.recv(64):
                data += chunk
            heard.append(data)

    worker = threading.Thread(target=come_back)
    worker.start()
    start = time.monotonic()
    lobby.close()
    waited = time.monotonic() - start
    worker.join(timeout=10)
    assert heard == [GREETING + OVER]
    assert 1.0 < waited < 8


def test_worker_in_the_lobby_leaves_when_the_check_is_over() -> None:
    port = free_port()
    lines: list[str] = []
    results: list[int] = []
    with Lobby(port):
        thread = threading.Thread(target=lambda: results.append(run_worker(
            "127.0.0.1", port=port, threads=1, connect_timeout=1, echo=lines.append)))
        thread.start()
        time.sleep(3)   # longer than connect_timeout: waiting in a lobby is no idling
        assert thread.is_alive()
    thread.join(timeout=10)
    assert results == [0]
    assert lines == [f"kafkamc worker: the check at 127.0.0.1:{port} is over; served 0 TLC "
                     "rounds"]


def test_worker_reads_a_greeting_and_over_that_arrive_together() -> None:
    """When the check closes its lobby as a worker comes back, the greeting and
    `over` can arrive in one packet; the worker must still hear `over`."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def lobby_closing() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.sendall(GREETING + OVER)

        thread = threading.Thread(target=lobby_closing)
        thread.start()
        assert worker_module._next_round("127.0.0.1", port, 5, after_round=True) \
            is worker_module._Next.OVER
        thread.join(timeout=10)


def test_worker_after_a_round_leaves_when_nothing_answers() -> None:
    port = free_port()   # neither lobby nor server: the check ended without a word
    start = time.monotonic()
    assert worker_module._next_round("127.0.0.1", port, 1, after_round=True) \
        is worker_module._Next.GONE
    assert time.monotonic() - start < 10


def test_worker_for_an_unknown_host_fails_clearly() -> None:
    with pytest.raises(CheckerError, match="no TLC server answers at no-such-host.invalid:"):
        run_worker("no-such-host.invalid", connect_timeout=30)


def test_server_port_in_use_fails_clearly(tmp_path: Path) -> None:
    tla, cfg = tmp_path / "M.tla", tmp_path / "M.cfg"
    tla.write_text("---- MODULE M ----\n====\n")
    cfg.write_text("INIT Init\nNEXT Next\n")
    with socket.socket() as holder:
        holder.bind(("", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(CheckerError, match=f"port {port} is in use"):
            run_tlc_distributed(tla, cfg, metadir=tmp_path / "m", log=tmp_path / "l.log",
                                local_workers=2, timeout=None, port=port)
    assert not (tmp_path / "l.log").exists()  # nothing was started


def test_temporal_property_is_refused(tmp_path: Path) -> None:
    tla, cfg = tmp_path / "M.tla", tmp_path / "M.cfg"
    tla.write_text("---- MODULE M ----\n====\n")
    cfg.write_text("SPECIFICATION Spec\nPROPERTY Availability\n")
    with pytest.raises(CheckerError, match="invariants only"):
        run_tlc_distributed(tla, cfg, metadir=tmp_path / "m", log=tmp_path / "l.log",
                            local_workers=1, timeout=None, port=free_port())


# --- reading the server's output ----------------------------------------------------------

def test_outcome_of_a_recorded_run_where_all_hold() -> None:
    outcome = distributed_outcome((FIXTURES / "server-holds.log").read_text(), SAFETY)
    assert (outcome.status, outcome.counterexamples, outcome.distinct_states) == ("ok", (), 5909)
    assert outcome.version == "2.15 of Day Month 20??"
    assert outcome.depth is None  # distributed TLC's "depth" is not the search depth


def test_outcome_of_a_recorded_violation_among_several_invariants() -> None:
    text = (FIXTURES / "server-violation.log").read_text()
    outcome = distributed_outcome(text, SAFETY)
    assert (outcome.status, outcome.counterexamples) == ("invariant", ())
    assert outcome.message and "One of the invariants Durability, Consistency, ReadStability" \
        in outcome.message
    assert outcome.distinct_states == 4331


def test_outcome_names_the_only_invariant_of_a_cfg() -> None:
    text = (FIXTURES / "server-violation.log").read_text()
    message = distributed_outcome(text, ["Durability"]).message
    assert message and message.startswith("Invariant Durability is violated")


def test_outcome_of_a_truncated_run_still_fails() -> None:
    text = (FIXTURES / "server-violation.log").read_text()
    cut = text[:text.index("@!@!@STARTMSG 2121:1")]
    with pytest.raises(TlcParseError):
        distributed_outcome(cut, SAFETY)


def test_outcome_of_another_error_is_an_error() -> None:
    text = (FIXTURES / "server-violation.log").read_text()
    # A GENERAL error in place of the server's TLC_BEHAVIOR_UP_TO_THIS_POINT.
    other = text.replace("STARTMSG 2121:1 @!@!@\nThe behavior up to this point is:",
                         "STARTMSG 1000:1 @!@!@\nSomething else went wrong.")
    other = other.replace("ENDMSG 2121 ", "ENDMSG 1000 ")
    assert other != text
    assert distributed_outcome(other, SAFETY).status == "error"
