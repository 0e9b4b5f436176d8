"""Runs a training script in a separate, limited process and turns its events into progress.

The child (`python -m worker.learning.sandbox WORKDIR`) gets a minimal environment (no server
secrets), a working directory holding only this run's features, a wall-clock limit enforced
here and memory, CPU, process and file-size limits set with setrlimit before it starts. With
`isolation="bubblewrap"` it runs inside bubblewrap (see sandbox_launcher). Results come back
only as files of the working directory, checked (plain file, size) before the worker reads them.
"""

from __future__ import annotations

import json
import os
import re
import resource
import selectors
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from worker.learning import sandbox, sandbox_launcher, sandbox_results
from worker.learning.errors import TrainingError
from worker.learning.reporting import NullReporter, TrainingReporter

REPO_ROOT = Path(__file__).resolve().parents[2]
# Passed through when set: they only tune threading and devices, and tests rely on them.
_PASSED_THROUGH_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "CUDA_VISIBLE_DEVICES",
)
_KEPT_OUTPUT_LINES = 400
# What TensorFlow prints at start-up on every machine without a GPU: not news for a job log.
_TENSORFLOW_NOISE = re.compile(
    r"cudart_stub|cuda_platform\.cc|cpu_feature_guard|before absl::InitializeLog|"
    r"rebuild TensorFlow with the appropriate compiler flags"
)


@dataclass(frozen=True)
class RunLimits:
    """Limits of one training process. CPU time defaults to wall time x cores; `threads` caps
    TensorFlow's thread pools (None: TensorFlow's default, one per core).

    `isolation`: "bubblewrap" runs the child in the bubblewrap sandbox (binary `bwrap_path`),
    "process" in a plain child process. `max_processes` is RLIMIT_NPROC (the kernel counts every
    process and thread of the worker's user against it, and does not apply it to root), `max_file_bytes` RLIMIT_FSIZE and
    the size of the sandbox's private /tmp; the worker refuses a result.json larger than
    `max_result_bytes` and an artifact larger than `max_artifact_bytes`."""

    time_limit_s: float = 3600.0
    memory_limit_bytes: int | None = 16 * 2**30
    cpu_time_limit_s: float | None = None
    threads: int | None = None
    isolation: Literal["bubblewrap", "process"] = "process"
    bwrap_path: str = "bwrap"
    max_processes: int | None = 4096
    max_file_bytes: int | None = 2 * 2**30
    max_result_bytes: int = 2**20
    max_artifact_bytes: int = 256 * 2**20

    def cpu_seconds(self) -> int:
        if self.cpu_time_limit_s is not None:
            return max(1, int(self.cpu_time_limit_s))
        return int(self.time_limit_s * (os.cpu_count() or 1)) + 10


@dataclass
class SandboxRun:
    """What a successful run left: per-epoch history and the artifact paths."""

    workdir: Path
    history: list[dict[str, float]]
    artifacts: dict[str, Path]
    training_seconds: float
    parameter_count: int
    output_lines: list[str] = field(default_factory=list)


def sandbox_environment(
    workdir: Path, threads: int | None = None, *, code_dir: Path = REPO_ROOT
) -> dict[str, str]:
    """The child's whole environment: built from nothing so no server secret leaks into it.
    `workdir` and `code_dir` are the paths the child sees (inside bubblewrap: its own)."""
    venv_bin = str(sandbox_launcher.interpreter_paths()[0].parent)
    environment = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "PYTHONPATH": str(code_dir),
        "PYTHONUNBUFFERED": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
        "MPLCONFIGDIR": str(workdir),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_USE_LEGACY_KERAS": "1",
    }
    for name in _PASSED_THROUGH_VARIABLES:
        if name in os.environ:
            environment[name] = os.environ[name]
    if threads is not None:
        for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
            environment[name] = str(threads)
    return environment


