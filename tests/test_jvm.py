"""The JVM options of TLC processes (kafkamc.tlc.jvm)."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from kafkamc.tlc.jvm import (
    DYNAMIC_ARCHIVES_FROM,
    JAVA_OPTS_ENV,
    class_data,
    java_major,
    jvm_options,
    shared_class_data,
)
from kafkamc.tlc.run import TlcRun, find_java, run_tlc


def test_long_runs_keep_tiered_compilation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(JAVA_OPTS_ENV, raising=False)
    assert jvm_options() == ["-XX:+UseParallelGC"]


def test_short_runs_compile_with_c1_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(JAVA_OPTS_ENV, raising=False)
    assert jvm_options(short=True) == ["-XX:+UseParallelGC", "-XX:TieredStopAtLevel=1"]


def test_the_users_options_come_last_so_they_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(JAVA_OPTS_ENV, "-Xmx8g -XX:TieredStopAtLevel=4")
    assert jvm_options(short=True)[-2:] == ["-Xmx8g", "-XX:TieredStopAtLevel=4"]


# A module small enough that TLC decides it in its start-up: x counts to 3, and the
# invariant breaks at 3.
COUNTER = """---- MODULE Counter ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 3 /\\ x' = x + 1
Small == x < 3
====
"""


def _counter(directory: Path) -> tuple[Path, Path]:
    tla, cfg = directory / "Counter.tla", directory / "Counter.cfg"
    tla.write_text(COUNTER)
    cfg.write_text("INIT Init\nNEXT Next\nINVARIANT Small\n")
    return tla, cfg


def _run(directory: Path, name: str, *, short: bool = True) -> TlcRun:
    tla, cfg = _counter(directory)
    return run_tlc(tla, cfg, metadir=directory / f"states-{name}", log=directory / f"{name}.log",
                   workers=1, timeout=120, short=short)


@pytest.mark.tlc
def test_short_runs_of_a_sweep_share_a_class_archive(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A JVM of its own makes the archive; short runs started after it map it, a
    long run does not; each reports the same violation, with no JVM message in
    TLC's output; the archive is gone once the sweep is."""
    monkeypatch.delenv(JAVA_OPTS_ENV, raising=False)
    if java_major(find_java()) < DYNAMIC_ARCHIVES_FROM:
        pytest.skip("this Java has no dynamic class-data archives")
    with shared_class_data():
        deadline = time.monotonic() + 120
        while not class_data(short=True) and time.monotonic() < deadline:
            time.sleep(0.2)
        mapped = class_data(short=True)
        assert mapped and mapped[0].startswith("-XX:SharedArchiveFile=")
        archive = Path(mapped[0].split("=", 1)[1])
        assert archive.is_file()
        assert class_data(short=False) == []
        runs = [_run(tmp_path, "map"), _run(tmp_path, "long", short=False)]
    assert not archive.exists()
    for run in runs:
        assert "Invariant Small is violated" in run.output
        assert "[cds]" not in run.output and "warning" not in run.output.lower()


def test_a_sweep_shorter_than_the_dump_leaves_nothing_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with shared_class_data():
        assert [p.name[:16] for p in tmp_path.iterdir()] == ["kafkamc-classes-"]
    assert list(tmp_path.iterdir()) == []


def test_no_class_archive_outside_a_sweep_or_regress() -> None:
    assert class_data(short=True) == []


def test_a_java_that_cannot_tell_its_version_gets_no_optional_feature(tmp_path: Path) -> None:
    assert java_major(tmp_path / "no-java") == 0
