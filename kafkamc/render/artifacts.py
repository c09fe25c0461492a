"""The one writer of a check's results: every entry point leaves the same out dir.

`kafkamc check`, `regress`, `sweep` and the DSL's `Model.check()` all end here,
so an out dir always holds, beside the module, configs and TLC logs that the
checker wrote: `config.yaml` (the config as checked), `run.sh` (each TLC run, to
reproduce by hand), per violation `trace-PROPERTY.json`, the same trace in ITF
(`counterexample-PROPERTY.itf.json`, for Apalache's and Quint's tools) and
`diagram-PROPERTY.*`, then `report.html` and `result.json`.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from kafkamc.compile import RunPlan
from kafkamc.render.formats import FORMATS
from kafkamc.render.html_page import write_html
from kafkamc.render.run_script import run_script
from kafkamc.resolved import Resolved
from kafkamc.result import CheckResult, PropertyResult
from kafkamc.trace.itf import write_itf
from kafkamc.trace.steps import write_trace


def write_artifacts(result: CheckResult, model: Resolved, runs: tuple[RunPlan, ...],
                    formats: tuple[str, ...] = FORMATS) -> CheckResult:
    """Write every file of `result`, whose TLC runs were `runs`, into its out dir;
    the result names the files it has. A disk that fails now (full, an I/O error)
    loses files, never the verdicts: what could not be written is listed in the
    result's `unsaved`, which the CLI reports (exit 3)."""
    out = result.out_dir
    unsaved: list[str] = []
    _save(unsaved, "config.yaml", lambda: (out / "config.yaml").write_text(model.config_text))
    _save(unsaved, "run.sh", lambda: _write_script(out / "run.sh",
                                                    run_script(result.spec.stem, runs)))
    violated = [p for p in result.properties.values() if p.trace is not None]
    # Each violation's diagram is its own graphviz run: draw them at once.
    with ThreadPoolExecutor(max_workers=max(len(violated), 1)) as pool:
        written = list(pool.map(lambda p: _write_violation(p, out, result.spec.stem, formats,
                                                           unsaved), violated))
    properties = dict(result.properties)
    properties.update({p.name: p for p in written})
    result = replace(result, properties=properties)
    _save(unsaved, "report.html", lambda: write_html(result, model))
    result = replace(result, unsaved=tuple(unsaved))
    _save(unsaved, "result.json", lambda: (out / "result.json").write_text(
        json.dumps(result.to_json(), indent=2) + "\n"))
    return replace(result, unsaved=tuple(unsaved))


def _save(unsaved: list[str], what: str, write: Callable[[], object]) -> bool:
    """Run `write`; a failing disk adds `what` to `unsaved` instead of raising."""
    try:
        write()
    except OSError as error:
        unsaved.append(f"{what} ({error.strerror or error})")
        return False
    return True


def _write_script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _write_violation(prop: PropertyResult, out: Path, module: str, formats: tuple[str, ...],
                     unsaved: list[str]) -> PropertyResult:
    from kafkamc.render.diagram import draw  # networkx and graphviz load only to draw
    trace, story = prop.trace, prop.story
    assert trace is not None and story is not None, "a violation has its story"
    trace_file = out / f"trace-{prop.name}.json"
    diagrams: tuple[Path, ...] = ()

    def write() -> None:
        nonlocal diagrams
        write_trace(trace, trace_file, story.to_json())
        write_itf(trace, out / f"counterexample-{prop.name}.itf.json",
                  source=f"MC_{module}.tla")
        diagrams = draw(trace, story, out / f"diagram-{prop.name}", formats)

    if not _save(unsaved, f"{prop.name}'s counterexample", write):
        return prop
    return replace(prop, trace_file=trace_file, diagrams=diagrams)
