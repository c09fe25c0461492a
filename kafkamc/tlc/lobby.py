"""The registry port between the TLC rounds of a distributed check: the lobby.

A `kafkamc check --distributed` runs several TLC servers, one after the other, on
the same port: a run per RunPlan (the safety properties, availability), a round
per violation (distributed TLC stops at the first one), a config after another.
A TLCWorker JVM exits when its server finishes, so `kafkamc worker` starts a new
one for every round (kafkamc.tlc.distributed.run_worker). Between two servers the
check may run single-process TLC for minutes (the counterexample of a violation),
so a worker that finds nobody on the port cannot tell a check still at work from
one that is over. The lobby tells it: while no TLC server runs, the check listens
on the registry port itself, greets every connection with GREETING and keeps it
open; when the next server is about to start it sends NEXT to each waiting worker
and frees the port, and when the check is over it sends OVER.

A worker tells the lobby from a TLC server by who speaks first: the lobby greets
at once, while Java RMI's registry waits for the client's JRMP header.

A check may end right after its last server: then the workers that server has
just dismissed are still stopping their TLCWorker JVMs, and would find the port
closed and wait `--connect-timeout` for nothing. So the lobby is told how many
remote workers the last server had, and close() waits (at most LINGER_SECONDS)
until that many have come back to hear OVER.
"""
from __future__ import annotations

import select
import socket
import threading
import time
from types import TracebackType

__all__ = ["GREETING", "NEXT", "OVER", "Lobby"]

GREETING = b"kafkamc lobby 1\n"   # the protocol's version: a worker checks the whole line
NEXT = b"next\n"                  # a TLC server is about to start on this port
OVER = b"over\n"                  # the check is done: no more rounds
_ACCEPT_POLL = 0.2                # how soon the accepting thread notices release()
LINGER_SECONDS = 10.0             # the longest close() waits for a round's workers


class Lobby:
    """Holds `port` whenever no TLC server of the check does; a context manager whose
    exit tells every waiting worker that the check is over."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._waiting: list[socket.socket] = []
        self._greeted = threading.Condition()   # guards _waiting and the counts below
        self._expected = 0       # remote workers of the last round, still to come back
        self._opened = 0.0       # when the lobby last opened (time.monotonic)

    def __enter__(self) -> Lobby:
        self.open()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def open(self, returning: int = 0) -> None:
        """Take the port and greet whoever connects; `returning`: the remote workers
        of the round just ended, which close() waits for. When the port is taken
        (another program), there is no lobby: the next server's start reports it."""
        if self._listener is not None:
            return
        with self._greeted:
            self._expected, self._opened = returning, time.monotonic()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # As Java's ServerSocket does, so that the next TLC server binds at once.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("", self.port))
            listener.listen()
        except OSError:
            listener.close()
            return
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,),
                                        name=f"kafkamc-lobby-{self.port}", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Free the port for the next TLC server and tell the waiting workers to join it."""
        self._shut(NEXT)

    def close(self) -> None:
        """The check is over: once the last round's remote workers are back (or after
        LINGER_SECONDS), tell the waiting workers so, and free the port."""
        if self._listener is not None:   # else nobody can come back to it
            with self._greeted:
                self._greeted.wait_for(lambda: self._expected <= 0,
                                       max(self._opened + LINGER_SECONDS - time.monotonic(), 0))
        self._shut(OVER)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                ready, _, _ = select.select([listener], [], [], _ACCEPT_POLL)
                if not ready:
                    continue
                connection, _ = listener.accept()
            except (OSError, ValueError):   # closed under us by _shut
                return
            try:
                connection.sendall(GREETING)
            except OSError:
                connection.close()
                continue
            with self._greeted:
                self._waiting.append(connection)
                self._expected -= 1
                self._greeted.notify_all()

    def _shut(self, word: bytes) -> None:
        listener, thread = self._listener, self._thread
        if listener is None or thread is None:
            return
        self._listener = None           # the accepting thread stops at its next poll
        thread.join()
        listener.close()
        with self._greeted:
            waiting, self._waiting = self._waiting, []
        for connection in waiting:
            try:
                connection.sendall(word)
            except OSError:
                pass                    # that worker is gone already
            connection.close()
