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
    the result names the files."""
    out = result.out_dir
    (out / "config.yaml").write_text(model.config_text)
    script = out / "run.sh"
    script.write_text(run_script(result.spec.stem, runs))
    script.chmod(0o755)
    violated = [p for p in result.properties.values() if p.trace is not None]
    # Each violation's diagram is its own graphviz run: draw them at once.
    with ThreadPoolExecutor(max_workers=max(len(violated), 1)) as pool:
        written = list(pool.map(lambda p: _write_violation(p, out, result.spec.stem, formats),
                                violated))
    properties = dict(result.properties)
    properties.update({p.name: p for p in written})
    result = replace(result, properties=properties)
    write_html(result, model)
    (out / "result.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return result


def _write_violation(prop: PropertyResult, out: Path, module: str,
                     formats: tuple[str, ...]) -> PropertyResult:
    from kafkamc.render.diagram import draw  # networkx and graphviz load only to draw
    assert prop.trace is not None and prop.story is not None, "a violation has its story"
    trace_file = out / f"trace-{prop.name}.json"
    write_trace(prop.trace, trace_file, prop.story.to_json())
    write_itf(prop.trace, out / f"counterexample-{prop.name}.itf.json",
              source=f"MC_{module}.tla")
    diagrams = draw(prop.trace, prop.story, out / f"diagram-{prop.name}", formats)
    return replace(prop, trace_file=trace_file, diagrams=diagrams)