def _limit_resources(limits: RunLimits) -> Callable[[], None]:
    def apply() -> None:
        # Runs in the child between fork and exec.
        if limits.memory_limit_bytes is not None:
            resource.setrlimit(
                resource.RLIMIT_AS, (limits.memory_limit_bytes, limits.memory_limit_bytes)
            )
        cpu_s = limits.cpu_seconds()
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if limits.max_processes is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))
        if limits.max_file_bytes is not None:
            # Python ignores SIGXFSZ: a write past the limit fails with "File too large".
            resource.setrlimit(
                resource.RLIMIT_FSIZE, (limits.max_file_bytes, limits.max_file_bytes)
            )

    return apply


def write_workdir(
    workdir: Path,
    *,
    script: str,
    job: dict[str, Any],
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_validation: np.ndarray,
    y_validation: np.ndarray,
) -> None:
    """Put the script, job description and this run's features (and nothing else) in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    # A result left by an earlier run must never pass for this run's.
    (workdir / sandbox.RESULT_FILE).unlink(missing_ok=True)
    (workdir / sandbox.SCRIPT_FILE).write_text(script)
    (workdir / sandbox.JOB_FILE).write_text(json.dumps(job, indent=1))
    arrays = (x_train, y_train, x_validation, y_validation)
    for name, array in zip(sandbox.FEATURE_FILES, arrays, strict=True):
        np.save(workdir / name, np.asarray(array, dtype=np.float32))


def _epoch_line(event: dict[str, Any]) -> str:
    logs = event.get("logs", {})
    shown = ", ".join(f"{key} {value:.4f}" for key, value in logs.items())
    return f"Epoch {event['epoch']}/{event['epochs']}: {shown}"


class _ChildWatcher:
    """Reads the child's output and event pipes until both close or the deadline passes."""

    def __init__(self, reporter: TrainingReporter) -> None:
        self.reporter = reporter
        self.output: deque[str] = deque(maxlen=_KEPT_OUTPUT_LINES)
        self.error: dict[str, Any] | None = None
        self._partial: dict[int, bytes] = {}

    def _handle_event(self, line: str) -> None:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            self._handle_output(line)
            return
        kind = event.get("event")
        if kind == "epoch":
            self.reporter.progress(int(event["epoch"]), int(event["epochs"]))
            self.reporter.log(_epoch_line(event))
        elif kind == "stage":
            self.reporter.log(f"{str(event.get('name', '')).capitalize()}...")
        elif kind == "error":
            self.error = event

    def _handle_output(self, line: str) -> None:
        if _TENSORFLOW_NOISE.search(line):
            return
        self.output.append(line)
        self.reporter.log(line)

    def _feed(self, fd: int, data: bytes, handler: Callable[[str], None]) -> None:
        buffered = self._partial.get(fd, b"") + data
        *lines, rest = buffered.split(b"\n")
        self._partial[fd] = rest
        for raw in lines:
            line = raw.decode("utf-8", errors="replace").rstrip("\r")
            if line:
                handler(line)

    def watch(self, process: subprocess.Popen[bytes], event_fd: int, deadline: float) -> bool:
        """False when the deadline passed before the child closed its pipes."""
        assert process.stdout is not None
        handlers = {
            process.stdout.fileno(): self._handle_output,
            event_fd: self._handle_event,
        }
        with selectors.DefaultSelector() as selector:
            for fd in handlers:
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                remaining_s = deadline - time.monotonic()
                if remaining_s <= 0:
                    return False
                for key, _ in selector.select(timeout=min(remaining_s, 1.0)):
                    fd = int(key.fd)
                    data = os.read(fd, 65536)
                    if not data:
                        selector.unregister(fd)
                        tail = self._partial.pop(fd, b"")
                        if tail:
                            handlers[fd](tail.decode("utf-8", errors="replace"))
                        continue
                    self._feed(fd, data, handlers[fd])
        return True


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _failure(returncode: int, watcher: _ChildWatcher, limits: RunLimits) -> TrainingError:
    output = "\n".join(watcher.output)
    if watcher.error is not None:
        log = str(watcher.error.get("traceback", ""))
        if output:
            log = f"{log}\n--- output of the training process ---\n{output}"
        return TrainingError(str(watcher.error["message"]), log=log)
    if returncode == -signal.SIGXCPU:
        message = f"the training process used more than its {limits.cpu_seconds()} s of CPU time"
    elif returncode == -signal.SIGKILL:
        message = (
            "the training process was killed, most likely for exceeding its memory limit of "
            f"{(limits.memory_limit_bytes or 0) / 2**30:.1f} GiB; use a smaller network or batch"
        )
    elif returncode < 0:
        message = f"the training process died of signal {signal.Signals(-returncode).name}"
    else:
        message = f"the training process exited with code {returncode} without a result"
    return TrainingError(message, log=output)


