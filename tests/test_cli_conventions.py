"""Conventions every kafkamc command shares (issue 19): help that names values rather
than Python types, --json on every command with output, one JSON error object on
stdout under --json, a closed pipe's exit status, and all of a file's mistakes at once."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import typer
from conftest import (
    SPEC_BY_NAME,
    assert_no_traceback,
    assert_one_line_error,
    describe,
    json_stdout,
    kafkamc_script,
    run_kafkamc,
    write_config,
)
from test_cli import ACKS1_CRASH, ACKSALL_CRASH

from kafkamc.cli import app
from kafkamc.config import Model
from kafkamc.errors import ConfigError

COMMANDS = sorted(typer.main.get_command(app).commands)   # type: ignore[attr-defined]

# What typer and Python would show in place of a metavar: `<bool>`, `<path>`,
# `<int range>`, `<list[Path]>`, `{files}`, `[default: False]`, `[default: None]`.
PLACEHOLDERS = re.compile(r"<[a-z][\w \[\]|,]*>|\{[a-z_]+\}|list\[|\[default: (?:False|True|None)\]"
                          r"|\bNoneType\b|\bPath\b")


def _help(*args: str, tmp_path: Path) -> str:
    # Wide, so that no placeholder is cut in two by the wrapping of rich's panels.
    proc = run_kafkamc(*args, "--help", cwd=tmp_path, env={**os.environ, "COLUMNS": "400"})
    assert proc.returncode == 0, describe(proc)
    return proc.stdout


def test_every_command_is_scanned() -> None:
    assert {"check", "compile", "regress", "sweep", "explain", "render", "worker", "eras",
            "import"} <= set(COMMANDS)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_has_no_python_type_placeholders(command: str, tmp_path: Path) -> None:
    text = _help(*[command] if command else [], tmp_path=tmp_path)
    found = PLACEHOLDERS.findall(text)
    assert not found, f"kafkamc {command} --help shows {found}\n{text}"
    assert "Usage: kafkamc" in text


@pytest.mark.parametrize(("command", "shown"), [
    ("check", ["FILE...", "--out", "DIR", "--workers", "N", "--timeout", "SECONDS",
               "--property", "NAME", "--format", "FORMAT"]),
    ("regress", ["[PATH]...", "--junit", "FILE"]),
    ("import", ["SERVER_PROPERTIES [TOPIC_FILE]", "--kafka-version", "VERSION"]),
    ("explain", ["OUT_DIR|TRACE_FILE"]),
])
def test_help_names_each_value(command: str, shown: list[str], tmp_path: Path) -> None:
    text = _help(command, tmp_path=tmp_path)
    for word in shown:
        assert word in text, f"{word!r} missing\n{text}"


def test_a_flag_shows_no_value(tmp_path: Path) -> None:
    text = _help("check", tmp_path=tmp_path)
    line = next(line for line in text.splitlines() if "--no-cache" in line)
    assert re.search(r"--no-cache\s+Run TLC", line), line


def _into_closed_pipe(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`kafkamc ARGS | head -0`: the reader has gone before kafkamc writes a line."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        # An empty run cache of its own, as run_kafkamc gives: TLC really runs.
        return subprocess.run([kafkamc_script(), *map(str, args)], cwd=cwd, stdout=writer,
                              stderr=subprocess.PIPE, text=True, timeout=120,
                              env={**os.environ, "KAFKAMC_CACHE_DIR": str(cwd / "cache")})
    finally:
        os.close(writer)


@pytest.mark.parametrize("args", [["eras"], ["--version"], ["eras", "--json"]])
def test_closed_pipe_exits_141_quietly(args: list[str], tmp_path: Path) -> None:
    proc = _into_closed_pipe(*args, cwd=tmp_path)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""


@pytest.mark.tlc
def test_check_into_a_closed_pipe_exits_141_not_1(tmp_path: Path) -> None:
    # Without the pipe closed, this check exits 1: durability is violated, unexpectedly.
    config = write_config(tmp_path, ACKS1_CRASH, "acks1-crash.yaml")
    proc = _into_closed_pipe("check", config, "--out", tmp_path / "out", "--workers", "1",
                             cwd=tmp_path)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""


# ---------------------------------------------------------------------------------
# --json on every command with output, and one JSON error object when it fails.

# worker prints nothing of its own on stdout: TLC's worker log goes to stderr.
WITHOUT_OUTPUT = {"worker"}
KAFKA = Path(__file__).resolve().parent / "fixtures" / "kafka"
BAD = "topic:\n  replication.factor: 9\n"


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - WITHOUT_OUTPUT))
def test_every_command_with_output_has_json(command: str, tmp_path: Path) -> None:
    assert re.search(r"--json\s", _help(command, tmp_path=tmp_path))


def test_eras_json_has_every_era(tmp_path: Path) -> None:
    data = json_stdout(run_kafkamc("eras", "--json", cwd=tmp_path))
    versions = [era["versions"] for era in data["eras"]]
    assert versions[0].startswith("0.8.0") and len(versions) == len(set(versions)) > 5
    assert all({"acks", "truncation", "protocol", "source"} <= set(era) for era in data["eras"])


def test_compile_json_names_the_files_it_wrote(tmp_path: Path) -> None:
    proc = run_kafkamc("compile", SPEC_BY_NAME["acks1-failover"], "--out", tmp_path / "c",
                       "--json", cwd=tmp_path)
    data = json_stdout(proc)
    written = [data["tla"], data["mc"], *data["cfgs"].values()]
    assert written and all((tmp_path / path).is_file() for path in written), describe(proc)


def test_import_json_has_the_settings_their_origins_and_the_warnings(tmp_path: Path) -> None:
    proc = run_kafkamc("import", KAFKA / "server-3.6-zookeeper.properties",
                       KAFKA / "topic.properties", "--json", cwd=tmp_path)
    data = json_stdout(proc)
    assert data["config"]["topic"]["min.insync.replicas"] == 3, describe(proc)
    assert "topic.properties" in data["origins"]["min.insync.replicas"]
    assert data["out"] is None
    # Each warning is on stderr too, as without --json.
    assert len(data["warnings"]) == proc.stderr.count("kafkamc: warning: ") > 0


@pytest.mark.parametrize("command", ["check", "compile", "regress", "sweep"])
def test_bad_config_under_json_is_one_error_object(command: str, tmp_path: Path) -> None:
    # A sweep's file is a config with a `sweep:` section.
    sweep = "sweep:\n  faults.crashes: [0, 1]\n" if command == "sweep" else ""
    config = write_config(tmp_path, BAD + sweep, "bad.yaml")
    proc = run_kafkamc(command, config, "--json", cwd=tmp_path)
    assert proc.returncode == 2, describe(proc)
    assert_no_traceback(proc)
    data = json_stdout(proc)
    assert data["exit_status"] == 2
    [error] = data["errors"]
    assert error["file"] == str(config) and error["line"] == 2, data
    assert error["key"] == "topic.replication.factor", data
    # The same line, as ever, on stderr.
    assert proc.stderr == f"kafkamc: error: {error['message']}\n", describe(proc)


def test_usage_error_under_json_is_one_error_object(tmp_path: Path) -> None:
    proc = run_kafkamc("check", SPEC_BY_NAME["acks1-failover"], "--json", "--workers", "0",
                       cwd=tmp_path)
    assert proc.returncode == 2, describe(proc)
    [error] = json_stdout(proc)["errors"]
    assert "--workers" in error["message"], error
    assert "--workers" in proc.stderr


def test_explain_of_nothing_under_json_is_one_error_object(tmp_path: Path) -> None:
    proc = run_kafkamc("explain", tmp_path / "missing", "--json", cwd=tmp_path)
    assert proc.returncode == 2, describe(proc)
    [error] = json_stdout(proc)["errors"]
    assert error["file"] == str(tmp_path / "missing")


def test_without_json_an_error_leaves_stdout_empty(tmp_path: Path) -> None:
    config = write_config(tmp_path, BAD, "bad.yaml")
    assert_one_line_error(run_kafkamc("check", config, cwd=tmp_path), 2, "out of range")


# ---------------------------------------------------------------------------------
# --open without a browser, and explain of a check where everything held.

@pytest.mark.tlc
def test_open_without_a_browser_is_a_note_and_explain_retells_the_story(tmp_path: Path) -> None:
    config = write_config(tmp_path, ACKS1_CRASH, "acks1-crash.yaml")
    out = tmp_path / "out"
    # BROWSER names the only browser webbrowser may use; `false` fails to open anything.
    proc = run_kafkamc("check", config, "--out", out, "--workers", "1", "--open",
                       cwd=tmp_path, env={**os.environ, "BROWSER": "false"})
    assert proc.returncode == 1, describe(proc)       # violated, no expect: given
    assert_no_traceback(proc)
    notes = [line for line in proc.stderr.splitlines() if line.startswith("kafkamc: note: ")]
    assert notes == [f"kafkamc: note: no browser could open {out}/report.html; open it by "
                     "hand"], describe(proc)
    data = json_stdout(run_kafkamc("explain", out, "--json", cwd=tmp_path))
    assert data["held"] == []
    [story] = data["stories"]
    assert story["property"] == "durability"
    assert story["title"].startswith("durability is broken")
    assert story["narrative"][0].startswith("1. ")


@pytest.mark.tlc
def test_explain_of_a_check_where_everything_held_says_so(tmp_path: Path) -> None:
    config = write_config(tmp_path, ACKSALL_CRASH, "acksall-crash.yaml")
    out = tmp_path / "out"
    proc = run_kafkamc("check", config, "--out", out, "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 0, describe(proc)
    told = run_kafkamc("explain", out, cwd=tmp_path)
    assert told.returncode == 0, describe(told)
    assert told.stdout == f"{out}: durability held; there is no counterexample to tell.\n"
    data = json_stdout(run_kafkamc("explain", out, "--json", cwd=tmp_path))
    assert data == {"held": ["durability"], "stories": []}


# ---------------------------------------------------------------------------------
# Config mistakes: every one of a file at once; a sweep's file pointed to `sweep`.

THREE_MISTAKES = """\
topic:
  replication.factor: 9
  min.insync.replica: 2
