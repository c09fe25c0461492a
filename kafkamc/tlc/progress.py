"""Live progress of the TLC runs in flight, on stderr, from TLC's own messages.

TLC 2.15 reports its counts (states generated, distinct states, the queue, the
rate and the search depth) when the search starts and then once a minute; its
interval is a compile-time constant. Between reports the board shows the stage
TLC announced last and the elapsed time, so a long check is visibly alive. The
properties a run has reported violated so far are shown as TLC reports them: a
shared safety run (-continue) goes on exploring after its first violations.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.live import Live
from rich.table import Table

from kafkamc.compile import BROKEN_BY
from kafkamc.tlc.dialect import (
    EC,
    Message,
    MessageReader,
    progress,
    statistics,
    violated_name,
)

# The messages that move a run to its next stage.
_STAGES = {
    EC.TLC_SANY_START: "parsing",
    EC.TLC_STARTING: "starting",
    EC.TLC_COMPUTING_INIT: "initial states",
    EC.TLC_INIT_GENERATED1: "exploring",
    EC.TLC_SUCCESS: "finishing",
    EC.TLC_FINISHED: "done",
}
_VIOLATED = (EC.TLC_INVARIANT_VIOLATED_INITIAL, EC.TLC_INVARIANT_VIOLATED_BEHAVIOR)


@dataclass
class RunProgress:
    """What TLC last said about one run."""
    label: str
    started: float = field(default_factory=time.monotonic)
    stage: str = "starting Java"
    depth: int | None = None
    generated: int | None = None
    distinct: int | None = None
    queue: int | None = None
    per_second: int | None = None
    violated: list[str] = field(default_factory=list)   # properties, in report order
    _reader: MessageReader = field(default_factory=MessageReader, repr=False)

    def read(self, line: str) -> None:
        """Take in one line of TLC's output."""
        for msg in self._reader.feed(line):
            self._take(msg)

    def _take(self, msg: Message) -> None:
        if msg.code in _VIOLATED:
            name = violated_name(msg.code, msg.text.partition("\n")[0])
            if name is not None:
                found = BROKEN_BY.get(name, (name,))
                self.violated += [p for p in found if p not in self.violated]
        elif msg.code == EC.TLC_PROGRESS_STATS and (report := progress(msg.text)):
            self.depth, self.per_second = report.depth, report.per_minute // 60
            self.generated, self.distinct = report.generated, report.distinct
            self.queue = report.queue
        elif msg.code == EC.TLC_STATS and (final := statistics(msg.text)):
            self.generated, self.distinct = final.generated, final.distinct
            self.queue = final.queue
        elif msg.code in _STAGES:
            self.stage = _STAGES[EC(msg.code)]


class ProgressBoard:
    """A table of the runs in flight, redrawn on stderr while they run. It draws
    nothing when disabled (--quiet, or stderr is not a terminal)."""

    def __init__(self, console: Console, *, enabled: bool) -> None:
        self.console, self.enabled = console, enabled
        self._runs: dict[str, RunProgress] = {}
        self._lock = threading.Lock()

    @contextmanager
    def shown(self) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        with Live(get_renderable=self._table, console=self.console, transient=True,
                  refresh_per_second=4):
            yield

    def track(self, label: str) -> Callable[[str], None]:
        """Start showing a run; feed the returned function TLC's output lines."""
        run = RunProgress(label)
        with self._lock:
            self._runs[label] = run
        return run.read

    def finish(self, label: str) -> None:
        with self._lock:
            self._runs.pop(label, None)

    def _table(self) -> Table:
        table = Table(box=None, show_header=True, header_style="dim", pad_edge=False)
        for column in ("TLC run", "stage", "depth", "states", "distinct", "queue",
                       "states/s", "elapsed", "violated so far"):
            table.add_column(column, no_wrap=True, justify="left"
                             if column in ("TLC run", "stage", "violated so far") else "right")
        with self._lock:
            runs = list(self._runs.values())
        now = time.monotonic()
        for run in runs:
            table.add_row(run.label, run.stage, *(_count(v) for v in (
                run.depth, run.generated, run.distinct, run.queue, run.per_second)),
                _elapsed(now - run.started), ", ".join(run.violated))
        return table


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
