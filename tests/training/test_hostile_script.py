"""A hostile expert script, trained through the real job path (API -> job -> bubblewrap), tries to
reach the database, other processes, the network and the disk outside its working directory,
fork-bombs, writes past the file-size limit and leaves result.json as a link to the database.
Every attempt fails, the job fails with a clear message, and the worker trains the next job."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import worker.celery_app
from backend.api.routes.auth import login_limiter
from backend.app import create_app
from backend.db.models import Sample
from backend.db.session import get_sessionmaker
from backend.settings import settings
from tests.conftest import require
from tests.training.conftest import (
    LABELS,
    TRAINING_SAMPLES,
    block_url,
    generate_features,
    make_impulse,
    start_training,
    upload_clips,
)
from tests.utils.api import create_project, sign_up
from tests.worker.jobs_helpers import log_lines, read_job
from worker.celery_app import make_celery_app
from worker.job_runtime import run_job
from worker.learning import sandbox_launcher
from worker.training.train_job import run_train_model

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "hostile-test-secret-7f3a"
FORKS = 200
# Below FORKS plus TensorFlow's threads (the limit counts threads too), above what training needs.
PROCESS_LIMIT = 160
SMALL_FILE_LIMIT = 2 * 2**20

HOSTILE = r"""
import atexit, json, os, resource, socket, time

found = {}

def attempt(name, action):
    try:
        found[name] = "SUCCEEDED: " + repr(action())[:200]
    except BaseException as error:
        found[name] = f"failed: {type(error).__name__} {getattr(error, 'errno', '')}"

try:
    from backend.settings import settings as server_settings
    TARGETS.append(str(server_settings.data_dir))
    TARGETS.append(server_settings.sqlalchemy_url.removeprefix("sqlite:///"))
    found["backend_settings"] = "SUCCEEDED"
except BaseException as error:
    found["backend_settings"] = "failed: " + type(error).__name__

for index, target in enumerate(TARGETS):
    attempt(f"read {target}", lambda: open(target, "rb").read(64) if os.path.isfile(target) else os.listdir(target))

databases = []
for top, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/dev")]
    databases += [os.path.join(top, f) for f in files if f.endswith((".db", ".sqlite", ".sqlite3"))]
found["databases"] = databases

processes = {}
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        processes[pid] = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()[:120]
        if SECRET.encode() in open(f"/proc/{pid}/environ", "rb").read():
            found["secret_in_environ"] = pid
    except OSError:
        pass
found["processes"] = processes

for port in PORTS:
    def connect(port=port):
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return "connected"
    attempt(f"connect {port}", connect)
attempt("connect outside", lambda: socket.create_connection(("1.1.1.1", 53), timeout=2))

for place in WRITE_TARGETS:
    def write(place=place):
        with open(os.path.join(place, "hostile-was-here"), "w") as file:
            file.write("x")
        return place
    attempt(f"write {place}", write)
attempt("write /tmp", lambda: open("/tmp/private-scratch", "w").write("fine"))

children, fork_error = [], None
for _ in range(FORKS):
    try:
        pid = os.fork()
    except OSError as error:
        fork_error = type(error).__name__
        break
    if pid == 0:
        try:  # the sandbox's end must end these too
            os.execv("/usr/bin/sleep", ["sleep", "607.123"])
        finally:
            os._exit(0)
    children.append(pid)
