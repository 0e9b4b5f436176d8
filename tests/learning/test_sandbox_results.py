"""What a training run leaves is read as untrusted files: links and oversized files are refused
with a message, never followed or read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from worker.learning import sandbox
from worker.learning.errors import TrainingError
from worker.learning.sandbox_results import check_outputs, read_checked, read_result


def _result(workdir: Path, **artifacts: str) -> None:
    body = {"history": [], "artifacts": artifacts, "training_seconds": 1.0, "parameter_count": 3}
    (workdir / sandbox.RESULT_FILE).write_text(json.dumps(body))


def _workdir_files(workdir: Path) -> None:
    for name in (sandbox.SCRIPT_FILE, sandbox.JOB_FILE, "history.json", *sandbox.FEATURE_FILES):
        (workdir / name).write_bytes(b"x")


def test_a_result_linked_outside_the_workdir_is_refused_unread(tmp_path: Path) -> None:
    secret = tmp_path / "database.db"
    secret.write_text('{"history": [], "artifacts": {}}')  # would even parse
    workdir = tmp_path / "run"
    workdir.mkdir()
    (workdir / sandbox.RESULT_FILE).symlink_to(secret)
    with pytest.raises(TrainingError, match="replaced result.json with a symbolic link"):
        read_result(workdir, 2**20)


def test_a_huge_result_is_refused_by_its_size(tmp_path: Path) -> None:
    with open(tmp_path / sandbox.RESULT_FILE, "wb") as file:
        file.truncate(10 * 2**30)  # a sparse 10 GiB file: the size alone must refuse it
    with pytest.raises(TrainingError, match=r"result.json of 10.0 GiB, more than its limit of 1.0"):
        read_result(tmp_path, 2**20)


def test_a_result_that_is_a_directory_or_fifo_is_refused(tmp_path: Path) -> None:
    (tmp_path / sandbox.RESULT_FILE).mkdir()
    with pytest.raises(TrainingError, match="other than a plain file"):
        read_result(tmp_path, 2**20)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(TrainingError, match="other than a plain file"):
        read_checked(tmp_path, "fifo", 100)


def test_artifacts_must_be_the_known_names_plain_and_within_their_limit(tmp_path: Path) -> None:
    _workdir_files(tmp_path)
    (tmp_path / "model_int8.tflite").write_bytes(b"\0" * 100)
    paths = check_outputs(
        tmp_path,
        {"int8_tflite": "model_int8.tflite"},
        max_artifact_bytes=100,
        max_file_bytes=None,
    )
    assert paths == {"int8_tflite": tmp_path / "model_int8.tflite"}
    with pytest.raises(TrainingError, match="unknown artifact"):
        check_outputs(
            tmp_path,
            {"int8_tflite": "../../etc/passwd"},
            max_artifact_bytes=100,
            max_file_bytes=None,
        )
    (tmp_path / "model_int8.tflite").write_bytes(b"\0" * 101)
    with pytest.raises(TrainingError, match="model_int8.tflite of 101 bytes, more than its limit"):
        check_outputs(
            tmp_path,
            {"int8_tflite": "model_int8.tflite"},
            max_artifact_bytes=100,
            max_file_bytes=None,
        )


def test_a_script_replaced_by_a_link_is_refused_before_it_is_zipped(tmp_path: Path) -> None:
    _workdir_files(tmp_path)
    (tmp_path / sandbox.SCRIPT_FILE).unlink()
    (tmp_path / sandbox.SCRIPT_FILE).symlink_to("/etc/passwd")
    with pytest.raises(TrainingError, match="replaced script.py with a symbolic link"):
        check_outputs(tmp_path, {}, max_artifact_bytes=100, max_file_bytes=None)


def test_a_good_result_reads(tmp_path: Path) -> None:
    _result(tmp_path, int8_tflite="model_int8.tflite")
    assert read_result(tmp_path, 2**20)["artifacts"] == {"int8_tflite": "model_int8.tflite"}
