"""`kafkamc regress` options that stop before TLC runs, and its rows (no TLC)."""
from __future__ import annotations

import io
from pathlib import Path

from conftest import SPEC_BY_NAME, assert_no_traceback, run_kafkamc
from rich.console import Console

from kafkamc.regress.run import ConfigRun
from kafkamc.regress.show import Rows
from kafkamc.resolved import Property, Verdict
from kafkamc.result import CheckResult, Outcome, PropertyResult


def test_update_needs_golden(tmp_path: Path) -> None:
    proc = run_kafkamc("regress", SPEC_BY_NAME["jepsen-2013"], "--update", "--out",
                       tmp_path / "o", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "kafkamc: error: regress: --update: needs --golden DIR, the directory of the golden "
        "specs to rewrite; allowed: --golden DIR --update"]
    assert not (tmp_path / "o").exists()


def test_golden_must_be_a_directory(tmp_path: Path) -> None:
    proc = run_kafkamc("regress", SPEC_BY_NAME["jepsen-2013"], "--golden", tmp_path / "nope",
                       "--out", tmp_path / "o", cwd=tmp_path)
    assert proc.returncode == 2
    assert_no_traceback(proc)
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"kafkamc: error: {tmp_path / 'nope'}: --golden: no such directory")


def _run(name: str, verdicts: dict[Property, Outcome],
         expected: dict[Property, Verdict]) -> ConfigRun:
    properties = {prop: PropertyResult(
        name=prop, verdict=verdict, expected=expected.get(prop), trace=None, story=None,
        trace_file=None, diagrams=(), distinct_states=10, depth=2, seconds=1.0,
        log=Path("log")) for prop, verdict in verdicts.items()}
    result = CheckResult(name=name, kafka_version="3.6", out_dir=Path("out"),
                         spec=Path("out/x.tla"), properties=properties)
    return ConfigRun(Path(f"{name}.yaml"), result, golden=None, golden_file=None, seconds=2.5)


def test_rows_line_up_and_say_what_differs() -> None:
    text = io.StringIO()
    rows = Rows(Console(file=text, width=200), ["a", "a-much-longer-name"], golden=False)
    rows.header()
    rows.row(_run("a", {"durability": "violated", "consistency": "holds"},
                  {"durability": "violated"}))
    rows.row(_run("a-much-longer-name", {"durability": "holds"}, {"durability": "violated"}))
    header, first, second = text.getvalue().splitlines()
    assert header.split() == ["result", "config", "durability", "consistency",
                              "read_stability", "availability", "seconds"]
    assert first.split() == ["pass", "a", "violated", "holds", "-", "-", "2.5"]
    assert second.split()[:2] == ["FAIL", "a-much-longer-name"]
    assert "holds (expected violated)" in second
    # Columns line up: each verdict starts under its header.
    assert first.index("violated") == header.index("durability") == second.index("holds")
