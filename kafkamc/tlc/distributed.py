"""Run TLC's own distributed mode: one TLCServer and TLCWorkers that join it over RMI.

TLC 2.15's `tlc2.tool.distributed.TLCServer` parses the spec, computes the initial
states, keeps the state queue, the fingerprint set and the trace on its own disk,
and hands blocks of states to every `TLCWorker` that registers; the workers compute
successors and check invariants. What that means for kafkamc (each point was
checked against the jar; docs/distributed.md has the user's side):

* Ports. The server's RMI registry listens on `tlc2.tool.distributed.TLCServer.port`
  (default 10997, on every interface). The server object and its fingerprint set,
  and every worker, are exported on an ephemeral port the OS picks at each run, and
  the server calls back into the workers: TLC 2.15 cannot pin those ports.
* Addresses. An RMI stub carries the address its JVM advertises: Java's guess is
  InetAddress.getLocalHost(), on Debian often 127.0.1.1, useless to another machine.
  kafkamc sets `java.rmi.server.hostname` on the server and on every worker.
* Verdicts. Invariants only: a temporal PROPERTY in the cfg is silently ignored
  (the server then reports "No error has been found"), so such a cfg is refused.
  SYMMETRY and VIEW work (the workers fingerprint states): the same distinct-state
  count as tlc2.TLC. A violation is reported without the invariant's name and with
  a wrong trace (its last two states, the first labelled the initial predicate);
  `distributed_outcome` reads it as "an invariant is violated", and the caller
  re-runs single-process TLC for the name and the shortest counterexample.
* Output. The server accepts -tool, -deadlock, -metadir and -config (not -workers);
  its progress, statistics and "Model checking completed" messages are tlc2.TLC's,
  so `parse_tlc_output` reads a run where everything holds. Its reported depth is
  the level of the state it wrote last (not tlc2.TLC's depth; it varies from run to
  run), and the version line is "TLC2 TLC Server Version ...". It exits 0 even on
  errors.
* Life cycle. The server waits for workers for ever; it finishes when its queue is
  empty and no worker is computing, then tells every worker to exit. A worker that
  cannot reach its server retries for ever, so `kafkamc worker` (kafkamc.tlc.worker)
  probes the port first, and starts a TLCWorker per round of the check; between
  rounds the check's lobby (kafkamc.tlc.lobby) holds the port.
"""
from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from kafkamc.errors import CheckerError, TlcParseError
from kafkamc.tlc.dialect import (
    EC,
    WORKER_DISMISSED,
    Message,
    MessageReader,
    has_temporal_property,
    port_in_use,
    run_numbers,
    split_messages,
)
from kafkamc.tlc.jvm import jvm_options
from kafkamc.tlc.lobby import Lobby
from kafkamc.tlc.output import TlcOutcome, parse_tlc_output
from kafkamc.tlc.run import (
    Streamed,
    TlcRun,
    find_jar,
    find_java,
    interrupt_requested,
    stop,
    track,
    untrack,
)

__all__ = ["DEFAULT_PORT", "advertised_address", "distributed_outcome", "run_tlc_distributed",
           "server_command", "worker_command"]

SERVER_CLASS = "tlc2.tool.distributed.TLCServer"
WORKER_CLASS = "tlc2.tool.distributed.TLCWorker"
DEFAULT_PORT = 10997                                       # TLCServer.Port's own default
PORT_PROPERTY = "tlc2.tool.distributed.TLCServer.port"     # read by server and workers
REPORT_PROPERTY = "tlc2.tool.distributed.TLCServer.report"  # progress interval, ms
THREADS_PROPERTY = "tlc2.tool.distributed.TLCWorker.threadCount"
# TLCServer prints progress once a minute by default; 10 s gives live progress a
# pulse and bounds how long a missed wake-up at the end could keep it waiting.
REPORT_MS = 10_000
# Java 17 hides sun.rmi.*; TLCWorker reads its own port through them to name itself
# in the server's log (otherwise "rmi://host:0/0" and an "Error:" line).
_RMI_EXPORTS = ("--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
                "--add-exports", "java.rmi/sun.rmi.transport=ALL-UNNAMED")
