"""The availability invariant (AvailabilityWhenQuiet) gives the same verdicts as
TLC's liveness check of the temporal formula under the spec's fairness.

The generated spec argues why the two are equivalent; this checks the argument on
real configs, two that hold (one of them only because a write stuck at a zombie
leader times out and is retried) and two that are violated for different
reasons, with one record each: TLC's liveness check is slow, and the argument does not
depend on the number of records.

The invariant run also has the MC module's reductions, the liveness check none (it
runs AvailabilitySpec as the protocol module defines it), so this checks them too:
in particular WriteSentWhenQuiet, which sends the write only once the cluster is at
rest. Three more configs stress that cut: followers that may lag out of the ISR
before the faults stop (lagging-followers-3.6), or may not (followers-keep-up-3.6),
and 0.8.0's truncation to the HW (jepsen-2013).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kafkamc.check import check_model
from kafkamc.compile import compile_model, render_cfg, write_spec
from kafkamc.config import Model
from kafkamc.tlc.output import parse_tlc_output
from kafkamc.tlc.run import run_tlc

SPECS = Path(__file__).resolve().parent.parent / "specs"

pytestmark = pytest.mark.tlc


@pytest.mark.parametrize("name", ["availability-minisr2-one-crash",
                                  "availability-minisr2-two-crashes",
                                  "minisr-equals-rf",
                                  "availability-zombie-leader-4.1",
                                  "lagging-followers-3.6",
                                  "followers-keep-up-3.6",
                                  "jepsen-2013"])
def test_invariant_and_liveness_agree(name: str, tmp_path: Path) -> None:
    model = replace(Model.from_yaml(SPECS / f"{name}.yaml").resolve(), records=1)
    by_invariant = check_model(model, out_dir=tmp_path / "invariant",
                               properties=["availability"]).properties["availability"]

    spec = compile_model(model)
    files = write_spec(spec, tmp_path / "liveness")
    cfg = files.tla.with_name("liveness.cfg")
    cfg.write_text(render_cfg(spec.module, spec.brokers, ["availability"], temporal=True))
    run = run_tlc(files.mc, cfg, metadir=tmp_path / "meta", log=tmp_path / "liveness.log",
                  workers=2, timeout=None)
    outcome = parse_tlc_output(run.output)
    by_liveness = {"ok": "holds", "property": "violated"}[outcome.status]

    assert by_invariant.verdict == by_liveness == model.expect["availability"]
