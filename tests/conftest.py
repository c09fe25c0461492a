"""Shared helpers for the CLI, compile and spec tests.

These tests run the real thing: the installed `kafkamc` console script in a
subprocess, the real TLC and SANY from the jar kafkamc finds, real files under
pytest's tmp_path. Nothing here fakes the checker.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SPECS: list[Path] = sorted((REPO / "specs").glob("*.yaml"))
SPEC_BY_NAME: dict[str, Path] = {spec.stem: spec for spec in SPECS}

# The contract, written out here rather than imported from kafkamc, so that a
# change in kafkamc shows up as a failing test.
ALL_PROPERTIES = ("durability", "consistency", "read_stability", "availability")
# The producer's properties (issue 20): checked only when a config's check lists them.
PRODUCER_PROPERTIES = ("no_duplicates", "order")
INVARIANT_OF = {"durability": "Durability", "consistency": "Consistency",
                "read_stability": "ReadStability", "no_duplicates": "NoDuplicates",
                "order": "Order"}
# Availability is a liveness property: TLC checks it either as the temporal formula
# or as the invariant kafkamc proves equivalent (templates/kafka.tla.j2).
AVAILABILITY_CHECKS = ({"PROPERTY": ["Availability"]}, {"INVARIANT": ["AvailabilityWhenQuiet"]})
AVAILABILITY_VIOLATED = ("Temporal properties were violated.",
                         "Invariant AvailabilityWhenQuiet is violated.")
RESULT_KEYS = {"name", "kafka_version", "bounds", "warnings", "properties", "tlc"}
# Per property, as the README documents it (the list plus TLC's search depth,
# whether the run cache answered, and the trace file of a violation).
PROPERTY_KEYS = {"verdict", "expected", "trace_length", "distinct_states", "depth", "seconds",
                 "cached", "trace", "diagrams", "coverage"}
VERDICTS = {"holds", "violated"}

# A safety net against a hung subprocess only; no test asserts on time.
HANG_GUARD_SECONDS = 1800

TRACEBACK = "Traceback (most recent call last)"


def spec_id(path: Path) -> str:
    return path.stem


def acks1_failover_dsl() -> Any:
    """specs/acks1-failover.yaml written in the Python DSL."""
    from kafkamc.config import Bounds, Faults, Model, Producer, Topic

    return Model(
        name="acks1-failover",
        topic=Topic(replication_factor=3, min_insync_replicas=2,
                    unclean_leader_election_enable=False),
        producer=Producer(acks="1"),
        faults=Faults(crashes=1),
        bounds=Bounds(records=2),
        expect={"durability": "violated", "consistency": "holds", "read_stability": "holds",
                "availability": "holds"})


# ---------------------------------------------------------------------------------
# Running the console script.

def kafkamc_script() -> str:
    """The `kafkamc` console script of the interpreter running the tests."""
    beside = Path(sys.executable).with_name("kafkamc")
    if beside.is_file():
        return str(beside)
    found = shutil.which("kafkamc")
    assert found, "the kafkamc console script is not installed (pip install -e '.[test]')"
    return found


def run_kafkamc(*args: str | os.PathLike[str], cwd: Path,
                env: Mapping[str, str] | None = None, cache: Path | None = None,
                **popen: Any) -> subprocess.CompletedProcess[str]:
    """Run `kafkamc ARGS...` in `cwd` (a tmp dir: a forgotten --out must not write into
    the repository) and capture stdout and stderr separately. Unless `cache` names the
    session's run cache (see `session_cache`), each call gets an empty TLC run cache of
    its own (kafkamc.tlc.cache), so TLC really runs, every time."""
    environment = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory(prefix="kafkamc-cache-") as empty:
        environment["KAFKAMC_CACHE_DIR"] = str(cache or empty)
        return subprocess.run([kafkamc_script(), *map(str, args)], cwd=cwd, env=environment,
                              capture_output=True, text=True, timeout=HANG_GUARD_SECONDS,
                              **popen)


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run cache for the whole test session, empty when the session starts. The
    scenario library is checked twice, by `check` (test_specs.py) and by `regress`
    (test_regress.py): whichever comes first runs TLC, the other replays those runs,
    which also exercises the cache on every shipped spec."""
    return tmp_path_factory.mktemp("kafkamc-session-cache")


