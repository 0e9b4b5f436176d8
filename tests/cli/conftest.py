"""A live mcuforge server in a subprocess, on a free port with a temporary SQLite database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.utils.api import sign_up

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["MCUFORGE_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(REPO_ROOT)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def wait_until_serving(url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before serving")
        try:
            # `serve` runs no worker: liveness, not readiness (which wants a worker).
            if httpx.get(f"{url}/api/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not answer within {timeout_s} s")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`mcuforge serve` itself: it migrates the empty SQLite file, then serves."""
    data_dir = tmp_path_factory.mktemp("server-data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=data_dir,  # away from any .env in the repository
        env=server_environment(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_serving(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own $XDG_CONFIG_HOME, inherited by the commands it runs: a sign-in stored by
    one test (or on this machine) is never used by another."""
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


def mcuforge(*args: str, stdin: str | None = None, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    """One `mcuforge` command, as a user types it (the environment of the test, plus `env`)."""
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=REPO_ROOT,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})},
    )


@pytest.fixture(scope="session")
def owner(live_server: str) -> Iterator[httpx.Client]:
    """A signed-in browser of the project owner (the server's first account), to create
    projects and keys and check results."""
    with httpx.Client(base_url=live_server) as client:
        sign_up(client, "cli-owner")
        yield client


@pytest.fixture
def project(owner: httpx.Client, request: pytest.FixtureRequest) -> dict:
    """A project with an ingestion API key (`api_key`), which is all the CLI is given."""
    response = owner.post("/api/projects", json={"name": f"cli {request.node.name}"})
    assert response.status_code == 201, response.text
    created = response.json()
    key = owner.post(
        f"/api/projects/{created['id']}/api-keys", json={"name": "cli", "scope": "ingestion"}
    )
    assert key.status_code == 201, key.text
    return {**created, "api_key": key.json()["key"]}
