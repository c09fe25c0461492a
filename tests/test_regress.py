"""`kafkamc regress`: verdicts against expect:, golden specs, the run cache, JUnit XML.

Every test runs the real CLI and real TLC on small scenario configs copied into a
temporary directory, with a cache directory of its own.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

import kafkamc
from kafkamc.compile import templates_dir

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"
SCHEMA = Path(__file__).resolve().parent / "fixtures" / "junit-schema.xsd"
SMALL = ["acks1-failover", "minisr-equals-rf"]

pytestmark = pytest.mark.tlc


def regress(*args: str | Path, cwd: Path, cache: Path,
            python_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KAFKAMC_CACHE_DIR": str(cache)}
    if python_path:
        env["PYTHONPATH"] = str(python_path)
    return subprocess.run([sys.executable, "-m", "kafkamc", "regress", *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    """Two small scenarios with their golden specs, as a team would keep them."""
    directory = tmp_path / "configs"
    directory.mkdir()
    for name in SMALL:
        shutil.copy(SPECS / f"{name}.yaml", directory)
    return directory


def test_passes_then_replays_from_the_cache(configs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = regress(configs, "--update", "--json", "--out", tmp_path / "out1",
                    cwd=tmp_path, cache=cache)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["passed"] is True
    assert {c["golden"] for c in report["configs"]} == {"updated"}
    # The protocol module and, apart, how TLC checks it.
    assert sorted(p.name for p in (configs / "golden").iterdir()) == sorted(
        f"{name}{suffix}" for name in SMALL for suffix in (".tla", ".mc.tla"))

    again = regress(configs, "--json", "--out", tmp_path / "out2", cwd=tmp_path, cache=cache)
    assert again.returncode == 0, again.stderr
    replayed = json.loads(again.stdout)
    assert {c["golden"] for c in replayed["configs"]} == {"same"}
    for before, after in zip(report["configs"], replayed["configs"]):
        for name, prop in after["properties"].items():
            assert prop["cached"] is True
            assert prop["verdict"] == before["properties"][name]["verdict"]

    fresh = regress(configs, "--json", "--no-cache", "--out", tmp_path / "out3",
                    cwd=tmp_path, cache=cache)
    assert not any(p["cached"] for c in json.loads(fresh.stdout)["configs"]
                   for p in c["properties"].values())


def test_a_broken_template_fails_with_a_readable_report(configs: Path, tmp_path: Path) -> None:
    """A template change that acknowledges acks=all writes on the leader's append (a
    deliberate bug, on a copy of kafkamc) flips minisr-equals-rf's durability and
    changes every golden spec."""
    cache = tmp_path / "cache"
    assert regress(configs, "--update", "--out", tmp_path / "o", cwd=tmp_path,
                   cache=cache).returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(Path(kafkamc.__file__).parent, copy / "kafkamc",
                    ignore=shutil.ignore_patterns("templates", "__pycache__"))
    shutil.copytree(templates_dir(), copy / "templates")
    base = copy / "templates" / "kafka.tla.j2"
    correct = '    /\\ acked\' = IF Acks = "all" THEN acked\n'
    assert correct in base.read_text()
    base.write_text(base.read_text().replace(correct, "    /\\ acked' = IF FALSE THEN acked\n"))

    broken = regress(configs, "--junit", tmp_path / "junit.xml", "--out", tmp_path / "o2",
                     cwd=tmp_path, cache=cache, python_path=copy)

    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "FAIL" in broken.stdout
    assert "differs from" in broken.stdout and "regress --update" in broken.stdout
    assert "minisr-equals-rf" in broken.stdout
    junit = etree.parse(str(tmp_path / "junit.xml"))
    assert etree.XMLSchema(etree.parse(str(SCHEMA))).validate(junit)
    failures = junit.findall(".//failure")
    assert any(f.get("type") == "GoldenSpecChanged" for f in failures)
    durability = [f for f in failures if f.get("message", "").startswith("durability:")]
    assert durability and "durability is broken in" in durability[0].text


def test_junit_validates_and_counts(configs: Path, tmp_path: Path) -> None:
    result = regress(configs, "--junit", tmp_path / "junit.xml", "--out", tmp_path / "o",
                     cwd=tmp_path, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    junit = etree.parse(str(tmp_path / "junit.xml"))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(junit), schema.error_log
    suites = junit.findall("testsuite")
    assert [s.get("name") for s in suites] == SMALL
    for suite in suites:
        cases = suite.findall("testcase")
        # Four properties and the golden spec, which is skipped: no golden copy yet.
        assert [c.get("name") for c in cases] == [
            "durability", "consistency", "read_stability", "availability", "golden spec"]
        assert suite.get("tests") == "5" and suite.get("skipped") == "1"
        assert suite.get("failures") == "0" and suite.get("errors") == "0"


def test_a_bad_config_stops_the_run_with_exit_2(configs: Path, tmp_path: Path) -> None:
    (configs / "broken.yaml").write_text("topic:\n  replication.factor: seven\n")
    result = regress(configs, "--out", tmp_path / "o", cwd=tmp_path, cache=tmp_path / "c")
    assert result.returncode == 2
    assert "broken.yaml:2" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_the_scenario_library_passes(tmp_path: Path, session_cache: Path) -> None:
    """The project's own regression run: every specs/ config against its expect: and its
    golden spec (specs/golden/)."""
    result = regress(SPECS, "--junit", tmp_path / "junit.xml", "--out", tmp_path / "o",
                     cwd=tmp_path, cache=session_cache)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "differs" not in result.stdout
