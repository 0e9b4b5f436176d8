"""Reading what a finished training run left in its working directory, as untrusted files.

The script can replace any file there with a symbolic link (to /etc/shadow, to the database) or
with something huge. Every file the worker reads or zips afterwards is checked first, with lstat:
a plain file, not a link, within its size limit; then opened with O_NOFOLLOW. The run's processes
are all gone by then (bubblewrap's pid namespace dies with it), so nothing changes in between.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from worker.learning import sandbox
from worker.learning.errors import TrainingError

HISTORY_FILE = "history.json"


def _size_text(size_bytes: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size_bytes >= scale:
            return f"{size_bytes / scale:.1f} {unit}"
    return f"{size_bytes} bytes"


def checked_file(workdir: Path, name: str, max_bytes: int | None) -> Path:
    """`workdir / name` when it is a plain file of at most `max_bytes`; else TrainingError."""
    if not name or "/" in name or name in (".", ".."):
        raise TrainingError(f"the training run named an invalid result file {name!r}")
    path = workdir / name
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise TrainingError(f"the training run did not leave {name}") from None
    if stat.S_ISLNK(info.st_mode):
        raise TrainingError(
            f"the training script replaced {name} with a symbolic link; results must be plain "
            "files in the working directory, so the job was stopped"
        )
    if not stat.S_ISREG(info.st_mode):
        raise TrainingError(f"the training run left {name} as something other than a plain file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise TrainingError(
            f"the training run left {name} of {_size_text(info.st_size)}, more than its limit "
            f"of {_size_text(max_bytes)}"
        )
    return path


def read_checked(workdir: Path, name: str, max_bytes: int | None) -> bytes:
    """The bytes of a checked file, opened without following links."""
    path = checked_file(workdir, name, max_bytes)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as file:
        data = file.read(max_bytes + 1 if max_bytes is not None else -1)
    if max_bytes is not None and len(data) > max_bytes:
        raise TrainingError(f"the training run's {name} grew past its limit while being read")
    return data


def read_result(workdir: Path, max_bytes: int) -> dict[str, Any]:
    """result.json, parsed and shaped as the child bootstrap writes it."""
    try:
        result = json.loads(read_checked(workdir, sandbox.RESULT_FILE, max_bytes))
        if not isinstance(result, dict) or not isinstance(result.get("artifacts"), dict):
            raise ValueError("not an object with artifacts")
        return result
    except (ValueError, UnicodeDecodeError) as error:
        raise TrainingError(f"the training run left an unreadable result.json ({error})") from None


def check_outputs(
    workdir: Path, artifacts: dict[str, Any], *, max_artifact_bytes: int, max_file_bytes: int | None
) -> dict[str, Path]:
    """The artifact paths of result.json, each a known name and a checked file; also checks the
    files the worker reads or zips later (script, job, history, features)."""
    checked: dict[str, Path] = {}
    for kind, name in artifacts.items():
        if sandbox.ARTIFACT_FILES.get(kind) != name:
            raise TrainingError(f"the training run reported an unknown artifact {kind}={name!r}")
        checked[kind] = checked_file(workdir, name, max_artifact_bytes)
    for name in (sandbox.SCRIPT_FILE, sandbox.JOB_FILE, HISTORY_FILE, *sandbox.FEATURE_FILES):
        checked_file(workdir, name, max_file_bytes)
    return checked