_POLL_SECONDS = 0.1
# "Registration for worker at rmi://HOST:PORT/N completed": one per worker thread, and
# HOST:PORT, the worker JVM's own remote object, tells the JVMs apart.
_REGISTERED = re.compile(r"Registration for worker at (\S+)/\d+ ")
_WORKER_EXIT_GRACE = 15.0  # the server's exit() reaches each worker within seconds


def advertised_address(towards: str | None = None, port: int = DEFAULT_PORT) -> str:
    """The address of this machine's interface that routes towards `towards` (default:
    the default route), for other machines to call back; 127.0.0.1 without a network.

    A UDP connect sends nothing: it only asks the kernel which source address it
    would use, which is right wherever the machines are not behind NAT."""
    target = towards or "192.0.2.1"  # TEST-NET-1: any routed address will do
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((target, port))
            address: str = probe.getsockname()[0]
            return address
    except OSError:
        return "127.0.0.1"


def server_command(tla: Path, cfg: Path, metadir: Path, *, port: int, hostname: str) -> list[str]:
    """The TLCServer command line; run it in the spec's directory."""
    return [
        str(find_java()), *jvm_options(),
        # TLC unpacks its standard modules here: a directory per run, as in run.py.
        f"-Djava.io.tmpdir={metadir / 'tmp'}",
        f"-Djava.rmi.server.hostname={hostname}",
        f"-D{PORT_PROPERTY}={port}",
        f"-D{REPORT_PROPERTY}={REPORT_MS}",
        "-cp", str(find_jar()), SERVER_CLASS,
        "-tool",             # message codes, as parse_tlc_output expects
        "-deadlock",         # a bounded model ends in quiet states; they are no error
        "-metadir", str(metadir),
        "-config", cfg.name, tla.name,
    ]


def worker_command(server: str, *, port: int, hostname: str, threads: int,
                   tmpdir: Path | None = None) -> list[str]:
    """A TLCWorker command line: it fetches the spec and cfg from the server."""
    command = [str(find_java()), *jvm_options(), *_RMI_EXPORTS,
               f"-Djava.rmi.server.hostname={hostname}",
               f"-D{PORT_PROPERTY}={port}", f"-D{THREADS_PROPERTY}={threads}"]
    if tmpdir is not None:  # where the worker writes the modules the server sends it
        command.append(f"-Djava.io.tmpdir={tmpdir}")
    return [*command, "-cp", str(find_jar()), WORKER_CLASS, server]


