"""The JVM options of TLC processes (kafkamc.tlc.jvm)."""
from __future__ import annotations

import pytest

from kafkamc.tlc.jvm import JAVA_OPTS_ENV, jvm_options


def test_long_runs_keep_tiered_compilation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(JAVA_OPTS_ENV, raising=False)
    assert jvm_options() == ["-XX:+UseParallelGC"]


def test_short_runs_compile_with_c1_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(JAVA_OPTS_ENV, raising=False)
    assert jvm_options(short=True) == ["-XX:+UseParallelGC", "-XX:TieredStopAtLevel=1"]


def test_the_users_options_come_last_so_they_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(JAVA_OPTS_ENV, "-Xmx8g -XX:TieredStopAtLevel=4")
    assert jvm_options(short=True)[-2:] == ["-Xmx8g", "-XX:TieredStopAtLevel=4"]
