"""`kafkamc sweep`: expansion and validation, pruning against --no-prune, the matrix
against single `kafkamc check` runs, the recommendation against KIP-966, and the page
in headless Chromium.

The TLC tests run two small sweeps once each (module fixtures) through the real
console script with real TLC: `lattice` (a 2x2 lattice of budgets, rows of which
Kafka 0.8.0 rejects) pruned and not, and `kip966` (durability under power losses
on 3.6 and 4.1). Expected verdicts come from those TLC runs or from Kafka's rules
(docs/kafka-replication.md), never written in by hand.
"""
from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import (
    CHROMIUM,
    HtmlPage,
    assert_one_line_error,
    describe,
    json_stdout,
    run_kafkamc,
    screenshot,
    write_config,
)

from kafkamc.sweep.plan import read_sweep
from kafkamc.sweep.prune import Decision, RowPlan, contradictions
from kafkamc.sweep.recommend import ACKS_ORDER

REPO = Path(__file__).resolve().parent.parent

# Rows: Kafka version x min ISR; 0.8.0 has no min.insync.replicas (KAFKA-1555, 0.8.2),
# so its rows are skipped. Columns: a 2x2 lattice of crash and power-loss budgets.
LATTICE = """\
name: lattice
topic:
  replication.factor: 2
  min.insync.replicas: 1
producer:
  acks: all
bounds:
  records: 1
sweep:
  kafka_version: ["0.8.0", "4.1"]
  topic.min.insync.replicas: [1, 2]
  faults.crashes: [0, 1]
  faults.power_losses: [0, 1]
"""

# Durability under one and two power losses, on 3.6 (before eligible leader replicas)
# and 4.1 (KIP-966 on by default).
KIP966 = """\
name: kip966
topic:
  replication.factor: 3
bounds:
  records: 1
check: [durability]
sweep:
  kafka_version: ["3.6", "4.1"]
  topic.replication.factor: [2, 3]
  topic.min.insync.replicas: [2, 3]
  producer.acks: ["1", all]
  faults.power_losses: [1, 2]
"""


def sweep_json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode in (0, 1), describe(proc)
    return json_stdout(proc)


def by_cell(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["cell"], c["property"]): c for c in data["cells"]}


# ---------------------------------------------------------------------------------
# Expansion and validation (no TLC).

def test_the_sweep_expands_into_rows_of_settings_and_columns_of_budgets(tmp_path: Path) -> None:
    plan = read_sweep(write_config(tmp_path, LATTICE))
    assert [a.key for a in plan.settings] == ["kafka_version", "topic.min.insync.replicas"]
    assert [a.key for a in plan.budgets] == ["faults.crashes", "faults.power_losses"]
    assert plan.rows == (("0.8.0", 1), ("0.8.0", 2), ("4.1", 1), ("4.1", 2))
    assert plan.columns == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert len(plan.cells) == 16
    cell = plan.cells[3, 2]
    assert cell.directory == "v4.1-minisr2.crash1-pl0"
    resolved = cell.resolved()
    assert (resolved.kafka_version, resolved.min_insync_replicas, resolved.faults.crashes,
            resolved.faults.power_losses, resolved.replication_factor) == ("4.1", 2, 1, 0, 2)
    assert resolved.name == "lattice.v4.1-minisr2.crash1-pl0"
    # Kafka 0.8.0 has no min.insync.replicas: the config's own reason, kept per cell.
    for (row, _), skipped in plan.cells.items():
        reason = skipped.skipped
        assert (reason is not None) == (row < 2)
        if reason:
            assert "introduced in 0.8.2" in reason and "min.insync.replicas" in reason


def test_lagging_followers_is_a_row_axis_with_any(tmp_path: Path) -> None:
    """Issue 18: `any` is no count, so the lag budget makes rows, each checked."""
    text = LATTICE.replace("  faults.crashes: [0, 1]\n", "  faults.lagging_followers: [0, any]\n")
    plan = read_sweep(write_config(tmp_path, text))
    assert [a.key for a in plan.settings] == ["kafka_version", "topic.min.insync.replicas",
                                              "faults.lagging_followers"]
    cell = plan.cells[6, 1]
    assert cell.directory == "v4.1-minisr2-lag0.pl1"
    assert cell.resolved().faults.lagging_followers == 0
    assert plan.cells[7, 1].resolved().faults.lagging_followers is None


