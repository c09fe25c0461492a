"""Fuzzing kafkamc's inputs in-process, without TLC (issue 16).

Generated configs, sweep files, Kafka .properties files, trace JSON and TLC logs go
through the real commands (compile, sweep, import, explain, render). Whatever the
input, the outcome is an exit status in {0, 1, 2, 3} with at most a one-line error,
never a traceback, never a hang, and nothing written outside the out dir. Each run of
the suite tries more than 1,000 inputs (EXAMPLES per category; KAFKAMC_FUZZ_SCALE
multiplies them for a longer campaign).
"""
from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import kafkamc.sweep.command
from kafkamc.cli import app

FUZZ = Path(__file__).parent / "fixtures" / "fuzz"
KAFKA = Path(__file__).parent / "fixtures" / "kafka"
TLC_LOGS = Path(__file__).parent / "fixtures" / "tlc"
SCALE = int(os.environ.get("KAFKAMC_FUZZ_SCALE", "1"))
EXAMPLES = {"configs": 350, "sweeps": 150, "properties": 200, "traces": 150, "logs": 160}
SLOWEST_SECONDS = 10.0        # one input; far more than any takes: a hang, not noise


def fuzz_settings(category: str) -> settings:
    return settings(max_examples=EXAMPLES[category] * SCALE, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


# ---------------------------------------------------------------------------------
# Running a command and judging its outcome.

class Campaign:
    """One category's inputs: the exit statuses seen, and what the run wrote."""

    def __init__(self, category: str, root: Path) -> None:
        self.category, self.root = category, root
        self.exits: Counter[int] = Counter()

    def run(self, *args: str, env: dict[str, str] | None = None) -> int:
        start = time.monotonic()
        result = CliRunner().invoke(app, list(args), env=env)
        took = time.monotonic() - start
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"kafkamc {' '.join(args)} raised "
                                 f"{type(result.exception).__name__}: {result.exception}\n"
                                 f"{result.output}") from result.exception
        assert result.exit_code in (0, 1, 2, 3), result.output
        assert "Traceback" not in result.output, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("kafkamc: error:")]
        if result.exit_code == 2:
            assert errors, result.output
        assert took < SLOWEST_SECONDS, f"{took:.1f} s for kafkamc {' '.join(args)}"
        self.exits[result.exit_code] += 1
        return result.exit_code

    def report(self, inputs: Path, out: Path) -> None:
        """Say what the campaign saw; nothing may be written but inputs and out dirs."""
        outside = [p for p in self.root.rglob("*")
                   if not _under(p, inputs) and not _under(p, out) and p != inputs and p != out]
        assert not outside, outside
        total = sum(self.exits.values())
        print(f"\nfuzz {self.category}: {total} inputs, exit statuses "
              f"{dict(sorted(self.exits.items()))}, tracebacks 0, hangs 0, files written "
              f"outside 0")


def _under(path: Path, parent: Path) -> bool:
    return parent in path.parents


@contextmanager
def campaign(category: str, tmp_path: Path) -> Iterator[tuple[Campaign, Path, Path]]:
    """Run in tmp_path (inputs in in/, out dirs in out/), the run cache in tmp_path too."""
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    before = os.getcwd()
    os.chdir(tmp_path)
    runner = Campaign(category, tmp_path)
    try:
        yield runner, inputs, out
    finally:
        os.chdir(before)
    runner.report(inputs, out)


@pytest.fixture(autouse=True)
def _no_tlc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TLC can start (a missing jar), and no run cache outside tmp_path."""
    monkeypatch.setenv("KAFKAMC_TLA2TOOLS", str(tmp_path / "no-tla2tools.jar"))
    monkeypatch.setenv("KAFKAMC_CACHE_DIR", str(tmp_path / "out" / "cache"))


# ---------------------------------------------------------------------------------
# Values: what YAML, .properties and TLA+ may hold, hostile ones included.

HOSTILE_TEXT = ["..", ".", "a" * 300, "x\ny", "\u202e", "\ud800", "٤.١", "３.６", "0.08.0",
                "\n4.1", "*) ====", "\\* x", '"', "\x00", "\x1b[31m", "9" * 5000, "-1", "all",
                "3.6", "4.1", "0.8.2.2", "true", "1e9999", "~", "<<", "&a", "*a"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 8), st.integers(), st.floats(),
    st.text(max_size=12), st.sampled_from(HOSTILE_TEXT))
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=6) | st.sampled_from(["topic", "acks", "name"]),
                      inner, max_size=3), max_leaves=8)

PROPERTIES = ["durability", "consistency", "read_stability", "availability", "safety"]


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`valid` nine times in ten, else any value: most inputs then get past the first
    check and reach the deeper ones (cross-section rules, the compiler)."""
    return st.integers(0, 9).flatmap(lambda n: valid if n else values)


