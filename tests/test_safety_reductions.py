"""The safety run's reductions (issue 17, lever 2) change its cost, never its answer:
every safety counterexample of the scenario library keeps the length it had before
them.

LENGTHS_BEFORE was recorded with the code before the reductions (commit 4468a39,
`check_model(spec, properties=<the spec's violated safety properties>, workers=1)`,
the length counting states, the initial one included). The verdicts of the
properties that hold are checked against `expect:` by test_specs.py; a spec added
to the library with a safety property violated must get its length here, so that
a later reduction is checked against it too.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SPECS, expected_verdicts

from kafkamc.check import check_model
from kafkamc.config import Model
from kafkamc.resolved import Property

pytestmark = pytest.mark.tlc

SAFETY: tuple[Property, ...] = ("durability", "consistency", "read_stability")

LENGTHS_BEFORE: dict[str, dict[str, int]] = {
    "acks1-failover": {"durability": 4},
    "ibp-2.0-on-2.1": {"durability": 18, "consistency": 16, "read_stability": 18},
    "jepsen-2013": {"durability": 7, "consistency": 8, "read_stability": 7},
    "kafka-6361-1.1": {"consistency": 16},
    "kafka-7128-2.0.0": {"durability": 16, "read_stability": 15},
    "kafka-7164-2.0.1": {"consistency": 13},
    "kafka-7415-1.1": {"consistency": 13},
    "kafka-7415-2.0.0": {"consistency": 13},
    "kip101-scenario1-0.10.2": {"durability": 9, "consistency": 7, "read_stability": 9},
    "kip101-scenario2-0.10.2": {"durability": 5, "consistency": 12, "read_stability": 6},
    "kip320-stale-follower-2.0.1": {"durability": 18, "consistency": 16, "read_stability": 18},
    "last-replica-standing-2.0.1": {"durability": 11, "read_stability": 10},
    "last-replica-standing-2.1": {"read_stability": 10},
    "last-replica-standing-3.6": {"durability": 12, "read_stability": 10},
    "power-loss-all-4.1": {"durability": 7},
    "rolling-restart-acks1-3.6": {"durability": 3},
    "rolling-restart-acks1-4.1": {"durability": 3},
}


def violated_safety(spec: Path) -> list[Property]:
    expect = expected_verdicts(spec)
    return [prop for prop in SAFETY if expect.get(prop) == "violated"]


VIOLATED = [spec for spec in SPECS if violated_safety(spec)]


def test_every_violated_property_has_a_recorded_length() -> None:
    assert {spec.stem: sorted(violated_safety(spec)) for spec in VIOLATED} == \
        {name: sorted(lengths) for name, lengths in LENGTHS_BEFORE.items()}


@pytest.mark.parametrize("spec", VIOLATED, ids=lambda spec: spec.stem)
def test_counterexample_lengths_unchanged(spec: Path, tmp_path: Path) -> None:
    model = Model.from_yaml(spec).resolve()
    result = check_model(model, out_dir=tmp_path, properties=violated_safety(spec), workers=1)
    lengths = {}
    for name, prop in result.properties.items():
        assert prop.verdict == "violated", name
        assert prop.trace is not None, name
        lengths[name] = len(prop.trace.steps)
    assert lengths == LENGTHS_BEFORE[spec.stem]
