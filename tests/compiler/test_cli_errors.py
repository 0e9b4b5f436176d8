"""`mcuforge compile` on a bad model or a bad --out: one line `error: <what is wrong>` on
stderr, a non-zero exit status, nothing written, never a traceback (issue 13)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backend.cli import main as mcuforge_main

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def hello_world(shared_models: Path) -> Path:
    return shared_models / "hello_world_int8.tflite"


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    return lines[0]


def test_a_truncated_model_is_one_line_and_a_failure_exit(
        hello_world: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.tflite"
    truncated.write_bytes(hello_world.read_bytes()[:1500])
    # A real process, as a user runs it: nothing but the one line on stderr.
    run = subprocess.run(
        [sys.executable, "-m", "backend.cli", "compile", str(truncated),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert run.returncode == 1
    line = one_error_line(run.stderr)
    assert "malformed TFLite flatbuffer of 1500 bytes (truncated or corrupted)" in line
    assert not (tmp_path / "out").exists()


def test_a_corrupted_shape_is_named(hello_world: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    import tflite

    from tests.compiler.test_corrupted_models import _overwrite, _vector_start

    model = hello_world.read_bytes()
    tensor = tflite.Model.GetRootAsModel(model, 0).Subgraphs(0).Tensors(0)
    damaged = tmp_path / "damaged.tflite"
    damaged.write_bytes(_overwrite(model, _vector_start(tensor, 4), -7))
    assert mcuforge_main(["compile", str(damaged), "--out", str(tmp_path / "out")]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "tensor 0" in line and "negative (dynamic) dimension" in line


def test_out_is_an_existing_file(hello_world: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "library.txt"
    existing.write_text("mine")
    assert mcuforge_main(["compile", str(hello_world), "--out", str(existing)]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert f"the output path {existing} is a file, not a directory" in line
    assert existing.read_text() == "mine"


def test_out_under_a_file(hello_world: Path, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    out = blocker / "library"
    assert mcuforge_main(["compile", str(hello_world), "--out", str(out)]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert f"the output directory {out} cannot be created: {blocker} is a file" in line


def test_out_not_writable(hello_world: Path, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    # /proc refuses new directories even to root, whose permission bits are not enforced.
    out = Path("/proc/mcuforge-compile-test/library")
    assert mcuforge_main(["compile", str(hello_world), "--out", str(out)]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert str(out) in line and ("cannot be written" in line or "cannot write" in line)


def test_a_missing_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.tflite"
    assert mcuforge_main(["compile", str(missing), "--out", str(tmp_path / "out")]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert line == f"error: cannot read {missing}: No such file or directory"
