"""Keep one child process running: restart it when it dies, with exponential back-off.

`mcuforge run` supervises its worker with this: a worker killed by the OOM killer or by hand is
started again (1 s, 2 s, 4 s ... up to a cap; back to 1 s once a worker has stayed up a while),
and every restart is logged with how the process ended.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

StartProcess = Callable[[], "subprocess.Popen[bytes]"]
StopProcess = Callable[["subprocess.Popen[bytes]"], int]


@dataclass(frozen=True)
class RestartPolicy:
    first_delay_seconds: float = 1.0
    max_delay_seconds: float = 30.0
    # A process that ran this long is healthy again: its next death waits first_delay_seconds.
    stable_after_seconds: float = 60.0

    def next_delay(self, previous_delay: float | None, uptime_seconds: float) -> float:
        if previous_delay is None or uptime_seconds >= self.stable_after_seconds:
            return self.first_delay_seconds
        return min(previous_delay * 2, self.max_delay_seconds)


def describe_exit(returncode: int) -> str:
    """`exit code 3`, or `killed by SIGKILL` for Popen's negative return codes."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"killed by {name}"
    return f"exit code {returncode}"


def _log_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Supervisor(threading.Thread):
    """Starts `start()` and restarts it whenever it exits, until `stop()`.

    Starting a process and noticing `stop()` happen under one lock, so a process started in the
    same instant as `stop()` is still the one stopped.
    """

    def __init__(
        self,
        start: StartProcess,
        stop_process: StopProcess,
        *,
        what: str = "the worker",
        policy: RestartPolicy | None = None,
        log: Callable[[str], None] = _log_to_stderr,
    ) -> None:
        super().__init__(name="supervisor", daemon=True)
        self._start_process = start
        self._stop_process = stop_process
        self._what = what
        self._policy = policy or RestartPolicy()
        self._log = log
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._first_started = threading.Event()
        self.restarts = 0

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        with self._lock:
            return self._process

    def start_first(self) -> subprocess.Popen[bytes]:
        """Start the thread and return once the first process runs (so start-up errors raise)."""
        with self._lock:
            self._process = self._start_process()
            process = self._process
        self._first_started.set()
        self.start()
        return process

    def run(self) -> None:
        self._first_started.wait()
        delay: float | None = None
        while True:
            with self._lock:
                process = self._process
            if process is None:
                return
            started_at = time.monotonic()
            returncode = process.wait()
            if self._stopping.is_set():
                return
            uptime_seconds = time.monotonic() - started_at
            delay = self._policy.next_delay(delay, uptime_seconds)
            self._log(
                f"mcuforge: {self._what} (pid {process.pid}) stopped unexpectedly after "
                f"{uptime_seconds:.1f} s ({describe_exit(returncode)}); restarting it in "
                f"{delay:g} s"
            )
            if self._stopping.wait(delay):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                try:
                    self._process = self._start_process()
                except OSError as exc:  # e.g. out of processes: try again after the next delay
                    self._log(f"mcuforge: could not restart {self._what}: {exc}")
                    continue
                self.restarts += 1
            self._log(f"mcuforge: restarted {self._what} (pid {self._process.pid})")

    def stop(self) -> int | None:
        """Stop supervising and stop the current process; its exit code (None if none ran)."""
        with self._lock:
            self._stopping.set()
            process = self._process
        exit_code = None if process is None else self._stop_process(process)
        if self.is_alive():
            self.join(timeout=10)
        return exit_code
