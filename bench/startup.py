"""What share of a sweep's or regress's time TLC's start-up takes, run by run.

Runs one kafkamc command (`sweep FILE` or `regress PATH...`, with --no-cache, as
a user runs it) inside this process and times every TLC process it starts from
the moment it is launched, by the arrival of TLC's own messages:

- `jvm`: the launch to TLC's first line (the JVM up, TLC's main running);
- `sany`: to "SANY finished." (message 2219: the module and TLC's standard
  modules parsed and checked);
- `startup`: to "Computing initial states..." (2189), where the search begins:
  everything before it is paid by every run whatever its model;
- `total`: to the end of the process's output;
- `classes`: whether the run dumped (`dump`) or mapped (`map`) the class-data
  archive a sweep or regress shares (kafkamc.tlc.jvm), or had none.

Wall times swell with the machine's load; the summary also gives the CPU seconds
of kafkamc's TLC processes (and anything else it started) and of kafkamc itself,
which move much less.

Writes one row per TLC process (--runs FILE) and a summary row per command
(--out, default bench/startup.tsv), and prints the summary. Run:

    python bench/startup.py [--label L] [--out FILE] [--runs FILE] -- sweep FILE
    python bench/startup.py -- regress specs/jepsen-2013.yaml specs/kip101-scenario1-0.10.2.yaml

Arguments after `--` are kafkamc's; --no-cache, --quiet, --format dot and a
scratch --out are added.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tsv import show, write_tsv  # bench/tsv.py

from kafkamc.tlc import run as tlc_run

MARKS = {"2219": "sany", "2189": "startup"}   # TLC -tool message codes


@dataclass
class Timed:
    """One TLC process: seconds since its launch at which each mark arrived."""
    command: list[str]
    launched: float
    marks: dict[str, float] = field(default_factory=dict)
    last: float = 0.0

    def see(self, line: str) -> None:
        now = time.monotonic() - self.launched
        self.marks.setdefault("jvm", now)
        if line.startswith("@!@!@STARTMSG "):
            code = line.split()[1].split(":")[0]
            if code in MARKS:
                self.marks.setdefault(MARKS[code], now)
        self.last = now


_timed: list[Timed] = []
_lock = threading.Lock()


def _instrument() -> None:
    """Wrap Streamed.start so that every TLC process kafkamc launches is timed."""
    original = tlc_run.Streamed.start.__func__   # type: ignore[attr-defined]

    def start(cls: type, command: list[str], cwd: Path, sink: Any,
              on_line: Callable[[str], None] | None) -> Any:
        timed = Timed(command, time.monotonic())
        with _lock:
            _timed.append(timed)

        def hook(line: str) -> None:
            timed.see(line)
            if on_line is not None:
                on_line(line)
        return original(cls, command, cwd, sink, hook)
    tlc_run.Streamed.start = classmethod(start)  # type: ignore[method-assign, assignment]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("startup.tsv"))
    parser.add_argument("--runs", type=Path, default=None)
    parser.add_argument("kafkamc", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = [a for a in args.kafkamc if a != "--"]
    _instrument()
    from kafkamc.cli import app
    with tempfile.TemporaryDirectory() as scratch:
        command = [*argv, "--no-cache", "--quiet", "--format", "dot", "--out", scratch]
        started = time.monotonic()
        before = _usage()
        try:
            app(command, standalone_mode=False)
        except SystemExit:
            pass
        wall = time.monotonic() - started
        after = _usage()
    children_cpu, own_cpu = (_cpu(a) - _cpu(b) for a, b in zip(after, before))
    runs = [t for t in _timed if "startup" in t.marks]
    rows = [{"label": args.label, "run": i, "workers": _workers(t.command),
             "c1_only": "yes" if "-XX:TieredStopAtLevel=1" in t.command else "no",
             "jvm": f"{t.marks['jvm']:.2f}", "sany": f"{t.marks.get('sany', 0):.2f}",
             "startup": f"{t.marks['startup']:.2f}", "total": f"{t.last:.2f}",
             "classes": _classes(t.command)}
            for i, t in enumerate(runs)]
    if args.runs and rows:
        write_tsv(rows, args.runs)
    startup = [t.marks["startup"] for t in runs]
    total = sum(t.last for t in runs)
    summary = {"label": args.label, "command": " ".join(argv), "tlc_processes": len(_timed),
               "wall_s": f"{wall:.0f}", "children_cpu_s": f"{children_cpu:.0f}",
               "kafkamc_cpu_s": f"{own_cpu:.1f}", "tlc_process_s": f"{total:.0f}",
               "startup_s": f"{sum(startup):.0f}",
               "startup_median_s": f"{statistics.median(startup):.2f}" if startup else "",
               "startup_share_of_tlc": f"{sum(startup) / total:.0%}" if total else "",
               "runs_under_3s": sum(1 for t in runs if t.last < 3),
               "mapped_archive": sum(1 for t in runs if _classes(t.command) == "map")}
    show(summary)
    previous = _read(args.out)
    write_tsv([*previous, summary], args.out)
    return 0


def _workers(command: list[str]) -> str:
    return command[command.index("-workers") + 1] if "-workers" in command else ""


def _classes(command: list[str]) -> str:
    if any(a.startswith("-XX:ArchiveClassesAtExit=") for a in command):
        return "dump"
    return "map" if any(a.startswith("-XX:SharedArchiveFile=") for a in command) else ""


def _usage() -> tuple[resource.struct_rusage, resource.struct_rusage]:
    """CPU used so far by the processes kafkamc started (and waited for), and by itself."""
    return resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _read(path: Path) -> list[dict[str, object]]:
    """The rows already recorded: each invocation appends its summary (to a file
    of this script's columns; one of other columns is started anew)."""
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    header = lines[0].split("\t")
    if "mapped_archive" not in header:
        return []
    return [dict(zip(header, line.split("\t"))) for line in lines[1:]]


if __name__ == "__main__":
    sys.exit(main())