def section(keys: dict[str, st.SearchStrategy[Any]],
            required: dict[str, st.SearchStrategy[Any]] | None = None) -> st.SearchStrategy[Any]:
    return mostly(st.fixed_dictionaries({k: mostly(v) for k, v in (required or {}).items()},
                                        optional={k: mostly(v) for k, v in keys.items()}))


CONFIG = st.fixed_dictionaries({"topic": section({
    "min.insync.replicas": st.integers(1, 3) | st.integers(0, 6),
    "unclean.leader.election.enable": st.booleans(), "flush.messages": st.just(1)},
    required={"replication.factor": st.integers(1, 5) | st.integers(0, 6)})},
    optional={
    "name": mostly(st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)),
    "description": mostly(st.text(max_size=30)),
    "kafka_version": mostly(st.sampled_from(["0.8.0", "0.8.2.2", "2.0.1", "3.6", "4.1", "9.9"])),
    "producer": section({"acks": st.sampled_from([0, 1, -1, "all", "-1", "2"])}),
    "semantics": section({"truncation": st.sampled_from(["kip101", "kip279", "kip320", "x"]),
                          "strict_min_isr": st.booleans()}),
    "faults": section({k: st.integers(-1, 4) for k in
                       ("crashes", "power_losses", "disk_losses", "network_partitions")}),
    "bounds": section({"records": st.integers(0, 5)}),
    "check": mostly(st.lists(st.sampled_from(PROPERTIES), max_size=4)),
    "expect": mostly(st.dictionaries(st.sampled_from(PROPERTIES),
                                     st.sampled_from(["holds", "violated", "maybe"]),
                                     max_size=3)),
})

# Snippets that have broken YAML loaders: aliases, tags, escapes, nesting, directives.
YAML_SNIPPETS = [
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    "x: &r [*r]\n", "x: !!int abc\n", "x: !!float abc\n", "x: !!bool maybe\n",
    "x: !!python/object/apply:os.system [echo]\n", "x: \"\\UFFFFFFFF\"\n", "x: \x01\n",
    "x: " + "[" * 60 + "]" * 60 + "\n", "x: " + "[" * 1000 + "]" * 1000 + "\n",
    "x: " + "9" * 4400 + "\n", "%YAML 1.1\n---\n", "---\n---\n", "? [a, b]\n: 1\n",
    "<<: *nowhere\n", "base: &base {replication.factor: 3}\ntopic: {<<: *base}\n",
    "x: !!binary AAAA\n", "x: 2001-12-14\n", "x: .nan\n", "\ufeffx: 1\n", "x: |\n  a\n b\n",
]


@st.composite
def config_text(draw: st.DrawFn, extra: dict[str, Any] | None = None) -> bytes:
    data = draw(CONFIG)
    if extra:
        data.update(extra)
    text = yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False)
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 2]))):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from(YAML_SNIPPETS) | st.text(max_size=20)))
    text = "".join(lines)
    kind = draw(st.integers(0, 19))    # hypothesis favours 0 and 19: garbage is neither
    if kind == 7:
        return draw(st.binary(max_size=40))
    if kind == 13:
        text = draw(st.text(max_size=60))
    return text.encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------------------------
# The suites.

def test_fuzzed_configs_compile_or_fail_in_one_line(tmp_path: Path) -> None:
    with campaign("configs", tmp_path) as (runner, inputs, out):
        @fuzz_settings("configs")
        @given(text=config_text())
        def one(text: bytes) -> None:
            file = inputs / "config.yaml"
            file.write_bytes(text)
            runner.run("compile", str(file), "--out", str(out / "compiled"))

        one()


@st.composite
def sweep_text(draw: st.DrawFn) -> bytes:
    keys = ["topic.replication.factor", "topic.min.insync.replicas", "producer.acks",
            "faults.crashes", "faults.power_losses", "bounds.records",
            "topic.unclean.leader.election.enable", "require", "against", "nonsense.key"]
    sweep = draw(st.dictionaries(st.sampled_from(keys) | st.text(max_size=8),
                                 st.lists(scalars, max_size=3) | values, max_size=3) | values)
    return draw(config_text(extra={"sweep": sweep}))


