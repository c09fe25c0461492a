"""The reproductions of issue 16, one by one: each hostile input is one line naming the
file and what is wrong, exit 2, or the correct result; none reaches the generated
module's structure."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import kafkamc.sweep.command
from kafkamc.cli import app
from kafkamc.compile import compile_model
from kafkamc.config import Model

TOPIC = "topic: {replication.factor: 1}\n"
LAUGHS = "".join(f"{level}: &{level} [{', '.join([f'*{prev}'] * 9)}]\n"
                 for prev, level in zip("abcdefgh", "bcdefghi"))


def _run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _one_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("kafkamc: error:")]
    assert len(errors) == 1 and "Traceback" not in output, output
    return errors[0]


@pytest.mark.parametrize(("text", "says"), [
    ("name: x\n" + TOPIC + "description: \x01\n", "unacceptable character #x0001"),
    ("name: x\ntopic: {replication.factor: !!int abc}\n", "cannot read 'abc' as int"),
    ("name: x\ndescription: !!float abc\n" + TOPIC, "cannot read 'abc' as float"),
    ("name: x\n" + TOPIC + "topic2: !!bool maybe\n", "cannot read 'maybe' as bool"),
    ("name: x\ntopic: {replication.factor: " + "9" * 5000 + "}\n", "(5000 characters)"),
    ("name: x\ntopic: " + "[" * 1000 + "]" * 1000 + "\n", "nested more than 50 levels"),
    ('name: x\ndescription: "\\UFFFFFFFF"\n' + TOPIC, "an escape names no Unicode character"),
    ("name: " + "a" * 300 + "\n" + TOPIC, "the name is 300 bytes long"),
    ('name: ".."\n' + TOPIC, "'..' is not a file name"),
    ('name: "."\n' + TOPIC, "'.' is not a file name"),
    ('name: x\ndescription: "\\uD800"\n' + TOPIC, "holds the character '\\ud800'"),
    ('name: x\nkafka_version: "\\n4.1"\n' + TOPIC, "'\\n4.1' is not a Kafka release"),
    ('name: x\nkafka_version: "٤.١"\n' + TOPIC, "is not a Kafka release"),
    ('name: x\nkafka_version: "３.６"\n' + TOPIC, "is not a Kafka release"),
    ('name: x\nkafka_version: "0.08.0"\n' + TOPIC, "'0.08.0' is not a Kafka release"),
    ('name: x\ntopic: {replication.factor: "a\\nb"}\n', "'a\\nb' (a string) is not an integer"),
    ("a: &a [x, x, x, x, x, x, x, x, x]\n" + LAUGHS + "name: x\n" + TOPIC,
     "aliases expand this to more than 10000 values"),
    ("x: &r [*r]\nname: x\n" + TOPIC, "an alias refers to a node that holds it"),
])
def test_a_hostile_config_is_one_line_and_exit_2(tmp_path: Path, text: str, says: str) -> None:
    config = tmp_path / "hostile.yaml"
    config.write_text(text, encoding="utf-8", errors="surrogatepass")
    status, output = _run("compile", config, "--out", tmp_path / "out")
    error = _one_error(output)
    assert status == 2 and str(config) in error and says in error, error
    assert not (tmp_path / "out").exists()


def test_a_billion_laughs_sweep_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "sweep.yaml"
    config.write_text("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + LAUGHS + "name: x\n" + TOPIC
                      + "sweep: {faults.crashes: *i}\n")
    status, output = _run("sweep", config, "--out", tmp_path / "out")
    assert status == 2 and "aliases expand" in _one_error(output)


def test_a_file_name_cannot_add_lines_to_the_module(tmp_path: Path) -> None:
    hostile = tmp_path / "a\n==== *) (* \u202e.yaml"
    hostile.write_text("name: x\n" + TOPIC)
    tla = compile_model(Model.from_yaml(hostile).resolve()).tla
    plain = compile_model(Model.from_yaml(_written(tmp_path / "b.yaml", "name: x\n" + TOPIC))
                          .resolve()).tla
    assert len(tla.splitlines()) == len(plain.splitlines())
    assert tla.isascii() and "a\\n==== * ) ( * \\u202e.yaml" in tla


def _written(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_regress_names_every_broken_config(tmp_path: Path) -> None:
    for name, text in (("good", "name: good\n" + TOPIC), ("bad1", "name: ..\n" + TOPIC),
                       ("bad2", "name: bad2\ntopic: {replication.factor: 9}\n")):
        _written(tmp_path / f"{name}.yaml", text)
    status, output = _run("regress", tmp_path, "--out", tmp_path / "out")
    errors = [line for line in output.splitlines() if line.startswith("kafkamc: error:")]
    assert status == 2 and len(errors) == 2, output
    assert "bad1.yaml" in errors[0] and "bad2.yaml" in errors[1]


def test_a_large_sweep_needs_yes_and_a_huge_one_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafkamc.sweep.command, "CONFIRM_CELLS", 3)
    sweep = _written(tmp_path / "s.yaml", "name: s\n" + TOPIC +
                     "sweep: {faults.crashes: [0, 1], faults.power_losses: [0, 1]}\n")
    status, output = _run("sweep", sweep, "--out", tmp_path / "out")
    assert "sweep s: 4 cells, 4 to check with TLC" in output
    assert status == 2 and "4 cells to check is more than 3" in _one_error(output)
    huge = _written(tmp_path / "h.yaml", "name: h\n" + TOPIC + "sweep:\n" + "".join(
        f"  faults.{fault}: [0, 1, 2, 3]\n" for fault in
        ("crashes", "power_losses", "disk_losses", "network_partitions"))
        + "  bounds.records: [1, 2, 3, 4]\n  producer.acks: [0, 1, all]\n"
        + "  topic.min.insync.replicas: [1, 2, 3, 4, 5]\n")
    status, output = _run("sweep", huge, "--out", tmp_path / "out2")
    assert status == 2 and "the sweep has 15,360 cells" in _one_error(output)