def test_unquoted_versions_are_read_as_written(tmp_path: Path) -> None:
    plan = read_sweep(write_config(tmp_path, LATTICE.replace('["0.8.0", "4.1"]', "[0.10, 4.1]")))
    assert plan.settings[0].values == ("0.10", "4.1")


def test_a_sweep_where_kafka_rejects_everything_is_an_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, LATTICE.replace('["0.8.0", "4.1"]', '["0.8.0"]'))
    proc = run_kafkamc("sweep", config, cwd=tmp_path)
    assert_one_line_error(proc, 2, "topic.min.insync.replicas", "introduced in 0.8.2")


BAD_SWEEPS = [
    # (replace in LATTICE, with, fragments of the one-line error)
    ("  faults.crashes: [0, 1]\n", "  faults.crash: [0, 1]\n",
     ("config.yaml:12:", "sweep.faults.crash", "did you mean 'faults.crashes'")),
    ("  faults.crashes: [0, 1]\n", "  faults.crashes: 1\n",
     ("config.yaml:12:", "sweep.faults.crashes", "allowed: a non-empty list")),
    ("  faults.crashes: [0, 1]\n", "  faults.crashes: []\n",
     ("config.yaml:12:", "allowed: a non-empty list")),
    ("  faults.crashes: [0, 1]\n", "  faults.crashes:\n    - 0\n    - 7\n",
     ("config.yaml:14:", "sweep.faults.crashes[1]", "7 (an integer) is out of range",
      "an integer from 0 to 3")),
    ("  faults.crashes: [0, 1]\n", "  faults.crashes: [1, 1]\n",
     ("config.yaml:12:", "listed twice")),
    ("  faults.crashes: [0, 1]\n", '  producer.acks: ["1", "al"]\n',
     ("config.yaml:12:", "sweep.producer.acks[1]", "did you mean 'all'")),
    ("  faults.crashes: [0, 1]\n", "  check: [durability]\n",
     ("config.yaml:12:", "not a Kafka setting")),
    ("  faults.crashes: [0, 1]\n", "  require: [durabilty]\n",
     ("config.yaml:12:", "did you mean 'durability'")),
    ("  faults.crashes: [0, 1]\n",
     "  require: [durability]\n  against: {faults.power_losses: 3}\n",
     ("config.yaml:13:", "sweep.against.faults.power_losses", "3 is not among the swept values")),
    ("  faults.crashes: [0, 1]\n", "  against: {faults.power_losses: 1}\n",
     ("config.yaml:12:", "against needs require")),
    ("sweep:\n", "sweeps:\n", ("config.yaml:9:", "sweeps", "unknown key")),
    ("bounds:\n  records: 1\n", "bounds:\n  records: 1\nexpect: {durability: holds}\n",
     ("config.yaml:9:", "a sweep expects no verdicts")),
]


@pytest.mark.parametrize(("old", "new", "fragments"), BAD_SWEEPS,
                         ids=[fragments[1] for _, _, fragments in BAD_SWEEPS])
def test_a_bad_sweep_is_one_line_naming_file_line_and_key(
        tmp_path: Path, old: str, new: str, fragments: tuple[str, ...]) -> None:
    assert old in LATTICE
    config = write_config(tmp_path, LATTICE.replace(old, new))
    assert_one_line_error(run_kafkamc("sweep", config, cwd=tmp_path), 2, *fragments)