@pytest.fixture(scope="session")
def jepsen_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `kafkamc check specs/jepsen-2013.yaml` for the whole session, by real TLC:
    its out dir, with all four properties violated. The trace, diagram and page tests
    read it instead of checking Jepsen again each."""
    work = tmp_path_factory.mktemp("jepsen")
    proc = run_kafkamc("check", SPEC_BY_NAME["jepsen-2013"], "--out", work / "out", cwd=work)
    assert proc.returncode == 0, describe(proc)
    assert f"Report: {work / 'out' / 'report.html'}" in proc.stdout, describe(proc)
    return work / "out"


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    """Everything about a finished run, for assertion messages."""
    return (f"$ {' '.join(map(str, proc.args))}\nexit {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert TRACEBACK not in proc.stderr and TRACEBACK not in proc.stdout, describe(proc)


def json_stdout(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one JSON object that `--json` prints: the whole of stdout must parse."""
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError as error:
        raise AssertionError(
            f"stdout is not one JSON document ({error})\n{describe(proc)}") from None
    assert isinstance(data, dict), describe(proc)
    return data


def assert_one_line_error(proc: subprocess.CompletedProcess[str], status: int,
                          *fragments: str) -> str:
    """A clean failure: `status`, nothing on stdout, exactly one line on stderr that
    holds every fragment, and no traceback. Returns that line."""
    assert proc.returncode == status, describe(proc)
    assert_no_traceback(proc)
    assert proc.stdout == "", describe(proc)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, describe(proc)
    line = lines[0]
    assert line.startswith("kafkamc: error: "), describe(proc)
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} missing\n{describe(proc)}"
    return line


# ---------------------------------------------------------------------------------
# Configs.

def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), path
    return data


def checked_properties(path: Path) -> list[str]:
    """The properties a config checks (its `check:`, default all), in kafkamc's order."""
    wanted = load_yaml(path).get("check") or ALL_PROPERTIES
    return [p for p in (*ALL_PROPERTIES, *PRODUCER_PROPERTIES) if p in wanted]


def run_labels(path: Path) -> list[str]:
    """The TLC runs `check` makes for a config, as its files are named: the safety
    properties share one ("safety", or the property when it is the only one),
    availability has its own."""
    checked = checked_properties(path)
    safety = [p for p in checked if p != "availability"]
    labels = ["safety" if len(safety) > 1 else safety[0]] if safety else []
    return labels + (["availability"] if "availability" in checked else [])


def expected_verdicts(path: Path) -> dict[str, str]:
    """The config's `expect:`, read from the file itself."""
    return dict(load_yaml(path).get("expect") or {})


def config_name(path: Path) -> str:
    """The config's `name:`, or the file's stem (every shipped spec's stem is a valid name)."""
    return load_yaml(path).get("name") or path.stem


def write_config(directory: Path, text: str, name: str = "config.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (relative path -> bytes), but the out dir's lock
    file, which holds the pid of the last run (kafkamc.outdir)."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file() and p.name != ".kafkamc-lock"}


# ---------------------------------------------------------------------------------
# SANY and TLC configs.

def run_sany(tla: Path, scratch: Path) -> subprocess.CompletedProcess[str]:
    """Parse and check `tla` with SANY from the jar kafkamc uses, in its own directory.
    `scratch` is Java's temp dir, where SANY unpacks the standard modules."""
    from kafkamc.tlc.run import find_jar, find_java

    scratch.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(find_java()), f"-Djava.io.tmpdir={scratch}", "-cp", str(find_jar()),
         "tla2sany.SANY", tla.name],
        cwd=tla.parent, capture_output=True, text=True, timeout=HANG_GUARD_SECONDS)


