"""`kafkamc worker HOST`: lend this machine to every TLC round of a distributed check.

A check runs several TLC servers in turn on its registry port (kafkamc.tlc.lobby
says why), and TLC 2.15's `TLCWorker` serves one server: when that server
finishes, it dismisses its workers ("Thank you!") and they exit. So a kafkamc
worker is a loop: wait for a TLC server on HOST's port, run a TLCWorker JVM until
the server dismisses it, then wait for the check's next server and start a new
one. Between rounds it waits in the check's lobby, which says when the next
server starts and when the check is over; a worker that finds neither lobby nor
server for `connect_timeout` seconds leaves (the check ended without a word).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from enum import Enum
from typing import BinaryIO

from kafkamc.errors import CheckerError
from kafkamc.tlc.dialect import WORKER_DISMISSED, WORKER_FAILED, WORKER_UNREACHABLE
from kafkamc.tlc.distributed import DEFAULT_PORT, advertised_address, worker_command
from kafkamc.tlc.lobby import GREETING, NEXT, OVER
from kafkamc.tlc.run import stop

__all__ = ["run_worker"]

# The lobby greets within a fraction of a second; an RMI registry never speaks first.
_GREETING_WAIT = 2.0
_RETRY_SECONDS = 0.5
_LONGEST_LINE = 256   # the lobby's lines are short; anything else on the port is no lobby
# A lobby connection idles between rounds for as long as the check needs; keepalive
# notices a check machine that vanished from the network (Linux: within a minute).
_KEEPALIVE = {"TCP_KEEPIDLE": 30, "TCP_KEEPINTVL": 10, "TCP_KEEPCNT": 3}


class _Next(Enum):
    SERVER = "a TLC server is on the port"
    OVER = "the check said it is over"
    GONE = "nothing answered for connect_timeout seconds after a round"


def run_worker(host: str, *, port: int | None = None, hostname: str | None = None,
               threads: int | None = None, connect_timeout: float = 30.0,
               echo: Callable[[str], None] | None = None) -> int:
    """Serve every TLC round of the check at host until it is over; returns 0.

    `hostname` is the address the server calls this worker back at (default: this
    machine's address on the route to host); `threads` defaults to the cores. Each
    line the TLC worker prints, and one line per round joined and done, goes to
    `echo` (default: stdout). Raises CheckerError when no server answers within
    connect_timeout seconds before the first round, or a TLC worker fails."""
    port = DEFAULT_PORT if port is None else port
    say = echo or (lambda line: print(line, file=sys.stdout, flush=True))
    command = worker_command(host, port=port, hostname=hostname or advertised_address(host, port),
                             threads=threads or os.cpu_count() or 1)
    served = 0
    while True:
        news = _next_round(host, port, connect_timeout, after_round=served > 0)
        if news is _Next.OVER:
            say(f"kafkamc worker: the check at {host}:{port} is over; served {served} "
                f"TLC round{'s' if served != 1 else ''}")
            return 0
        if news is _Next.GONE:
            say(f"kafkamc worker: nothing answers at {host}:{port} for {connect_timeout:g} s; "
                f"leaving after {served} TLC round{'s' if served != 1 else ''}")
            return 0
        served += 1
        say(f"kafkamc worker: joining TLC round {served} at {host}:{port}")
        _serve(command, host, port, connect_timeout, say)
        say(f"kafkamc worker: TLC round {served} done; waiting for the check's next round")


def _next_round(host: str, port: int, patience: float, *, after_round: bool) -> _Next:
    """Wait until a TLC server is on host:port (or the check is over). After a round,
    the finished server may hold the port for a moment more: a silent port counts
    as a new server only once the port was seen free or held by the lobby."""
    deadline = time.monotonic() + patience
    old_server_gone = not after_round
    reason = "it does not speak TLC's protocol"
    while True:
        try:
            with socket.create_connection((host, port), timeout=5) as connection, \
                    connection.makefile("rb") as lines:
                connection.settimeout(_GREETING_WAIT)
                first = _line(lines)
                if first is None and old_server_gone:
                    return _Next.SERVER
                if first == GREETING:
                    if _wait_in_lobby(connection, lines) == OVER:
                        return _Next.OVER
                    old_server_gone = True
                    deadline = time.monotonic() + patience   # the check is alive
                    continue
        except OSError as error:
            if isinstance(error, socket.gaierror):
                raise _unanswered(host, port, error.strerror or str(error)) from None
            old_server_gone = True
            reason = error.strerror or str(error)
        if time.monotonic() >= deadline:
            if after_round:
                return _Next.GONE
            raise _unanswered(host, port, reason)
        time.sleep(_RETRY_SECONDS)


def _line(lines: BinaryIO) -> bytes | None:
    """The next line the peer sends (b"" if it hangs up first); None if it says
    nothing within its socket's timeout. Buffered: the lobby's greeting and its
    next word may arrive in one packet."""
    try:
        return lines.readline(_LONGEST_LINE)
    except TimeoutError:
        return None


def _wait_in_lobby(connection: socket.socket, lines: BinaryIO) -> bytes:
    """NEXT or OVER, whichever the lobby sends; NEXT too when the connection drops
    (the check was stopped, or the network): look again, with patience."""
    connection.settimeout(None)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in _KEEPALIVE.items():
        if hasattr(socket, name):
            connection.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    try:
        word = _line(lines)
    except OSError:
        return NEXT
    return OVER if word == OVER else NEXT


def _unanswered(host: str, port: int, reason: str) -> CheckerError:
    return CheckerError(f"no TLC server answers at {host}:{port} ({reason}): start "
                        "`kafkamc check --distributed` there first, or check the host, "
                        "--port and the firewall")


def _serve(command: list[str], host: str, port: int, connect_timeout: float,
           say: Callable[[str], None]) -> None:
    """Run one TLCWorker until its server dismisses it; CheckerError if it fails."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, text=True, errors="replace")
    deadline = time.monotonic() + connect_timeout
    finished = False
    failure: str | None = None
    why_next = False  # TLCWorker prints the exception's message after its failure line
    try:
        assert process.stdout is not None  # PIPE above
        for line in process.stdout:
            line = line.rstrip("\n")
            say(line)
            if why_next and line.strip():
                failure, why_next = f"{failure}: {line.strip()}", False
            elif WORKER_DISMISSED in line:  # the server is done with this worker
                finished = True
            elif line.startswith(WORKER_FAILED):
                failure, why_next = f"the TLC worker could not join {host}:{port}", True
            elif WORKER_UNREACHABLE in line and time.monotonic() > deadline:
                # TLCWorker itself would go on retrying for ever. ("reachable but not
                # ready yet" is a server still computing its initial states: wait.)
                failure = f"the TLC server at {host}:{port} stopped answering"
                stop(process)
                break
    except KeyboardInterrupt:
        stop(process)
        raise
    process.wait()
    if failure or not finished:
        raise CheckerError(failure or f"the TLC worker ended before the server at {host}:{port} "
                                      f"finished (exit status {process.returncode})")
