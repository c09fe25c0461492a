"""The answer first: `check`'s headline on the terminal and in report.html, by real TLC,
for a violated and an all-holding config; the report's values, links and TLC version."""
from __future__ import annotations

import re
from pathlib import Path
from typing import cast
from urllib.parse import unquote

import pytest
from conftest import SPEC_BY_NAME, HtmlPage, describe, run_kafkamc, write_config

from kafkamc.render.headline import headline
from kafkamc.resolved import Property
from kafkamc.result import CheckResult, Outcome, PropertyResult

LRS_36_DURABILITY = ("Durability is violated: an acknowledged write can be lost after 1 power "
                     "loss when both followers fall behind (12 steps).")
ALL_HOLD = "All four properties hold within these bounds."

CALM = """\
    name: calm
    description: Three replicas, acks=all, no fault; nothing can go wrong.
    kafka_version: "4.1"
    topic: {replication.factor: 3, min.insync.replicas: 2}
    producer: {acks: all}
    bounds: {records: 1}
    """


@pytest.mark.tlc
def test_a_violation_is_the_first_line_and_the_page_opens_with_it(tmp_path: Path) -> None:
    """KIP-966's last replica standing on 3.6: the counterexample's own faults (one
    power loss, both followers dropped for lag) make the sentence, not the budgets."""
    proc = run_kafkamc("check", SPEC_BY_NAME["last-replica-standing-3.6"], "--property",
                       "durability", "--workers", "1", "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.splitlines()[0] == LRS_36_DURABILITY, describe(proc)
    # The config has `expect:`: the table shows it.
    assert re.search(r"\bexpected\b.*\bmatch\b", proc.stdout), describe(proc)
    page = (tmp_path / "out" / "report.html").read_text()
    body = page[page.index("<body>"):]
    first = re.search(r"<p class='headline[^']*'>(.*?)</p>", body)
    assert first and first[1] == LRS_36_DURABILITY, body[:500]
    assert body.index("headline") < body.index("<h2>Verdicts</h2>")


@pytest.mark.tlc
def test_all_holding_without_expect_has_no_expected_columns(tmp_path: Path) -> None:
    config = write_config(tmp_path, CALM)
    proc = run_kafkamc("check", config, "--workers", "1", "--out", tmp_path / "out",
                       cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout.splitlines()[0] == ALL_HOLD, describe(proc)
    assert not re.search(r"\b(expected|match)\b", proc.stdout), describe(proc)
    out = tmp_path / "out"
    report = out / "report.html"
    text = report.read_text()
    assert f"<p class='headline holds'>{ALL_HOLD}</p>" in text
    assert "<th>expected</th>" not in text and "<th>match</th>" not in text
    # Kafka's values, not Python's.
    assert "True" not in text and "False" not in text
    assert "<th>unclean.leader.election.enable</th><td>false</td>" in text
    # A real TLC version: the release, its revision and the jar's build date.
    assert "Day Month" not in text
    assert re.search(r"TLC 2\.15 \(rev: [0-9a-f]{7}, built \d{4}-\d{2}-\d{2}\)", text), text[-800:]
    # Every link is relative and lands: on an anchor of the page or a file beside it.
    page = HtmlPage.of(report)
    files = [link for link in page.links if not link.startswith("#")]
    assert {"calm.tla", "config.yaml", "result.json", "tlc-safety.log"} <= set(files), files
    for link in page.links:
        if link.startswith("#"):
            assert link[1:] in page.ids, link
        else:
            assert not link.startswith("/") and (out / unquote(link)).is_file(), link


def _result(**verdicts: str) -> CheckResult:
    """A check's result with these verdicts and no counterexample (holds, unknown)."""
    props = {}
    for name, verdict in verdicts.items():
        prop = cast(Property, name)
        props[prop] = PropertyResult(
            name=prop, verdict=cast(Outcome, verdict), expected=None, trace=None, story=None,
            trace_file=None, diagrams=(), distinct_states=1, depth=1, seconds=0.0,
            log=Path("tlc.log"),
            message="TLC timed out after 5 s" if verdict == "unknown" else None)
    return CheckResult(name="x", kafka_version="4.1", out_dir=Path("out"), spec=Path("x.tla"),
                       properties=props)


@pytest.mark.parametrize("verdicts, sentence", [
    ({"durability": "holds"}, "Durability holds within these bounds."),
    ({"durability": "holds", "read_stability": "holds"},
     "Both checked properties (durability and read stability) hold within these bounds."),
    ({"durability": "holds", "consistency": "holds", "read_stability": "holds",
      "availability": "holds"}, ALL_HOLD),
    ({"durability": "holds", "consistency": "holds", "availability": "unknown"},
     "Durability and consistency hold within these bounds; availability could not be "
     "decided (see below)."),
    ({"durability": "unknown", "availability": "unknown"},
     "Durability and availability could not be decided (see below)."),
])
def test_the_headline_of_what_holds_and_what_is_undecided(verdicts: dict[str, str],
                                                          sentence: str) -> None:
    assert headline(_result(**verdicts)) == sentence
