"""The sweep page's "what changed between rows": adjacent rows whose verdicts flip,
with the swept settings and the era rules they bring (real TLC, two cells)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import describe, run_kafkamc, write_config

UPGRADE = """\
    name: upgrade
    description: The last replica standing (two records, one power loss) on 3.6 and on 4.1.
    topic: {replication.factor: 3, min.insync.replicas: 2, unclean.leader.election.enable: false}
    producer: {acks: all}
    faults: {power_losses: 1}
    bounds: {records: 2}
    check: [durability]
    sweep:
      kafka_version: ["3.6", "4.1"]
    """


@pytest.mark.tlc
def test_the_upgrade_row_names_elr_and_the_flipped_verdict(tmp_path: Path) -> None:
    config = write_config(tmp_path, UPGRADE)
    page = tmp_path / "page.html"
    proc = run_kafkamc("sweep", config, "--html", page, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    text = page.read_text()
    section = text[text.index("<h2 id='changes'>"):]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
                      section)
    assert len(rows) == 1, section
    link, swept, brought, flips = rows[0]
    assert "href='#row-0'" in link and "href='#row-1'" in link
    assert swept == "kafka_version 3.6 → 4.1"
    assert "semantics.eligible_leader_replicas false → true (KIP-966)" in brought
    assert flips == "durability under base: violated → holds"