found["forks"] = len(children)
found["fork_error"] = fork_error
found["nproc_limit"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
found["uid"] = os.getuid()
for pid in children[: len(children) // 2]:  # the rest are left for the sandbox's end to end
    os.kill(pid, 9)
    os.waitpid(pid, 0)

attempt("big file", lambda: open("big.bin", "wb").write(b"\0" * BIG_BYTES))

print("FINDINGS " + json.dumps(found), flush=True)

def leave_link():
    # After the bootstrap has written its result: point it at the database instead.
    if os.path.exists("result.json"):
        os.remove("result.json")
    os.symlink(DATABASE, "result.json")
    open("result.json.was-linked", "w").write("yes")

atexit.register(leave_link)
raise SystemExit(0)
"""


@dataclass
class HostileWorld:
    client: TestClient
    url: str
    project_id: int
    impulse_id: int
    other_project_id: int


@pytest.fixture
def hostile_world(
    database_url: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[HostileWorld]:
    """A project with MFCC features ready to train, and another tenant's project beside it, on
    SQLite (embedded broker) or on PostgreSQL with Redis as the broker the API enqueues on."""
    probe = sandbox_launcher.probe(settings.bwrap_path)
    require(probe.available, f"bubblewrap is {probe.describe()}")
    redis_url = request.getfixturevalue("redis_url") if "postgres" in database_url else None
    monkeypatch.setenv("MCUFORGE_SECRET_KEY", SECRET)
    original_app = worker.celery_app.celery_app
    # Nothing consumes this queue: jobs run in-process through run_job, as a worker runs them.
    worker.celery_app.celery_app = make_celery_app(
        redis_url=redis_url, data_dir=tmp_path, queue_name=f"hostile-{uuid.uuid4().hex}"
    )
    login_limiter.clear()
    try:
        with TestClient(create_app()) as client:
            sign_up(client, f"tenant-{uuid.uuid4().hex[:8]}")
            other = int(create_project(client, "other tenant")["id"])
            upload_clips(client, other, LABELS, 1, "training")
            project_id = int(create_project(client, "hostile")["id"])
            upload_clips(client, project_id, LABELS, TRAINING_SAMPLES, "training")
            impulse_id = int(make_impulse(client, project_id)["id"])
            generate_features(client, project_id, impulse_id)
            yield HostileWorld(client, database_url, project_id, impulse_id, other)
    finally:
        worker.celery_app.celery_app = original_app


def _findings(job_id: int) -> dict[str, object]:
    for line in log_lines(job_id):
        if line.startswith("FINDINGS "):
            return dict(json.loads(line.removeprefix("FINDINGS ")))
    raise AssertionError("\n".join(log_lines(job_id)))


def test_a_hostile_expert_script_reaches_nothing_and_the_worker_trains_on(
    hostile_world: HostileWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, impulse_id = hostile_world, hostile_world.impulse_id
    # SQLite: the database file; PostgreSQL: the socket directory and a data directory.
    database = (
        world.url.removeprefix("sqlite:///")
        if world.url.startswith("sqlite")
        else "/var/run/postgresql/.s.PGSQL.5432"
    )
    samples_before = _sample_count(world.other_project_id)
    api = socket.socket()
    api.bind(("127.0.0.1", 0))
    api.listen()
    # The repository's own files (a venv inside it may be bound, so not the folder itself).
    targets = [database, str(Path(database).parent), str(REPO_ROOT / "pyproject.toml")]
    targets += [str(REPO_ROOT / name) for name in (".env", "backend", "data", "tests")]
    targets += [str(settings.data_dir.resolve()), "/etc/shadow", "/etc/passwd"]
    script = (
        f"TARGETS = {targets!r}\nPORTS = {[5432, 6379, api.getsockname()[1]]!r}\n"
        f"WRITE_TARGETS = {[str(REPO_ROOT), '/etc', '/', '/usr']!r}\nFORKS = {FORKS}\n"
        f"BIG_BYTES = {SMALL_FILE_LIMIT + 2**20}\nDATABASE = {database!r}\nSECRET = {SECRET!r}\n"
        + HOSTILE
    )
    url = f"{block_url(world.project_id, impulse_id)}/script"
    assert world.client.put(url, json={"script": script}).status_code == 200
    try:
        default_file_bytes = settings.training_max_file_bytes
        monkeypatch.setattr(settings, "training_max_file_bytes", SMALL_FILE_LIMIT)
        monkeypatch.setattr(settings, "training_max_processes", PROCESS_LIMIT)
        job_id = start_training(world.client, world.project_id, impulse_id)
        assert run_job(job_id, run_train_model) == "failed", log_lines(job_id)
    finally:
        api.close()
        monkeypatch.setattr(settings, "training_max_file_bytes", default_file_bytes)
        world.client.delete(url)

    job = read_job(job_id)
    assert job.error is not None and "replaced result.json with a symbolic link" in job.error
    assert any("bubblewrap sandbox" in line for line in log_lines(job_id))
    found = _findings(job_id)
    failed = {
        key: value
        for key, value in found.items()
        if key.startswith(("read ", "connect ", "write ", "big file")) and key != "write /tmp"
    }
    assert all(str(value).startswith("failed") for value in failed.values()), {
        k: v for k, v in failed.items() if not str(v).startswith("failed")
    }
    assert str(found["write /tmp"]).startswith("SUCCEEDED"), found  # a private /tmp is its own
    assert not os.path.exists("/tmp/private-scratch")
    assert str(found["backend_settings"]).startswith("failed")
    # Database files found anywhere are the read-only packages' own, never the server's.
    system = ("/usr/", *(f"{d}/" for d in sandbox_launcher.interpreter_paths()[1]))
    assert all(path.startswith(system) for path in found["databases"]), found["databases"]  # type: ignore[attr-defined]
    assert "secret_in_environ" not in found
    # Only the sandbox's own processes are visible: bubblewrap's init and the training child.
    assert all(
        "bwrap" in cmdline or "worker.learning.sandbox" in cmdline
        for cmdline in found["processes"].values()  # type: ignore[attr-defined]
    ), found["processes"]
    assert found["big file"] == f"failed: OSError {errno.EFBIG}", found["big file"]
    assert found["nproc_limit"] == PROCESS_LIMIT
    # Not root on the host, even when the worker is (the kernel exempts root from the limit).
    assert found["uid"] == sandbox_launcher.SANDBOX_UID
    assert found["forks"] < FORKS and found["fork_error"] == "BlockingIOError", found
    # The sandbox's pid namespace ended with it: no forked sleeper survived on the host.
    survivors = subprocess.run(["pgrep", "-f", "sleep 607.123"], capture_output=True)
    assert survivors.stdout.strip() == b"", survivors.stdout
    assert not (REPO_ROOT / "hostile-was-here").exists()
    assert _sample_count(world.other_project_id) == samples_before

    # The worker survives: the next (generated) training of the same block succeeds.
    next_job = start_training(world.client, world.project_id, impulse_id)
    assert run_job(next_job, run_train_model) == "succeeded", log_lines(next_job)


def _sample_count(project_id: int) -> int:
    with get_sessionmaker()() as session:
        return int(session.scalar(select(func.count()).where(Sample.project_id == project_id)) or 0)
