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
from conftest import describe, kafkamc_script, run_kafkamc

from kafkamc.cli import app

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


def test_closed_pipe_exits_141_quietly(tmp_path: Path) -> None:
    """`kafkamc eras | head -0`: the reader has gone before kafkamc writes a line."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        proc = subprocess.run([kafkamc_script(), "eras"], cwd=tmp_path, stdout=writer,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(writer)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""