producer:
  acks: most
"""


@pytest.mark.parametrize("command", ["check", "compile"])
def test_every_mistake_of_a_file_is_a_line(command: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, THREE_MISTAKES, "three.yaml")
    proc = run_kafkamc(command, config, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 2, describe(proc)
    assert_no_traceback(proc)
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"kafkamc: error: {config}:2: topic.replication.factor: 9 (an integer) is out of "
        "range; allowed: an integer from 1 to 5",
        f"kafkamc: error: {config}:3: topic.min.insync.replica: unknown key; did you mean "
        "'min.insync.replicas'?",
        f"kafkamc: error: {config}:5: producer.acks: 'most' (a string) is not a valid value; "
        "allowed: 0, 1, all or -1 (absent: the era's default)"], describe(proc)
    assert not (tmp_path / "out").exists()


def test_a_misspelt_key_stands_for_the_missing_one(tmp_path: Path) -> None:
    config = write_config(tmp_path, "topic:\n  replication.factr: 3\n")
    assert_one_line_error(run_kafkamc("compile", config, cwd=tmp_path), 2,
                          ":2: topic.replication.factr: ", "did you mean 'replication.factor'")


def test_every_mistake_across_sections_is_a_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'kafka_version: "0.8.0"\ntopic:\n  replication.factor: 3\n'
                          "  min.insync.replicas: 2\ncheck: [durability]\n"
                          "expect:\n  availability: holds\n")
    proc = run_kafkamc("compile", config, "--json", cwd=tmp_path)
    assert proc.returncode == 2, describe(proc)
    errors = json_stdout(proc)["errors"]
    assert [(e["line"], e["key"]) for e in errors] == [
        (4, "topic.min.insync.replicas"), (7, "expect.availability")], errors
    assert len(proc.stderr.splitlines()) == 2, describe(proc)


@pytest.mark.parametrize("command", ["check", "compile"])
def test_a_sweep_file_given_to_check_points_to_sweep(command: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, "topic:\n  replication.factor: 3\n"
                          "sweep:\n  faults.crashes: [0, 1]\n", "sweep.yaml")
    assert_one_line_error(run_kafkamc(command, config, cwd=tmp_path), 2,
                          f"{config}:3: sweep: ", "`kafkamc sweep FILE`")


# ---------------------------------------------------------------------------------
# --quiet: one meaning wherever it is (no progress on stderr, only warnings and errors).

@pytest.mark.parametrize("command", ["check", "regress", "sweep"])
def test_quiet_is_on_every_command_that_reports_progress(command: str, tmp_path: Path) -> None:
    text = _help(command, tmp_path=tmp_path)
    assert re.search(r"--quiet\s+-q\s+No progress on stderr, only warnings and errors\.", text)


@pytest.mark.tlc
def test_quiet_sweep_prints_no_progress(tmp_path: Path) -> None:
    config = write_config(tmp_path, ACKS1_CRASH.replace("faults:\n  crashes: 1\n", "") +
                          "sweep:\n  faults.crashes: [0, 1]\n", "sweep.yaml")
    loud = run_kafkamc("sweep", config, "--out", tmp_path / "loud", "--jobs", "1",
                       cwd=tmp_path)
    assert "[1/" in loud.stderr, describe(loud)
    quiet = run_kafkamc("sweep", config, "--out", tmp_path / "quiet", "--jobs", "1", "--quiet",
                        "--format", "dot", cwd=tmp_path)
    assert quiet.returncode == loud.returncode, describe(quiet)
    assert quiet.stderr == "", describe(quiet)
    assert quiet.stdout == loud.stdout.replace(str(tmp_path / "loud"), str(tmp_path / "quiet"))
    # --format means what it means for check: the cell with a crash drew only dot.
    assert _diagrams(tmp_path / "loud") == {".dot", ".svg", ".png"}
    assert _diagrams(tmp_path / "quiet") == {".dot"}


def _diagrams(root: Path) -> set[str]:
    return {path.suffix for path in root.rglob("diagram-*.*")}


@pytest.mark.tlc
def test_regress_format_draws_only_that_format(tmp_path: Path) -> None:
    config = write_config(tmp_path / "specs", ACKS1_CRASH + "expect:\n  durability: violated\n",
                          "acks1-crash.yaml")
    proc = run_kafkamc("regress", config, "--out", tmp_path / "out", "--format", "svg",
                       "--jobs", "1", cwd=tmp_path)
    assert_no_traceback(proc)
    assert "durability" in proc.stdout, describe(proc)
    assert _diagrams(tmp_path / "out") == {".svg"}, describe(proc)


def test_the_python_config_error_is_the_first_and_holds_them_all(tmp_path: Path) -> None:
    config = write_config(tmp_path, THREE_MISTAKES, "three.yaml")
    with pytest.raises(ConfigError) as raised:
        Model.from_yaml(config)
    assert [(e.line, e.key) for e in raised.value.errors] == [
        (2, "topic.replication.factor"), (3, "topic.min.insync.replica"), (5, "producer.acks")]
    assert raised.value.errors[0] is raised.value and "\n" not in str(raised.value)