def test_fuzzed_sweep_files_are_planned_or_refused_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Any plan with a cell to check stops at the confirmation, after the plan is read
    # and its estimate printed: the fuzzing is of reading sweep files, not of TLC.
    monkeypatch.setattr(kafkamc.sweep.command, "CONFIRM_CELLS", 0)
    with campaign("sweeps", tmp_path) as (runner, inputs, out):
        @fuzz_settings("sweeps")
        @given(text=sweep_text(), against=st.lists(st.text(max_size=20) | st.sampled_from(
            ["faults.crashes=1", "faults.crashes=[[[1]]]", "x=&a [*a]", "faults.crashes"]),
            max_size=2))
        def one(text: bytes, against: list[str]) -> None:
            file = inputs / "sweep.yaml"
            file.write_bytes(text)
            options = [arg for value in against for arg in ("--against", value)]
            runner.run("sweep", str(file), "--out", str(out / "sweep"), *options)

        one()


PROPERTY_KEYS = ["min.insync.replicas", "unclean.leader.election.enable", "process.roles",
                 "log.flush.interval.messages", "default.replication.factor", "acks",
                 "inter.broker.protocol.version", "flush.messages", "replication.factor",
                 "broker.id", "controller.quorum.voters"]
PROPERTY_VALUES = ["2", "-1", "all", "true", "maybe", "9" * 5000, "3.6-IV2", "\\u00e9", "\\uZZ",
                   "\\", "1e3", " 3 ", "broker,controller", "0x10", "", "\u0663", "2147483648"]


@st.composite
def properties_text(draw: st.DrawFn, seed: str) -> bytes:
    lines = seed.splitlines()
    for _ in range(draw(st.integers(0, 4))):
        key = draw(st.sampled_from(PROPERTY_KEYS) | st.text(max_size=10))
        separator = draw(st.sampled_from(["=", ":", " ", "", " = "]))
        value = draw(st.sampled_from(PROPERTY_VALUES) | st.text(max_size=12))
        lines.insert(draw(st.integers(0, len(lines))), f"{key}{separator}{value}")
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\\", "\\\n"]))
    return text.encode("utf-8", "surrogatepass") if draw(st.booleans()) else \
        text.encode("latin-1", "replace")


def _fixture(name: str) -> str:
    return (KAFKA / name).read_text()


def test_fuzzed_properties_files_import_or_fail_in_one_line(tmp_path: Path) -> None:
    servers = [_fixture("server-3.6-zookeeper.properties"),
               _fixture("server-4.1-kraft.properties"), ""]
    topics = [_fixture("topic.properties"), _fixture("topics-describe.txt"),
              _fixture("events-describe-all.txt"), _fixture("clicks-topics-describe.txt")]
    with campaign("properties", tmp_path) as (runner, inputs, out):
        @fuzz_settings("properties")
        @given(server=st.sampled_from(servers).flatmap(lambda s: properties_text(s)),
               topic=st.none() | st.sampled_from(topics).flatmap(lambda s: properties_text(s)),
               producer=st.none() | properties_text(_fixture("producer.properties")),
               version=st.none() | st.sampled_from(["3.6", "4.1", "0.8.0", "x", "\n4.1", "٤.١"]),
               factor=st.none() | st.integers(-1, 7))
        def one(server: bytes, topic: bytes | None, producer: bytes | None,
                version: str | None, factor: int | None) -> None:
            args = ["import", str(_written(inputs / "server.properties", server))]
            if topic is not None:
                args.append(str(_written(inputs / "topic.txt", topic)))
            if producer is not None:
                args += ["--producer", str(_written(inputs / "producer.properties", producer))]
            if version is not None:
                args += ["--kafka-version", version]
            if factor is not None:
                args += ["--replication-factor", str(factor)]
            runner.run(*args)

        one()


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from(HOSTILE_TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["set", "seq", "model", "record", "function", "isr", "log", "x"])
        | st.text(max_size=5), inner, max_size=2), max_leaves=8)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, path + (index,))


@st.composite
def mutated_trace(draw: st.DrawFn) -> bytes:
    data = json.loads((FUZZ / "jepsen-2013.trace-durability.json").read_text())
    paths = list(_paths(data))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            kind = draw(st.sampled_from(["replace", "delete", "nest"]))
            if kind == "delete":
                del parent[path[-1]]
            elif kind == "nest":
                depth = draw(st.sampled_from([3, 900, 5000]))
                parent[path[-1]] = json.loads("[" * depth + "1" + "]" * depth) \
                    if depth < 1000 else {"set": [1]}
            else:
                parent[path[-1]] = draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue             # an earlier mutation removed the path
    text = json.dumps(data)
    if draw(st.integers(0, 9)) == 0:
        text = text[:draw(st.integers(0, len(text)))]      # a truncated file
    if draw(st.integers(0, 19)) == 0:
        text = "[" * 5000 + "]" * 5000
    return text.encode()