@pytest.mark.parametrize(("args", "fragments"), [
    (("--require", "durability,speed"), ("--require", "'speed' is not a property")),
    (("--require", "durability", "--against", "faults.power_losses"),
     ("--against", "is not KEY=VALUE")),
    (("--require", "durability", "--against", "faults.power_loss=1"),
     ("--against", "did you mean 'faults.power_losses'")),
    (("--require", "durability", "--against", "faults.disk_losses=1"),
     ("--against", "1 is not among the config's value (not swept)")),
    (("--require", "durability", "--against", "faults.power_losses=0", "--against",
      "faults.power_losses=1"), ("--against", "faults.power_losses: given twice")),
])
def test_bad_require_and_against_options(tmp_path: Path, args: tuple[str, ...],
                                         fragments: tuple[str, ...]) -> None:
    config = write_config(tmp_path, LATTICE)
    assert_one_line_error(run_kafkamc("sweep", config, *args, cwd=tmp_path), 2, *fragments)


def test_a_plain_config_is_not_a_sweep(tmp_path: Path) -> None:
    config = write_config(tmp_path, LATTICE.split("sweep:")[0])
    assert_one_line_error(run_kafkamc("sweep", config, cwd=tmp_path), 2,
                          "no sweep: section", "kafkamc check")


def test_the_shipped_sweep_reads_and_stays_out_of_regress() -> None:
    from kafkamc.regress.run import collect

    shipped = REPO / "specs" / "sweeps" / "power-loss.yaml"
    plan = read_sweep(shipped)
    assert (len(plan.rows), len(plan.columns)) == (2 * 3 * 3 * 2, 3)
    assert plan.requirement is not None
    assert plan.requirement.against == (("faults.power_losses", 2),)
    assert shipped not in collect([REPO / "specs"])


# ---------------------------------------------------------------------------------
# Pruning, on its own (no TLC).

CHAIN = [(0,), (1,), (2,)]


def test_pruning_bisects_a_chain_and_infers_both_ways() -> None:
    plan = RowPlan(CHAIN, ["durability", "availability"], set(), prune=True)
    assert plan.ready() == [(1, ["durability", "availability"])]
    assert plan.ready() == []            # one check at a time per row
    plan.record(1, {"durability": "holds", "availability": "violated"})
    assert plan.known[0, "durability"] == Decision("holds", "inferred", 1)
    assert plan.known[2, "availability"] == Decision("violated", "inferred", 1)
    assert plan.ready() == [(0, ["availability"])]
    plan.record(0, {"availability": "holds"})
    assert plan.ready() == [(2, ["durability"])]
    plan.record(2, {"durability": "unknown"})
    assert plan.done and plan.known[2, "durability"].verdict == "unknown"


def test_unknown_is_never_carried_over_and_skipped_cells_are_left_alone() -> None:
    plan = RowPlan(CHAIN, ["durability"], {2}, prune=True)
    column, _ = plan.ready()[0]
    plan.record(column, {"durability": "unknown"})
    assert [c for c, _ in plan.ready()] == [1 - column]
    assert (2, "durability") not in plan.known


def test_without_pruning_every_cell_is_checked_at_once() -> None:
    plan = RowPlan(CHAIN, ["durability"], set(), prune=False)
    assert plan.ready() == [(0, ["durability"]), (1, ["durability"]), (2, ["durability"])]
    plan.record(0, {"durability": "violated"})
    assert (1, "durability") not in plan.known


def test_a_violation_below_a_hold_is_a_contradiction() -> None:
    columns = [(0, 0), (0, 1), (1, 0), (1, 1)]
    known = {(1, "durability"): Decision("violated", "checked", 1),
             (3, "durability"): Decision("holds", "checked", 3),
             (2, "durability"): Decision("holds", "checked", 2)}    # (1,0) vs (0,1): unordered
    assert contradictions(columns, known) == [("durability", 1, 3)]


def test_acks_order_weakest_first() -> None:
    assert sorted(ACKS_ORDER, key=ACKS_ORDER.__getitem__) == ["0", "1", "all"]


# ---------------------------------------------------------------------------------
# The lattice sweep, with and without pruning (TLC).

