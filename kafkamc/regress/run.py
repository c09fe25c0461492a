"""Regression runs: check many configs against their `expect:`, and, opted in, golden specs.

With a golden directory (`--golden DIR`), each config's generated modules are
compared with their golden copies there: `DIR/NAME.tla` (the protocol) and
`DIR/NAME.mc.tla` (how TLC checks it), so that a template change which alters a
model is seen even when no verdict flips, and a diff shows which of the two it
touched. Without one there is no comparison: a user's configs have no golden
copies, and regress must not write any into their repository. Configs run in
parallel; the machine's cores are split between the jobs and TLC's workers so the
two do not fight. Each config is reported as it finishes, so a CI log shows
progress; an interrupt keeps every config finished and every verdict decided.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kafkamc.check import CheckResult, check_model
from kafkamc.compile import compile_model
from kafkamc.errors import ConfigError, KafkamcError
from kafkamc.outdir import release_out_dir, write_error
from kafkamc.parallel import split_cores
from kafkamc.render.formats import FORMATS
from kafkamc.resolved import Property, Resolved
from kafkamc.tlc.cache import RunCache
from kafkamc.tlc.jvm import shared_class_data
from kafkamc.tlc.run import interrupt_requested

Golden = Literal["same", "differs", "missing", "updated"]


@dataclass(frozen=True)
class ConfigRun:
    path: Path
    result: CheckResult | None     # None when the check itself raised
    golden: Golden | None          # None: no golden comparison asked for
    golden_file: Path | None
    seconds: float                 # the config's wall time, golden comparison included
    error: str | None = None       # what went wrong when result is None

    @property
    def passed(self) -> bool:
        return (self.result is not None and self.result.matches and not self.result.failed
                and not self.result.interrupted and self.golden != "differs")


@dataclass(frozen=True)
class Report:
    runs: list[ConfigRun]          # the configs checked, in the order given
    not_run: list[Path]            # configs an interrupt kept from starting
    interrupted: bool

    @property
    def exit_status(self) -> int:
        """130 interrupted; 3 a check could not decide; 1 a verdict or golden spec
        differs; 0 all pass."""
        if self.interrupted:
            return 130
        if any(r.result is None or r.result.failed for r in self.runs):
            return 3
        return 0 if all(r.passed for r in self.runs) else 1


@dataclass(frozen=True)
class RegressOptions:
    """How `regress` checks each config; the same for all of them."""
    out_root: Path
    jobs: int | None = None              # configs at once (default: the number of cores)
    cache: RunCache | None = None
    golden: Path | None = None           # compare with DIR/NAME.tla and DIR/NAME.mc.tla
    update: bool = False                 # rewrite those golden copies instead
    timeout: float | None = None         # seconds per config
    stop_when_decided: bool = False      # check only what `expect:` names (expected)
    diagram_formats: tuple[str, ...] = FORMATS


def collect(paths: list[Path]) -> list[Path]:
    """The config files named, and the *.yaml files directly in each directory named."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError("no such file or directory", file=str(path))
    if not files:
        raise ConfigError("no *.yaml configs found", file=", ".join(map(str, paths)))
    return files


def golden_path(directory: Path, model: Resolved) -> Path:
    """The protocol module's golden copy; the checking module's is beside it (.mc.tla)."""
    return directory / f"{model.name}.tla"


def compare_golden(config: Path, model: Resolved, *, update: bool,
                   directory: Path | None = None) -> Golden:
    """Compare (or, `update`, rewrite) the golden copies of `model` in `directory`,
    by default golden/ beside `config` (the project's layout: specs/golden/)."""
    protocol = golden_path(directory or config.parent / "golden", model)
    spec = compile_model(model)
    pairs = [(protocol, spec.tla), (protocol.with_suffix(".mc.tla"), spec.mc)]
    if update:
        protocol.parent.mkdir(parents=True, exist_ok=True)
        stale = [(path, text) for path, text in pairs
                 if not path.is_file() or path.read_text() != text]
        for path, text in stale:
            path.write_text(text)
        return "updated" if stale else "same"
    if not all(path.is_file() for path, _ in pairs):
        return "missing"
    return "same" if all(path.read_text() == text for path, text in pairs) else "differs"


def expected(model: Resolved) -> list[Property] | None:
    """The properties `expect:` names, in `check`'s order; None when it names none
    (then every checked property is expected to hold, and all are checked)."""
    return [p for p in model.check if p in model.expect] or None


def regress(files: list[Path], models: list[Resolved], options: RegressOptions,
            on_run: Callable[[ConfigRun], None] | None = None) -> Report:
    """Check every config; `on_run` hears of each one as it finishes (in this
    thread, so it may print). After an interrupt no config starts; those running
    end with what they decided."""
    split = split_cores(options.jobs, len(files))

    def run_one(file: Path, model: Resolved) -> ConfigRun | None:
        if interrupt_requested():
            return None
        start = time.monotonic()
        golden = golden_file = None
        if options.golden is not None:
            golden = compare_golden(file, model, update=options.update,
                                    directory=options.golden)
            golden_file = golden_path(options.golden, model)
        out_dir = options.out_root / model.name
        properties = expected(model) if options.stop_when_decided else None
        try:
            result = check_model(model, out_dir=out_dir, properties=properties,
                                 workers=split.workers, timeout=options.timeout,
                                 cache=options.cache, diagram_formats=options.diagram_formats)
        except KafkamcError as error:
            return ConfigRun(file, None, golden, golden_file, time.monotonic() - start,
                             error=str(error))
        except OSError as error:      # its out dir could not be written (a full disk)
            return ConfigRun(file, None, golden, golden_file, time.monotonic() - start,
                             error=str(write_error(error, out_dir)))
        finally:
            release_out_dir(out_dir)
        return ConfigRun(file, result, golden, golden_file, time.monotonic() - start)

    finished: dict[int, ConfigRun] = {}     # by position: a file may be named twice
    # Many short TLC runs: they share one class-data archive (kafkamc.tlc.jvm).
    with shared_class_data(), ThreadPoolExecutor(max_workers=split.jobs) as pool:
        futures = {pool.submit(run_one, file, model): index
                   for index, (file, model) in enumerate(zip(files, models))}
        for future in as_completed(futures):
            run = future.result()
            if run is not None:
                finished[futures[future]] = run
                if on_run is not None:
                    on_run(run)
    return Report(runs=[finished[i] for i in sorted(finished)],
                  not_run=[f for i, f in enumerate(files) if i not in finished],
                  interrupted=interrupt_requested())