def test_fuzzed_trace_json_is_explained_or_refused_in_one_line(tmp_path: Path) -> None:
    with campaign("traces", tmp_path) as (runner, inputs, out):
        @fuzz_settings("traces")
        @given(data=mutated_trace())
        def one(data: bytes) -> None:
            runner.run("explain", str(_written(inputs / "trace-durability.json", data)))

        one()


TLA_VALUES = st.recursive(
    st.integers(-3, 5).map(str) | st.integers().map(str) | st.sampled_from(
        ["b1", "b2", "TRUE", "FALSE", '"r1"', '"a\\"b"', "{}", "<<>>", "[x |-> 1]", "5",
         "9" * 5000, "-", "{b1, b2", ">>", '"', "(b1 :> 1 @@ b2 :> 2)", "x \\in {}"]),
    lambda inner: st.lists(inner, max_size=3).map(lambda v: "{" + ", ".join(v) + "}")
    | st.lists(inner, max_size=3).map(lambda v: "<<" + ", ".join(v) + ">>")
    | st.lists(inner, min_size=1, max_size=2).map(
        lambda v: "[" + ", ".join(f"f{i} |-> {x}" for i, x in enumerate(v)) + "]")
    | st.lists(inner, min_size=1, max_size=2).map(
        lambda v: "(" + " @@ ".join(f"b{i + 1} :> {x}" for i, x in enumerate(v)) + ")"),
    max_leaves=6)
LOG_SEEDS = [FUZZ / "jepsen-2013.safety.log", TLC_LOGS / "counter.tool.log",
             TLC_LOGS / "lasso.log", TLC_LOGS / "stutter.tool.log", TLC_LOGS / "ok.log"]


@st.composite
def mutated_log(draw: st.DrawFn) -> bytes:
    lines = draw(st.sampled_from(LOG_SEEDS)).read_text().splitlines()
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "value", "delete", "insert", "cut", "nest"]))
        assignment = re.match(r"(/\\ \w+ = |\w+ = )", lines[at])
        if kind in ("value", "nest") and assignment is None:
            at_assignments = [i for i, line in enumerate(lines)
                              if re.match(r"/\\ \w+ = ", line)]
            if not at_assignments:
                continue
            at = draw(st.sampled_from(at_assignments))
            assignment = re.match(r"(/\\ \w+ = )", lines[at])
        if kind == "value":
            lines[at] = assignment[1] + draw(TLA_VALUES)
        elif kind == "nest":
            depth = draw(st.sampled_from([50, 800, 3000]))
            lines[at] = assignment[1] + "<<" * depth + "1" + ">>" * depth
        elif kind == "delete":
            del lines[at]
        elif kind == "insert":
            lines.insert(at, draw(st.text(max_size=30) | st.sampled_from(
                ["@!@!@STARTMSG 2110:1 @!@!@", "@!@!@ENDMSG 2110 @!@!@",
                 "State 1: <Initial predicate>",
                 "Error: Invariant Durability is violated.", "The behavior up to this point is:"])))
        else:
            lines = lines[:at]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def test_fuzzed_tlc_logs_are_rendered_or_refused_in_one_line(tmp_path: Path) -> None:
    with campaign("logs", tmp_path) as (runner, inputs, out):
        @fuzz_settings("logs")
        @given(data=mutated_log())
        def one(data: bytes) -> None:
            log = _written(inputs / "tlc.log", data)
            runner.run("render", str(log), "--format", "dot", "--out", str(out / "render"))

        one()


def test_the_seeds_read_back_cleanly(tmp_path: Path) -> None:
    """The fuzzers are not vacuous: unmutated, their seeds give a story and exit 0."""
    runner = CliRunner()
    result = runner.invoke(app, ["render", str(FUZZ / "jepsen-2013.safety.log"), "--format",
                                 "dot", "--out", str(tmp_path / "render")])
    assert result.exit_code == 0 and "is broken in 7 steps" in result.output, result.output
    trace = FUZZ / "jepsen-2013.trace-durability.json"
    result = runner.invoke(app, ["explain", str(trace)])
    assert result.exit_code == 0 and "durability is broken" in result.output, result.output