@pytest.fixture(scope="module")
def lattice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("lattice")
    config = write_config(work, LATTICE)
    pruned = run_kafkamc("sweep", config, "--json", "--jobs", "2", "--out", work / "pruned",
                         "--html", work / "page" / "lattice.html", "--csv", work / "cells.csv",
                         cwd=work)
    full = run_kafkamc("sweep", config, "--json", "--no-prune", "--out", work / "full",
                       cwd=work)
    return {"work": work, "config": config, "pruned": sweep_json(pruned),
            "full": sweep_json(full), "page": work / "page" / "lattice.html",
            "csv": work / "cells.csv"}


@pytest.mark.tlc
def test_pruning_agrees_with_checking_everything(lattice: dict[str, Any]) -> None:
    pruned, full = by_cell(lattice["pruned"]), by_cell(lattice["full"])
    assert pruned.keys() == full.keys() and len(pruned) == 16 * 4
    for key, cell in full.items():
        assert cell["decided"] in ("checked", "skipped"), key
        assert pruned[key]["verdict"] == cell["verdict"], key
    counts = lattice["pruned"]["checks"]
    assert counts["inferred"] > 0 and counts["skipped"] == 32
    assert counts["checked"] + counts["inferred"] == lattice["full"]["checks"]["checked"] == 32
    assert lattice["full"]["contradictions"] == [] == lattice["pruned"]["contradictions"]
    saved = json.loads((lattice["work"] / "pruned" / "sweep.json").read_text())
    assert saved == lattice["pruned"]


@pytest.mark.tlc
def test_inferred_verdicts_name_the_checked_cell_they_come_from(lattice: dict[str, Any]) -> None:
    cells = by_cell(lattice["pruned"])
    inferred = [c for c in cells.values() if c["decided"] == "inferred"]
    for cell in inferred:
        source = cells[cell["from_cell"], cell["property"]]
        assert source["decided"] == "checked" and source["verdict"] == cell["verdict"]
        assert Path(cell["report"]) == Path(source["report"]) and Path(cell["report"]).is_file()
        # The direction of monotonicity: a hold comes from a larger budget, a
        # violation from a smaller one.
        mine, theirs = cell["budget"], source["budget"]
        smaller, larger = (mine, theirs) if cell["verdict"] == "holds" else (theirs, mine)
        assert all(smaller[k] <= larger[k] for k in mine)
        if cell["verdict"] == "violated":
            assert source["trace"] and Path(source["trace"]).is_file()


@pytest.mark.tlc
def test_skipped_cells_say_why_and_the_csv_has_a_row_per_cell_and_property(
        lattice: dict[str, Any]) -> None:
    cells = lattice["pruned"]["cells"]
    skipped = [c for c in cells if c["decided"] == "skipped"]
    assert {c["settings"]["kafka_version"] for c in skipped} == {"0.8.0"}
    assert all("introduced in 0.8.2" in c["reason"] for c in skipped)
    rows = lattice["csv"].read_text().splitlines()
    assert len(rows) == 1 + len(cells)
    assert rows[0].startswith("cell,settings,budget,property,verdict,decided,from_cell")


@pytest.mark.tlc
def test_matrix_cells_agree_with_single_checks(lattice: dict[str, Any]) -> None:
    """Three cells, at least one with an inferred verdict, written out as plain configs
    by this test and checked alone with `kafkamc check`."""
    cells = by_cell(lattice["pruned"])
    names = sorted({cell for cell, _ in cells if cells[cell, "durability"]["decided"] != "skipped"})
    with_inferred = [n for n in names if any(cells[n, p]["decided"] == "inferred"
                                             for p in ("durability", "consistency",
                                                       "read_stability", "availability"))]
    rng = random.Random(966)
    sample = {rng.choice(with_inferred), *rng.sample(names, 2)}
    base = yaml.safe_load(LATTICE)
    base.pop("sweep")
    work = lattice["work"] / "single"
    for index, name in enumerate(sorted(sample)):
        record = cells[name, "durability"]
        config = json.loads(json.dumps(base))
        config["name"] = f"single-{index}"
        for key, value in {**record["settings"], **record["budget"]}.items():
            section, _, field = key.partition(".")
            if field:
                config.setdefault(section, {})[field] = value
            else:
                config[section] = value
        path = write_config(work, yaml.safe_dump(config), f"single-{index}.yaml")
        proc = run_kafkamc("check", path, "--json", "--out", work / f"out-{index}", cwd=work)
        assert proc.returncode in (0, 1), describe(proc)
        single = json_stdout(proc)["properties"]
        for prop, result in single.items():
            assert result["verdict"] == cells[name, prop]["verdict"], (name, prop)


