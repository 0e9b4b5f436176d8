"""`mcuforge run` as a user starts it: no database server, no Redis; one worker runs jobs, and
Ctrl-C or SIGTERM stops the server and the worker."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.utils.api import sign_up
from tests.worker.worker_process import REPO_ROOT

pytestmark = pytest.mark.timeout(120)
START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children_of(pid: int) -> list[int]:
    # Each thread has its own list: a restarted worker is a child of the supervisor thread.
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            pass  # a server thread that ended meanwhile
    return children


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent has not collected it yet.
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"


class Platform:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.output = data_dir / "run.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("REDIS_URL", "DATABASE_URL", "MCUFORGE_DATA_DIR")
        }
        # Plain http on 127.0.0.1: browsers (and httpx) would not send back a Secure cookie.
        env.update(
            MCUFORGE_DATA_DIR=str(data_dir), MCUFORGE_ENVIRONMENT="test", MCUFORGE_SECURE_COOKIES="false"
        )
        with self.output.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backend.cli", "run", "--port", str(self.port)],
                cwd=REPO_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"mcuforge run exited:\n{self.text()}"
            try:
                if self.client.get("/api/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"mcuforge run did not serve within the timeout:\n{self.text()}")

    def worker_pid(self) -> int:
        (pid,) = children_of(self.process.pid)
        return pid

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.client.close()


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    running = Platform(tmp_path)
    try:
        running.wait_until_serving()
        yield running
    finally:
        running.stop()


def wait_gone(pid: int, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while process_exists(pid):
        assert time.monotonic() < deadline, f"process {pid} is still running"
        time.sleep(0.1)


def test_run_serves_the_api_runs_jobs_in_its_worker_and_stops_both_on_ctrl_c(
    platform: Platform,
) -> None:
    sign_up(platform.client, "runner")
    project = platform.client.post("/api/projects", json={"name": "run"}).json()
    job = platform.client.post(
        f"/api/projects/{project['id']}/jobs/check", json={"seconds": 0.5, "steps": 2}
    ).json()
    events = []
    url = f"/api/projects/{project['id']}/jobs/{job['id']}/stream"
    with platform.client.stream("GET", url, timeout=START_TIMEOUT_SECONDS) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
    assert events[-1]["state"] == "succeeded", platform.text()
    assert events[-1]["result"]["broker"] == "embedded"
    output = platform.text()
    assert f"mcuforge is running at http://127.0.0.1:{platform.port}" in output
    assert f"API documentation: http://127.0.0.1:{platform.port}/docs" in output
    worker_pid = platform.worker_pid()
    pool_pid = int(events[-1]["worker"].rpartition(":")[2])

    platform.process.send_signal(signal.SIGINT)

    assert platform.process.wait(timeout=30) == 0, platform.text()
    wait_gone(worker_pid, timeout_seconds=10)
    wait_gone(pool_pid, timeout_seconds=10)
    assert "stopped the server and the worker" in platform.text()
    with sqlite3.connect(platform.data_dir / "mcuforge.db") as database:
        # A worker that stops cleanly takes its heartbeat row with it.
        assert database.execute("SELECT count(*) FROM worker_heartbeats").fetchone() == (0,)


def run_check_job(platform: Platform, project_id: int) -> dict:  # type: ignore[type-arg]
    """Submit a short self-check and follow its event stream to the end; the last event."""
    job = platform.client.post(
        f"/api/projects/{project_id}/jobs/check", json={"seconds": 0.5, "steps": 2}
    ).json()
    events = []
    url = f"/api/projects/{project_id}/jobs/{job['id']}/stream"
    with platform.client.stream("GET", url, timeout=START_TIMEOUT_SECONDS) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
    return events[-1]


def test_a_killed_worker_is_restarted_and_runs_the_next_job_and_sigterm_still_stops_all(
    platform: Platform,
) -> None:
    first_pid = platform.worker_pid()
    health = platform.client.get("/api/health").json()
    assert [worker["name"] for worker in health["workers"]] == [f"mcuforge-{first_pid}@{socket.gethostname()}"]

    os.kill(first_pid, signal.SIGKILL)

    deadline = time.monotonic() + 15
    while "restarted the worker" not in platform.text():
        assert time.monotonic() < deadline, platform.text()
        time.sleep(0.1)
    output = platform.text()
    assert f"the worker (pid {first_pid}) stopped unexpectedly" in output
    assert "(killed by SIGKILL); restarting it in 1 s" in output
    second_pid = platform.worker_pid()
    assert second_pid != first_pid and process_exists(second_pid)
    sign_up(platform.client, "runner")
    project = platform.client.post("/api/projects", json={"name": "restarted"}).json()
    last = run_check_job(platform, project["id"])
    assert last["state"] == "succeeded", platform.text()

    platform.process.send_signal(signal.SIGTERM)

    assert platform.process.wait(timeout=30) == 0, platform.text()
    wait_gone(second_pid, timeout_seconds=10)
