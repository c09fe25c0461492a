"""The availability run's reductions (issue 17) change its cost, never its answer:
every availability counterexample of the scenario library keeps the length it had
before them.

The reductions are the availability run's CONSTRAINTs in the generated MC module:
WriteNotAcked, and WriteSentWhenQuiet (the write first sent only once the cluster
is at rest). The module argues that neither changes a verdict. WriteSentWhenQuiet's
argument keeps a counterexample's length only where the write was first sent at
rest; for one sent earlier it keeps the verdict alone, so this test is what checks
the lengths, on the library.

LENGTHS_BEFORE was recorded with the code before the reductions (commit 8b3fed4,
`kafkamc check SPEC --property availability --workers 1 --no-cache --json`). The
verdicts of the specs where availability holds are checked against `expect:` by
test_specs.py; a spec added to the library with availability violated must get its
length here, so that a later reduction is checked against it too.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SPECS, expected_verdicts

from kafkamc.check import check_model
from kafkamc.config import Model

pytestmark = pytest.mark.tlc

LENGTHS_BEFORE = {
    "availability-minisr2-two-crashes": 7,
    "jepsen-2013": 4,
    "kreps-tradeoff": 9,
    "last-replica-standing-3.6": 9,
    "lagging-followers-3.6": 9,      # recorded when the spec was added, before the CONSTRAINT
    "minisr-equals-rf": 5,
}

VIOLATED = [spec for spec in SPECS if expected_verdicts(spec).get("availability") == "violated"]


def test_every_violated_spec_has_a_recorded_length() -> None:
    assert sorted(spec.stem for spec in VIOLATED) == sorted(LENGTHS_BEFORE)


@pytest.mark.parametrize("spec", VIOLATED, ids=lambda spec: spec.stem)
def test_counterexample_length_unchanged(spec: Path, tmp_path: Path) -> None:
    model = Model.from_yaml(spec).resolve()
    prop = check_model(model, out_dir=tmp_path, properties=["availability"],
                       workers=1).properties["availability"]
    assert prop.verdict == "violated"
    assert prop.trace is not None and len(prop.trace.steps) == LENGTHS_BEFORE[spec.stem]