@pytest.mark.tlc
def test_the_page_is_self_contained_and_its_links_land(lattice: dict[str, Any]) -> None:
    page_path: Path = lattice["page"]
    page = HtmlPage.of(page_path)
    assert "script" not in page.tags and not page.external
    verdict_links = [link for link in page.links if "report.html" in link]
    assert len(verdict_links) == 8 * 4            # every property of every checked cell
    for link in set(verdict_links):
        target, _, anchor = link.partition("#")
        report = (page_path.parent / target).resolve()
        assert report.is_file(), link
        if anchor:
            assert anchor in HtmlPage.of(report).ids, link
    tooltips = [t for t in page.titles if "checked by TLC" in t or "inferred" in t]
    assert len(tooltips) == 8 * 4
    assert sum("skipped" in t and "0.8.2" in t for t in page.titles) == 8


# Background of each kind of verdict in the matrix (kafkamc/sweep/page.py's STYLE).
COLOUR = {("holds", "checked"): (0xa5, 0xd6, 0xa7), ("violated", "checked"): (0xef, 0x9a, 0x9a),
          ("holds", "inferred"): (0xe8, 0xf5, 0xe9), ("violated", "inferred"): (0xff, 0xeb, 0xee),
          ("unknown", "checked"): (0xff, 0xe0, 0x82), ("skipped", "skipped"): (0xe0, 0xe0, 0xe0)}
HEADER = (0xee, 0xee, 0xee)


@pytest.mark.tlc
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_chromium_colours_each_kind_of_verdict(lattice: dict[str, Any], tmp_path: Path) -> None:
    """Below the matrix's header row (the legend above it shows every colour), each kind
    of verdict the sweep produced is painted in its colour and the others not at all."""
    image = screenshot(lattice["page"], tmp_path, (1400, 1400))
    width, height = image.size
    header_y = next(y for y in range(height)
                    if {c: n for n, c in image.crop((0, y, width, y + 1)).getcolors(
                        maxcolors=width)}.get(HEADER, 0) > 300)
    below = {colour: n for n, colour in image.crop((0, header_y, width, height)).getcolors(
        maxcolors=width * height)}
    painted = {kind: below.get(colour, 0) for kind, colour in COLOUR.items()}
    produced = {(c["verdict"], c["decided"]) for c in lattice["pruned"]["cells"]}
    assert {("holds", "checked"), ("skipped", "skipped")} <= produced
    for kind in COLOUR:
        if kind in produced:
            assert painted[kind] > 400, (kind, painted)
        else:
            assert painted[kind] == 0, (kind, painted)


# ---------------------------------------------------------------------------------
# The recommendation against KIP-966 (TLC).

def survives_power_losses(kafka_version: str, rf: int, min_isr: int, acks: str,
                          power_losses: int) -> bool:
    """Durability under `power_losses` unclean shutdowns without fsync, by Kafka's rules
    (docs/kafka-replication.md): acks=1 acknowledges a write that only the
    leader holds, unflushed, so one power loss of the leader loses it; before eligible
    leader replicas (KIP-966, on by default from 4.1) the last replica standing loses
    committed data after a single lossy shutdown; with ELR, min.insync.replicas - 1
    unclean shutdowns are tolerated (min ISR capped at RF from 3.7, KAFKA-15583)."""
    if acks != "all":
        return False
    if kafka_version != "4.1":
        return False
    return min(min_isr, rf) - 1 >= power_losses