def _child_command(
    workdir: Path, limits: RunLimits, event_fd: int
) -> tuple[list[str], dict[str, str]]:
    """(argv, environment of the launched process) for the chosen isolation."""
    if limits.isolation == "bubblewrap":
        inside = sandbox_environment(
            sandbox_launcher.RUN_DIR, limits.threads, code_dir=sandbox_launcher.CODE_DIR
        )
        inside[sandbox.EVENT_FD_VARIABLE] = str(event_fd)  # bubblewrap keeps inherited fds
        sandbox_launcher.prepare_workdir(workdir)
        command = sandbox_launcher.bubblewrap_command(
            limits.bwrap_path, workdir, inside, tmp_bytes=limits.max_file_bytes
        )
        return command, {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    environment = sandbox_environment(workdir, limits.threads)
    environment[sandbox.EVENT_FD_VARIABLE] = str(event_fd)
    return [sys.executable, "-m", "worker.learning.sandbox", str(workdir)], environment


def _collect(
    workdir: Path, process: subprocess.Popen[bytes], watcher: _ChildWatcher, limits: RunLimits
) -> SandboxRun:
    """Read what the run left, as untrusted files (see sandbox_results)."""
    result_path = workdir / sandbox.RESULT_FILE
    if process.returncode != 0 or not (result_path.exists() or result_path.is_symlink()):
        raise _failure(process.returncode, watcher, limits)
    output = "\n".join(watcher.output)
    try:
        result = sandbox_results.read_result(workdir, limits.max_result_bytes)
        artifacts = sandbox_results.check_outputs(
            workdir,
            result["artifacts"],
            max_artifact_bytes=limits.max_artifact_bytes,
            max_file_bytes=limits.max_file_bytes,
        )
        return SandboxRun(
            workdir=workdir,
            history=[
                {str(key): float(value) for key, value in epoch.items()}
                for epoch in result["history"]
            ],
            artifacts=artifacts,
            training_seconds=float(result["training_seconds"]),
            parameter_count=int(result["parameter_count"]),
            output_lines=list(watcher.output),
        )
    except TrainingError as error:
        raise TrainingError(error.message, log=output) from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise TrainingError(
            f"the training run left a result.json of the wrong shape ({type(error).__name__}: "
            f"{error})",
            log=output,
        ) from None


def run_sandbox(
    workdir: Path,
    *,
    reporter: TrainingReporter | None = None,
    limits: RunLimits | None = None,
) -> SandboxRun:
    """Run the sandbox on a prepared `workdir`; TrainingError (with the traceback) on failure."""
    reporter = reporter or NullReporter()
    limits = limits or RunLimits()
    event_read, event_write = os.pipe()
    command, environment = _child_command(workdir, limits, event_write)
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(event_write,),
            preexec_fn=_limit_resources(limits),
            start_new_session=True,  # its own process group, so a timeout kills every child
        )
    finally:
        os.close(event_write)
    watcher = _ChildWatcher(reporter)
    try:
        finished = watcher.watch(process, event_read, started + limits.time_limit_s)
        if finished:
            try:
                process.wait(timeout=max(1.0, started + limits.time_limit_s - time.monotonic()))
            except subprocess.TimeoutExpired:
                finished = False
        if not finished:
            _kill(process)
            raise TrainingError(
                f"training ran past its time limit of {limits.time_limit_s:g} s and was stopped; "
                "train for fewer cycles, use a smaller network, or raise the limit",
                log="\n".join(watcher.output),
            )
    finally:
        os.close(event_read)
        if process.stdout is not None:
            process.stdout.close()
        if process.poll() is None:
            _kill(process)
    return _collect(workdir, process, watcher, limits)
