"""The supervisor `mcuforge run` uses: a killed child is restarted with back-off and logged, and
stop() stops the current child and restarts nothing more. Fake children (sleep) keep it fast."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from backend.commands.supervisor import RestartPolicy, Supervisor, describe_exit

pytestmark = pytest.mark.timeout(60)


def start_sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def stop_by_sigterm(process: subprocess.Popen[bytes]) -> int:
    process.terminate()
    return process.wait(timeout=10)


def wait_until(condition, timeout_seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_back_off_doubles_up_to_its_cap_and_resets_once_the_child_stayed_up() -> None:
    policy = RestartPolicy(first_delay_seconds=1, max_delay_seconds=30, stable_after_seconds=60)
    delays = []
    delay = None
    for _ in range(7):
        delay = policy.next_delay(delay, uptime_seconds=0.5)
        delays.append(delay)
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert policy.next_delay(30, uptime_seconds=61) == 1


def test_exit_descriptions_name_the_signal() -> None:
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe_exit(3) == "exit code 3"


def test_a_killed_child_is_restarted_with_growing_delays_and_each_restart_is_logged() -> None:
    lines: list[str] = []
    policy = RestartPolicy(first_delay_seconds=0.2, max_delay_seconds=0.8, stable_after_seconds=30)
    supervisor = Supervisor(start_sleeper, stop_by_sigterm, policy=policy, log=lines.append)
    first = supervisor.start_first()
    pids = [first.pid]
    try:
        for round_number in range(3):
            current = supervisor.process
            assert current is not None
            killed_at = time.monotonic()
            os.kill(current.pid, signal.SIGKILL)
            wait_until(lambda current=current: supervisor.process is not current)
            waited = time.monotonic() - killed_at
            expected_delay = 0.2 * 2**round_number
            assert waited >= expected_delay, (round_number, waited)
            new = supervisor.process
            assert new is not None and new.poll() is None
            pids.append(new.pid)
    finally:
        exit_code = supervisor.stop()
    assert len(set(pids)) == 4
    assert supervisor.restarts == 3
    stopped = [line for line in lines if "stopped unexpectedly" in line]
    assert len(stopped) == 3
    assert all("killed by SIGKILL" in line for line in stopped)
    assert [line.rsplit("restarting it in ", 1)[1] for line in stopped] == ["0.2 s", "0.4 s", "0.8 s"]
    assert exit_code == -signal.SIGTERM
    assert not supervisor.is_alive()


def test_stop_during_the_back_off_starts_nothing_more() -> None:
    lines: list[str] = []
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        started.append(start_sleeper())
        return started[-1]

    policy = RestartPolicy(first_delay_seconds=5, max_delay_seconds=5)
    supervisor = Supervisor(start, stop_by_sigterm, policy=policy, log=lines.append)
    child = supervisor.start_first()
    child.kill()
    wait_until(lambda: any("restarting it in 5 s" in line for line in lines))

    supervisor.stop()

    assert not supervisor.is_alive()
    assert len(started) == 1
