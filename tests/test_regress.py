"""`kafkamc regress`: verdicts against expect:, golden specs (opt-in), the run cache,
JUnit XML, --timeout and --stop-when-decided.

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


def regress(*args: str | Path, cwd: Path, cache: Path, python_path: Path | None = None,
            timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KAFKAMC_CACHE_DIR": str(cache)}
    if python_path:
        env["PYTHONPATH"] = str(python_path)
    return subprocess.run([sys.executable, "-m", "kafkamc", "regress", *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    """Two small scenarios, as a team would keep them."""
    directory = tmp_path / "configs"
    directory.mkdir()
    for name in SMALL:
        shutil.copy(SPECS / f"{name}.yaml", directory)
    return directory


def test_passes_then_replays_from_the_cache(configs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    golden = configs / "golden"
    first = regress(configs, "--golden", golden, "--update", "--json", "--out",
                    tmp_path / "out1", cwd=tmp_path, cache=cache)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["passed"] is True
    assert {c["golden"] for c in report["configs"]} == {"updated"}
    # The protocol module and, apart, how TLC checks it.
    assert sorted(p.name for p in golden.iterdir()) == sorted(
        f"{name}{suffix}" for name in SMALL for suffix in (".tla", ".mc.tla"))

    again = regress(configs, "--golden", golden, "--json", "--out", tmp_path / "out2",
                    cwd=tmp_path, cache=cache)
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
    golden = tmp_path / "golden"        # anywhere: --golden names it
    assert regress(configs, "--golden", golden, "--update", "--out", tmp_path / "o",
                   cwd=tmp_path, cache=cache).returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(Path(kafkamc.__file__).parent, copy / "kafkamc",
                    ignore=shutil.ignore_patterns("templates", "__pycache__"))
    shutil.copytree(templates_dir(), copy / "templates")
    base = copy / "templates" / "kafka.tla.j2"
    correct = '    /\\ acked\' = IF Acks = "all" THEN acked\n'
    assert correct in base.read_text()
    base.write_text(base.read_text().replace(correct, "    /\\ acked' = IF FALSE THEN acked\n"))

    broken = regress(configs, "--golden", golden, "--junit", tmp_path / "junit.xml", "--out",
                     tmp_path / "o2", cwd=tmp_path, cache=cache, python_path=copy)

    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "FAIL" in broken.stdout
    assert "differs from" in broken.stdout
    assert f"regress --golden {golden} --update" in broken.stdout
    assert "minisr-equals-rf" in broken.stdout
    junit = etree.parse(str(tmp_path / "junit.xml"))
    assert etree.XMLSchema(etree.parse(str(SCHEMA))).validate(junit)
    failures = junit.findall(".//failure")
    assert any(f.get("type") == "GoldenSpecChanged" for f in failures)
    durability = [f for f in failures if f.get("message", "").startswith("durability:")]
    assert durability and "durability is broken in" in durability[0].text


def test_junit_validates_and_counts(configs: Path, tmp_path: Path) -> None:
    """Without --golden: no golden case, no golden column, no golden/ written."""
    result = regress(configs, "--junit", tmp_path / "junit.xml", "--out", tmp_path / "o",
                     cwd=tmp_path, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert "golden" not in result.stdout and not (configs / "golden").exists()
    junit = etree.parse(str(tmp_path / "junit.xml"))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(junit), schema.error_log
    suites = junit.findall("testsuite")
    assert [s.get("name") for s in suites] == SMALL
    for suite in suites:
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == [
            "durability", "consistency", "read_stability", "availability"]
        assert suite.get("tests") == "4" and suite.get("skipped") == "0"
        assert suite.get("failures") == "0" and suite.get("errors") == "0"


def test_a_missing_golden_copy_is_a_skipped_case(configs: Path, tmp_path: Path) -> None:
    golden = tmp_path / "golden"
    golden.mkdir()
    result = regress(configs, "--golden", golden, "--junit", tmp_path / "junit.xml", "--out",
                     tmp_path / "o", cwd=tmp_path, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    for suite in etree.parse(str(tmp_path / "junit.xml")).findall("testsuite"):
        assert suite.findall("testcase")[-1].get("name") == "golden spec"
        assert suite.get("tests") == "5" and suite.get("skipped") == "1"
    assert list(golden.iterdir()) == []


def test_a_bad_config_stops_the_run_with_exit_2(configs: Path, tmp_path: Path) -> None:
    (configs / "broken.yaml").write_text("topic:\n  replication.factor: seven\n")
    result = regress(configs, "--out", tmp_path / "o", cwd=tmp_path, cache=tmp_path / "c")
    assert result.returncode == 2
    assert "broken.yaml:2" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_the_scenario_library_passes(tmp_path: Path, session_cache: Path) -> None:
    """The project's own regression run: every specs/ config against its expect: and its
    golden spec (specs/golden/)."""
    result = regress(SPECS, "--golden", SPECS / "golden", "--junit", tmp_path / "junit.xml",
                     "--out", tmp_path / "o", cwd=tmp_path, cache=session_cache,
                     timeout=3600)   # a guard against a hang: the library takes minutes
    assert result.returncode == 0, result.stdout + result.stderr
    assert "differs" not in result.stdout


def _long(tmp_path: Path) -> Path:
    """Every replica losing power on 4.1 with three records: durability breaks within
    seconds, proving consistency takes minutes; `expect:` names durability only."""
    text = (SPECS / "power-loss-all-4.1.yaml").read_text()
    config = tmp_path / "long.yaml"
    config.write_text(text.replace("records: 1", "records: 3").replace(
        "check: [durability]", "check: [durability, consistency]"))
    return config


def test_timeout_per_config_keeps_the_violation(tmp_path: Path) -> None:
    result = regress(_long(tmp_path), "--timeout", "30", "--json", "--no-cache", "--out",
                     tmp_path / "o", cwd=tmp_path, cache=tmp_path / "c")
    assert result.returncode == 3, result.stdout + result.stderr
    [config] = json.loads(result.stdout)["configs"]
    assert config["properties"]["durability"]["verdict"] == "violated"
    # Breadth-first search ran out of its share of the 30 s; random simulation then
    # drew no violation of consistency, which is no proof: not_found, exit 3.
    consistency = config["properties"]["consistency"]
    assert consistency["verdict"] == "not_found", consistency
    assert "random simulation" in consistency["message"], consistency
    assert "not a proof" in consistency["message"], consistency


def test_stop_when_decided_checks_only_what_expect_names(tmp_path: Path) -> None:
    """Consistency, which `expect:` does not name, would take minutes; durability is
    decided within seconds, and then the run is over."""
    result = regress(_long(tmp_path), "--stop-when-decided", "--json", "--no-cache", "--out",
                     tmp_path / "o", cwd=tmp_path, cache=tmp_path / "c")
    assert result.returncode == 0, result.stdout + result.stderr
    [config] = json.loads(result.stdout)["configs"]
    assert {name: p["verdict"] for name, p in config["properties"].items()} == {
        "durability": "violated"}