def run_tlc_distributed(tla: Path, cfg: Path, *, metadir: Path, log: Path, local_workers: int,
                        timeout: float | None, port: int | None = None,
                        hostname: str | None = None, worker_threads: int = 1,
                        on_ready: Callable[[str, int], None] | None = None,
                        on_line: Callable[[str], None] | None = None,
                        lobby: Lobby | None = None) -> TlcRun:
    """Check tla with cfg (both in one directory) on a TLCServer, with `local_workers`
    TLCWorker JVMs of `worker_threads` threads each on this machine (0: only remote
    workers, started with `kafkamc worker`). The server's output is teed into log and,
    line by line, into `on_line` (its progress messages are tlc2.TLC's); each local
    worker's output goes to LOG-STEM.workerN.log beside log.

    `hostname` is the address workers reach this machine at (default: the address
    of the interface on the default route); `on_ready(hostname, port)` is called once
    the server accepts workers. `lobby`, the check's lobby on the same port, is
    released for the server and opened again once the server has gone, so that
    remote workers wait there for the next round. Raises CheckerError when the
    port is taken, the local workers fail, or the cfg has a temporal property
    (distributed TLC skips those).
    """
    tla, cfg, metadir, log = tla.resolve(), cfg.resolve(), metadir.resolve(), log.resolve()
    port = DEFAULT_PORT if port is None else port
    hostname = hostname or advertised_address()
    # TLCServer would skip a temporal property and report success.
    if has_temporal_property(cfg.read_text()):
        raise CheckerError(f"{cfg.name}: distributed TLC checks invariants only; it would "
                           "skip the temporal property and report success")
    run = _Run(log, port, metadir, local_workers, worker_threads)
    if lobby is not None:
        lobby.release()   # waiting workers now look for this run's server
    try:
        _ensure_port_free(port)
        (metadir / "tmp").mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        # Line-buffered: a long run's log can be followed with tail -f.
        with log.open("w", buffering=1) as sink:
            run.start(server_command(tla, cfg, metadir, port=port, hostname=hostname),
                      tla.parent, sink, on_line)
            try:
                timed_out = run.supervise(None if timeout is None else start + timeout,
                                          lambda: on_ready(hostname, port) if on_ready else None)
            finally:
                run.finish()  # after Ctrl-C or a failed worker too: leave no JVM behind
    finally:
        if lobby is not None:
            lobby.open(returning=run.remote_workers())
    output = log.read_text(errors="replace")
    if not timed_out and (taken := port_in_use(output)):
        raise CheckerError(f"port {taken} is in use (another TLC server?): "
                           "choose another with --port")
    return TlcRun(output=output, returncode=run.returncode,
                  seconds=time.monotonic() - start, timed_out=timed_out,
                  interrupted=not timed_out and interrupt_requested())


class _Run:
    """One server and its local workers: started, watched, and stopped together."""

    def __init__(self, log: Path, port: int, metadir: Path, local_workers: int,
                 threads: int) -> None:
        self.log, self.port, self.metadir = log, port, metadir
        self.local_workers, self.threads = local_workers, threads
        self.tlc: Streamed | None = None   # the server
        self.workers: list[subprocess.Popen[str]] = []
        self.ready = threading.Event()  # the server accepts workers
        self.registered = 0             # worker threads that joined, local or remote
        self.joined: set[str] = set()   # the RMI address of each worker JVM that joined
        self._reader = MessageReader()
        self.returncode = 0

    def start(self, command: list[str], cwd: Path, sink: TextIO,
              on_line: Callable[[str], None] | None) -> None:
        def read(line: str) -> None:
            for msg in self._reader.feed(line):
                self._take(msg)
            if on_line is not None:
                on_line(line)

        self.tlc = Streamed.start(command, cwd, sink, read)

    def _take(self, msg: Message) -> None:
        if msg.code == EC.TLC_DISTRIBUTED_SERVER_RUNNING:   # initial states done
            self.ready.set()
        elif msg.code == EC.TLC_DISTRIBUTED_WORKER_REGISTERED:   # one per worker thread
            self.registered += 1
            if address := _REGISTERED.match(msg.text):
                self.joined.add(address[1])

    def remote_workers(self) -> int:
        """How many worker JVMs of other machines (or `kafkamc worker`s) joined."""
        return max(len(self.joined) - len(self.workers), 0)

    def supervise(self, deadline: float | None, on_ready: Callable[[], None]) -> bool:
        """Wait for the server, starting the local workers once it accepts them.
        Returns whether the deadline stopped it."""
        assert self.tlc is not None
        opened = False   # once: with --local-workers 0 the list of workers stays empty
        while self.tlc.process.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                return True
            if self.ready.is_set() and not opened:
                # Started only now: a worker that finds no server backs off for longer
                # and longer, which would delay a run with a long initial-state phase.
                self.workers = [self._start_worker(n) for n in range(1, self.local_workers + 1)]
                on_ready()
                opened = True
            if self._workers_failed():
                raise CheckerError(self._failure())
            time.sleep(_POLL_SECONDS)
        return False

    def _start_worker(self, n: int) -> subprocess.Popen[str]:
        tmpdir = self.metadir / f"worker{n}"
        tmpdir.mkdir(parents=True, exist_ok=True)
        # Loopback both ways: the stub a local worker hands the server needs no network.
        command = worker_command("127.0.0.1", port=self.port, hostname="127.0.0.1",
                                 threads=self.threads, tmpdir=tmpdir)
        with self._worker_log(n).open("w") as sink:
            worker = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, text=True,
                                      start_new_session=True)
        track(worker)
        return worker

    def _worker_log(self, n: int) -> Path:
        return self.log.with_name(f"{self.log.stem}.worker{n}{self.log.suffix}")

    def _workers_failed(self) -> bool:
        """Every local worker has exited undismissed and no remote one joined: a worker
        exits by itself only when it fails, and then nothing will ever do the work."""
        if not self.workers or any(w.poll() is None for w in self.workers):
            return False
        if any(WORKER_DISMISSED in self._worker_log(n).read_text(errors="replace")
               for n in range(1, len(self.workers) + 1)):
            return False  # the server is finishing: it has dismissed them
        return self.registered <= self.local_workers * self.threads

    def _failure(self) -> str:
        log = self._worker_log(1)
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines()
                 if line.strip()]
        errors = [line for line in lines if "Error" in line or "Exception" in line]
        last = (errors or lines or ["no output"])[-1]
        return f"the local TLC workers exited before the server finished: {last} (see {log})"

    def finish(self) -> None:
        """Stop the server if it still runs, then its workers: the server's shutdown
        hook dismisses every worker, remote ones too; local ones get a grace period."""
        if self.tlc is not None:
            if self.tlc.process.poll() is None:
                stop(self.tlc.process)
            self.tlc.done()
            self.returncode = self.tlc.process.returncode
        for worker in self.workers:
            try:
                worker.wait(timeout=_WORKER_EXIT_GRACE)
            except subprocess.TimeoutExpired:
                stop(worker)
            untrack(worker)


