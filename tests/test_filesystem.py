"""The file-system matrix of issue 16: a read-only or unusable --out, a full disk
(simulated ENOSPC, before and after TLC), a dangling symlink, two runs on one out dir,
stale artifacts of an earlier run, and a poisoned run cache entry. Each ends in a
one-line error with exit 2 (a bad --out) or 3 (the machine failed), or in the
correct result, and never writes outside the out dir."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, run_kafkamc
from typer.testing import CliRunner

import kafkamc.cli
import kafkamc.render.artifacts
from kafkamc.cli import app
from kafkamc.outdir import LOCK, MARKER
from kafkamc.tlc.run import Streamed

CONFIG = "name: small\ntopic: {replication.factor: 1}\ncheck: [durability]\n"


def _config(tmp_path: Path, text: str = CONFIG, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _one_error(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("kafkamc: error:")]
    assert len(errors) == 1 and "Traceback" not in output, output
    return errors[0]


def _invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_a_read_only_out_dir_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated (root may write anywhere): mkdir fails with EROFS, as on a read-only mount."""
    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
    monkeypatch.setattr(Path, "mkdir", read_only)
    status, output = _invoke("compile", _config(tmp_path), "--out", tmp_path / "ro" / "x")
    assert status == 2 and "Read-only file system; choose another --out" in _one_error(output)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a mode 0555 directory")
def test_a_real_read_only_directory_is_exit_2(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    status, output = _invoke("compile", _config(tmp_path), "--out", locked / "x")
    assert status == 2 and "Permission denied" in _one_error(output)


@pytest.mark.parametrize("out", ["/proc/kafkamc-test/x", "x" * 300])
def test_an_impossible_out_dir_is_exit_2(tmp_path: Path, out: str) -> None:
    proc = run_kafkamc("compile", _config(tmp_path), "--out", out, cwd=tmp_path)
    assert proc.returncode == 2 and "choose another --out" in _one_error(proc.stderr)


def test_a_full_disk_is_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = Path.write_text

    def full(self: Path, *args: object, **kwargs: object) -> int:
        if self.suffix == ".tla":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write(self, *args, **kwargs)
    monkeypatch.setattr(Path, "write_text", full)
    status, output = _invoke("compile", _config(tmp_path), "--out", tmp_path / "out")
    assert status == 3 and "No space left on device" in _one_error(output)


def test_a_dangling_symlink_out_dir_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    status, output = _invoke("compile", _config(tmp_path), "--out", tmp_path / "link")
    assert status == 2 and "does not exist" in _one_error(output)
    assert not (tmp_path / "nowhere").exists()


def test_out_dot_dot_never_writes_into_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text("the user's own\n")
    for args in (["compile", _config(tmp_path, CONFIG.replace("small", '".."'), "dots.yaml")],
                 ["compile", _config(tmp_path), "--out", "new/.."]):
        proc = run_kafkamc(*args, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        _one_error(proc.stderr)
    assert not (tmp_path / MARKER).exists() and not (tmp_path / "new").exists()
    assert (tmp_path / "report.html").read_text() == "the user's own\n"


def test_a_second_run_on_a_locked_out_dir_is_exit_2_naming_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from kafkamc.outdir import prepare_out_dir; prepare_out_dir(Path(sys.argv[1])); "
         "print('held', flush=True); time.sleep(60)", str(out)], stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        proc = run_kafkamc("compile", _config(tmp_path), "--out", out, cwd=tmp_path)
        assert proc.returncode == 2
        assert f"out dir in use by another kafkamc (pid {holder.pid})" in _one_error(proc.stderr)
    finally:
        holder.kill()
        holder.wait()
    # The lock died with its holder (even a kill -9): the next run gets the directory.
    proc = run_kafkamc("compile", _config(tmp_path), "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (out / LOCK).exists()


def test_a_run_removes_the_previous_runs_artifacts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("")
    stale = ["trace-durability.json", "diagram-durability.svg", "report.html", "result.json",
             "tlc-safety.log", "old.safety.cfg", "old.tla"]
    for name in stale:
        (out / name).write_text("from an earlier run\n")
    (out / "notes.txt").write_text("not kafkamc's\n")
    status, output = _invoke("compile", _config(tmp_path), "--out", out)
    assert status == 0, output
    assert not [name for name in stale if (out / name).exists()]
    assert (out / "notes.txt").exists() and (out / "small.tla").exists()
    status, output = _invoke("explain", out)
    assert status == 2 and "no trace-*.json here" in _one_error(output)


class _FillsUp:
    """A log file on a disk that fills up after `room` lines."""

    def __init__(self, room: int) -> None:
        self.room, self.lines = room, 0

    def write(self, text: str) -> int:
        if self.lines == self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "tlc.log")
        self.lines += 1
        return len(text)


def test_a_full_disk_while_tlc_runs_is_remembered_and_the_output_still_drained() -> None:
    """The thread that tees TLC's output stops writing the log at ENOSPC, keeps
    reading (a full pipe would block TLC for ever), and run_tlc turns the error
    into exit 3 (CheckerError)."""
    seen: list[str] = []
    printer = [sys.executable, "-c", "for i in range(100000): print(i)"]
    tlc = Streamed.start(printer, REPO, _FillsUp(10), seen.append)  # type: ignore[arg-type]
    tlc.process.wait(timeout=60)
    tlc.done()
    assert tlc.write_error is not None and tlc.write_error.errno == errno.ENOSPC
    assert len(seen) == 100000 and tlc.process.returncode == 0


# ---------------------------------------------------------------------------------
# With TLC.

@pytest.mark.tlc
def test_a_full_disk_after_tlc_still_prints_the_verdicts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC writing the counterexample and the report, after TLC has decided."""
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "trace")
    monkeypatch.setattr(kafkamc.render.artifacts, "write_trace", full)
    monkeypatch.setattr(kafkamc.render.artifacts, "write_html", full)
    monkeypatch.setenv("KAFKAMC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", str(REPO / "specs" / "jepsen-2013.yaml"),
                                      "--workers", "1", "--property", "durability",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert "durability │ violated" in result.output, result.output
    assert "could not save durability's counterexample (No space left on device)" in \
        result.output
    assert "could not save report.html" in result.output


@pytest.mark.tlc
def test_a_poisoned_cache_entry_is_never_used(tmp_path: Path) -> None:
    """Every entry of a violated config replaced by the log of a config that holds:
    the entries are ignored (said on stderr) and TLC finds the violation again."""
    cache = tmp_path / "cache"
    holds = _config(tmp_path)
    broken = REPO / "specs" / "jepsen-2013.yaml"
    for config in (broken, holds):
        proc = run_kafkamc("check", config, "--workers", "1", "--json", "-p", "durability",
                           "--out", tmp_path / config.stem, cwd=tmp_path, cache=cache)
        assert proc.returncode in (0, 1), proc.stderr
    entries = sorted(cache.rglob("*.json"), key=lambda p: "module small" in p.read_text())
    honest = json.loads(entries[-1].read_text())
    for entry in entries[:-1]:
        data = json.loads(entry.read_text())
        entry.write_text(json.dumps({**data, "output": honest["output"]}))
    start = time.monotonic()
    proc = run_kafkamc("check", broken, "--workers", "1", "--json", "-p", "durability",
                       "--out", tmp_path / "again", cwd=tmp_path, cache=cache)
    result = json.loads(proc.stdout)["properties"]["durability"]
    assert result["verdict"] == "violated" and result["cached"] is False, proc.stdout
    assert "ignored the run cache entry" in proc.stderr, proc.stderr
    assert time.monotonic() - start < 120
