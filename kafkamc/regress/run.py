"""Regression runs: check many configs against their `expect:` and golden specs.

Each config's generated modules are compared with their golden copies beside
the config: `golden/NAME.tla` (the protocol) and `golden/NAME.mc.tla` (how TLC
checks it), so that a template change which alters a model is seen even when no
verdict flips, and a diff shows which of the two it touched. Configs run in parallel; the machine's
cores are split between the jobs and TLC's workers so the two do not fight.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kafkamc.check import CheckResult, check_model
from kafkamc.compile import compile_model
from kafkamc.errors import ConfigError, KafkamcError
from kafkamc.outdir import release_out_dir, write_error
from kafkamc.parallel import split_cores
from kafkamc.render.formats import FORMATS
from kafkamc.resolved import Resolved
from kafkamc.tlc.cache import RunCache

Golden = Literal["same", "differs", "missing", "updated"]


@dataclass(frozen=True)
class ConfigRun:
    path: Path
    result: CheckResult | None     # None when the check itself raised
    golden: Golden
    golden_file: Path
    error: str | None = None       # what went wrong when result is None

    @property
    def passed(self) -> bool:
        return (self.result is not None and self.result.matches and not self.result.failed
                and self.golden != "differs")


@dataclass(frozen=True)
class Report:
    runs: list[ConfigRun]

    @property
    def exit_status(self) -> int:
        """0 all pass; 3 a check could not decide; 1 a verdict or golden spec differs."""
        if any(r.result is None or r.result.failed for r in self.runs):
            return 3
        return 0 if all(r.passed for r in self.runs) else 1


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


def golden_path(config: Path, model: Resolved) -> Path:
    """The protocol module's golden copy; the checking module's is beside it (.mc.tla)."""
    return config.parent / "golden" / f"{model.name}.tla"


def compare_golden(config: Path, model: Resolved, *, update: bool) -> Golden:
    protocol = golden_path(config, model)
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


def regress(files: list[Path], models: list[Resolved], *, out_root: Path, jobs: int | None,
            cache: RunCache | None, update: bool,
            diagram_formats: tuple[str, ...] = FORMATS) -> Report:
    split = split_cores(jobs, len(files))

    def run_one(item: tuple[Path, Resolved]) -> ConfigRun:
        file, model = item
        golden = compare_golden(file, model, update=update)
        golden_file = golden_path(file, model)
        out_dir = out_root / model.name
        try:
            result = check_model(model, out_dir=out_dir, workers=split.workers, cache=cache,
                                 diagram_formats=diagram_formats)
        except KafkamcError as error:
            return ConfigRun(path=file, result=None, golden=golden, golden_file=golden_file,
                             error=str(error))
        except OSError as error:      # its out dir could not be written (a full disk)
            return ConfigRun(path=file, result=None, golden=golden, golden_file=golden_file,
                             error=str(write_error(error, out_dir)))
        finally:
            release_out_dir(out_dir)
        return ConfigRun(path=file, result=result, golden=golden, golden_file=golden_file)

    with ThreadPoolExecutor(max_workers=split.jobs) as pool:
        return Report(runs=list(pool.map(run_one, zip(files, models))))