@pytest.fixture(scope="module")
def kip966(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run: the terminal's text on stdout, the same results as JSON in sweep.json."""
    work = tmp_path_factory.mktemp("kip966")
    config = write_config(work, KIP966)
    proc = run_kafkamc("sweep", config, "--require", "durability", "--against",
                       "faults.power_losses=2", "--html", work / "kip966.html",
                       "--out", work / "out", cwd=work)
    assert proc.returncode in (0, 1), describe(proc)
    data = json.loads((work / "out" / "sweep.json").read_text())
    return {"data": data, "proc": proc, "page": work / "kip966.html"}


@pytest.mark.tlc
def test_durability_under_two_power_losses_follows_kip966(kip966: dict[str, Any]) -> None:
    data = kip966["data"]
    answers = {a["circumstances"]["kafka_version"]: a for a in data["recommendation"]["answers"]}
    assert set(answers) == {"3.6", "4.1"}
    settings = data["settings"]
    for version, answer in answers.items():
        candidates = sorted(
            ((rf, isr, ACKS_ORDER[acks]), {"kafka_version": version,
                                           "topic.replication.factor": rf,
                                           "topic.min.insync.replicas": isr,
                                           "producer.acks": acks})
            for rf in settings["topic.replication.factor"]
            for isr in settings["topic.min.insync.replicas"] if isr <= rf
            for acks in settings["producer.acks"])
        expected = next((s for _, s in candidates
                         if survives_power_losses(version, s["topic.replication.factor"],
                                                  s["topic.min.insync.replicas"],
                                                  s["producer.acks"], 2)), None)
        assert answer["cheapest"] == expected, version
        in_order = [s for _, s in candidates]
        cheaper = in_order if expected is None else in_order[:in_order.index(expected)]
        assert [w["settings"] for w in answer["weaker"]] == cheaper, version
        for weaker in answer["weaker"]:
            violation = weaker["ruled_out_by"][0]
            assert violation["property"] == "durability"
            assert violation["story"][-2].startswith("So durability is broken at step")
            assert violation["story"][-1].startswith("Needs: ")
            assert any(Path(d).suffix == ".svg" and Path(d).is_file()
                       for d in violation["diagrams"])
        # min ISR above RF: not a candidate, with Kafka's reason.
        assert all("KAFKA-15583" in n["why"] for n in answer["not_candidates"])
    # One version has an answer, the other none: exit 1, the requirement is unmet.
    assert kip966["proc"].returncode == 1, describe(kip966["proc"])


@pytest.mark.tlc
def test_the_terminal_tells_the_answer_and_each_ruled_out_story(kip966: dict[str, Any]) -> None:
    proc = kip966["proc"]
    assert proc.returncode == 1, describe(proc)
    out = proc.stdout
    assert "Cheapest settings for durability under faults.power_losses=2" in out
    assert "kafka_version=4.1: cheapest: replication.factor=3, min.insync.replicas=3, " \
           "acks=all" in out
    assert "kafka_version=3.6: no swept setting satisfies the requirement" in out
    assert "ruled out: replication.factor=3, min.insync.replicas=2, acks=all" in out
    assert "(found under power_losses=1)" in out          # an inferred violation
    assert "Pruned by monotonicity" in out and "inferred by monotonicity" in out
    assert "1. b1 leads epoch 1" in out                   # a story, step by step


@pytest.mark.tlc
def test_the_recommendation_links_each_story_to_its_diagram(kip966: dict[str, Any]) -> None:
    page_path: Path = kip966["page"]
    page = HtmlPage.of(page_path)
    assert "recommendation" in page.ids
    diagrams = [link for link in page.links if link.endswith(".svg")]
    weaker = sum(len(a["weaker"]) for a in kip966["data"]["recommendation"]["answers"])
    assert len(diagrams) == weaker
    assert all((page_path.parent / link).is_file() for link in diagrams)
    sections = [link for link in page.links if link.endswith("#durability")]
    for link in sections:
        target = (page_path.parent / link.partition("#")[0]).resolve()
        assert "durability" in HtmlPage.of(target).ids