def assert_sany_clean(tla: Path, scratch: Path) -> str:
    """SANY exits 0, reports no error (SANY exits 0 even on semantic errors, so its
    `***` lines are what counts) and did process the module; SANY's output."""
    proc = run_sany(tla, scratch)
    output = proc.stdout + proc.stderr
    errors = [line for line in output.splitlines()
              if line.lstrip().startswith("***") and "SANY2 Version" not in line]
    errors += [line for line in output.splitlines()
               if re.search(r"(Semantic|Fatal) errors|Parse Error|Abort", line)]
    assert proc.returncode == 0 and not errors, f"SANY on {tla}:\n{output}"
    assert f"Semantic processing of module {tla.stem}" in output, output
    return output


_CFG_KEYWORDS = {
    "CONSTANT": "CONSTANT", "CONSTANTS": "CONSTANT", "INIT": "INIT", "NEXT": "NEXT",
    "SPECIFICATION": "SPECIFICATION", "INVARIANT": "INVARIANT", "INVARIANTS": "INVARIANT",
    "PROPERTY": "PROPERTY", "PROPERTIES": "PROPERTY", "SYMMETRY": "SYMMETRY",
    "CONSTRAINT": "CONSTRAINT", "CONSTRAINTS": "CONSTRAINT", "VIEW": "VIEW",
    "ACTION_CONSTRAINT": "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS": "ACTION_CONSTRAINT",
    "CHECK_DEADLOCK": "CHECK_DEADLOCK", "ALIAS": "ALIAS", "POSTCONDITION": "POSTCONDITION",
}


def parse_cfg(text: str) -> dict[str, list[str]]:
    """A TLC config's sections: keyword (singular) -> the identifiers under it."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    text = re.sub(r"\(\*.*?\*\)", " ", text, flags=re.S)
    for line in text.splitlines():
        line = line.split("\\*", 1)[0]
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", line):
            if word in _CFG_KEYWORDS:
                current = _CFG_KEYWORDS[word]
                sections.setdefault(current, [])
            elif current is not None:
                sections[current].append(word)
    return sections


def defines(tla_text: str, name: str) -> bool:
    """Whether the module text defines the operator `name` at the start of a line."""
    return re.search(rf"^{re.escape(name)}(\s*\([^)]*\))?\s*==", tla_text, re.M) is not None


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """Java's temp dir for SANY runs."""
    return tmp_path / "java-tmp"


# ---------------------------------------------------------------------------------
# Pages (report.html, the sweep's page): parsed, and rendered by headless Chromium.

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class HtmlPage(HTMLParser):
    """What matters of a page: tags, ids, links, and anything fetched from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.external: list[str] = []
        self.tags: list[str] = []
        self.titles: list[str] = []

    @classmethod
    def of(cls, path: Path) -> HtmlPage:
        page = cls()
        page.feed(path.read_text())
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if values.get("title"):
            self.titles.append(values["title"] or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        for key in ("src", "href"):
            if (values.get(key) or "").startswith(("http:", "https:", "//")):
                self.external.append(values[key] or "")


def screenshot(page: Path, scratch: Path, size: tuple[int, int]) -> Any:
    """The page as headless Chromium draws it: offline (a proxy that answers nothing),
    without JavaScript, as an RGB pillow image of `size` pixels."""
    from PIL import Image

    shot = scratch / f"{page.stem}.png"
    proc = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--disable-javascript", "--proxy-server=127.0.0.1:9",
         f"--window-size={size[0]},{size[1]}", f"--user-data-dir={scratch / 'profile'}",
         f"--screenshot={shot}", page.as_uri()],
        check=False, capture_output=True, text=True, timeout=120)
    assert shot.is_file(), proc.stderr
    image = Image.open(shot).convert("RGB")
    assert image.size == size
    return image
