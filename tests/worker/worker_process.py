"""Start and stop real `mcuforge worker` processes for tests, with their own data dir and queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from celery import Celery

from worker.celery_app import make_celery_app

REPO_ROOT = Path(__file__).resolve().parents[2]
# Short enough that a dead worker is noticed within seconds, long enough that a busy 2-core
# machine never misses a heartbeat by that much.
TEST_HEARTBEAT_SECONDS = 0.25
TEST_STALE_AFTER_SECONDS = 8.0


@dataclass
class BrokerSetup:
    """Where test workers and the test process meet: one database, one broker, one data dir."""

    name: str
    database_url: str
    redis_url: str | None
    data_dir: Path
    extra_environment: dict[str, str] = field(default_factory=dict)

    def app(self, queue: str) -> Celery:
        return make_celery_app(redis_url=self.redis_url, data_dir=self.data_dir, queue_name=queue)

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("REDIS_URL", "DATABASE_URL", "MCUFORGE_DATA_DIR")
        }
        env.update(
            DATABASE_URL=self.database_url,
            MCUFORGE_DATA_DIR=str(self.data_dir),
            MCUFORGE_ENVIRONMENT="test",
            MCUFORGE_JOB_HEARTBEAT_SECONDS=str(TEST_HEARTBEAT_SECONDS),
            MCUFORGE_JOB_STALE_AFTER_SECONDS=str(TEST_STALE_AFTER_SECONDS),
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra_environment)
        return env


@dataclass
class WorkerProcess:
    """One `mcuforge worker` in its own process group (so the whole group can be killed)."""

    setup: BrokerSetup
    queue: str
    log_path: Path
    process: subprocess.Popen[bytes] = field(init=False)

    def start(self) -> WorkerProcess:
        command = [sys.executable, "-m", "backend.cli", "worker", "--queue", self.queue]
        command += ["--concurrency", "1", "--loglevel", "info"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.setup.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, characters: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]

    def kill_group(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a machine crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