def _ensure_port_free(port: int) -> None:
    """Fail early and clearly, instead of after SANY, when the registry port is taken."""
    if not 0 < port < 65536:
        raise CheckerError(f"port {port} is not a TCP port (1-65535)")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As Java's ServerSocket does: TIME_WAIT leftovers of a previous run are no owner.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("", port))
        except OSError as error:
            raise CheckerError(f"port {port} is in use ({error.strerror}); another TLC "
                               "server? Choose another with --port") from None


def distributed_outcome(output: str, invariants: Sequence[str]) -> TlcOutcome:
    """Read a TLCServer's output: `parse_tlc_output`, plus what distributed TLC does
    differently. A violation comes back as status "invariant" with no counterexample;
    its message names the invariant when the cfg checked just one (`invariants`).
    That status is provisional: the server prints the same thing when a worker
    meets an evaluation error in the spec, so re-run single-process TLC on the same
    cfg for the verdict, the invariant's name and the counterexample."""
    try:
        outcome = parse_tlc_output(output)
    except TlcParseError:
        msgs = _messages(output)
        # What distributed TLC prints in place of TLC_INVARIANT_VIOLATED_BEHAVIOR,
        # and also for any other error a worker meets on a state.
        if not any(m.code == EC.TLC_BEHAVIOR_UP_TO_THIS_POINT for m in msgs):
            raise
        only = invariants[0] if len(invariants) == 1 else None
        numbers = run_numbers(msgs)
        message = ((f"Invariant {only} is violated" if only else
                    f"One of the invariants {', '.join(invariants)} is violated")
                   + " (distributed TLC names no invariant and prints no usable trace; "
                     "single-process TLC confirms it)")
        return TlcOutcome(
            status="invariant", message=message, counterexamples=(), completed=False,
            distinct_states=numbers.distinct, states_generated=numbers.generated, depth=None,
            version=numbers.version)
    # Its "depth" is the level of whichever state the server wrote last, not the
    # search depth: it differs from tlc2.TLC's and from run to run.
    return replace(outcome, depth=None)


def _messages(output: str) -> list[Message]:
    """The server's messages; none when they do not even split (a cut envelope)."""
    try:
        return split_messages(output.replace("\r\n", "\n"))
    except TlcParseError:
        return []
